import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { zxid } from '../../../src/zab/zxid.js';
import { Cluster, durableImage, fmt } from './harness.js';

/**
 * Members 2 and 3 hold (1,1),(1,2); member 1 starts from `member1` (empty by default). Leader 3
 * starts epoch 2 with member 2 only, so member 1's sync can be driven message by message. Returns
 * member 1's FOLLOWERINFO session and the new epoch; the leader's sync message is queued, undelivered.
 */
function syncingMember1From(member1?: ReturnType<typeof durableImage>): { c: Cluster; session: number; epoch: number } {
  const others = { 2: durableImage({ log: [[1, 1], [1, 2]] }), 3: durableImage({ log: [[1, 1], [1, 2]] }) };
  const c = new Cluster({ durable: member1 ? { ...others, 1: member1 } : others });
  assert.equal(c.elect(), 3);
  c.deliver(2, 3, 'FOLLOWERINFO');
  const { session } = c.deliver(1, 3, 'FOLLOWERINFO');
  c.persist(3);
  c.deliver(3, 2, 'NEWEPOCH');
  c.persist(2);
  c.deliver(2, 3, 'ACKEPOCH'); // leader + 2 promised epoch 2: sync starts
  const { epoch } = c.deliver(3, 1, 'NEWEPOCH');
  c.persist(1);
  c.deliver(1, 3, 'ACKEPOCH');
  return { c, session, epoch };
}

function leaderSyncingMember1(): { c: Cluster; session: number } {
  const { c, session } = syncingMember1From();
  assert.deepEqual(c.queued(3, 1), ['DIFF', 'PROPOSAL', 'PROPOSAL', 'NEWLEADER']);
  return { c, session };
}

