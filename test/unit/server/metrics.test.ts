import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ServerReady } from '../../../src/server/member.js';
import { MetricsCollector, type MemberState } from '../../../src/server/metrics.js';
import type { PeerMessage } from '../../../src/server/messages.js';
import { ProposalClock } from '../../../src/server/proposal-clock.js';
import { zxid, ZXID_ZERO, type Zxid } from '../../../src/zab/zxid.js';

function ready(parts: Partial<ServerReady>): ServerReady {
  return { peer: [], deliveries: [], writes: [], clients: [], close: [], events: [], ...parts };
}

const leading = ready({ events: [{ type: 'state', role: 'LEADING', phase: 'discovery', leader: 1, epoch: 1 }] });
const append = (seq: number, ...zxids: Zxid[]): ServerReady =>
  ready({ writes: [{ seq, write: { kind: 'append', entries: zxids.map((z) => ({ zxid: z, txn: null })) } }] });
const ack = (z: Zxid): PeerMessage => ({ layer: 'zab', message: { type: 'ACK', session: 1, epoch: 1, zxid: z } });
const commit = (to: number, z: Zxid): ServerReady => ready({ peer: [{ to, message: { layer: 'zab', message: { type: 'COMMIT', epoch: 1, zxid: z } } }] });

function state(): MemberState {
  return {
    status: {
      id: 1, role: 'LEADING', phase: 'broadcast', serving: true, leader: 1, epoch: 1, acceptedEpoch: 1, currentEpoch: 1,
      lastZxid: zxid(1, 3), committedZxid: zxid(1, 3), treeZxid: zxid(1, 3), digest: '0123456789abcdef', sessions: 2, connections: 1,
    },
    gauges: { outstandingRequests: 0, watchCount: 4, znodeCount: 5 },
    peersUp: new Set([2, 3]),
  };
}

test('the leader times each proposal to every follower ACK covering it and to its commit', () => {
  const m = new MetricsCollector(1, [1, 2, 3], 0);
  m.onReady(leading, 0);
  m.onReady(append(1, zxid(1, 1)), 10);
  m.onReady(append(2, zxid(1, 2), zxid(1, 3)), 20);
  // Follower 2 acks (1,2) at 25: (1,1) after 15 ms, (1,2) after 5; then (1,3) at 30.
  m.onPeerMessage(2, ack(zxid(1, 2)), 25);
  m.onPeerMessage(2, ack(zxid(1, 3)), 30);
  // The COMMIT to 2 and 3 for (1,2) at 26: one commit per proposal, however many COMMITs go out.
  m.onReady(ready({ peer: [...commit(2, zxid(1, 2)).peer, ...commit(3, zxid(1, 2)).peer] }), 26);
  // Follower 3 acks all three at once, late.
  m.onPeerMessage(3, ack(zxid(1, 3)), 60);
  m.onReady(commit(2, zxid(1, 3)), 31);
  const s = m.snapshot(state(), 100);
  assert.equal(s.proposalCount, 3);
  const p2 = s.peers.find((p) => p.peer === 2)!.ackDelayMs;
  const p3 = s.peers.find((p) => p.peer === 3)!.ackDelayMs;
  assert.equal(p2.count, 3);
  assert.equal(p2.sum, 15 + 5 + 10);
  assert.equal(p3.count, 3);
  assert.equal(p3.sum, 50 + 40 + 40);
  assert.equal(s.ackDelayMs.count, 6);
  assert.equal(s.commitDelayMs.count, 3);
  assert.equal(s.commitDelayMs.sum, 16 + 6 + 11);
  assert.equal(s.peers.find((p) => p.peer === 2)!.messagesReceived, 2);
  assert.equal(s.peers.find((p) => p.peer === 3)!.messagesSent, 1);
  assert.deepEqual(s.peers.map((p) => p.up), [true, true]);
});

