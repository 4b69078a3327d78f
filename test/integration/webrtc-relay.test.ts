// Signalling without the signalling server: several sources, member-hosted rendezvous servers, relay of
// signals over the mesh, source rejoin, keepalive and knocks. Real @roamhq/wrtc; every test closes its
// transports and stops its servers, and the process exits by itself.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';
import { startSignallingServer, type SignallingServer } from '../../src/signalling/server.js';
import { startRendezvous } from '../../src/transport/webrtc/rendezvous.js';
import type { WebRtcTransportOptions } from '../../src/transport/webrtc.js';
import type { MemberId } from '../../src/zab/messages.js';
import { MeshMember } from './fixtures/mesh-member.js';

const ROOM = 'relay-test';
const SECRET = 'mesh-secret';
const MEMBERS = [1, 2, 3];

class Member extends MeshMember {
  constructor(self: number, sources: string[], opts: Partial<WebRtcTransportOptions> = {}) {
    super({
      self,
      members: MEMBERS,
      room: ROOM,
      secret: SECRET,
      signalling: sources.map((url) => ({ url, WebSocket })),
      signallingInitialBackoffMs: 100,
      signallingMaxBackoffMs: 500,
      logTransport: true,
      ...opts,
    });
    live.add(this);
  }

  override close(): void {
    super.close();
    live.delete(this);
  }
}

const live = new Set<Member>();
const servers = new Set<SignallingServer>();
const children = new Set<ChildProcess>();
after(async () => {
  for (const m of [...live]) m.close();
  for (const c of children) c.kill('SIGKILL');
  await Promise.all([...servers].map((s) => s.close()));
});

async function serve(start: Promise<SignallingServer>): Promise<SignallingServer> {
  const s = await start;
  servers.add(s);
  return s;
}
async function stop(s: SignallingServer): Promise<void> {
  await s.close();
  servers.delete(s);
}
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function exchange(a: Member, b: Member, tag: string): Promise<void> {
  const [x, y] = [a.t.self, b.t.self];
  a.t.send(y, `${tag} ${x}→${y}`);
  b.t.send(x, `${tag} ${y}→${x}`);
  await b.until(`${tag} from ${x}`, () => b.from(x).includes(`${tag} ${x}→${y}`));
  await a.until(`${tag} from ${y}`, () => a.from(y).includes(`${tag} ${y}→${x}`));
}

/** A member in a child process (so it can be killed with -9). Resolves once it printed `up` for each of `waitUp`. */
function spawnMember(self: number, sources: string[], waitUp: MemberId[]): Promise<ChildProcess> {
  const fixture = fileURLToPath(new URL('./fixtures/webrtc-member.ts', import.meta.url));
  const arg = JSON.stringify({ self, members: MEMBERS, room: ROOM, secret: SECRET, sources, idleTimeoutMs: 0 });
  const child = spawn(process.execPath, ['--import', 'tsx', fixture, arg], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  child.on('exit', () => children.delete(child));
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`child ${self} not up within 15 s; stdout ${out}; stderr ${err}`)), 15_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (waitUp.every((p) => out.includes(`up ${p}\n`))) {
        clearTimeout(timer);
        resolve(child);
      }
    });
  });
}

test('with the central server stopped, a restarted member rejoins through a rendezvous and relay', async (t) => {
  const central = await serve(startSignallingServer({ port: 0, host: '127.0.0.1' }));
  const r1 = await serve(startRendezvous({ port: 0, room: ROOM, secret: SECRET }));
  const r2 = await serve(startRendezvous({ port: 0, room: ROOM, secret: SECRET }));
  // Member 2 is never in r1 and 3 only knows r1: the restarted 3 can reach 2 only by relay through 1.
  const m1 = new Member(1, [central.url, r1.url]);
  const m2 = new Member(2, [central.url, r2.url]);
  const m3 = new Member(3, [central.url]);
  for (const [m, others] of [[m1, [2, 3]], [m2, [1, 3]], [m3, [1, 2]]] as const) {
    await m.until('mesh', () => others.every((p) => m.up.has(p)));
  }

  await stop(central);
  m3.close();
  await m1.until('1 sees 3 down', () => !m1.up.has(3));
  await m2.until('2 sees 3 down', () => !m2.up.has(3));

  const t0 = Date.now();
  const m3b = new Member(3, [central.url, r1.url]);
  await m3b.until('restarted 3 up with 1 and 2', () => m3b.up.has(1) && m3b.up.has(2));
  await m1.until('1 sees 3 up', () => m1.up.has(3));
  await m2.until('2 sees 3 up', () => m2.up.has(3));
  t.diagnostic(`restarted member up with both peers (2 by relay) in ${Date.now() - t0} ms, central server down`);

  await exchange(m3b, m1, 'direct');
  await exchange(m3b, m2, 'relayed-intro');
  // 2 and 3 introduced each other through 1 only.
  assert.ok(m1.t.stats().relaysForwarded >= 2, `1 forwarded ${m1.t.stats().relaysForwarded}`);
  assert.ok(m2.t.stats().signalsViaRelay >= 1 && m3b.t.stats().signalsViaRelay >= 1, 'both ends signalled by relay');
  assert.ok(!m1.log.some((l) => l === 'down 2') && !m2.log.some((l) => l === 'down 1'), 'the 1–2 link never dropped');
  // Transport frames never reach the application: only the messages the test sent arrived.
  assert.deepEqual(m2.from(3), ['relayed-intro 3→2']);
  assert.deepEqual(m3b.from(2), ['relayed-intro 2→3']);
  for (const m of [m1, m2, m3b]) assert.equal(m.t.stats().malformed, 0);

  for (const m of [m1, m2, m3b]) m.close();
  await Promise.all([stop(r1), stop(r2)]);
});

