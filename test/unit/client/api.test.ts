import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fromUtf8, utf8 } from '../../../src/client/bytes.js';
import { ErrorCode, ZooKeeperError } from '../../../src/client/errors.js';
import { rejection, world } from './harness.js';

async function code(w: ReturnType<typeof world>, promise: Promise<unknown>): Promise<string> {
  const err = await rejection(w, promise);
  assert.ok(err instanceof ZooKeeperError, `not a ZooKeeperError: ${String(err)}`);
  return err.codeName;
}

describe('the ZooKeeper API', () => {
  test('create, getData, setData with versions, delete', async () => {
    const w = world();
    const zk = await w.connectedClient('c');
    assert.equal(await w.scheduler.run(zk.create('/a', 'one')), '/a');
    const { data, stat } = await w.scheduler.run(zk.getData('/a'));
    assert.equal(fromUtf8(data), 'one');
    assert.equal(stat.version, 0);
    assert.equal((await w.scheduler.run(zk.setData('/a', utf8('two'), 0))).version, 1);
    assert.equal(await code(w, zk.setData('/a', 'three', 0)), 'BADVERSION');
    assert.equal(await code(w, zk.create('/a')), 'NODEEXISTS');
    await w.scheduler.run(zk.create('/a/b'));
    assert.equal(await code(w, zk.delete('/a')), 'NOTEMPTY');
    assert.equal(await code(w, zk.delete('/a/b', 5)), 'BADVERSION');
    await w.scheduler.run(zk.delete('/a/b'));
    await w.scheduler.run(zk.delete('/a', 1));
    assert.equal(await w.scheduler.run(zk.exists('/a')), null);
    assert.equal(await code(w, zk.getData('/a')), 'NONODE');
    assert.equal(await code(w, zk.create('/x/y')), 'NONODE');
  });

  test('errors carry the numeric code, its name, the path and the member detail', async () => {
    const w = world();
    const zk = await w.connectedClient('c');
    const err = await rejection(w, zk.getData('/missing'));
    assert.ok(err instanceof ZooKeeperError);
    assert.equal(err.code, -101);
    assert.equal(err.codeName, 'NONODE');
    assert.equal(err.path, '/missing');
    assert.match(err.message, /^NONODE for \/missing: /);
  });

  test('sequential and ephemeral nodes, create2, getChildren2, getEphemerals', async () => {
    const w = world();
    const zk = await w.connectedClient('c');
    await w.scheduler.run(zk.create('/q'));
    assert.equal(await w.scheduler.run(zk.create('/q/item-', 'a', { mode: 'PERSISTENT_SEQUENTIAL' })), '/q/item-0000000000');
    const second = await w.scheduler.run(zk.create2('/q/', 'b', { mode: 'EPHEMERAL_SEQUENTIAL' }));
    assert.equal(second.path, '/q/0000000001');
    assert.equal(second.stat.ephemeralOwner, zk.sessionId);
    assert.equal(await code(w, zk.create('/q/0000000001/child')), 'NOCHILDRENFOREPHEMERALS');
    const { children, stat } = await w.scheduler.run(zk.getChildren2('/q'));
    assert.deepEqual(children.sort(), ['0000000001', 'item-0000000000']);
    assert.equal(stat.numChildren, 2);
    assert.deepEqual(await w.scheduler.run(zk.getEphemerals('/q')), ['/q/0000000001']);
    assert.equal(await w.scheduler.run(zk.sync('/q')), '/q');
  });

  test('bad arguments are refused before anything is sent', async () => {
    const w = world();
    const zk = await w.connectedClient('c');
    const before = w.ensemble.sent('request').length;
    for (const bad of ['', 'a', '/a/', '/a//b', '/a/./b', '/a/../b', '/a\u0000b', '/\u0001']) {
      assert.equal(await code(w, zk.getData(bad)), 'BADARGUMENTS', JSON.stringify(bad));
    }
    assert.equal(await code(w, zk.create('/t', '', { mode: 'PERSISTENT_WITH_TTL' })), 'BADARGUMENTS');
    assert.equal(await code(w, zk.create('/t', '', { mode: 'PERSISTENT', ttlMs: 5 })), 'BADARGUMENTS');
    assert.equal(await code(w, zk.setData('/t', '', -2)), 'BADARGUMENTS');
    assert.equal(w.ensemble.sent('request').length, before);
    assert.equal(await w.scheduler.run(zk.create('/t', '', { mode: 'PERSISTENT_WITH_TTL', ttlMs: 1000 })), '/t');
  });

  test('transaction(): all or nothing, results per op', async () => {
    const w = world();
    const zk = await w.connectedClient('c');
    await w.scheduler.run(zk.create('/acct', '10'));
    const results = await w.scheduler.run(
      zk.transaction().check('/acct', 0).setData('/acct', '20', 0).create('/log', 'paid').create('/log/', 'entry', { mode: 'PERSISTENT_SEQUENTIAL' }).commit(),
    );
    assert.deepEqual(results.map((r) => r.op), ['check', 'setData', 'create', 'create']);
    assert.equal(results[3]!.op === 'create' && results[3]!.path, '/log/0000000000');
    const err = await rejection(w, zk.transaction().create('/new').setData('/acct', '30', 0).delete('/log').commit());
    assert.ok(ZooKeeperError.is(err, ErrorCode.BADVERSION));
    assert.deepEqual(err.results?.map((r) => (r.op === 'error' ? r.err : r.op)), [0, ErrorCode.BADVERSION, ErrorCode.RUNTIMEINCONSISTENCY]);
    assert.equal(await w.scheduler.run(zk.exists('/new')), null, 'nothing of a failed multi is applied');
    assert.deepEqual(await w.scheduler.run(zk.multi([])), []);
    assert.throws(() => zk.transaction().create('bad'), (e: unknown) => ZooKeeperError.is(e, ErrorCode.BADARGUMENTS));
  });
});
