import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { zxid } from '../../../src/zab/zxid.js';
import { Cluster, durableImage, fmt } from './harness.js';

/** A fresh ensemble in broadcast, leader 3, epoch 1; returns it and each follower's session. */
function established(): { c: Cluster; session: (id: number) => number } {
  const c = new Cluster();
  assert.equal(c.establish(), 3);
  const session = (id: number): number => {
    const infos = c.sentMessages({ from: id, to: 3, type: 'FOLLOWERINFO' });
    const m = infos[infos.length - 1]!.message;
    if (m.type !== 'FOLLOWERINFO') throw new Error('unreachable');
    return m.session;
  };
  return { c, session };
}

describe('broadcast', () => {
  test('PROPOSAL → ACK only after persisted → COMMIT at a quorum', () => {
    const { c } = established();
    assert.deepEqual(c.propose(3, 'x'), { ok: true, zxid: zxid(1, 1) });
    assert.deepEqual(c.queued(3, 1), ['PROPOSAL']);
    assert.deepEqual(c.queued(3, 2), ['PROPOSAL']);
    const p = c.deliver(3, 1, 'PROPOSAL');
    assert.deepEqual([fmt(p.zxid), fmt(p.prev), p.txn], ['(1,1)', '(0,0)', 'x']);
    assert.deepEqual(c.pendingWrites(1).map((w) => w.write.kind), ['append']);
    assert.deepEqual(c.queued(1, 3), [], 'no ACK before the txn is durable');
    c.persist(1);
    assert.deepEqual(c.deliver(1, 3, 'ACK').zxid, zxid(1, 1));
    c.persist(3);
    assert.deepEqual(c.queued(3, 1), ['COMMIT']);
    assert.deepEqual(c.queued(3, 2), ['PROPOSAL', 'COMMIT']);
    assert.deepEqual(c.applied(3), ['(1,1)']);
    assert.deepEqual(c.applied(1), []);
    assert.deepEqual(c.deliver(3, 1, 'COMMIT').zxid, zxid(1, 1));
    assert.deepEqual(c.applied(1), ['(1,1)']);
  });

  test('the leader counts its own vote only once its write is durable', () => {
    const { c } = established();
    c.propose(3, 'x');
    c.deliver(3, 1, 'PROPOSAL');
    c.persist(1);
    c.deliver(1, 3, 'ACK');
    assert.deepEqual(c.status(3).committedZxid, zxid(0, 0), 'one follower ACK + an unpersisted leader is not a quorum');
    assert.deepEqual(c.queued(3, 1), []);
    assert.deepEqual(c.applied(3), []);
    c.persist(3);
    assert.deepEqual(c.status(3).committedZxid, zxid(1, 1));
    assert.deepEqual(c.queued(3, 1), ['COMMIT']);
  });

  test('two follower ACKs commit without the leader’s own write', () => {
    const { c } = established();
    c.propose(3, 'x');
    for (const f of [1, 2]) {
      c.deliver(3, f, 'PROPOSAL');
      c.persist(f);
      c.deliver(f, 3, 'ACK');
    }
    assert.deepEqual(c.status(3).committedZxid, zxid(1, 1));
    assert.deepEqual(c.applied(3), [], 'the leader applies only what it holds durably');
    c.persist(3);
    assert.deepEqual(c.applied(3), ['(1,1)']);
  });

  test('with several proposals in flight, commits follow zxid order (pitfall 13)', () => {
    const { c } = established();
    for (const txn of ['a', 'b', 'c']) c.propose(3, txn);
    const leaderWrites = c.pendingWrites(3).map((w) => w.seq);
    c.persist(3, leaderWrites[0]); // the leader holds only (1,1) durably
    c.deliverLink(3, 1);
    c.persist(1);
    assert.deepEqual(c.queued(1, 3), ['ACK'], 'one cumulative ACK for the batch');
    assert.deepEqual(c.deliver(1, 3, 'ACK').zxid, zxid(1, 3));
    assert.deepEqual(c.status(3).committedZxid, zxid(1, 1), 'not (1,3): the leader’s (1,2) is not durable');
    c.persist(3);
    assert.deepEqual(c.status(3).committedZxid, zxid(1, 3));
    const commits = c.sentMessages({ from: 3, to: 1, type: 'COMMIT' }).map((e) => e.message);
    assert.deepEqual(commits.map((m) => (m.type === 'COMMIT' ? fmt(m.zxid) : '')), ['(1,1)', '(1,3)']);
    c.deliverLink(3, 1);
    for (const id of [1, 3]) assert.deepEqual(c.applied(id), ['(1,1)', '(1,2)', '(1,3)']);
  });

  test('COMMIT is cumulative', () => {
    const { c } = established();
    for (const txn of ['a', 'b', 'c']) c.propose(3, txn);
    c.deliverLink(3, 1);
    c.persist(1);
    c.inject(3, 1, { type: 'COMMIT', epoch: 1, zxid: zxid(1, 3) });
    assert.deepEqual(c.applied(1), ['(1,1)', '(1,2)', '(1,3)']);
  });

  test('a follower applies committed txns only as far as they are durable', () => {
    const { c } = established();
    for (const txn of ['a', 'b']) c.propose(3, txn);
    c.deliverLink(3, 1);
    c.persist(1, c.pendingWrites(1)[0]!.seq);
    c.inject(3, 1, { type: 'COMMIT', epoch: 1, zxid: zxid(1, 2) });
    assert.deepEqual(c.applied(1), ['(1,1)']);
    c.persist(1);
    assert.deepEqual(c.applied(1), ['(1,1)', '(1,2)']);
  });

  test('a stale-epoch ACK is ignored by the leader', () => {
    const { c, session } = established();
    c.propose(3, 'x');
    c.persist(3);
    c.inject(1, 3, { type: 'ACK', session: session(1), epoch: 0, zxid: zxid(1, 1) });
    assert.deepEqual(c.status(3).committedZxid, zxid(0, 0));
    c.inject(1, 3, { type: 'ACK', session: session(1) + 1, epoch: 1, zxid: zxid(1, 1) });
    assert.deepEqual(c.status(3).committedZxid, zxid(0, 0), 'nor is an ACK of another session');
    c.inject(1, 3, { type: 'ACK', session: session(1), epoch: 1, zxid: zxid(1, 1) });
    assert.deepEqual(c.status(3).committedZxid, zxid(1, 1));
  });

  test('an ACK beyond the leader’s log is not counted', () => {
    const { c, session } = established();
    c.propose(3, 'x');
    c.persist(3);
    c.inject(1, 3, { type: 'ACK', session: session(1), epoch: 1, zxid: zxid(1, 5) });
    assert.deepEqual(c.status(3).committedZxid, zxid(0, 0));
  });

  test('a stale-epoch COMMIT is ignored by a follower', () => {
    // Epoch 2 on top of a committed (1,1).
    const c = new Cluster({ durable: Object.fromEntries([1, 2, 3].map((id) => [id, durableImage({ log: [[1, 1]], commitHint: zxid(1, 1) })])) });
    assert.equal(c.establish(), 3);
    c.propose(3, 'x');
    c.deliver(3, 1, 'PROPOSAL');
    c.persist(1);
    c.inject(3, 1, { type: 'COMMIT', epoch: 1, zxid: zxid(2, 1) });
    assert.deepEqual(c.applied(1), ['(1,1)']);
    assert.equal(c.status(1).role, 'FOLLOWING');
    c.inject(3, 1, { type: 'COMMIT', epoch: 2, zxid: zxid(2, 1) });
    assert.deepEqual(c.applied(1), ['(1,1)', '(2,1)']);
  });

  test('a stale-epoch PROPOSAL is neither logged nor acked', () => {
    const c = new Cluster({ durable: Object.fromEntries([1, 2, 3].map((id) => [id, durableImage({ log: [[1, 1]], commitHint: zxid(1, 1) })])) });
    c.establish();
    c.inject(3, 1, { type: 'PROPOSAL', epoch: 1, zxid: zxid(1, 2), prev: zxid(1, 1), txn: 'old' });
    assert.deepEqual(c.log(1), ['(1,1)']);
    assert.deepEqual(c.pendingWrites(1).filter((w) => w.write.kind === 'append'), []);
    assert.ok(!c.queued(1, 3).includes('ACK'));
  });

  test('a stale-epoch PROPOSAL is ignored: the follower keeps following', () => {
    const c = new Cluster({ durable: Object.fromEntries([1, 2, 3].map((id) => [id, durableImage({ log: [[1, 1]], commitHint: zxid(1, 1) })])) });
    c.establish();
    c.inject(3, 1, { type: 'PROPOSAL', epoch: 1, zxid: zxid(1, 2), prev: zxid(1, 1), txn: 'old' });
    assert.equal(c.status(1).role, 'FOLLOWING');
    assert.equal(c.status(1).serving, true);
  });

  test('a PROPOSAL with a gap sends the follower back to LOOKING (pitfall 6)', () => {
    const { c } = established();
    c.propose(3, 'a');
    c.deliver(3, 1, 'PROPOSAL');
    c.persist(1);
    // (1,2) was lost: the next one claims (1,2) as its predecessor, but the follower ends at (1,1).
    c.inject(3, 1, { type: 'PROPOSAL', epoch: 1, zxid: zxid(1, 3), prev: zxid(1, 2), txn: 'c' });
    assert.equal(c.status(1).role, 'LOOKING');
    assert.deepEqual(c.log(1), ['(1,1)']);
    assert.deepEqual(c.pendingWrites(1), []);
    assert.match(c.eventsOf(1, 'electionStarted').at(-1)!.reason, /gap/);
  });

  test('a duplicate PROPOSAL is ignored', () => {
    const { c } = established();
    c.propose(3, 'a');
    const p = c.deliver(3, 1, 'PROPOSAL');
    c.persist(1);
    c.deliver(1, 3, 'ACK');
    c.inject(3, 1, p);
    assert.equal(c.status(1).role, 'FOLLOWING');
    assert.deepEqual(c.log(1), ['(1,1)']);
    assert.deepEqual(c.pendingWrites(1), []);
    assert.deepEqual(c.queued(1, 3), [], 'no second ACK');
  });

  test('the leader proposes only in broadcast phase', () => {
    const c = new Cluster();
    c.elect();
    assert.deepEqual(c.propose(3, 'x'), { ok: false, reason: 'NOT_READY' });
    assert.deepEqual(c.propose(1, 'x'), { ok: false, reason: 'NOT_LEADER' });
    c.settle();
    assert.deepEqual(c.propose(3, 'x'), { ok: true, zxid: zxid(1, 1) });
    assert.deepEqual(c.propose(1, 'x'), { ok: false, reason: 'NOT_LEADER' });
  });

  test('proposals issued within one drain share one durable append (group commit)', () => {
    const { c } = established();
    c.member(3).propose('a');
    c.member(3).propose('b');
    c.propose(3, 'c'); // the harness drains here: all three come out together
    const appends = c.pendingWrites(3).filter((w) => w.write.kind === 'append');
    assert.equal(appends.length, 1);
    const w = appends[0]!.write;
    assert.deepEqual(w.kind === 'append' && w.entries.map((e) => fmt(e.zxid)), ['(1,1)', '(1,2)', '(1,3)']);
    c.persist(3);
    assert.deepEqual(c.status(3).durableZxid, zxid(1, 3));
    assert.deepEqual(c.queued(3, 1), ['PROPOSAL', 'PROPOSAL', 'PROPOSAL']);
  });
});
