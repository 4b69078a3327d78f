import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode, ZooKeeperError } from '../../../src/client/errors.js';
import type { SetWatchesRequest } from '../../../src/protocol/client.js';
import type { WatchedEvent } from '../../../src/client/types.js';
import { rejection, world } from './harness.js';

function collect(): { events: WatchedEvent[]; watcher: (e: WatchedEvent) => void } {
  const events: WatchedEvent[] = [];
  return { events, watcher: (e) => events.push(e) };
}

const brief = (events: WatchedEvent[]) => events.map((e) => `${e.type} ${e.path}`);

describe('one-shot watches', () => {
  test('a data watch fires once, for the first change only', async () => {
    const w = world();
    const client = await w.connectedClient('c');
    await w.scheduler.run(client.create('/a', 'v0'));
    const { events, watcher } = collect();
    await w.scheduler.run(client.getData('/a', { watch: watcher }));
    await w.scheduler.run(client.setData('/a', 'v1'));
    await w.scheduler.run(client.setData('/a', 'v2'));
    await w.scheduler.advance(10);
    assert.deepEqual(brief(events), ['NodeDataChanged /a']);
    assert.equal(events[0]!.state, 'CONNECTED');
    assert.deepEqual(events[0]!.zxid, { epoch: 1, counter: 2 });
  });

  test('ZooKeeper semantics: exists on a missing node fires NodeCreated, child watch NodeChildrenChanged, data watch NodeDeleted', async () => {
    const w = world();
    const client = await w.connectedClient('c');
    const exist = collect();
    assert.equal(await w.scheduler.run(client.exists('/p', { watch: exist.watcher })), null);
    await w.scheduler.run(client.create('/p'));
    const child = collect();
    const data = collect();
    await w.scheduler.run(client.getChildren('/p', { watch: child.watcher }));
    await w.scheduler.run(client.getData('/p', { watch: data.watcher }));
    await w.scheduler.run(client.create('/p/c'));
    await w.scheduler.run(client.delete('/p/c'));
    await w.scheduler.run(client.delete('/p'));
    await w.scheduler.advance(10);
    assert.deepEqual(brief(exist.events), ['NodeCreated /p']);
    assert.deepEqual(brief(child.events), ['NodeChildrenChanged /p']);
    assert.deepEqual(brief(data.events), ['NodeDeleted /p']);
  });

  test('exists on an existing node watches its data and deletion', async () => {
    const w = world();
    const client = await w.connectedClient('c');
    await w.scheduler.run(client.create('/n'));
    const { events, watcher } = collect();
    assert.ok(await w.scheduler.run(client.exists('/n', { watch: watcher })));
    await w.scheduler.run(client.delete('/n'));
    await w.scheduler.advance(10);
    assert.deepEqual(brief(events), ['NodeDeleted /n']);
  });

  test('the same watcher set twice on a path is called once; watch: true goes to the default watcher', async () => {
    const w = world();
    const defaults = collect();
    const client = await w.connectedClient('c', { watcher: defaults.watcher });
    const viaEvent: WatchedEvent[] = [];
    client.on('watch', (e) => viaEvent.push(e));
    await w.scheduler.run(client.create('/a'));
    const { events, watcher } = collect();
    await w.scheduler.run(client.getData('/a', { watch: watcher }));
    await w.scheduler.run(client.exists('/a', { watch: watcher }));
    await w.scheduler.run(client.getData('/a', { watch: true }));
    await w.scheduler.run(client.setData('/a', 'x'));
    await w.scheduler.advance(10);
    assert.deepEqual(brief(events), ['NodeDataChanged /a']);
    assert.deepEqual(brief(defaults.events), ['NodeDataChanged /a']);
    assert.deepEqual(brief(viaEvent), ['NodeDataChanged /a']);
  });

  test('no watch is left by a read that failed', async () => {
    const w = world();
    const client = await w.connectedClient('c');
    const { events, watcher } = collect();
    assert.ok(ZooKeeperError.is(await rejection(w, client.getData('/nope', { watch: watcher })), ErrorCode.NONODE));
    await w.scheduler.run(client.create('/nope'));
    await w.scheduler.advance(10);
    assert.deepEqual(events, []);
  });

  test("a watch event is dispatched before the reply to any later request resolves", async () => {
    const w = world();
    const reader = await w.connectedClient('reader');
    const writer = await w.connectedClient('writer');
    await w.scheduler.run(writer.create('/a', 'v0'));
    const order: string[] = [];
    await w.scheduler.run(reader.getData('/a', { watch: () => order.push('watch') }));
    await w.scheduler.run(writer.setData('/a', 'v1'));
    // The member sent the event before this reply: the watcher must run first.
    const read = reader.getData('/a').then((r) => order.push(`read ${new TextDecoder().decode(r.data)}`));
    await w.scheduler.run(read);
    assert.deepEqual(order, ['watch', 'read v1']);
  });

  test('a watch is registered as its reply is processed, so an event right behind the reply finds it', async () => {
    const w = world();
    const client = await w.connectedClient('c');
    await w.scheduler.run(client.create('/a', 'v0'));
    w.ensemble.onRequest = (connection, request) => {
      if (request.operation.op !== 'getData') return false;
      const stat = { ...w.ensemble.tree.get('/a')!.stat };
      // Reply and event in one burst, with no chance for promise continuations in between.
      w.scheduler.setTimeout(() => {
        connection.handlers.onMessage({ type: 'response', xid: request.xid, zxid: { epoch: 1, counter: 1 }, err: 0, result: { op: 'getData', data: new Uint8Array(0), stat } });
        connection.handlers.onMessage({ type: 'watch', event: 'NodeDataChanged', path: '/a', zxid: { epoch: 1, counter: 2 } });
      }, 1);
      return true;
    };
    const { events, watcher } = collect();
    await w.scheduler.run(client.getData('/a', { watch: watcher }));
    await w.scheduler.advance(10);
    assert.deepEqual(brief(events), ['NodeDataChanged /a']);
    assert.deepEqual(client.lastZxidSeen, { epoch: 1, counter: 2 }, 'watch events count for lastZxidSeen');
  });

  test('a watcher that throws does not stop the others; the error goes to the error listeners', async () => {
    const w = world();
    const client = await w.connectedClient('c');
    const errors: unknown[] = [];
    client.on('error', (err) => errors.push(err));
    await w.scheduler.run(client.create('/a'));
    const { events, watcher } = collect();
    await w.scheduler.run(client.getData('/a', { watch: () => { throw new Error('boom'); } }));
    await w.scheduler.run(client.getData('/a', { watch: watcher }));
    await w.scheduler.run(client.setData('/a', 'x'));
    await w.scheduler.advance(10);
    assert.equal(events.length, 1);
    assert.equal((errors[0] as Error).message, 'boom');
  });

  test('when the session ends, every watcher gets a last None event', async () => {
    const w = world();
    const client = await w.connectedClient('c');
    await w.scheduler.run(client.create('/a'));
    const { events, watcher } = collect();
    await w.scheduler.run(client.getData('/a', { watch: watcher }));
    await w.scheduler.run(client.addWatch('/', 'PERSISTENT_RECURSIVE', watcher));
    w.ensemble.expire(client.sessionId);
    await w.scheduler.advance(10);
    assert.deepEqual(events.map((e) => `${e.type} ${e.state}`), ['None EXPIRED']);
  });
});