test("a member whose only source is a wrong-secret member's rendezvous never comes up and delivers nothing", async () => {
  const rBad = await serve(startRendezvous({ port: 0, room: ROOM, secret: 'WRONG' }));
  // The right-secret member knocks first: a rendezvous that let anyone open its room would admit it.
  const good = new Member(2, [rBad.url]);
  await sleep(300);
  const bad = new Member(1, [rBad.url], { secret: 'WRONG' });
  const spam = setInterval(() => {
    bad.t.send(2, 'evil');
    good.t.send(1, 'hello?');
  }, 20);
  await sleep(3000);
  clearInterval(spam);
  assert.equal(bad.up.size + good.up.size, 0, `logs: ${bad.log.join('; ')} | ${good.log.join('; ')}`);
  assert.equal(bad.from(2).length + good.from(1).length, 0);
  assert.ok(rBad.stats().authFailures >= 2, `rendezvous refused ${rBad.stats().authFailures} joins (it must keep refusing the retries)`);
  assert.ok(good.log.some((l) => l.includes('join refused')), `good member's log: ${good.log.join('; ')}`);
  assert.ok(!good.log.some((l) => l.includes('] joined ')), 'the rendezvous never admitted the right-secret member');
  assert.ok(bad.log.some((l) => l.includes('] joined ')), 'its owner did join it');
  bad.close();
  good.close();
  await stop(rBad);
});

test('the central server restarts on the same port: sources rejoin, a member started while it was down joins, the mesh stays up', async (t) => {
  const first = await serve(startSignallingServer({ port: 0, host: '127.0.0.1' }));
  const port = first.port;
  const url = first.url;
  const m1 = new Member(1, [url]);
  const m2 = new Member(2, [url]);
  await m1.until('1–2 up', () => m1.up.has(2));
  await m2.until('2–1 up', () => m2.up.has(1));

  await stop(first);
  await m1.until('1 noticed its source dropped', () => m1.log.some((l) => l.includes('connection closed')));
  const m3 = new Member(3, [url]);
  await sleep(800);
  assert.equal(m3.up.size, 0, 'nothing can introduce 3 yet');
  const t0 = Date.now();
  const second = await serve(startSignallingServer({ port, host: '127.0.0.1' }));
  await m3.until('3 up with 1 and 2 after the server came back', () => m3.up.has(1) && m3.up.has(2));
  t.diagnostic(`member started while the server was down: up with both ${Date.now() - t0} ms after it came back`);
  await exchange(m3, m1, 'after-restart');
  await exchange(m3, m2, 'after-restart');
  assert.ok(!m1.log.includes('down 2') && !m2.log.includes('down 1'), 'the server restart did not disturb the 1–2 link');
  // (1 may have been introduced to 3 by relay through 2 before its own source rejoined.)
  for (const m of [m1, m2]) await m.until('rejoined the restarted server', () => m.log.filter((l) => l.includes('] joined ')).length >= 2, 3000);

  for (const m of [m1, m2, m3]) m.close();
  await stop(second);
});

/** Members 1 and 2 here and 3 in a child process (to be killed), all met through one rendezvous and linked. */
async function twoMembersAndAChild(opts: Partial<WebRtcTransportOptions>): Promise<{ r1: SignallingServer; m1: Member; m2: Member; child: ChildProcess }> {
  const r1 = await serve(startRendezvous({ port: 0, room: ROOM, secret: SECRET }));
  const m1 = new Member(1, [r1.url], opts);
  const m2 = new Member(2, [r1.url], opts);
  const child = await spawnMember(3, [r1.url], [1, 2]);
  await m1.until('1 sees 3', () => m1.up.has(3));
  await m2.until('2 sees 3', () => m2.up.has(3));
  return { r1, m1, m2, child };
}

