import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster } from './harness.js';

const SYNC_LIMIT = 5;
const INIT_LIMIT = 10;
const config = { syncLimitTicks: SYNC_LIMIT, initLimitTicks: INIT_LIMIT, pingIntervalTicks: 1 };

describe('timeouts and failure detection', () => {
  test('a follower that hears nothing for syncLimit ticks goes LOOKING', () => {
    const c = new Cluster({ config });
    c.establish();
    c.tick(1, SYNC_LIMIT - 1);
    assert.equal(c.status(1).role, 'FOLLOWING');
    c.tick(1, 2);
    assert.equal(c.status(1).role, 'LOOKING');
    assert.match(c.eventsOf(1, 'steppedDown').at(-1)!.reason, /silent/);
  });

  test('parts of a large message in transit count as hearing the peer, both ways', () => {
    const c = new Cluster({ config });
    assert.equal(c.establish(), 3);
    const since = c.mark();
    // The leader's messages to 1 sit behind a big PROPOSAL that arrives part by part.
    for (let t = 0; t < 3 * SYNC_LIMIT; t++) {
      c.tickAll();
      c.heard(1, 3);
      c.drop({ from: 3, to: 1 }); // nothing whole gets through
      c.deliverLink(1, 3);
      c.deliverLink(3, 2);
      c.deliverLink(2, 3);
      c.persistAll();
    }
    assert.equal(c.status(1).role, 'FOLLOWING', 'the leader is not silent: its message is on its way');
    assert.equal(c.status(3).role, 'LEADING');
    assert.equal(c.eventsOf(3, 'followerLost').length, 0, 'and the follower, whose replies to PINGs are stuck, is not silent to the leader');
    const pings = c.sentMessages({ from: 1, to: 3, type: 'PING', since, withVotesAndPings: true }).length;
    assert.ok(pings >= 3 * SYNC_LIMIT - 1 && pings <= 3 * SYNC_LIMIT, `one PING a tick from the follower, got ${pings}`);
  });

  test('a follower that hears the leader’s PINGs keeps following', () => {
    const c = new Cluster({ config });
    c.establish();
    for (let t = 0; t < 4 * SYNC_LIMIT; t++) {
      c.tickAll();
      c.settle();
    }
    assert.equal(c.status(1).role, 'FOLLOWING');
    assert.equal(c.status(2).role, 'FOLLOWING');
    assert.equal(c.status(3).role, 'LEADING');
    assert.ok(c.sentMessages({ from: 3, to: 1, type: 'PING' }).length >= 4 * SYNC_LIMIT - 1);
  });

  test('a leader that hears no follower for syncLimit ticks loses its quorum and steps down', () => {
    const c = new Cluster({ config });
    c.establish();
    c.tick(3, SYNC_LIMIT - 1);
    assert.equal(c.status(3).role, 'LEADING');
    c.tick(3, 2);
    assert.equal(c.status(3).role, 'LOOKING');
    assert.deepEqual(c.eventsOf(3, 'followerLost').map((e) => e.peer).sort(), [1, 2]);
    assert.match(c.eventsOf(3, 'steppedDown').at(-1)!.reason, /quorum/);
  });

  test('a leader that still hears one of two followers keeps leading', () => {
    const c = new Cluster({ config });
    c.establish();
    for (let t = 0; t < 4 * SYNC_LIMIT; t++) {
      c.tick(3);
      c.tick(1);
      c.drop({ to: 2 });
      c.deliverLink(3, 1);
      c.deliverLink(1, 3);
    }
    assert.equal(c.status(3).role, 'LEADING');
    assert.equal(c.status(1).role, 'FOLLOWING');
    assert.deepEqual(c.eventsOf(3, 'followerLost').map((e) => e.peer), [2]);
  });

  test('a follower not up to date within initLimit ticks goes LOOKING', () => {
    const c = new Cluster({ config });
    c.elect();
    c.tick(1, INIT_LIMIT - 1);
    assert.equal(c.status(1).role, 'FOLLOWING');
    c.tick(1, 2);
    assert.equal(c.status(1).role, 'LOOKING');
  });

  test('a leader not established within initLimit ticks steps down', () => {
    const c = new Cluster({ config });
    c.elect();
    c.tick(3, INIT_LIMIT - 1);
    assert.equal(c.status(3).role, 'LEADING');
    c.tick(3, 2);
    assert.equal(c.status(3).role, 'LOOKING');
  });

  test('a follower whose connection to the leader drops goes LOOKING at once', () => {
    const c = new Cluster({ config });
    c.establish();
    c.peerDisconnected(1, 2);
    assert.equal(c.status(1).role, 'FOLLOWING', 'another follower does not matter');
    c.peerDisconnected(1, 3);
    assert.equal(c.status(1).role, 'LOOKING');
  });

  test('a leader that loses the connection to both followers steps down', () => {
    const c = new Cluster({ config });
    c.establish();
    c.peerDisconnected(3, 1);
    assert.equal(c.status(3).role, 'LEADING');
    c.peerDisconnected(3, 2);
    assert.equal(c.status(3).role, 'LOOKING');
  });

  test('followers leave a leader that votes LOOKING, and a new leader is elected', () => {
    const c = new Cluster({ config });
    c.establish();
    c.peerDisconnected(3, 1);
    c.peerDisconnected(3, 2);
    c.deliver(3, 1, 'VOTE');
    assert.equal(c.status(1).role, 'LOOKING');
    const leader = c.stabilize();
    assert.equal(c.status(leader).epoch, 2);
  });
});
