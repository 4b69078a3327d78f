import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { zxid } from '../../../src/zab/zxid.js';
import { Cluster } from './harness.js';

const config = { syncLimitTicks: 5, initLimitTicks: 10 };

describe('crash and recovery', () => {
  test('leader crashes after a quorum acked but before any COMMIT arrived: the txn survives', () => {
    const c = new Cluster({ config });
    c.establish();
    c.propose(3, 'x');
    c.deliver(3, 1, 'PROPOSAL');
    c.persist(1);
    c.persist(3);
    c.deliver(1, 3, 'ACK');
    assert.deepEqual(c.status(3).committedZxid, zxid(1, 1), 'committed on the leader');
    c.crash(3); // the COMMITs and member 2's PROPOSAL are lost with it
    c.tick(1, 6);
    c.tick(2, 6);
    const leader = c.stabilize();
    assert.equal(leader, 1, 'only member 1 holds (1,1): it must lead');
    assert.equal(c.status(1).epoch, 2);
    for (const id of [1, 2]) assert.deepEqual(c.applied(id), ['(1,1)']);
    c.restart(3);
    c.stabilize();
    assert.equal(c.status(3).role, 'FOLLOWING');
    assert.deepEqual(c.log(3), ['(1,1)']);
    assert.deepEqual(c.applied(3), ['(1,1)']);
  });

  test('a follower that crashes before its append is durable rejoins without it and is caught up by DIFF', () => {
    const c = new Cluster({ config });
    c.establish();
    c.propose(3, 'x');
    c.deliver(3, 1, 'PROPOSAL');
    assert.deepEqual(c.log(1), ['(1,1)']);
    c.crash(1);
    c.settle(); // 2 and 3 commit (1,1)
    assert.deepEqual(c.applied(3), ['(1,1)']);
    c.restart(1);
    assert.deepEqual(c.log(1), [], 'memory is the durable image: the append was lost');
    c.stabilize();
    const diff = c.sentMessages({ from: 3, to: 1, type: 'DIFF' }).at(-1)!.message;
    assert.equal(diff.type === 'DIFF' && diff.from.counter, 0);
    assert.deepEqual(c.applied(1), ['(1,1)']);
    assert.equal(c.status(3).epoch, 1, 'the ensemble kept its epoch');
  });

  test('a restarted member applies its committed log from its durable commit hint before finding a leader', () => {
    const c = new Cluster({ config });
    c.establish();
    for (const t of ['a', 'b']) c.propose(3, t);
    c.settle();
    c.tickAll(); // a PING carries the commit point to the followers
    c.settle();
    assert.deepEqual(c.durable(1).commitHint, zxid(1, 2));
    c.crash(1);
    c.restart(1);
    assert.equal(c.status(1).role, 'LOOKING');
    assert.deepEqual(c.applied(1), ['(1,1)', '(1,2)']);
  });

  test('a follower that crashes between its TRUNC and the TRUNC being durable is truncated again', () => {
    const c = new Cluster({
      config,
      durable: {
        1: { acceptedEpoch: 1, currentEpoch: 1, snapshot: null, logBase: zxid(0, 0), commitHint: zxid(0, 0), log: [{ zxid: zxid(1, 1), txn: 'a' }, { zxid: zxid(1, 2), txn: 'lost' }] },
        2: { acceptedEpoch: 2, currentEpoch: 2, snapshot: null, logBase: zxid(0, 0), commitHint: zxid(0, 0), log: [{ zxid: zxid(1, 1), txn: 'a' }, { zxid: zxid(2, 1), txn: 'b' }] },
        3: { acceptedEpoch: 2, currentEpoch: 2, snapshot: null, logBase: zxid(0, 0), commitHint: zxid(0, 0), log: [{ zxid: zxid(1, 1), txn: 'a' }, { zxid: zxid(2, 1), txn: 'b' }] },
      },
    });
    c.elect();
    c.deliverAllOf(['FOLLOWERINFO', 'NEWEPOCH']);
    c.persistAll();
    c.deliverAllOf(['ACKEPOCH']);
    c.persist(3);
    c.deliver(3, 1, 'TRUNC');
    assert.deepEqual(c.log(1), ['(1,1)']);
    c.crash(1); // the truncate never reached the disk
    c.restart(1);
    assert.deepEqual(c.log(1), ['(1,1)', '(1,2)']);
    c.stabilize();
    assert.deepEqual(c.durableLog(1), ['(1,1)', '(2,1)']);
    assert.deepEqual(c.applied(1), ['(1,1)', '(2,1)']);
  });

  test('a leader restarting from a compacted log restores its snapshot, then replays the committed rest', () => {
    const c = new Cluster({ config: { ...config, logRetentionEntries: 0 } });
    c.establish();
    for (const t of ['a', 'b', 'c']) c.propose(3, t);
    c.settle();
    c.snapshotTaken(3, { zxid: zxid(1, 2), data: 'state@(1,2)' });
    c.persist(3); // the snapshot is durable: only now is the log compacted
    assert.deepEqual(c.pendingWrites(3).map((w) => w.write), [{ kind: 'compact', upTo: zxid(1, 2) }]);
    assert.deepEqual(c.durable(3).logBase, zxid(0, 0));
    c.persist(3);
    assert.deepEqual(c.durable(3).logBase, zxid(1, 2));
    assert.deepEqual(c.durableLog(3), ['(1,3)']);
    c.crash(3);
    c.restart(3);
    assert.deepEqual(c.applied(3), ['restore(1,2)', '(1,3)']);
    assert.deepEqual(c.status(3).lastZxid, zxid(1, 3));
  });

  test(
    'a snapshot reported while a SNAP install is pending does not replace the installed snapshot',
    () => {
      const c = new Cluster({ config: { ...config, logRetentionEntries: 0 } });
      c.establish();
      c.propose(3, 'a');
      c.settle(); // everyone applied (1,1)
      c.crash(1);
      for (const t of ['b', 'c', 'd']) c.propose(3, t);
      c.settle();
      c.snapshotTaken(3, { zxid: zxid(1, 4), data: 'state@(1,4)' });
      c.persist(3);
      c.persist(3); // the leader's log now starts at (1,4)
      c.restart(1);
      assert.deepEqual(c.applied(1), ['(1,1)'], 'replayed up to its commit hint');
      c.elect();
      c.deliver(1, 3, 'FOLLOWERINFO');
      c.deliver(3, 1, 'NEWEPOCH');
      c.persist(1);
      c.deliver(1, 3, 'ACKEPOCH');
      c.deliver(3, 1, 'SNAP');
      // The state machine, still at (1,1) because the restore is not durable yet, reports a snapshot.
      c.snapshotTaken(1, { zxid: zxid(1, 1), data: 'state@(1,1)' });
      c.persist(1);
      assert.deepEqual(c.durable(1).snapshot?.zxid, zxid(1, 4));
      c.crash(1);
      c.restart(1); // must not throw "snapshot (1,1) does not reach the log start (1,4)"
      assert.deepEqual(c.applied(1), ['restore(1,4)']);
    },
  );
});
