import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode, ZooKeeperError } from '../../../../src/client/errors.js';
import { DoubleBarrier } from '../../../../src/client/recipes/barrier.js';
import { rejection, world } from '../harness.js';

describe('double barrier', () => {
  test('enter waits for N participants; leave waits until all have left', async () => {
    const w = world();
    const names = ['p1', 'p2', 'p3'];
    const barriers = await Promise.all(names.map(async (id) => new DoubleBarrier(await w.scheduler.run(w.connectedClient(id)), '/b', 3, { id })));
    const entered: string[] = [];
    const entering = barriers.slice(0, 2).map((b) => b.enter().then(() => entered.push(b.id)));
    await w.scheduler.advance(500);
    assert.equal(entered.length, 0, 'two of three: still waiting');
    entering.push(barriers[2]!.enter().then(() => entered.push('p3')));
    await w.scheduler.run(Promise.all(entering));
    assert.deepEqual(entered.sort(), names);

    const left: string[] = [];
    const leaving = barriers.slice(1).map((b) => b.leave().then(() => left.push(b.id)));
    await w.scheduler.advance(500);
    assert.equal(left.length, 0, 'p1 is still in: nobody is out');
    leaving.push(barriers[0]!.leave().then(() => left.push('p1')));
    await w.scheduler.run(Promise.all(leaving));
    assert.deepEqual(left.sort(), names);
    assert.deepEqual([...w.ensemble.tree.get('/b')!.children], [], 'participants and ready are gone');
  });

  test('enter with a timeout steps out again', async () => {
    const w = world();
    const client = await w.connectedClient('p');
    const barrier = new DoubleBarrier(client, '/b', 2, { id: 'p' });
    const err = await rejection(w, barrier.enter({ timeoutMs: 300 }));
    assert.ok(ZooKeeperError.is(err, ErrorCode.OPERATIONTIMEOUT));
    await w.scheduler.advance(10);
    assert.deepEqual([...w.ensemble.tree.get('/b')!.children], []);
  });
});
