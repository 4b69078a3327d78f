import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { runUntilExit } from '../../scripts/lib/waiting.js';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';
import { startSignallingServer, type SignallingServer } from '../../src/signalling/server.js';
import { SignallingClient } from '../../src/signalling/client.js';
import { MessageTooLargeError } from '../../src/transport/webrtc.js';
import { PEER_WIRE_VERSION } from '../../src/transport/webrtc/record-shapes.js';
import { WEBRTC_BINDINGS, acquireWebRtcBinding } from '../../src/node/webrtc-binding.js';
import { MeshMember } from './fixtures/mesh-member.js';

const ROOM = 'webrtc-test';
const SECRET = 'mesh-secret';
const MEMBERS = [1, 2, 3];

class Member extends MeshMember {
  constructor(self: number, server: SignallingServer, opts: { secret?: string; signalling?: SignallingClient; wrtc: unknown }) {
    super({ self, members: MEMBERS, room: ROOM, secret: opts.secret ?? SECRET, signalling: opts.signalling ?? { url: server.url, WebSocket }, wrtc: opts.wrtc });
  }
}

const servers: SignallingServer[] = [];
const members: MeshMember[] = [];
after(async () => {
  for (const m of members) m.t.close();
  for (const s of servers) await s.close();
});

for (const bindingName of WEBRTC_BINDINGS) test(`three transports form a mesh, deliver in order, chunk, refuse, authenticate, reconnect (${bindingName})`, async (t) => {
  const { wrtc } = await acquireWebRtcBinding(bindingName);
  const server = await startSignallingServer({ port: 0, host: '127.0.0.1' });
  servers.push(server);
  const [m1, m2, m3] = MEMBERS.map((id) => new Member(id, server, { wrtc })) as [Member, Member, Member];
  members.push(m1, m2, m3);

  await t.test('mesh forms', async () => {
    const t0 = Date.now();
    await m1.until('1 sees 2,3', () => m1.up.has(2) && m1.up.has(3));
    await m2.until('2 sees 1,3', () => m2.up.has(1) && m2.up.has(3));
    await m3.until('3 sees 1,2', () => m3.up.has(1) && m3.up.has(2));
    t.diagnostic(`mesh of 3 formed in ${Date.now() - t0} ms`);
  });

  await t.test('1,000 numbered messages arrive in order and complete', async () => {
    for (let i = 0; i < 1000; i++) m1.t.send(2, { n: i });
    await m2.until('1000 messages', () => m2.from(1).length >= 1000);
    assert.deepEqual(m2.from(1).map((m) => (m as { n: number }).n), Array.from({ length: 1000 }, (_, i) => i));
    m2.inbox.clear();
  });

  await t.test('a 200 KiB message arrives intact; a 300 KiB one is refused', async () => {
    const big = new Uint8Array(200 * 1024).map((_, i) => (i * 7) % 256);
    m1.t.send(3, { big, after: 'x' });
    m1.t.send(3, 'next');
    await m3.until('big message', () => m3.from(1).length >= 2);
    const [first, second] = m3.from(1) as [{ big: Uint8Array; after: string }, string];
    assert.equal(first.after, 'x');
    assert.deepEqual(new Uint8Array(first.big), big);
    assert.equal(second, 'next');
    assert.throws(() => m1.t.send(3, new Uint8Array(300 * 1024)), MessageTooLargeError);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(m3.from(1).length, 2, 'nothing more arrived');
    m3.inbox.clear();
  });

  await t.test('6 MiB queued at once goes out under backpressure, in order, and the link stays up', async () => {
    // Six times the high-water mark: the link must stop at it, learn the channel drained, and resume
    // (a link that misjudged its channel's buffer would stall here, or overflow the channel).
    const part = new Uint8Array(200 * 1024).fill(5);
    for (let i = 0; i < 30; i++) m1.t.send(2, { i, part });
    await m2.until('30 large messages', () => m2.from(1).length >= 30);
    assert.deepEqual(m2.from(1).map((m) => (m as { i: number }).i), Array.from({ length: 30 }, (_, i) => i));
    assert.ok(m1.up.has(2) && m2.up.has(1));
    m2.inbox.clear();
  });

  await t.test('closing a transport gives peerDown on the others', async () => {
    m3.t.close();
    await m1.until('1 sees 3 down', () => !m1.up.has(3));
    await m2.until('2 sees 3 down', () => !m2.up.has(3));
  });

  await t.test('a member with the wrong secret never comes up and is never heard', async () => {
    // Admitted by signalling (its client knows the room secret), refused by the mesh's own check.
    const client = new SignallingClient({ url: server.url, room: ROOM, memberId: '3', secret: SECRET, WebSocket });
    const bad = new Member(3, server, { secret: 'WRONG', signalling: client, wrtc });
    members.push(bad);
    const spam = setInterval(() => {
      bad.t.send(1, 'evil');
      bad.t.send(2, 'evil');
    }, 20);
    await new Promise((r) => setTimeout(r, 3000));
    clearInterval(spam);
    assert.equal(bad.up.size, 0, `bad member saw ${bad.log.join(', ')}`);
    assert.ok(!m1.up.has(3) && !m2.up.has(3));
    assert.ok(!m1.log.slice(2).includes('up 3') && !m2.log.slice(2).includes('up 3'));
    assert.equal(m1.from(3).length + m2.from(3).length, 0);
    bad.t.close();
  });

  await t.test('a member of another peer wire version never comes up, and says why', async () => {
    const client = new SignallingClient({ url: server.url, room: ROOM, memberId: '3', secret: SECRET, WebSocket });
    const other = new MeshMember({ self: 3, members: MEMBERS, room: ROOM, secret: SECRET, signalling: client, wireVersion: PEER_WIRE_VERSION + 1, logTransport: true, wrtc });
    members.push(other);
    await other.until('both links refused', () => [1, 2].every((p) => other.log.some((l) => l.includes(`member ${p} speaks peer wire version ${PEER_WIRE_VERSION}, this member ${PEER_WIRE_VERSION + 1}`))));
    const spam = setInterval(() => other.t.send(1, 'from the future'), 20);
    await new Promise((r) => setTimeout(r, 1000));
    clearInterval(spam);
    assert.equal(other.up.size, 0, `it saw ${other.log.filter((l) => l.startsWith('up')).join(', ')}`);
    assert.ok(!m1.up.has(3) && !m2.up.has(3));
    assert.equal(m1.from(3).length + m2.from(3).length, 0);
    other.t.close();
  });

  await t.test('a restarted member with the same id reconnects (peerUp again), new FIFO stream', async () => {
    const m3b = new Member(3, server, { wrtc });
    members.push(m3b);
    await m1.until('1 sees 3 up again', () => m1.up.has(3));
    await m2.until('2 sees 3 up again', () => m2.up.has(3));
    await m3b.until('new 3 sees 1,2', () => m3b.up.has(1) && m3b.up.has(2));
    m3b.t.send(1, 'hello again');
    m1.t.send(3, 'welcome back');
    await m1.until('message from new 3', () => m1.from(3).length === 1);
    await m3b.until('message to new 3', () => m3b.from(1).length === 1);
    assert.deepEqual(m1.from(3), ['hello again']);
    assert.deepEqual(m3b.from(1), ['welcome back']);
  });

  for (const m of members) m.t.close();
});

