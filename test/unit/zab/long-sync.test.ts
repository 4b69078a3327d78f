import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_ZAB_TIMING } from '../../../src/zab/config.js';
import { Cluster, durableImage } from './harness.js';

const INIT_LIMIT = DEFAULT_ZAB_TIMING.initLimitTicks;

/**
 * Leader 3 (with 2) leads epoch 2; member 1, empty, has acked the epoch and its sync is queued at
 * the leader, undelivered: a sync that, over a real link, takes as long as its DIFF or SNAP is big.
 */
function member1AwaitingSync(): Cluster {
  const others = { 2: durableImage({ log: [[1, 1], [1, 2]] }), 3: durableImage({ log: [[1, 1], [1, 2]] }) };
  const c = new Cluster({ durable: others });
  assert.equal(c.elect(), 3);
  c.deliver(2, 3, 'FOLLOWERINFO');
  c.deliver(1, 3, 'FOLLOWERINFO');
  c.persist(3);
  c.deliver(3, 2, 'NEWEPOCH');
  c.persist(2);
  c.deliver(2, 3, 'ACKEPOCH');
  // The leader establishes itself with 2, so only member 1's sync is left (and its timeouts count).
  for (let round = 0; round < 5; round++) {
    c.deliverLink(3, 2);
    c.persistAll();
    c.deliverLink(2, 3);
    c.persistAll();
  }
  assert.equal(c.status(3).serving, true);
  c.deliver(3, 1, 'NEWEPOCH');
  c.persist(1);
  c.deliver(1, 3, 'ACKEPOCH');
  assert.deepEqual(c.queued(3, 1), ['DIFF', 'PROPOSAL', 'PROPOSAL', 'NEWLEADER']);
  return c;
}

/** `ticks` ticks of member 1 and the leader, while parts of a big message from the leader keep arriving at 1 and 1's PINGs reach the leader. */
function streamFor(c: Cluster, ticks: number): void {
  for (let i = 0; i < ticks; i++) {
    c.heard(1, 3);
    c.tick(1);
    c.tick(3);
    while (c.queued(1, 3).length) c.deliver(1, 3);
    // Member 2 answers the leader as usual (it is not the one syncing).
    c.deliverLink(3, 2);
    c.deliverLink(2, 3);
  }
}

describe('a sync longer than initLimit (a big DIFF or SNAP streamed at the pace of the link)', () => {
  test('a SNAP still arriving in parts: the follower waits while it hears the leader, and the leader hears it', () => {
    const c = member1AwaitingSync();
    const mark = c.mark();
    streamFor(c, 3 * INIT_LIMIT);
    assert.equal(c.status(1).role, 'FOLLOWING', 'the follower did not give up');
    assert.deepEqual(c.eventsOf(3, 'followerLost'), [], 'the leader did not drop it');
    assert.ok(c.sentMessages({ from: 1, to: 3, type: 'PING', since: mark }).length >= 3 * INIT_LIMIT - 1, 'one PING a tick to the leader');
    c.settle();
    assert.equal(c.status(1).serving, true);
  });

  test('a DIFF under way: the follower keeps syncing while it hears the leader, and pings it every tick', () => {
    const c = member1AwaitingSync();
    c.deliver(3, 1, 'DIFF');
    assert.equal(c.status(1).phase, 'synchronization');
    const mark = c.mark();
    streamFor(c, 3 * INIT_LIMIT);
    assert.equal(c.status(1).role, 'FOLLOWING');
    assert.deepEqual(c.eventsOf(3, 'followerLost'), []);
    assert.ok(c.sentMessages({ from: 1, to: 3, type: 'PING', since: mark }).length >= 3 * INIT_LIMIT - 1);
    c.settle();
    assert.equal(c.status(1).serving, true);
  });

  test('a sync that stops moving for initLimit is given up on, though the leader still pings', () => {
    const c = member1AwaitingSync();
    c.deliver(3, 1, 'DIFF');
    c.deliver(3, 1, 'PROPOSAL');
    c.drop({ from: 3, to: 1 }); // the rest of the stream is lost; the link stays up
    for (let i = 0; i <= INIT_LIMIT; i++) {
      c.tick(1);
      c.tick(3); // the leader's PINGs are not progress
    }
    assert.equal(c.status(1).role, 'LOOKING');
    assert.match(c.eventsOf(1, 'steppedDown').at(-1)!.reason, /no sync progress for initLimit/);
  });

  test('a PING before NEWLEADER means the stream was cut (it was queued after NEWLEADER): the sync fails at once', () => {
    const c = member1AwaitingSync();
    c.deliver(3, 1, 'DIFF');
    c.drop({ from: 3, to: 1 });
    c.tick(3);
    c.deliver(3, 1, 'PING');
    assert.equal(c.status(1).role, 'LOOKING');
    assert.match(c.eventsOf(1, 'steppedDown').at(-1)!.reason, /PING before NEWLEADER/);
  });

  test('no PING before the epoch is acked: a follower still in discovery says nothing but FOLLOWERINFO', () => {
    const c = new Cluster();
    c.elect();
    c.deliver(1, 3, 'FOLLOWERINFO');
    c.deliver(3, 1, 'NEWEPOCH'); // acceptedEpoch write not yet durable: no ACKEPOCH, no PING
    const mark = c.mark();
    c.heard(1, 3);
    c.tick(1);
    assert.deepEqual(c.sentMessages({ from: 1, to: 3, since: mark, withVotesAndPings: true }).map((e) => e.message.type), []);
  });
});