describe('synchronization', () => {
  test('a SNAP behind what the follower applied is refused (back to LOOKING), not installed or crashed on', () => {
    const { c, session, epoch } = syncingMember1From(durableImage({ log: [[1, 1]], commitHint: zxid(1, 1) }));
    assert.equal(fmt(c.status(1).appliedZxid), '(1,1)');
    const writes = c.pendingWrites(1).length;
    assert.doesNotThrow(() => c.inject(3, 1, { type: 'SNAP', session, epoch, snapshot: { zxid: zxid(0, 0), data: [] } }));
    assert.equal(c.status(1).role, 'LOOKING');
    assert.match(c.eventsOf(1, 'steppedDown').at(-1)!.reason, /SNAP at \(0,0\) is behind what we applied, \(1,1\)/);
    assert.deepEqual(c.log(1), ['(1,1)']);
    assert.equal(fmt(c.status(1).appliedZxid), '(1,1)');
    assert.ok(!c.pendingWrites(1).slice(writes).some((w) => w.write.kind === 'installSnapshot'));
  });

  test('a TRUNC below what the follower knows committed is refused, not obeyed or crashed on', () => {
    const { c, session, epoch } = syncingMember1From(durableImage({ log: [[1, 1], [1, 2]], commitHint: zxid(1, 2) }));
    assert.doesNotThrow(() => c.inject(3, 1, { type: 'TRUNC', session, epoch, to: zxid(1, 1) }));
    assert.equal(c.status(1).role, 'LOOKING');
    assert.match(c.eventsOf(1, 'steppedDown').at(-1)!.reason, /TRUNC to \(1,1\) would drop committed \(1,2\)/);
    assert.deepEqual(c.log(1), ['(1,1)', '(1,2)']);
  });

  test('a fresh ensemble: empty DIFF, NEWLEADER, UPTODATE', () => {
    const c = new Cluster();
    c.establish();
    assert.deepEqual(c.sentTypes({ from: 3, to: 1 }), ['NEWEPOCH', 'DIFF', 'NEWLEADER', 'UPTODATE']);
    assert.deepEqual(c.sentTypes({ from: 1, to: 3 }), ['FOLLOWERINFO', 'ACKEPOCH', 'ACKNEWLEADER']);
    const diff = c.sentMessages({ from: 3, to: 1, type: 'DIFF' })[0]!.message;
    assert.deepEqual(diff, { type: 'DIFF', session: 1, epoch: 1, from: zxid(0, 0) });
  });

  test('a follower behind gets a DIFF with the txns it lacks', () => {
    const { c } = leaderSyncingMember1();
    const diff = c.deliver(3, 1, 'DIFF');
    assert.deepEqual(diff.from, zxid(0, 0));
    const p1 = c.deliver(3, 1, 'PROPOSAL');
    const p2 = c.deliver(3, 1, 'PROPOSAL');
    assert.deepEqual([fmt(p1.prev), fmt(p1.zxid), fmt(p2.prev), fmt(p2.zxid)], ['(0,0)', '(1,1)', '(1,1)', '(1,2)']);
    assert.deepEqual(c.deliver(3, 1, 'NEWLEADER').zxid, zxid(1, 2));
    assert.deepEqual(c.log(1), ['(1,1)', '(1,2)']);
  });

  test('a follower with an uncommitted suffix gets TRUNC, then the leader’s txns', () => {
    // Epoch 2 was established on (1,2) without member 1: its (1,3) was never committed.
    const c = new Cluster({
      durable: {
        1: durableImage({ log: [[1, 1], [1, 2], [1, 3]] }),
        2: durableImage({ log: [[1, 1], [1, 2], [2, 1]] }),
        3: durableImage({ log: [[1, 1], [1, 2], [2, 1]] }),
      },
    });
    assert.equal(c.establish(), 3);
    assert.deepEqual(c.sentTypes({ from: 3, to: 1 }), ['NEWEPOCH', 'TRUNC', 'PROPOSAL', 'NEWLEADER', 'UPTODATE']);
    assert.deepEqual(c.sentMessages({ from: 3, to: 1, type: 'TRUNC' }).map((e) => e.message), [
      { type: 'TRUNC', session: 1, epoch: 3, to: zxid(1, 2) },
    ]);
    assert.deepEqual(c.eventsOf(1, 'truncated').map((e) => [fmt(e.to), e.dropped]), [['(1,2)', 1]]);
    assert.deepEqual(c.log(1), ['(1,1)', '(1,2)', '(2,1)']);
    assert.deepEqual(c.durableLog(1), ['(1,1)', '(1,2)', '(2,1)']);
    assert.deepEqual(c.applied(1), ['(1,1)', '(1,2)', '(2,1)'], '(1,3) never reached the state machine');
  });

  test('an abandoned txn with a lower zxid than the leader’s last is truncated by history (pitfall 5)', () => {
    // Member 1 holds (2,1) of an epoch that never committed anything; (2,1) < the leader's (3,1).
    const c = new Cluster({
      durable: {
        1: durableImage({ log: [[1, 1], [1, 2], [2, 1]] }),
        2: durableImage({ log: [[1, 1], [1, 2], [1, 3], [3, 1]] }),
        3: durableImage({ log: [[1, 1], [1, 2], [1, 3], [3, 1]] }),
      },
    });
    assert.equal(c.establish(), 3);
    assert.deepEqual(c.sentTypes({ from: 3, to: 1 }), ['NEWEPOCH', 'TRUNC', 'PROPOSAL', 'PROPOSAL', 'NEWLEADER', 'UPTODATE']);
    const trunc = c.sentMessages({ from: 3, to: 1, type: 'TRUNC' })[0]!.message;
    assert.equal(trunc.type === 'TRUNC' && fmt(trunc.to), '(1,2)');
    assert.deepEqual(c.durableLog(1), ['(1,1)', '(1,2)', '(1,3)', '(3,1)']);
    assert.deepEqual(c.applied(1), ['(1,1)', '(1,2)', '(1,3)', '(3,1)']);
  });

  test('a follower behind the leader’s compacted log gets SNAP; the snapshot is restored once durable', () => {
    const c = new Cluster({ config: { logRetentionEntries: 1 } });
    c.establish();
    c.crash(1);
    for (const txn of ['a', 'b', 'c', 'd']) assert.equal(c.propose(3, txn).ok, true);
    c.settle();
    c.snapshotTaken(3, { zxid: zxid(1, 4), data: 'state@(1,4)' });
    c.persist(3);
    assert.deepEqual(c.status(3).logBase, zxid(1, 3), 'one entry kept behind the snapshot');
    assert.equal(c.propose(3, 'e').ok, true);
    c.settle();

    c.restart(1);
    c.elect();
    c.deliver(1, 3, 'FOLLOWERINFO');
    c.deliver(3, 1, 'NEWEPOCH');
    c.persist(1);
    c.deliver(1, 3, 'ACKEPOCH');
    assert.deepEqual(c.queued(3, 1), ['SNAP', 'PROPOSAL', 'NEWLEADER']);
    const snap = c.deliver(3, 1, 'SNAP');
    assert.deepEqual(snap.snapshot, { zxid: zxid(1, 4), data: 'state@(1,4)' });
    assert.deepEqual(c.applied(1), [], 'no restore before the snapshot is durable');
    c.persist(1);
    assert.deepEqual(c.applied(1), ['restore(1,4)']);
    c.deliver(3, 1, 'PROPOSAL');
    c.deliver(3, 1, 'NEWLEADER');
    c.persist(1);
    c.deliver(1, 3, 'ACKNEWLEADER');
    c.deliver(3, 1, 'UPTODATE');
    assert.deepEqual(c.applied(1), ['restore(1,4)', '(1,5)']);
    assert.deepEqual(c.durable(1).logBase, zxid(1, 4));
    assert.deepEqual(c.durableLog(1), ['(1,5)']);
  });

  test('ACKNEWLEADER waits until the synced txns and currentEpoch are all durable (pitfall 1)', () => {
    const { c } = leaderSyncingMember1();
    c.deliverLink(3, 1);
    const writes = c.pendingWrites(1).map((w) => ({ seq: w.seq, kind: w.write.kind }));
    assert.deepEqual(writes.map((w) => w.kind), ['append', 'append', 'currentEpoch']);
    c.persist(1, writes[0]!.seq);
    assert.deepEqual(c.queued(1, 3), []);
    c.persist(1, writes[1]!.seq);
    assert.deepEqual(c.queued(1, 3), [], 'the txns are durable but currentEpoch is not');
    c.persist(1);
    assert.deepEqual(c.queued(1, 3), ['ACKNEWLEADER']);
    assert.equal(c.durable(1).currentEpoch, 2);
    assert.deepEqual(c.durableLog(1), ['(1,1)', '(1,2)']);
  });

  test('synced txns are applied only once committed, never from the DIFF alone (pitfall 2)', () => {
    const { c } = leaderSyncingMember1();
    c.deliverLink(3, 1);
    c.persist(1);
    assert.deepEqual(c.status(1).durableZxid, zxid(1, 2));
    assert.deepEqual(c.applied(1), []);
    c.deliver(1, 3, 'ACKNEWLEADER');
    c.persist(3); // the leader's currentEpoch: with member 1 it now has a quorum
    assert.equal(c.status(3).serving, true);
    assert.deepEqual(c.applied(1), [], 'still nothing before UPTODATE');
    assert.deepEqual(c.deliver(3, 1, 'UPTODATE').committed, zxid(1, 2));
    assert.deepEqual(c.applied(1), ['(1,1)', '(1,2)']);
  });

  test('a COMMIT reaching a follower before its ACKNEWLEADER is ignored (pitfall 2)', () => {
    const { c } = leaderSyncingMember1();
    c.deliver(3, 1, 'DIFF');
    c.deliver(3, 1, 'PROPOSAL');
    c.deliver(3, 1, 'PROPOSAL');
    c.persist(1);
    c.inject(3, 1, { type: 'COMMIT', epoch: 2, zxid: zxid(1, 2) });
    assert.deepEqual(c.applied(1), []);
    assert.equal(c.status(1).role, 'FOLLOWING');
  });

  test('no client is served before UPTODATE (pitfall 3)', () => {
    const { c } = leaderSyncingMember1();
    assert.equal(c.status(3).serving, false, 'leader not established yet');
    c.deliverLink(3, 1);
    c.persist(1);
    assert.deepEqual(c.queued(1, 3), ['ACKNEWLEADER']);
    assert.equal(c.status(1).phase, 'synchronization');
    assert.equal(c.status(1).serving, false);
    c.deliver(1, 3, 'ACKNEWLEADER');
    c.persist(3);
    assert.equal(c.status(3).serving, true);
    assert.equal(c.status(1).serving, false);
    c.deliver(3, 1, 'UPTODATE');
    assert.equal(c.status(1).phase, 'broadcast');
    assert.equal(c.status(1).serving, true);
  });

  test('the leader is not established until its own currentEpoch is durable', () => {
    const { c } = leaderSyncingMember1();
    c.deliverLink(3, 1);
    c.persist(1);
    c.deliver(1, 3, 'ACKNEWLEADER');
    assert.equal(c.status(3).phase, 'synchronization');
    assert.deepEqual(c.queued(3, 1), []);
    c.persist(3);
    assert.equal(c.status(3).phase, 'broadcast');
    assert.deepEqual(c.queued(3, 1), ['UPTODATE']);
  });

  test('a syncing follower gets new PROPOSALs but no COMMIT, and its ACKs do not count (pitfall 4)', () => {
    const { c, session } = leaderSyncingMember1();
    // Member 2 completes the sync first: the leader is established with {2, 3}.
    c.deliverLink(3, 2);
    c.persist(2);
    c.deliver(2, 3, 'ACKNEWLEADER');
    c.persist(3);
    assert.equal(c.status(3).serving, true);
    const p = c.propose(3, 'x');
    assert.equal(p.ok, true);
    c.persist(3);
    assert.deepEqual(c.queued(3, 1), ['DIFF', 'PROPOSAL', 'PROPOSAL', 'NEWLEADER', 'PROPOSAL']);
    // A forged ACK from member 1 while it is syncing: not counted, so (2,1) is not committed.
    c.inject(1, 3, { type: 'ACK', session, epoch: 2, zxid: zxid(2, 1) });
    assert.deepEqual(c.status(3).committedZxid, zxid(1, 2));
    // Member 2's real ACK commits it; the COMMIT goes to member 2 only.
    c.deliver(3, 2, 'UPTODATE');
    c.deliver(3, 2, 'PROPOSAL');
    c.persist(2);
    c.deliver(2, 3, 'ACK');
    assert.deepEqual(c.status(3).committedZxid, zxid(2, 1));
    assert.deepEqual(c.queued(3, 2), ['COMMIT']);
    assert.ok(!c.queued(3, 1).includes('COMMIT'));
    // Member 1 finishes its sync: UPTODATE carries the commit point it missed.
    c.deliverLink(3, 1);
    c.persist(1);
    assert.deepEqual(c.queued(1, 3), ['ACKNEWLEADER', 'ACK']);
    c.deliver(1, 3, 'ACKNEWLEADER');
    assert.deepEqual(c.deliver(3, 1, 'UPTODATE').committed, zxid(2, 1));
    assert.deepEqual(c.applied(1), ['(1,1)', '(1,2)', '(2,1)']);
  });
});
