import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PeerLinks, decideRelay, parseTransportMessage, routeTo, sameRoute, type RelayMessage } from '../../../src/transport/webrtc/relay.js';
import { SignallingSources, type SignallingLike } from '../../../src/transport/webrtc/sources.js';
import { Emitter } from '../../../src/signalling/emitter.js';

const ALL = new Set([1, 2, 3, 4]);
const relay = (from: number, to: number, h: 0 | 1 = 0): RelayMessage => ({ t: 'relay', from, to, d: { s: 'ab', d: { type: 'offer' } }, h });

test('transport messages: well-formed links and relay pass; everything else is refused with a reason', () => {
  assert.deepEqual(parseTransportMessage({ t: 'links', m: [2, 3, 3] }, ALL), { ok: true, message: { t: 'links', m: [2, 3] } });
  assert.deepEqual(parseTransportMessage({ t: 'links', m: [] }, ALL), { ok: true, message: { t: 'links', m: [] } });
  assert.deepEqual(parseTransportMessage({ ...relay(1, 3), extra: 'ignored' }, ALL), { ok: true, message: relay(1, 3) });
  assert.deepEqual(parseTransportMessage(relay(1, 3, 1), ALL), { ok: true, message: relay(1, 3, 1) });
  const bad: unknown[] = [
    null, 7, 'links', [1, 2], {}, { t: 'nope' }, { t: 'ping' },
    { t: 'links' }, { t: 'links', m: 'x' }, { t: 'links', m: [1, 9] }, { t: 'links', m: ['1'] }, { t: 'links', m: [1.5] },
    { t: 'links', m: [1, 2, 3, 4, 1] }, // longer than the ensemble
    { ...relay(1, 3), from: 9 }, { ...relay(1, 3), to: '3' }, { ...relay(1, 3), from: undefined }, relay(2, 2),
    { ...relay(1, 3), d: null }, { ...relay(1, 3), d: 'sdp' }, { ...relay(1, 3), d: [1] }, { ...relay(1, 3), d: undefined },
    { ...relay(1, 3), h: 2 }, { ...relay(1, 3), h: true }, { ...relay(1, 3), h: undefined },
  ];
  for (const v of bad) {
    const r = parseTransportMessage(v, ALL);
    assert.equal(r.ok, false, `accepted ${JSON.stringify(v)}`);
    assert.ok(!r.ok && r.reason.length > 0);
  }
});

test('transport messages: a type the parser cannot render (a msgpack uint64, decoded as a bigint) is refused, not thrown on', () => {
  // Found by test/unit/fuzz/transport.fuzz.test.ts (seed 20261204): the refusal's reason used
  // JSON.stringify, which throws on a bigint, out of the link's receive path.
  for (const t of [2n ** 64n - 1n, -(2n ** 63n)]) {
    const r = parseTransportMessage({ t, from: 2, to: 3, d: {}, h: 0 }, ALL);
    assert.equal(r.ok, false);
  }
});

test('relay decisions: deliver to self, forward one hop to an up member, drop spoofs, second hops and dead ends', () => {
  const up = (...ms: number[]) => (m: number) => ms.includes(m);
  // Member 2 receives on its link to 1.
  assert.deepEqual(decideRelay(relay(1, 3), 1, 2, up(1, 3)), { action: 'forward', to: 3, message: relay(1, 3, 1) });
  assert.deepEqual(decideRelay(relay(1, 2), 1, 2, up(1)), { action: 'deliver', from: 1, via: 1, data: relay(1, 2).d });
  // Member 3 receives, relayed by 2, what 1 sent: deliver as a signal from 1, replies go back through 2.
  assert.deepEqual(decideRelay(relay(1, 3, 1), 2, 3, up(2)), { action: 'deliver', from: 1, via: 2, data: relay(1, 3).d });
  const drops: [RelayMessage, number, number, (m: number) => boolean, RegExp][] = [
    [relay(1, 3), 1, 2, up(1), /no up link to 3/],
    [relay(1, 3, 1), 4, 2, up(1, 3, 4), /already relayed once/], // never a second hop
    [relay(4, 3), 1, 2, up(1, 3), /unrelayed message from 4 arrived from 1/], // spoofed origin
    [relay(1, 3, 1), 1, 2, up(1, 3), /relayed its own message/],
    [relay(2, 3), 1, 2, up(1, 3), /come from us/],
  ];
  for (const [m, link, self, isUp, why] of drops) {
    const d = decideRelay(m, link, self, isUp);
    assert.equal(d.action, 'drop', JSON.stringify(m));
    assert.match(d.action === 'drop' ? d.reason : '', why);
  }
});

