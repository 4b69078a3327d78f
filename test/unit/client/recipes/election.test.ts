import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LeaderElection } from '../../../../src/client/recipes/election.js';
import { world } from '../harness.js';

describe('leader election', () => {
  test('the smallest candidate leads; on resign the next one takes over; followers learn the leader', async () => {
    const w = world();
    const log: string[] = [];
    const elections: LeaderElection[] = [];
    for (const name of ['a', 'b', 'c']) {
      const e = new LeaderElection(await w.connectedClient(name), '/election', {
        id: name,
        onLeader: () => log.push(`${name} leads`),
        onFollower: (leader) => log.push(`${name} follows ${leader}`),
        onLeadershipLost: (why) => log.push(`${name} lost: ${why}`),
      });
      await w.scheduler.run(e.start());
      elections.push(e);
    }
    assert.deepEqual(log, ['a leads', 'b follows a', 'c follows a']);
    assert.equal(await w.scheduler.run(elections[2]!.leader()), 'a');
    log.length = 0;
    await w.scheduler.run(elections[0]!.resign());
    await w.scheduler.advance(20);
    assert.deepEqual(log, ['a lost: resigned', 'b leads']);
    assert.ok(elections[1]!.isLeader);
    assert.ok(!elections[2]!.isLeader);
    assert.equal(await w.scheduler.run(elections[2]!.leader()), 'b');
  });

  test('only the successor wakes when a leader dies; a middle candidate leaving changes nothing for the leader', async () => {
    const w = world({ tickMs: 100 });
    const log: string[] = [];
    const make = async (name: string) => {
      const e = new LeaderElection(await w.connectedClient(name, { sessionTimeoutMs: 2000 }), '/el', { id: name, onLeader: () => log.push(`${name} leads`) });
      await w.scheduler.run(e.start());
      return e;
    };
    await make('a');
    const b = await make('b');
    await make('c');
    await w.scheduler.run(b.resign());
    await w.scheduler.advance(20);
    assert.deepEqual(log, ['a leads']);
    w.ensemble.isolate('a'); // the leader's process dies
    await w.scheduler.advance(2500);
    assert.deepEqual(log, ['a leads', 'c leads']);
  });

  test('leadership is given up while disconnected and regained after the reconnect', async () => {
    const w = world({ members: 3 });
    const client = await w.connectedClient('a');
    const log: string[] = [];
    const e = new LeaderElection(client, '/el', { id: 'a', onLeader: () => log.push('lead'), onLeadershipLost: (why) => log.push(`lost: ${why}`) });
    await w.scheduler.run(e.start());
    w.ensemble.kill(client.memberIndex!);
    await w.scheduler.advance(100);
    assert.equal(client.state, 'CONNECTED');
    assert.deepEqual(log, ['lead', 'lost: disconnected from the ensemble', 'lead']);
    assert.ok(e.isLeader);
  });
});