test('members on different bindings form one mesh: in order both ways, a chunked message, a restart', async () => {
  const server = await startSignallingServer({ port: 0, host: '127.0.0.1' });
  servers.push(server);
  const [roamhq, datachannel] = await Promise.all([acquireWebRtcBinding('roamhq'), acquireWebRtcBinding('datachannel')]);
  const mk = (self: number, wrtc: unknown): MeshMember =>
    new MeshMember({ self, members: [1, 2], room: 'mixed-bindings', secret: SECRET, signalling: { url: server.url, WebSocket }, wrtc });
  const a = mk(1, roamhq.wrtc);
  const b = mk(2, datachannel.wrtc);
  members.push(a, b);
  await a.until('1 sees 2', () => a.up.has(2));
  await b.until('2 sees 1', () => b.up.has(1));
  for (let i = 0; i < 500; i++) {
    a.t.send(2, { n: i });
    b.t.send(1, { n: i });
  }
  const big = new Uint8Array(100 * 1024).map((_, i) => (i * 13) % 256);
  b.t.send(1, { big });
  await b.until('500 from 1', () => b.from(1).length >= 500);
  await a.until('500 and the big one from 2', () => a.from(2).length >= 501);
  const numbers = Array.from({ length: 500 }, (_, i) => i);
  assert.deepEqual(b.from(1).map((m) => (m as { n: number }).n), numbers);
  assert.deepEqual(a.from(2).slice(0, 500).map((m) => (m as { n: number }).n), numbers);
  assert.deepEqual(new Uint8Array((a.from(2)[500] as { big: Uint8Array }).big), big);
  // The datachannel end restarts as a roamhq one: the link comes back.
  b.t.close();
  await a.until('1 sees 2 down', () => !a.up.has(2));
  const b2 = mk(2, roamhq.wrtc);
  members.push(b2);
  await a.until('1 sees the new 2', () => a.up.has(2));
  await b2.until('the new 2 sees 1', () => b2.up.has(1));
  b2.t.send(1, 'again');
  await a.until('message from the new 2', () => a.from(2).includes('again'));
  a.t.close();
  b2.t.close();
});

for (const bindingName of WEBRTC_BINDINGS) test(`after close() of all transports the process exits by itself (${bindingName})`, async (t) => {
  const fixture = fileURLToPath(new URL('./fixtures/webrtc-exit.ts', import.meta.url));
  const t0 = Date.now();
  const { code, out, err } = await runUntilExit(fixture, ['20000', bindingName], 15_000);
  assert.equal(code, 0, `child did not exit cleanly within 15 s (code ${code}); stderr: ${err}`);
  t.diagnostic(`child: ${out.trim()} exited after ${Date.now() - t0} ms in all`);
});
