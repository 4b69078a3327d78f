import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode, ZooKeeperError } from '../../../../src/client/errors.js';
import { Lock } from '../../../../src/client/recipes/lock.js';
import type { OperationRequest } from '../../../../src/protocol/client.js';
import { rejection, world } from '../harness.js';

describe('lock', () => {
  test('the second acquirer waits and gets the lock when the first releases', async () => {
    const w = world();
    const first = new Lock(await w.connectedClient('a'), '/locks/job');
    const second = new Lock(await w.connectedClient('b'), '/locks/job');
    await w.scheduler.run(first.acquire());
    assert.ok(first.held);
    let secondHas = false;
    const waiting = second.acquire().then(() => (secondHas = true));
    await w.scheduler.advance(1000);
    assert.equal(secondHas, false);
    assert.equal(second.held, false);
    await w.scheduler.run(first.release());
    await w.scheduler.run(waiting);
    assert.ok(second.held);
    assert.equal(first.held, false);
    assert.deepEqual(w.ensemble.tree.get('/locks/job')!.children.size, 1);
  });

  test('waiters watch only their predecessor (no herd), and a crashed holder frees the lock when its session ends', async () => {
    const w = world({ tickMs: 100 });
    const holderClient = await w.connectedClient('holder', { sessionTimeoutMs: 2000 });
    const holder = new Lock(holderClient, '/l');
    await w.scheduler.run(holder.acquire());
    const order: string[] = [];
    const waiters = ['w1', 'w2', 'w3'];
    const acquiring: Promise<void>[] = [];
    for (const tag of waiters) {
      const lock = new Lock(await w.connectedClient(tag), '/l');
      acquiring.push(
        lock.acquire().then(async () => {
          order.push(tag);
          await lock.release();
        }),
      );
      await w.scheduler.advance(10);
    }
    const existsWatches = w.ensemble.log.filter((m) => m.message.type === 'request' && m.message.operation.op === 'exists' && m.message.operation.watch);
    const watched = existsWatches.map((m) => ((m.message as OperationRequest).operation as { path: string }).path);
    assert.equal(new Set(watched).size, 3, 'each waiter watches a different node');
    w.ensemble.isolate('holder');
    await w.scheduler.run(Promise.all(acquiring));
    assert.deepEqual(order, waiters, 'first come, first served');
    assert.ok(w.scheduler.now() >= 2000);
  });

  test('acquire with a timeout gives up and withdraws its node', async () => {
    const w = world();
    const a = new Lock(await w.connectedClient('a'), '/l');
    const bClient = await w.connectedClient('b');
    const b = new Lock(bClient, '/l');
    await w.scheduler.run(a.acquire());
    const started = w.scheduler.now();
    const err = await rejection(w, b.acquire({ timeoutMs: 500 }));
    assert.ok(ZooKeeperError.is(err, ErrorCode.OPERATIONTIMEOUT));
    assert.ok(w.scheduler.now() - started >= 500);
    await w.scheduler.advance(10);
    assert.deepEqual(w.ensemble.tree.ephemerals(bClient.sessionId, '/'), []);
    await w.scheduler.run(a.release());
    await w.scheduler.run(b.acquire({ timeoutMs: 500 }));
    assert.ok(b.held);
  });

  test('a create whose reply was lost is found again, not duplicated', async () => {
    const w = world({ members: 3 });
    const client = await w.connectedClient('a');
    const lock = new Lock(client, '/l');
    let dropped = false;
    w.ensemble.onRequest = (connection, request) => {
      if (dropped || request.operation.op !== 'create' || request.operation.mode !== 'EPHEMERAL_SEQUENTIAL') return false;
      dropped = true;
      // Apply it, then lose the connection before the reply reaches the client.
      w.ensemble.onRequest = null;
      w.ensemble.receive(connection, request);
      w.ensemble.kill(connection.member);
      return true;
    };
    const states: string[] = [];
    client.on('state', (c) => states.push(c.state));
    await w.scheduler.run(lock.acquire());
    assert.ok(dropped);
    assert.deepEqual(states, ['DISCONNECTED', 'CONNECTING', 'CONNECTED']);
    const creates = w.ensemble.log.filter((m) => m.message.type === 'request' && m.message.operation.op === 'create' && m.message.operation.mode === 'EPHEMERAL_SEQUENTIAL');
    assert.equal(creates.length, 1, 'no second create');
    assert.ok(lock.held);
    assert.equal(w.ensemble.tree.get('/l')!.children.size, 1);
  });
});