describe('persistent watches', () => {
  test('a persistent watch fires on every change of its node, including its children list', async () => {
    const w = world();
    const client = await w.connectedClient('c');
    await w.scheduler.run(client.create('/cfg', 'a'));
    const { events, watcher } = collect();
    await w.scheduler.run(client.addWatch('/cfg', 'PERSISTENT', watcher));
    for (const v of ['b', 'c', 'd']) await w.scheduler.run(client.setData('/cfg', v));
    await w.scheduler.run(client.create('/cfg/x'));
    await w.scheduler.run(client.create('/cfg/x/deep'));
    await w.scheduler.advance(10);
    assert.deepEqual(brief(events), ['NodeDataChanged /cfg', 'NodeDataChanged /cfg', 'NodeDataChanged /cfg', 'NodeChildrenChanged /cfg']);
  });

  test('a recursive watch sees every node below it, but not child-list events', async () => {
    const w = world();
    const client = await w.connectedClient('c');
    await w.scheduler.run(client.create('/app'));
    const { events, watcher } = collect();
    await w.scheduler.run(client.addWatch('/app', 'PERSISTENT_RECURSIVE', watcher));
    await w.scheduler.run(client.create('/app/a'));
    await w.scheduler.run(client.create('/app/a/b', 'x'));
    await w.scheduler.run(client.setData('/app/a/b', 'y'));
    await w.scheduler.run(client.delete('/app/a/b'));
    await w.scheduler.run(client.create('/other'));
    await w.scheduler.advance(10);
    assert.deepEqual(brief(events), ['NodeCreated /app/a', 'NodeCreated /app/a/b', 'NodeDataChanged /app/a/b', 'NodeDeleted /app/a/b']);
  });

  test('removeWatches: removed watchers hear it once, then nothing; NOWATCHER when there is none', async () => {
    const w = world();
    const client = await w.connectedClient('c');
    await w.scheduler.run(client.create('/r'));
    const kept = collect();
    const gone = collect();
    await w.scheduler.run(client.addWatch('/r', 'PERSISTENT', gone.watcher));
    await w.scheduler.run(client.getData('/r', { watch: kept.watcher }));
    await w.scheduler.run(client.removeWatches('/r', 'ANY', gone.watcher));
    await w.scheduler.run(client.setData('/r', 'x'));
    await w.scheduler.advance(10);
    assert.deepEqual(brief(gone.events), ['PersistentWatchRemoved /r']);
    assert.deepEqual(brief(kept.events), ['NodeDataChanged /r']);
    const err = await rejection(w, client.removeWatches('/r', 'CHILDREN'));
    assert.ok(ZooKeeperError.is(err, ErrorCode.NOWATCHER));
    await w.scheduler.run(client.getChildren('/r', { watch: kept.watcher }));
    await w.scheduler.run(client.removeWatches('/r', 'CHILDREN'));
    const removals = w.ensemble.sent('request').map((m) => m.message).filter((m) => m.type === 'request' && m.operation.op === 'removeWatches');
    assert.equal(removals.length, 1, 'the persistent one could not be removed alone; the child one was told to the member');
    await w.scheduler.run(client.create('/r/kid'));
    await w.scheduler.advance(10);
    assert.deepEqual(brief(kept.events), ['NodeDataChanged /r', 'ChildWatchRemoved /r']);
  });
});