test('routes: remembered while it works, else a source that has the member, else an up peer that lists it', () => {
  const links = new PeerLinks();
  const present = new Map<number, number[]>();
  const sourcesWith = (m: number) => present.get(m) ?? [];
  assert.equal(routeTo(3, undefined, sourcesWith, links), undefined, 'unreachable');
  links.set(2, [1, 3]);
  links.set(4, [3]);
  assert.deepEqual(routeTo(3, undefined, sourcesWith, links), { via: 2 }, 'lowest relayer first');
  assert.deepEqual(routeTo(3, { via: 4 }, sourcesWith, links), { via: 4 }, 'remembered relay still lists 3');
  assert.equal(routeTo(2, undefined, sourcesWith, links), undefined, 'a peer never relays to itself');
  present.set(3, [1, 0]);
  assert.deepEqual(routeTo(3, undefined, sourcesWith, links), { source: 1 }, 'a source beats a relay');
  assert.deepEqual(routeTo(3, { source: 0 }, sourcesWith, links), { source: 0 });
  assert.deepEqual(routeTo(3, { via: 2 }, sourcesWith, links), { via: 2 }, 'the answering side replies the way the offer came');
  present.set(3, []);
  assert.deepEqual(routeTo(3, { source: 1 }, sourcesWith, links), { via: 2 }, 'source lost it: fall back to a relay');
  links.delete(2);
  assert.deepEqual(routeTo(3, { via: 2 }, sourcesWith, links), { via: 4 }, 'relayer went down: another one');
  links.set(4, [1]);
  assert.equal(routeTo(3, { via: 4 }, sourcesWith, links), undefined, 'relayer no longer linked to 3');
  assert.ok(sameRoute({ via: 2 }, { via: 2 }) && !sameRoute({ via: 2 }, { source: 2 }) && !sameRoute(undefined, { source: 0 }));
});

class FakeSource extends Emitter<{ signal: [string, unknown]; peers: [string[]]; 'peer-joined': [string]; 'peer-left': [string]; close: [] }> implements SignallingLike {
  closedByUs = 0;
  joins = 0;
  sent: [string, unknown][] = [];
  resolveJoin: (members: string[]) => void = () => {};
  join(): Promise<string[]> {
    this.joins++;
    return new Promise((r) => (this.resolveJoin = r));
  }
  signal(to: string, data: unknown): void {
    this.sent.push([to, data]);
  }
  close(): Promise<void> {
    this.closedByUs++;
    return Promise.resolve();
  }
  fire(event: 'signal' | 'peers' | 'peer-joined' | 'peer-left' | 'close', ...args: unknown[]): void {
    (this.emit as (e: string, ...a: unknown[]) => void)(event, ...args);
  }
}

test('sources: presence per source from the synchronous snapshot and events, forgotten when a source drops', async () => {
  const a = new FakeSource();
  const b = new FakeSource();
  const lines: string[] = [];
  const sources = new SignallingSources([a, b], { self: '1', room: 'r', secret: 's', initialBackoffMs: 10, maxBackoffMs: 10, joinTimeoutMs: 60_000, log: (l) => lines.push(l) });
  let changes = 0;
  const signals: [string, unknown, number][] = [];
  sources.start({ signal: (from, data, i) => signals.push([from, data, i]), changed: () => changes++ });
  assert.equal(a.joins + b.joins, 2);
  assert.deepEqual(sources.with('2'), []);
  assert.equal(sources.signal(0, '2', 'x'), false, 'not joined yet');

  // Admission and an event in the same read, before join() resolves a microtask later.
  a.fire('peers', ['2', '1']);
  a.fire('peer-joined', '3');
  a.resolveJoin(['2']); // the snapshot as of admission: must not undo the later peer-joined
  await Promise.resolve();
  assert.deepEqual([sources.with('2'), sources.with('3'), sources.with('1')], [[0], [0], []]);
  b.fire('peers', ['3']);
  assert.deepEqual(sources.with('3'), [0, 1]);
  a.fire('peer-left', '3');
  assert.deepEqual(sources.with('3'), [1]);
  assert.ok(changes >= 3);

  assert.equal(sources.signal(1, '3', { s: 'x' }), true);
  assert.deepEqual(b.sent, [['3', { s: 'x' }]]);
  b.fire('signal', '3', { s: 'y' });
  assert.deepEqual(signals, [['3', { s: 'y' }, 1]]);

  const before = changes;
  b.fire('close');
  assert.deepEqual(sources.with('3'), [], 'a dropped source forgets its presence');
  assert.equal(changes, before + 1);
  b.fire('peer-joined', '4');
  b.fire('signal', '4', {});
  assert.deepEqual(sources.with('4'), [], 'events after the drop are ignored');
  assert.equal(signals.length, 1);
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(b.joins, 1, 'a given source is not ours to rejoin');

  sources.close();
  assert.deepEqual(sources.with('2'), []);
  assert.equal(a.closedByUs + b.closedByUs, 0, 'given sources are never closed by us');
  a.fire('peer-joined', '4');
  assert.deepEqual(sources.with('4'), []);
});

test('sources: a join that fails is logged with its reason; a join that never answers times out', async () => {
  const failing = new FakeSource();
  failing.join = () => Promise.reject(new Error('proof does not match'));
  const silent = new FakeSource();
  const lines: string[] = [];
  const sources = new SignallingSources([failing, silent], { self: '1', room: 'r', secret: 's', initialBackoffMs: 10, maxBackoffMs: 10, joinTimeoutMs: 20, log: (l) => lines.push(l) });
  sources.start({ signal: () => {}, changed: () => {} });
  await new Promise((r) => setTimeout(r, 50));
  assert.ok(lines.some((l) => l.includes('proof does not match')), lines.join('\n'));
  assert.ok(lines.some((l) => l.includes('no join within 20 ms')), lines.join('\n'));
  silent.fire('peers', ['2']);
  assert.deepEqual(sources.with('2'), [], 'an abandoned join stays abandoned');
  sources.close();
});
