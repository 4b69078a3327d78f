import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { zxid } from '../../../src/zab/zxid.js';
import { Cluster, durableImage } from './harness.js';

describe('discovery', () => {
  test('the conversation: FOLLOWERINFO → NEWEPOCH → ACKEPOCH, then sync', () => {
    const c = new Cluster();
    assert.equal(c.elect(), 3);
    const info = c.deliver(1, 3, 'FOLLOWERINFO');
    assert.deepEqual([info.acceptedEpoch, info.currentEpoch, info.lastZxid], [0, 0, zxid(0, 0)]);
    // With one follower the leader has a quorum of two: it picks the epoch and promises it itself.
    assert.deepEqual(c.pendingWrites(3).map((w) => w.write), [{ kind: 'acceptedEpoch', epoch: 1 }]);
    const newEpoch = c.deliver(3, 1, 'NEWEPOCH');
    assert.equal(newEpoch.epoch, 1);
    assert.equal(newEpoch.session, info.session);
    c.persist(1);
    c.persist(3);
    const ack = c.deliver(1, 3, 'ACKEPOCH');
    assert.equal(ack.promised, true);
    assert.equal(c.status(3).phase, 'synchronization');
    assert.deepEqual(c.queued(3, 1), ['DIFF', 'NEWLEADER']);
  });

  test('the leader picks max(acceptedEpoch of its quorum) + 1', () => {
    const c = new Cluster({
      durable: {
        1: durableImage({ acceptedEpoch: 4, currentEpoch: 1 }),
        2: durableImage({ acceptedEpoch: 7, currentEpoch: 1 }),
        3: durableImage({ acceptedEpoch: 2, currentEpoch: 1 }),
      },
    });
    assert.equal(c.elect(), 3);
    c.deliver(2, 3, 'FOLLOWERINFO');
    assert.equal(c.deliver(3, 2, 'NEWEPOCH').epoch, 8);
    assert.deepEqual(c.pendingWrites(3).map((w) => w.write), [{ kind: 'acceptedEpoch', epoch: 8 }]);
    c.deliver(1, 3, 'FOLLOWERINFO');
    assert.equal(c.deliver(3, 1, 'NEWEPOCH').epoch, 8, 'a later follower gets the epoch already chosen');
    c.settle();
    assert.equal(c.status(3).epoch, 8);
    for (const id of [1, 2, 3]) assert.deepEqual([c.durable(id).acceptedEpoch, c.durable(id).currentEpoch], [8, 8]);
  });

  test('the leader’s own acceptedEpoch counts too', () => {
    const c = new Cluster({
      durable: {
        1: durableImage({ acceptedEpoch: 1, currentEpoch: 1 }),
        2: durableImage({ acceptedEpoch: 1, currentEpoch: 1 }),
        3: durableImage({ acceptedEpoch: 5, currentEpoch: 1 }),
      },
    });
    c.elect();
    c.deliver(1, 3, 'FOLLOWERINFO');
    assert.equal(c.deliver(3, 1, 'NEWEPOCH').epoch, 6);
  });

  test('a follower refuses a NEWEPOCH below its acceptedEpoch and goes back to LOOKING', () => {
    const c = new Cluster({
      durable: {
        1: durableImage({ acceptedEpoch: 1, currentEpoch: 1 }),
        2: durableImage({ acceptedEpoch: 7, currentEpoch: 1 }),
        3: durableImage({ acceptedEpoch: 1, currentEpoch: 1 }),
      },
    });
    assert.equal(c.elect(), 3);
    const info = c.deliver(2, 3, 'FOLLOWERINFO');
    c.drop({ from: 3, to: 2 });
    // A NEWEPOCH for this following attempt, with an epoch below the one member 2 promised.
    c.inject(3, 2, { type: 'NEWEPOCH', session: info.session, epoch: 5 });
    assert.equal(c.status(2).role, 'LOOKING');
    assert.equal(c.status(2).acceptedEpoch, 7, 'the promise is not lowered');
    assert.deepEqual(c.pendingWrites(2), []);
    assert.deepEqual(c.queued(2, 3).filter((t) => t !== 'VOTE'), [], 'no ACKEPOCH');
    assert.match(c.eventsOf(2, 'electionStarted').at(-1)!.reason, /below our acceptedEpoch/);
  });

  test('a leader that hears a late follower promised a later epoch steps down; the next epoch is above it', () => {
    const c = new Cluster({
      durable: {
        1: durableImage({ acceptedEpoch: 4, currentEpoch: 1 }),
        2: durableImage({ acceptedEpoch: 7, currentEpoch: 1 }),
        3: durableImage({ acceptedEpoch: 2, currentEpoch: 1 }),
      },
    });
    assert.equal(c.elect(), 3);
    c.deliver(1, 3, 'FOLLOWERINFO'); // quorum {1,3}: epoch 5
    assert.equal(c.deliver(3, 1, 'NEWEPOCH').epoch, 5);
    c.deliver(2, 3, 'FOLLOWERINFO'); // member 2 promised 7 > 5: it can never join epoch 5
    assert.equal(c.status(3).role, 'LOOKING');
    assert.deepEqual(c.queued(3, 2).filter((t) => t !== 'VOTE'), [], 'no NEWEPOCH 5 to member 2');
    const leader = c.stabilize();
    assert.ok(c.status(leader).epoch! >= 7, `epoch ${c.status(leader).epoch} is not below member 2's promise`);
    for (const id of [1, 2, 3]) assert.equal(c.status(id).serving, true);
  });

  test('ACKEPOCH is sent only after the acceptedEpoch write is durable', () => {
    const c = new Cluster();
    c.elect();
    c.deliver(1, 3, 'FOLLOWERINFO');
    c.deliver(3, 1, 'NEWEPOCH');
    assert.deepEqual(c.pendingWrites(1).map((w) => w.write), [{ kind: 'acceptedEpoch', epoch: 1 }]);
    assert.deepEqual(c.queued(1, 3), [], 'no ACKEPOCH before persisted');
    assert.equal(c.durable(1).acceptedEpoch, 0);
    c.tick(1); // time passing changes nothing
    assert.deepEqual(c.queued(1, 3), []);
    c.persist(1);
    assert.deepEqual(c.queued(1, 3), ['ACKEPOCH']);
    assert.equal(c.durable(1).acceptedEpoch, 1);
  });

  test('the leader counts its own promise only once its acceptedEpoch is durable', () => {
    const c = new Cluster();
    c.elect();
    c.deliver(1, 3, 'FOLLOWERINFO');
    c.deliver(3, 1, 'NEWEPOCH');
    c.persist(1);
    c.deliver(1, 3, 'ACKEPOCH');
    assert.equal(c.status(3).phase, 'discovery');
    assert.deepEqual(c.queued(3, 1), []);
    c.persist(3);
    assert.equal(c.status(3).phase, 'synchronization');
    assert.deepEqual(c.queued(3, 1), ['DIFF', 'NEWLEADER']);
  });

  test('an epoch already accepted is acked with promised=false and not counted toward the epoch quorum', () => {
    // Member 2 already accepted epoch 2 (from a would-be leader that never got further).
    const c = new Cluster({
      durable: {
        1: durableImage({ acceptedEpoch: 1, currentEpoch: 1 }),
        2: durableImage({ acceptedEpoch: 2, currentEpoch: 1 }),
        3: durableImage({ acceptedEpoch: 1, currentEpoch: 1 }),
      },
    });
    assert.equal(c.elect(), 3);
    c.deliver(1, 3, 'FOLLOWERINFO'); // quorum {1,3} → epoch 2
    c.deliver(2, 3, 'FOLLOWERINFO');
    c.persist(3);
    assert.equal(c.deliver(3, 2, 'NEWEPOCH').epoch, 2);
    assert.deepEqual(c.pendingWrites(2), [], 'nothing new to promise, nothing to write');
    const ack = c.deliver(2, 3, 'ACKEPOCH');
    assert.equal(ack.promised, false);
    assert.equal(c.status(3).phase, 'discovery', 'leader + an unpromised ack is not a quorum of promises');
    assert.deepEqual(c.queued(3, 2), []);
    // Member 1's real promise completes the quorum; both followers are then synced.
    c.deliver(3, 1, 'NEWEPOCH');
    c.persist(1);
    assert.equal(c.deliver(1, 3, 'ACKEPOCH').promised, true);
    assert.equal(c.status(3).phase, 'synchronization');
    assert.deepEqual(c.queued(3, 1), ['DIFF', 'NEWLEADER']);
    assert.deepEqual(c.queued(3, 2), ['DIFF', 'NEWLEADER']);
  });

  test('a leader that learns a follower holds a newer history steps down (pitfall 11)', () => {
    const c = new Cluster();
    c.elect();
    const info = c.deliver(1, 3, 'FOLLOWERINFO');
    c.persist(3);
    // A forged ACKEPOCH: member 1 claims a longer history than the leader's (empty) one.
    c.inject(1, 3, {
      type: 'ACKEPOCH',
      session: info.session,
      epoch: 1,
      promised: true,
      currentEpoch: 0,
      lastZxid: zxid(0, 3),
      history: { base: zxid(0, 0), segments: [{ epoch: 0, first: 1, last: 3 }] },
    });
    assert.equal(c.status(3).role, 'LOOKING');
    assert.deepEqual(c.queued(3, 1).filter((t) => t !== 'VOTE'), ['NEWEPOCH'], 'no sync was started');
  });

  test('an ACKEPOCH for another session or epoch is ignored', () => {
    const c = new Cluster();
    c.elect();
    const info = c.deliver(1, 3, 'FOLLOWERINFO');
    c.persist(3);
    const base = { type: 'ACKEPOCH', promised: true, currentEpoch: 0, lastZxid: zxid(0, 0), history: { base: zxid(0, 0), segments: [] } } as const;
    c.inject(1, 3, { ...base, session: info.session + 1, epoch: 1 });
    c.inject(1, 3, { ...base, session: info.session, epoch: 7 });
    assert.equal(c.status(3).phase, 'discovery');
    c.inject(1, 3, { ...base, session: info.session, epoch: 1 });
    assert.equal(c.status(3).phase, 'synchronization');
  });
});