test('a member killed with -9 is noticed at once: it leaves signalling, and a short probe finds its link dead', async (t) => {
  // Keepalive far off, so only the presence probe can be what notices.
  const { r1, m1, m2, child } = await twoMembersAndAChild({ idleTimeoutMs: 30_000, presenceProbeMs: 150 });

  const t0 = Date.now();
  child.kill('SIGKILL');
  await m1.until('1 sees 3 down', () => !m1.up.has(3), 3000);
  await m2.until('2 sees 3 down', () => !m2.up.has(3), 3000);
  t.diagnostic(`kill -9 noticed by both in ${Date.now() - t0} ms (presence probe 150 ms)`);
  assert.ok(m1.log.some((l) => l.includes('no answer to a probe within 150 ms')), `1's log: ${m1.log.join('; ')}`);
  assert.ok(m1.up.has(2) && m2.up.has(1), 'the live link was probed too, and answered');

  for (const m of [m1, m2]) m.close();
  await stop(r1);
});

test('a frozen member (SIGSTOP: still present in signalling) is noticed by keepalive, not ICE', async (t) => {
  const { r1, m1, m2, child } = await twoMembersAndAChild({ idleTimeoutMs: 1500 });
  await sleep(2000); // idle links stay up: pings keep them alive
  assert.ok(m1.up.has(3) && m2.up.has(3) && m1.up.has(2), `links dropped while idle: ${m1.log.join('; ')}`);

  const t0 = Date.now();
  child.kill('SIGSTOP');
  try {
    await m1.until('1 sees 3 down', () => !m1.up.has(3), 5000);
    await m2.until('2 sees 3 down', () => !m2.up.has(3), 5000);
    t.diagnostic(`a frozen member noticed by both in ${Date.now() - t0} ms (idle timeout 1500 ms)`);
    assert.ok(m1.log.some((l) => l.includes('nothing received')), `1's log: ${m1.log.join('; ')}`);
  } finally {
    child.kill('SIGKILL');
  }

  for (const m of [m1, m2]) m.close();
  await stop(r1);
});

test('a restarted answering member knocks: peers with a stale link to its old process re-dial at once', async (t) => {
  // Keepalive off on 1 and 2: only the knock (and the probe it triggers) can notice the dead process.
  const r1 = await serve(startRendezvous({ port: 0, room: ROOM, secret: SECRET }));
  const m1 = new Member(1, [r1.url], { idleTimeoutMs: 0, probeTimeoutMs: 1000 });
  const m2 = new Member(2, [r1.url], { idleTimeoutMs: 0, probeTimeoutMs: 1000 });
  const child = await spawnMember(3, [r1.url], [1, 2]);
  await m1.until('1 sees 3', () => m1.up.has(3));
  await m2.until('2 sees 3', () => m2.up.has(3));

  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  const t0 = Date.now();
  const m3b = new Member(3, [r1.url]);
  await m3b.until('restarted 3 up with 1 and 2', () => m3b.up.has(1) && m3b.up.has(2), 8000);
  t.diagnostic(`restarted member up with both ${Date.now() - t0} ms after the kill`);
  assert.ok(m1.t.stats().knocksReceived >= 1 && m2.t.stats().knocksReceived >= 1, 'both initiators were knocked');
  assert.ok(m1.log.some((l) => l.includes('no answer to a probe')), `1's log: ${m1.log.join('; ')}`);
  await exchange(m3b, m1, 'after-knock');
  await exchange(m3b, m2, 'after-knock');

  for (const m of [m1, m2, m3b]) m.close();
  await stop(r1);
});

test('a knock restarts an unanswered dial that went into the void (by relay over a stale link)', async (t) => {
  // 2 keeps a stale link to 3's killed process (no keepalive, no presence probe to speak of) and so
  // offers 1 a relay to 3; 1 drops its own link at once, re-dials by that relay, and its offer is lost.
  // The restarted 3 knocks; 1 must dial again then, not wait out its attempt's upTimeoutMs.
  const r1 = await serve(startRendezvous({ port: 0, room: ROOM, secret: SECRET }));
  const m1 = new Member(1, [r1.url], { idleTimeoutMs: 0, presenceProbeMs: 50, initialBackoffMs: 50, upTimeoutMs: 30_000 });
  const m2 = new Member(2, [r1.url], { idleTimeoutMs: 0, presenceProbeMs: 60_000, probeTimeoutMs: 60_000 });
  const child = await spawnMember(3, [r1.url], [1, 2]);
  await m1.until('1 sees 3', () => m1.up.has(3));
  await m2.until('2 sees 3', () => m2.up.has(3));

  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  await m1.until('1 re-dials 3 by relay through 2', () => m1.log.some((l) => l.includes('signals to 3 go by relay through 2')));
  await sleep(300); // the lost offer's attempt is under way, well inside its upTimeoutMs
  assert.ok(!m1.up.has(3));
  const t0 = Date.now();
  const m3b = new Member(3, [r1.url]);
  await m1.until('1 up with the restarted 3', () => m1.up.has(3), 10_000);
  await m3b.until('the restarted 3 up with 1', () => m3b.up.has(1));
  t.diagnostic(`1 up with the restarted 3 ${Date.now() - t0} ms after it started`);
  assert.ok(m1.t.stats().knocksReceived >= 1, 'the restarted member knocked');
  await exchange(m3b, m1, 'after-void');

  for (const m of [m1, m2, m3b]) m.close();
  await stop(r1);
});
