import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ProposalTracker } from '../../../demo/src/engine/metrics.js';
import { labelPeerMessage, z } from '../../../demo/src/engine/describe.js';

const zx = (epoch: number, counter: number) => ({ epoch, counter });

describe('demo proposal metrics', () => {
  test('the quorum counter counts follower ACKs and the leader once it is durable', () => {
    const t = new ProposalTracker();
    t.proposalSent(1, zx(1, 1), 10, 'create /a');
    t.proposalSent(1, zx(1, 1), 10.5, 'create /a'); // the copy to the next follower
    assert.deepEqual(t.votes(zx(1, 1), null), { votes: 0, committed: false });
    assert.deepEqual(t.votes(zx(1, 1), zx(1, 1)), { votes: 1, committed: false });
    t.ackDelivered(1, 2, zx(1, 1), 16);
    t.ackDelivered(1, 2, zx(1, 1), 17); // a duplicate ACK counts once
    assert.deepEqual(t.votes(zx(1, 1), zx(1, 1)), { votes: 2, committed: false });
    t.committed(1, zx(1, 1), 18);
    assert.deepEqual(t.votes(zx(1, 1), zx(1, 1)), { votes: 2, committed: true });
    const s = t.summary();
    assert.equal(s.proposals, 1);
    assert.equal(s.commits, 1);
    assert.equal(s.ackDelay.count, 1);
    assert.equal(s.ackDelay.lastMs, 6);
    assert.equal(s.commitDelay.lastMs, 8);
  });

  test('ACKs and COMMITs are cumulative, within one leader and epoch', () => {
    const t = new ProposalTracker();
    t.proposalSent(1, zx(1, 1), 0, 'a');
    t.proposalSent(1, zx(1, 2), 1, 'b');
    t.proposalSent(1, zx(1, 3), 2, 'c');
    t.ackDelivered(1, 3, zx(1, 2), 10);
    assert.equal(t.votes(zx(1, 1), null).votes, 1);
    assert.equal(t.votes(zx(1, 2), null).votes, 1);
    assert.equal(t.votes(zx(1, 3), null).votes, 0);
    t.ackDelivered(2, 3, zx(1, 3), 11); // not the leader of these
    assert.equal(t.votes(zx(1, 3), null).votes, 0);
    t.committed(1, zx(1, 2), 12);
    assert.equal(t.summary().commits, 2);
    assert.equal(t.summary().commitDelay.meanMs, (12 + 11) / 2);
    assert.equal(t.get(zx(1, 3))!.committedAt, null);
    assert.deepEqual(
      t.recent(2).map((p) => z(p.zxid)),
      ['(1, 2)', '(1, 3)'],
    );
  });

  test('message labels show zxids as (epoch, counter)', () => {
    const proposal = labelPeerMessage({
      layer: 'zab',
      message: { type: 'PROPOSAL', epoch: 2, zxid: zx(2, 7), prev: zx(2, 6), txn: { origin: 1, sessionId: 5, xid: 3, body: { type: 'create', path: '/a', data: new Uint8Array(), mode: 'PERSISTENT', ephemeralOwner: 0, ttlMs: 0, parentCversion: 1, time: 0 } } },
    });
    assert.equal(proposal.type, 'PROPOSAL');
    assert.equal(proposal.detail, '(2, 7) create /a');
    assert.equal(proposal.family, 'broadcast');
    const trunc = labelPeerMessage({ layer: 'zab', message: { type: 'TRUNC', session: 1, epoch: 3, to: zx(2, 4) } });
    assert.deepEqual([trunc.type, trunc.detail, trunc.family], ['TRUNC', 'to (2, 4)', 'sync']);
    const ping = labelPeerMessage({ layer: 'zab', message: { type: 'PING', session: 1, epoch: 3, committed: zx(3, 1) } });
    assert.equal(ping.quiet, true);
    const touch = labelPeerMessage({ layer: 'server', message: { type: 'TOUCH', sessions: [0x1000001] } });
    assert.deepEqual([touch.type, touch.detail, touch.family, touch.quiet], ['TOUCH', '0x1000001', 'server', true]);
    const forward = labelPeerMessage({ layer: 'server', message: { type: 'FORWARD', sessionId: 1, xid: 1, request: { kind: 'write', request: { type: 'setData', path: '/b', data: new Uint8Array(), version: -1 } } } });
    assert.deepEqual([forward.type, forward.detail], ['FORWARD', 'setData /b']);
  });
});
