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

// Generous: other test processes share this machine's cores. A passing test never waits this long.
async function until(what: string, cond: () => boolean, timeoutMs = 15_000): Promise<void> {
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
  // A channel delivers one sender's messages in order: once 2 has the signal sent after it, the one
  // for 3 would have arrived first, had it been delivered to 2.
  tabs[0]!.s.signal('2', { type: 'marker' });
  await until('the marker', () => tabs[1]!.signals.length >= 1);
  assert.deepEqual(tabs[1]!.signals, [{ from: '1', data: { type: 'marker' } }], 'member 2 never sees a signal for 3');
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
  // Tabs that joined later, one per secret: each is heard on its own channel, and by then the first
  // two tabs' hellos and beats have long been posted.
  const a2 = new Tab(r, '3', { secret: 'a' });
  const b2 = new Tab(r, '4', { secret: 'b' });
  await a2.s.join();
  await b2.s.join();
  await until('each secret hears its own', () => a.s.members().includes('3') && b.s.members().includes('4') && a2.s.members().includes('1') && b2.s.members().includes('2'));
  assert.deepEqual(a.s.members(), ['3']);
  assert.deepEqual(b.s.members(), ['4']);
  for (const t of [a, b, a2, b2]) await t.s.close();
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
  // Not before its timeout (a slow machine only makes this later): a live tab is never dropped early.
  const took = Date.now() - t0;
  assert.ok(took >= 200, `dropped after ${took} ms (timeout 300 ms)`);
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
  // One sender's messages arrive in order: the signal after it shows the stale one was handled.
  a.s.signal('2', { n: 3 });
  await until('the signal after the stale one', () => fresh.signals.length >= 2);
  assert.deepEqual(fresh.signals.map((s) => s.data), [{ n: 1 }, { n: 3 }]);
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
  // A well-formed hello after the junk: once it is heard, every frame before it was handled.
  raw.postMessage({ t: 'hello', from: 'z', inst: 'i' });
  await until('the valid hello', () => a.events.includes('joined z'));
  assert.deepEqual(a.s.members(), ['z']);
  assert.deepEqual(a.signals, []);
  raw.close();
  await a.s.close();
});