test('a leader alone commits by applying; a follower counts commits but times no proposals', () => {
  const solo = new MetricsCollector(1, [1], 0);
  solo.onReady(leading, 0);
  solo.onReady(append(1, zxid(1, 1)), 1);
  solo.onFsync(3, [{ seq: 1, write: { kind: 'append', entries: [{ zxid: zxid(1, 1), txn: null }] } }]);
  solo.onReady(ready({ deliveries: [{ kind: 'apply', zxid: zxid(1, 1), txn: null as never, code: 0, result: null as never, digest: 'x' }] }), 5);
  let s = solo.snapshot(state(), 10);
  assert.deepEqual([s.proposalCount, s.commitCount, s.commitDelayMs.count, s.commitDelayMs.sum], [1, 1, 1, 4]);
  assert.deepEqual([s.fsyncMs.count, s.fsyncMs.sum, s.fsyncBatchTxns.sum], [1, 3, 1]);

  const follower = new MetricsCollector(2, [1, 2, 3], 0);
  follower.onReady(ready({ events: [{ type: 'state', role: 'FOLLOWING', phase: 'discovery', leader: 1, epoch: 1 }] }), 0);
  follower.onReady(append(1, zxid(1, 1)), 1);
  follower.onReady(ready({ deliveries: [{ kind: 'apply', zxid: zxid(1, 1), txn: null as never, code: 0, result: null as never, digest: 'x' }] }), 2);
  s = follower.snapshot(state(), 10);
  assert.deepEqual([s.proposalCount, s.commitCount, s.commitDelayMs.count], [0, 1, 0]);
});

test('stepping down forgets the proposals in flight', () => {
  const m = new MetricsCollector(1, [1, 2, 3], 0);
  m.onReady(leading, 0);
  m.onReady(append(1, zxid(1, 1)), 0);
  m.onReady(ready({ events: [{ type: 'state', role: 'LOOKING', phase: 'election', leader: null, epoch: 1 }] }), 5);
  m.onPeerMessage(2, ack(zxid(1, 1)), 6);
  assert.equal(m.snapshot(state(), 10).ackDelayMs.count, 0);
});

test('request latency: request → response per connection, in order', () => {
  const m = new MetricsCollector(1, [1], 0);
  m.onClientMessage(7, { type: 'connect' }, 0);
  m.onClientMessage(7, { type: 'request', xid: 1, operation: {} }, 10);
  m.onClientMessage(7, { type: 'request', xid: 2, operation: {} }, 11);
  m.onClientMessage(8, { type: 'request', xid: 1, operation: {} }, 12);
  const response = (connection: number, xid: number) => ({ connection, message: { type: 'response' as const, xid, zxid: ZXID_ZERO, err: 0 } });
  m.onReady(ready({ clients: [response(7, 1), response(7, 2)] }), 20);
  m.onReady(ready({ clients: [response(8, 1)], close: [8] }), 13);
  const s = m.snapshot(state(), 30);
  assert.equal(s.requestLatencyMs.count, 3);
  assert.equal(s.requestLatencyMs.sum, 10 + 9 + 1);
  assert.equal(s.clientPacketsReceived, 4);
  assert.equal(s.clientPacketsSent, 3);
});

test('ProposalClock forgets what everyone passed, and a silent follower only up to a bound', () => {
  const c = new ProposalClock();
  const none = (): void => {};
  for (let i = 1; i <= 3000; i++) c.proposed(zxid(1, i), i);
  c.ack(2, zxid(1, 3000), 4000, none);
  c.commit(zxid(1, 3000), 4000, none);
  assert.equal(c.inFlight, 0);
  // Follower 3 never acks: proposals pile up only to the cap.
  c.ack(3, zxid(1, 0), 4000, none);
  for (let i = 3001; i <= 40_000; i++) {
    c.proposed(zxid(1, i), i);
    c.commit(zxid(1, i), i, none);
  }
  let late = 0;
  c.ack(3, zxid(1, 40_000), 50_000, () => late++);
  assert.ok(late > 0 && late <= 16_384, `late acks timed: ${late}`);
});
