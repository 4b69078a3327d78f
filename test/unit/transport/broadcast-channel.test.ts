import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BroadcastSignalling, channelName, type BroadcastChannelLike } from '../../../src/transport/broadcast-channel.js';

let rooms = 0;
const room = (): string => `bc-${process.pid}-${++rooms}`;

/** One tab's signalling and what it heard, in order. */
class Tab {
  readonly s: BroadcastSignalling;
  readonly events: string[] = [];
  readonly signals: { from: string; data: unknown }[] = [];

  constructor(r: string, id: string, o: { secret?: string; heartbeatMs?: number; timeoutMs?: number; BroadcastChannel?: new (name: string) => BroadcastChannelLike } = {}) {
    this.s = new BroadcastSignalling({ room: r, secret: o.secret ?? 'secret', memberId: id, heartbeatMs: o.heartbeatMs ?? 50, timeoutMs: o.timeoutMs ?? 300, ...(o.BroadcastChannel ? { BroadcastChannel: o.BroadcastChannel } : {}) });
    this.s.on('peers', (m) => this.events.push(`peers ${m.join(',')}`));
    this.s.on('peer-joined', (m) => this.events.push(`joined ${m}`));
    this.s.on('peer-left', (m) => this.events.push(`left ${m}`));
    this.s.on('close', () => this.events.push('close'));
    this.s.on('signal', (from, data) => this.signals.push({ from, data }));
  }
}

async function until(what: string, cond: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const sorted = (xs: string[]): string[] => [...xs].sort();

test('tabs of one room find each other and signal only to the addressee', async () => {
  const r = room();
  const tabs = [new Tab(r, '1'), new Tab(r, '2'), new Tab(r, '3')];
  for (const t of tabs) assert.deepEqual(await t.s.join(), []);
  for (const t of tabs) assert.equal(t.events[0], 'peers ', 'an empty snapshot on admission, before join resolves');
  await until('everyone present', () => tabs.every((t) => t.s.members().length === 2));
  assert.deepEqual(sorted(tabs[0]!.s.members()), ['2', '3']);
  tabs[0]!.s.signal('3', { type: 'offer', sdp: 'x' });
  await until('the signal', () => tabs[2]!.signals.length === 1);
  assert.deepEqual(tabs[2]!.signals, [{ from: '1', data: { type: 'offer', sdp: 'x' } }]);
  await new Promise((res) => setTimeout(res, 50));
  assert.equal(tabs[1]!.signals.length, 0, 'member 2 never sees a signal for 3');
  for (const t of tabs) await t.s.close();
  assert.ok(tabs[0]!.events.includes('close'));
});

test('the same room with another secret is another channel', async () => {
  const r = room();
  assert.notEqual(await channelName(r, 'a'), await channelName(r, 'b'));
  assert.notEqual(await channelName(r, 'a'), await channelName(`${r}x`, 'a'));
  const a = new Tab(r, '1', { secret: 'a' });
  const b = new Tab(r, '2', { secret: 'b' });
  await a.s.join();
  await b.s.join();
  await new Promise((res) => setTimeout(res, 200));
  assert.deepEqual(a.s.members(), []);
  assert.deepEqual(b.s.members(), []);
  await a.s.close();
  await b.s.close();
});

test('a closed tab says bye; a crashed one is dropped after the timeout', async () => {
  const r = room();
  // A channel we can silence, as a crashed tab (no bye, no more beats).
  let crashed = false;
  class Crashable implements BroadcastChannelLike {
    private readonly inner: BroadcastChannel;
    constructor(name: string) {
      this.inner = new BroadcastChannel(name);
    }
    postMessage(m: unknown): void {
      if (!crashed) this.inner.postMessage(m);
    }
    addEventListener(type: 'message', fn: (e: { data: unknown }) => void): void {
      this.inner.addEventListener(type, (e) => crashed || fn(e as MessageEvent));
    }
    close(): void {
      this.inner.close();
    }
  }
  const a = new Tab(r, '1');
  const b = new Tab(r, '2');
  const c = new Tab(r, '3', { BroadcastChannel: Crashable });
  for (const t of [a, b, c]) await t.s.join();
  await until('all present', () => a.s.members().length === 2);
  await b.s.close();
  await until('bye heard', () => a.events.includes('left 2'));
  const t0 = Date.now();
  crashed = true;
  await until('crash noticed', () => a.events.includes('left 3'));
  const took = Date.now() - t0;
  assert.ok(took >= 200 && took < 1500, `dropped after ${took} ms (timeout 300 ms)`);
  await a.s.close();
  await c.s.close();
});

test('a reloaded tab (same id, new instance) is peer-left then peer-joined; signals for the old instance are not delivered', async () => {
  const r = room();
  const a = new Tab(r, '1');
  const old = new Tab(r, '2', { timeoutMs: 60_000 });
  await a.s.join();
  await old.s.join();
  await until('present', () => a.s.members().includes('2'));
  // The old page dies without a bye; the new one arrives before the timeout could notice.
  (old.s as unknown as { state: string }).state = 'closed';
  const fresh = new Tab(r, '2');
  await fresh.s.join();
  await until('replaced', () => a.events.filter((e) => e.endsWith(' 2')).length >= 3);
  assert.deepEqual(a.events.filter((e) => e.endsWith(' 2')), ['joined 2', 'left 2', 'joined 2']);
  a.s.signal('2', { n: 1 });
  await until('signal to the new instance', () => fresh.signals.length === 1);
  // A signal addressed to the old instance (an answer to its offer, still in flight) is dropped.
  (a.s as unknown as { channel: BroadcastChannelLike }).channel.postMessage({ t: 'signal', from: '1', inst: a.s.instance, to: '2', toInst: old.s.instance, data: { n: 2 } });
  await new Promise((res) => setTimeout(res, 100));
  assert.deepEqual(fresh.signals.map((s) => s.data), [{ n: 1 }]);
  await a.s.close();
  await fresh.s.close();
  const dead = old.s as unknown as { timer: ReturnType<typeof setInterval>; channel: BroadcastChannelLike };
  clearInterval(dead.timer);
  dead.channel.close();
});

test('malformed frames are ignored', async () => {
  const r = room();
  const a = new Tab(r, '1');
  await a.s.join();
  const raw = new BroadcastChannel(await channelName(r, 'secret'));
  for (const junk of [null, 1, 'x', {}, { t: 'hello' }, { t: 'hello', from: '', inst: 'i' }, { t: 'signal', from: '2', inst: 'i', to: '1' }, { t: 'what', from: '2', inst: 'i' }, { t: 'here', from: '2', inst: 'i' }]) {
    raw.postMessage(junk);
  }
  raw.postMessage({ t: 'hello', from: 'x'.repeat(65), inst: 'i' });
  await new Promise((res) => setTimeout(res, 100));
  assert.deepEqual(a.s.members(), []);
  assert.deepEqual(a.signals, []);
  raw.close();
  await a.s.close();
});
