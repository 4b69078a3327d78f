import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { compareCandidates } from '../../../src/zab/election.js';
import { zxid } from '../../../src/zab/zxid.js';
import { Cluster, durableImage, type MessageOf } from './harness.js';

const FINALIZE = 2;

describe('election', () => {
  test('candidates are ordered by (currentEpoch, lastZxid, id)', () => {
    const c = (leader: number, epoch: number, e: number, n: number) => ({ leader, epoch, zxid: zxid(e, n) });
    assert.ok(compareCandidates(c(1, 2, 1, 1), c(3, 1, 1, 9)) > 0, 'epoch first');
    assert.ok(compareCandidates(c(1, 1, 1, 2), c(3, 1, 1, 1)) > 0, 'then zxid');
    assert.ok(compareCandidates(c(3, 1, 1, 1), c(2, 1, 1, 1)) > 0, 'then id');
    assert.equal(compareCandidates(c(2, 1, 1, 1), c(2, 1, 1, 1)), 0);
  });

  test('every member starts by voting for itself', () => {
    const c = new Cluster();
    for (const [from, to] of [[1, 2], [2, 3], [3, 1]] as const) {
      const v = c.deliver(from, to, 'VOTE');
      assert.equal(v.leader, from);
      assert.equal(v.state, 'LOOKING');
      assert.equal(v.round, 1);
    }
  });

  test('three fresh members elect the highest id', () => {
    const c = new Cluster();
    assert.equal(c.elect(), 3);
    assert.equal(c.status(1).role, 'FOLLOWING');
    assert.equal(c.status(2).role, 'FOLLOWING');
    assert.equal(c.status(1).leader, 3);
    assert.equal(c.status(2).leader, 3);
    for (const id of [1, 2]) {
      const votes = c.sentMessages({ from: id, type: 'VOTE' });
      assert.equal((votes[votes.length - 1]!.message as MessageOf<'VOTE'>).leader, 3, `member ${id} ends voting for 3`);
    }
    // The followers' first non-vote message is FOLLOWERINFO to the leader.
    assert.deepEqual(c.queued(1, 3), ['FOLLOWERINFO']);
    assert.deepEqual(c.queued(2, 3), ['FOLLOWERINFO']);
  });

  test('the member with the highest lastZxid wins over a higher id', () => {
    const c = new Cluster({
      durable: {
        1: durableImage({ log: [[1, 1], [1, 2]] }),
        2: durableImage({ log: [[1, 1]] }),
        3: durableImage({ log: [[1, 1]] }),
      },
    });
    assert.equal(c.elect(), 1);
    c.settle();
    assert.equal(c.status(1).serving, true);
    for (const id of [2, 3]) assert.deepEqual(c.log(id), ['(1,1)', '(1,2)']);
  });

  test('the member with the highest currentEpoch wins over a longer log of an older epoch', () => {
    // Epoch 2 was established on (1,1): (1,2) on member 3 was never committed.
    const c = new Cluster({
      durable: {
        1: durableImage({ log: [[1, 1]], currentEpoch: 2 }),
        2: durableImage({ log: [[1, 1]], currentEpoch: 2 }),
        3: durableImage({ log: [[1, 1], [1, 2]], currentEpoch: 1 }),
      },
    });
    assert.equal(c.elect(), 2);
    c.settle();
    assert.deepEqual(c.sentTypes({ from: 2, to: 3 }), ['NEWEPOCH', 'TRUNC', 'NEWLEADER', 'UPTODATE']);
    assert.deepEqual(c.log(3), ['(1,1)']);
  });

  test('a quorum that is not unanimous decides only after electionFinalizeTicks', () => {
    const c = new Cluster({ down: [1], config: { electionFinalizeTicks: FINALIZE } });
    c.deliverAllOf(['VOTE']);
    assert.equal(c.status(2).role, 'LOOKING');
    assert.equal(c.status(3).role, 'LOOKING');
    c.tickAll(FINALIZE - 1);
    assert.equal(c.status(3).role, 'LOOKING');
    c.tickAll(1);
    assert.equal(c.status(3).role, 'LEADING');
    assert.equal(c.status(2).role, 'FOLLOWING');
  });

  test('a better vote arriving during the finalize wait wins', () => {
    const c = new Cluster({ down: [3], config: { electionFinalizeTicks: FINALIZE } });
    c.deliverAllOf(['VOTE']);
    assert.equal(c.status(2).role, 'LOOKING', '1 and 2 agree on 2 but wait');
    c.restart(3);
    assert.equal(c.elect(), 3);
    assert.equal(c.status(2).leader, 3);
  });

  test('after the leader dies the followers elect at once: a vote that came while following counts, and the silent leader is not waited for', () => {
    const SYNC = 5;
    const c = new Cluster({ config: { syncLimitTicks: SYNC, electionFinalizeTicks: FINALIZE, voteResendTicks: 4 } });
    assert.equal(c.establish(), 3);
    c.crash(3); // killed: no link goes down, it just falls silent
    c.tick(2, SYNC + 1);
    assert.equal(c.status(2).role, 'LOOKING', 'member 2 noticed first');
    c.deliver(2, 1, 'VOTE'); // reaches member 1 while it still follows 3
    c.deliverAllOf(['VOTE']);
    assert.equal(c.status(1).role, 'FOLLOWING');
    c.tick(1, SYNC + 1);
    // Member 1 started looking with 2's vote in hand and the leader silent: it decided in that step.
    assert.equal(c.status(1).role, 'FOLLOWING');
    assert.equal(c.status(1).leader, 2);
    assert.equal(c.eventsOf(1, 'steppedDown').at(-1)!.reason, 'leader silent for syncLimit');
    // No tick from here: no resend, no finalize wait.
    assert.equal(c.status(2).role, 'LOOKING');
    c.deliverAllOf(['VOTE']);
    assert.equal(c.status(2).role, 'LEADING');
  });

  test('a vote that arrives while our last writes are still on their way to disk counts once our election starts', () => {
    const SYNC = 5;
    const c = new Cluster({ config: { syncLimitTicks: SYNC, electionFinalizeTicks: FINALIZE, voteResendTicks: 4 } });
    assert.equal(c.establish(), 3);
    assert.equal(c.propose(3, 'x').ok, true);
    c.deliver(3, 1, 'PROPOSAL');
    c.deliver(3, 2, 'PROPOSAL');
    c.persist(2);
    c.crash(3);
    c.tick(2, SYNC + 1);
    c.tick(1, SYNC + 1);
    assert.equal(c.status(1).role, 'LOOKING');
    assert.ok(c.pendingWrites(1).length > 0, "member 1's append is not durable yet: it may not vote (pitfall 7)");
    c.deliverAllOf(['VOTE']); // 2's vote reaches 1 now
    assert.equal(c.status(1).role, 'LOOKING');
    c.persist(1); // 1 votes, with 2's vote already in hand
    assert.equal(c.status(1).role, 'FOLLOWING');
    assert.equal(c.status(1).leader, 2);
    c.deliverAllOf(['VOTE']);
    assert.equal(c.status(2).role, 'LEADING', 'no resend, no finalize wait: no tick was needed');
  });

  test('a LOOKING vote the leader sent before it decided does not make its new follower leave it', () => {
    const c = new Cluster({ config: { electionFinalizeTicks: FINALIZE } });
    c.deliver(3, 2, 'VOTE');
    c.deliverLink(2, 1); // 2's own vote, then its vote for 3
    assert.equal(c.status(1).role, 'LOOKING', '1 and 2 agree on 3, whose own vote is still on its way');
    c.tick(1, FINALIZE);
    assert.equal(c.status(1).role, 'FOLLOWING');
    assert.equal(c.status(1).leader, 3);
    const stale = c.deliver(3, 1, 'VOTE');
    assert.equal(stale.state, 'LOOKING');
    assert.equal(c.status(1).role, 'FOLLOWING', 'sent before 3 decided: not a sign that 3 looks again');
    assert.equal(c.stabilize(), 3);
    assert.equal(c.eventsOf(1, 'steppedDown').length, 1, 'only the startup one');
  });

  test('a member restarting after the ensemble formed joins the existing leader, no new epoch', () => {
    const c = new Cluster();
    const leader = c.establish();
    assert.equal(leader, 3);
    assert.equal(c.propose(3, 'x').ok, true);
    c.settle();
    c.crash(1);
    c.restart(1);
    const since = c.mark();
    c.deliverAllOf(['VOTE']);
    // Member 1 learned the leader from the others' FOLLOWING / LEADING votes.
    const replies = c.sentMessages({ to: 1, type: 'VOTE', since }).map((e) => e.message as MessageOf<'VOTE'>);
    assert.deepEqual(new Set(replies.map((v) => `${v.leader}:${v.state}`)), new Set(['3:FOLLOWING', '3:LEADING']));
    assert.equal(c.status(1).role, 'FOLLOWING');
    assert.equal(c.status(1).leader, 3);
    assert.equal(c.status(3).role, 'LEADING', 'the leader never stopped leading');
    c.settle();
    assert.equal(c.status(1).serving, true);
    assert.deepEqual(
      c.sentMessages({ since, type: 'NEWEPOCH' }).map((e) => (e.message as MessageOf<'NEWEPOCH'>).epoch),
      [1],
      'the existing epoch, not a new one',
    );
    assert.equal(c.durable(3).acceptedEpoch, 1);
    assert.equal(c.status(3).epoch, 1);
    assert.deepEqual(c.applied(1), ['(1,1)']);
  });

  test('a vote from outside the ensemble is rejected', () => {
    const c = new Cluster();
    c.inject(9, 1, { type: 'VOTE', round: 5, leader: 9, zxid: zxid(9, 9), epoch: 9, state: 'LEADING' });
    assert.equal(c.eventsOf(1, 'rejected').length, 1);
    assert.equal(c.status(1).role, 'LOOKING');
    assert.equal(c.elect(), 3);
  });

  test(
    'a leader that steps down holding the best history is re-elected when every vote is delivered (pitfall 11)',
    () => {
      const c = new Cluster();
      c.establish();
      c.propose(3, 'a');
      c.drop({ from: 3, type: 'PROPOSAL' }); // (1,1) is durable on member 3 only
      c.persist(3);
      c.peerDisconnected(3, 1);
      c.peerDisconnected(3, 2); // member 3 loses its quorum and votes LOOKING for itself, zxid (1,1)
      const leader = c.stabilize();
      assert.equal(leader, 3, 'member 3 has the highest (currentEpoch, lastZxid, id) and every vote arrived');
      assert.deepEqual(c.eventsOf(3, 'truncated'), []);
      for (const id of [1, 2, 3]) assert.deepEqual(c.applied(id), ['(1,1)']);
    },
  );
});