describe('watches across reconnects', () => {
  test('setWatches re-registers every live watch with lastZxidSeen, and catches up on what changed meanwhile', async () => {
    const w = world({ members: 3 });
    const client = await w.connectedClient('c');
    const writer = await w.connectedClient('writer');
    await w.scheduler.run(client.create('/d', 'v0'));
    await w.scheduler.run(client.create('/k'));
    const data = collect();
    const exist = collect();
    const child = collect();
    const persistent = collect();
    await w.scheduler.run(client.getData('/d', { watch: data.watcher }));
    await w.scheduler.run(client.exists('/missing', { watch: exist.watcher }));
    await w.scheduler.run(client.getChildren('/k', { watch: child.watcher }));
    await w.scheduler.run(client.addWatch('/k', 'PERSISTENT_RECURSIVE', persistent.watcher));
    const seen = client.lastZxidSeen;
    const first = client.memberIndex!;
    w.ensemble.members[first]!.silent = true; // our member hangs; the writer is elsewhere or moves too
    await w.scheduler.advance(100);
    await w.scheduler.run(writer.setData('/d', 'v1'));
    await w.scheduler.run(client.connected().then(() => w.scheduler.advance(1)));
    await w.scheduler.advance(2500);
    assert.notEqual(client.memberIndex, first);
    const setWatches = w.ensemble.sent('setWatches', 'c');
    assert.equal(setWatches.length, 1);
    const sw = setWatches[0]!.message as SetWatchesRequest;
    assert.deepEqual(sw.lastZxid, seen);
    assert.deepEqual([sw.data, sw.exist, sw.children, sw.persistent, sw.persistentRecursive], [['/d'], ['/missing'], ['/k'], [], ['/k']]);
    assert.deepEqual(brief(data.events), ['NodeDataChanged /d'], 'the change made while we were away fires at reconnect');
    await w.scheduler.run(writer.create('/missing'));
    await w.scheduler.run(writer.create('/k/new'));
    await w.scheduler.advance(10);
    assert.deepEqual(brief(exist.events), ['NodeCreated /missing']);
    assert.deepEqual(brief(child.events), ['NodeChildrenChanged /k']);
    assert.deepEqual(brief(persistent.events), ['NodeCreated /k/new']);
  });

  test('no setWatches when nothing is watched', async () => {
    const w = world({ members: 2 });
    const client = await w.connectedClient('c');
    w.ensemble.kill(client.memberIndex!);
    await w.scheduler.advance(50);
    assert.equal(client.state, 'CONNECTED');
    assert.equal(w.ensemble.sent('setWatches').length, 0);
  });
});
