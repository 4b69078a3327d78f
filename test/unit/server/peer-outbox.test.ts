import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FragmentAssembler, isFragment } from '../../../src/codec/fragments.js';
import type { PeerMessage } from '../../../src/server/messages.js';
import { approxBytes, PeerOutbox, type OutboxLink } from '../../../src/server/peer-outbox.js';
import { zxid } from '../../../src/zab/zxid.js';

const MAX = 64 * 1024;

/** A link with a backlog per peer that only `drain` empties; refuses messages above MAX like the transport. */
class FakeLink implements OutboxLink {
  readonly maxMessageBytes: number | undefined = MAX;
  readonly sent = new Map<number, unknown[]>();
  readonly backlogs = new Map<number, number>();
  maxBacklogSeen = 0;
  constructor(private readonly flowControl = true) {}

  send(to: number, message: unknown): void {
    const bytes = approxBytes(message);
    if (bytes > MAX) throw new RangeError('too large');
    (this.sent.get(to) ?? this.sent.set(to, []).get(to)!).push(message);
    const b = (this.backlogs.get(to) ?? 0) + bytes;
    this.backlogs.set(to, b);
    this.maxBacklogSeen = Math.max(this.maxBacklogSeen, b);
  }

  backlog(to: number): number | undefined {
    return this.flowControl ? this.backlogs.get(to) ?? 0 : undefined;
  }

  drain(to: number): void {
    this.backlogs.set(to, 0);
  }

  /** What `to` received, with parts put back together as the receiving runner does. */
  received(to: number): PeerMessage[] {
    const a = new FragmentAssembler();
    const out: PeerMessage[] = [];
    for (const m of this.sent.get(to) ?? []) {
      if (!isFragment(m)) out.push(m as PeerMessage);
      else {
        const whole = a.push(m);
        if (whole !== undefined) out.push(whole as PeerMessage);
      }
    }
    return out;
  }
}

const proposal = (n: number, dataBytes = 100): PeerMessage => ({
  layer: 'zab',
  message: { type: 'PROPOSAL', epoch: 1, zxid: zxid(1, n), prev: zxid(1, n - 1), txn: { n, data: new Uint8Array(dataBytes).fill(n & 0xff) } },
});
const zab = (message: object): PeerMessage => ({ layer: 'zab', message }) as PeerMessage;
const counters = (ms: readonly PeerMessage[]): number[] => ms.map((m) => ((m.message as { zxid?: { counter: number } }).zxid?.counter ?? -1));

function outbox(link: FakeLink, windowBytes = 16 * 1024, maxLagBytes = 1 << 20) {
  const overflows: [number, string][] = [];
  const o = new PeerOutbox(link, { windowBytes, maxLagBytes, onOverflow: (peer, reason) => overflows.push([peer, reason]) });
  return { o, overflows };
}

describe('PeerOutbox: per-peer FIFO paced by the link', () => {
  test('sends at once while the window has room, then waits for the link to drain, in order', () => {
    const link = new FakeLink();
    const { o } = outbox(link, 1000);
    for (let n = 1; n <= 30; n++) o.send(2, proposal(n));
    const first = link.sent.get(2)!.length;
    assert.ok(first > 0 && first < 30, `${first} sent before the window filled`);
    assert.equal(o.waiting(2), 30 - first);
    while (o.waiting(2) > 0) {
      link.drain(2);
      o.pump(2);
    }
    assert.deepEqual(counters(link.received(2)), Array.from({ length: 30 }, (_, i) => i + 1));
    assert.ok(link.maxBacklogSeen <= 1000 + approxBytes(proposal(1)), `at most a window and one message in flight (${link.maxBacklogSeen})`);
  });

  test('a message above the link limit goes in parts as the link drains; what follows waits behind its last part', () => {
    const link = new FakeLink();
    const { o } = outbox(link, MAX);
    o.send(2, proposal(1, 10 * MAX)); // ten times the limit
    o.send(2, zab({ type: 'COMMIT', epoch: 1, zxid: zxid(1, 1) }));
    assert.ok(link.sent.get(2)!.length <= 2, 'only a window of parts at first');
    let rounds = 0;
    while (o.waiting(2) > 0 && rounds++ < 100) {
      link.drain(2);
      o.pump(2);
    }
    const got = link.received(2);
    assert.deepEqual(got.map((m) => (m.message as { type: string }).type), ['PROPOSAL', 'COMMIT']);
    assert.deepEqual((got[0]!.message as { txn: { data: Uint8Array } }).txn.data, new Uint8Array(10 * MAX).fill(1));
    assert.ok(rounds >= 5, `paced over ${rounds} drains`);
  });

  test('one big message to two peers: each gets all its parts, paced by its own link', () => {
    const link = new FakeLink();
    const { o } = outbox(link, MAX);
    const big = proposal(7, 3 * MAX);
    o.send(2, big);
    o.send(3, big);
    for (let i = 0; i < 10; i++) {
      link.drain(3); // only peer 3's link moves
      o.pump(3);
    }
    assert.equal(o.waiting(3), 0);
    assert.ok(o.waiting(2) > 0, "peer 2's slow link holds back only peer 2");
    for (let i = 0; i < 10; i++) {
      link.drain(2);
      o.pump(2);
    }
    for (const peer of [2, 3]) assert.deepEqual(counters(link.received(peer)), [7]);
  });

  test('without flow control everything goes at once', () => {
    const link = new FakeLink(false);
    const { o } = outbox(link, 10);
    for (let n = 1; n <= 5; n++) o.send(2, proposal(n, 2 * MAX));
    assert.equal(o.waiting(2), 0);
    assert.deepEqual(counters(link.received(2)), [1, 2, 3, 4, 5]);
  });

  test('the sync stream is not lag; what piles up behind it past maxLagBytes cuts that peer off, and only it', () => {
    const link = new FakeLink();
    const { o, overflows } = outbox(link, 1000, 50_000);
    // A sync of 200 KB: DIFF, proposals, NEWLEADER. Never counted, however big.
    o.send(2, zab({ type: 'DIFF', session: 1, epoch: 1, from: zxid(1, 0) }));
    for (let n = 1; n <= 100; n++) o.send(2, proposal(n, 2000));
    o.send(2, zab({ type: 'NEWLEADER', session: 1, epoch: 1, zxid: zxid(1, 100) }));
    assert.deepEqual(overflows, []);
    assert.equal(o.lagBytes(2), 0);
    // The live stream behind it, to peer 2 (not draining) and peer 3 (draining).
    for (let n = 101; n <= 200 && overflows.length === 0; n++) {
      o.send(2, proposal(n, 2000));
      o.send(3, proposal(n, 2000));
      link.drain(3);
      o.pump(3);
    }
    assert.equal(overflows.length, 1);
    assert.equal(overflows[0]![0], 2);
    assert.match(overflows[0]![1], /more than 50000 bytes waiting behind its sync/);
    assert.equal(o.waiting(2), 0, 'its queue is gone');
    o.send(3, proposal(201));
    assert.equal(overflows.length, 1, 'peer 3 is untouched');
  });

  test('a reset (the link went down or came up anew) forgets what waited for the old stream', () => {
    const link = new FakeLink();
    const { o } = outbox(link, 100);
    for (let n = 1; n <= 10; n++) o.send(2, proposal(n));
    assert.ok(o.waiting(2) > 0);
    o.reset(2);
    assert.equal(o.waiting(2), 0);
    link.drain(2);
    o.send(2, proposal(11));
    assert.deepEqual(counters(link.received(2)).at(-1), 11);
  });
});
