/**
 * Issue 16: node-zookeeper-client (npm, written by nobody here) against a real 3-member peerkeeper
 * ensemble through ZooKeeper's own wire protocol (gateway/): the everyday operations, ephemeral and
 * sequential nodes, a watch that fires, a transaction, and an error code.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createRequire } from 'node:module';
import { zkConnectString, zkEnsemble } from './fixtures/zk-ensemble.js';

const require = createRequire(import.meta.url);
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;
let zookeeper: Any = null;
try {
  zookeeper = require('node-zookeeper-client');
} catch {
  zookeeper = null;
}

function call<T = Any>(fn: (cb: (err: Any, ...rest: Any[]) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => fn((err, ...rest) => (err ? reject(err) : resolve((rest.length > 1 ? rest : rest[0]) as T))));
}

async function connect(connectString: string): Promise<Any> {
  const client = zookeeper.createClient(connectString, { sessionTimeout: 6000, spinDelay: 100, retries: 2 });
  const connected = new Promise<void>((resolve) => client.once('connected', resolve));
  client.connect();
  await connected;
  return client;
}

describe('node-zookeeper-client against peerkeeper', { skip: zookeeper === null ? 'node-zookeeper-client is not installed' : false }, () => {
  const cluster = zkEnsemble();

  test('create, get, set, exists, getChildren, delete, ephemeral, sequential, watch, transaction', async () => {
    const a = await connect(zkConnectString(cluster));
    const b = await connect(zkConnectString(cluster, [2, 3]));
    try {
      const CreateMode = zookeeper.CreateMode;
      const Ex = zookeeper.Exception;
      assert.equal(await call((cb) => a.create('/app', Buffer.from('v0'), CreateMode.PERSISTENT, cb)), '/app');
      const [data, stat] = await call<[Buffer, Any]>((cb) => b.getData('/app', cb));
      assert.equal(data.toString(), 'v0');
      assert.equal(stat.version, 0);
      assert.equal(stat.dataLength, 2);

      // A watch set by b fires when a changes the data.
      let fired: Any = null;
      const firedP = new Promise<void>((resolve) => {
        b.getData('/app', (event: Any) => {
          fired = event;
          resolve();
        }, () => {});
      });
      await new Promise((r) => setTimeout(r, 200));
      const stat1 = await call<Any>((cb) => a.setData('/app', Buffer.from('v1'), 0, cb));
      assert.equal(stat1.version, 1);
      await firedP;
      assert.equal(fired.getType(), zookeeper.Event.NODE_DATA_CHANGED);
      assert.equal(fired.getPath(), '/app');

      // A wrong version: BADVERSION, as ZooKeeper.
      await assert.rejects(call((cb) => a.setData('/app', Buffer.from('x'), 0, cb)), (e: Any) => e.getCode() === Ex.BAD_VERSION);
      await assert.rejects(call((cb) => a.create('/app', Buffer.alloc(0), CreateMode.PERSISTENT, cb)), (e: Any) => e.getCode() === Ex.NODE_EXISTS);
      await assert.rejects(call((cb) => a.getData('/nope', cb)), (e: Any) => e.getCode() === Ex.NO_NODE);
      assert.equal(await call((cb) => a.exists('/nope', cb)), null);

      const s1 = await call<string>((cb) => a.create('/app/job-', Buffer.alloc(0), CreateMode.PERSISTENT_SEQUENTIAL, cb));
      const s2 = await call<string>((cb) => a.create('/app/job-', Buffer.alloc(0), CreateMode.PERSISTENT_SEQUENTIAL, cb));
      assert.match(s1, /^\/app\/job-\d{10}$/);
      assert.ok(s2 > s1);
      const eph = await call<string>((cb) => a.create('/app/eph', Buffer.from('me'), CreateMode.EPHEMERAL, cb));
      assert.equal(eph, '/app/eph');
      const ephStat = await call<Any>((cb) => b.exists('/app/eph', cb));
      assert.ok(ephStat);
      assert.notEqual(ephStat.ephemeralOwner.toString('hex'), '0000000000000000');

      const [children, pstat] = await call<[string[], Any]>((cb) => b.getChildren('/app', cb));
      assert.deepEqual([...children].sort(), ['eph', s1.slice(5), s2.slice(5)].sort());
      assert.equal(pstat.numChildren, 3);

      // A child watch on b fires when a's session ends and its ephemeral goes.
      const childFired = new Promise<Any>((resolve) => b.getChildren('/app', (event: Any) => resolve(event), () => {}));
      await new Promise((r) => setTimeout(r, 200));
      a.close();
      const ev = await childFired;
      assert.equal(ev.getType(), zookeeper.Event.NODE_CHILDREN_CHANGED);
      assert.equal(await call((cb) => b.exists('/app/eph', cb)), null);

      // A transaction: all or nothing.
      const results = await call<Any[]>((cb) =>
        b.transaction().create('/app/t1', Buffer.from('1')).setData('/app', Buffer.from('v2'), 1).remove(s1, -1).commit(cb),
      );
      assert.equal(results.length, 3);
      await assert.rejects(
        call((cb) => b.transaction().create('/app/t2').setData('/app', Buffer.from('v3'), 99).commit(cb)),
        (e: Any) => e.getCode() === Ex.BAD_VERSION,
      );
      assert.equal(await call((cb) => b.exists('/app/t2', cb)), null);
      const [v2] = await call<[Buffer, Any]>((cb) => b.getData('/app', cb));
      assert.equal(v2.toString(), 'v2');

      for (const p of ['/app/t1', s2]) await call((cb) => b.remove(p, -1, cb));
      await call((cb) => b.remove('/app', -1, cb));
      assert.equal(await call((cb) => b.exists('/app', cb)), null);
    } finally {
      a.close();
      b.close();
    }
  });
});
