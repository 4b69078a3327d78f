/**
 * Issue 16: node-zookeeper-client (npm, written by nobody here) against a real 3-member peerkeeper
 * ensemble through ZooKeeper's own wire protocol (gateway/): the everyday operations, ephemeral and
 * sequential nodes, a watch that fires, a transaction, and an error code.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { connect as tcpConnect } from 'node:net';
import { nodeZookeeperClient, zkAddress, zkConnectString, zkEnsemble } from './fixtures/zk-ensemble.js';

/** A four-letter word's answer from host:port. */
function fourLetter(address: string, word: string): Promise<string> {
  const i = address.lastIndexOf(':');
  return new Promise((resolve) => {
    let text = '';
    const s = tcpConnect(Number(address.slice(i + 1)), address.slice(0, i), () => s.write(word));
    s.on('data', (d) => (text += d.toString()));
    s.on('error', () => resolve(''));
    s.on('close', () => resolve(text));
  });
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;
const zookeeper: Any = nodeZookeeperClient();

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

  test('the member a client is on is killed: it reconnects elsewhere with the same session, its ephemeral and its watch survive', async () => {
    const c = await connect(zkConnectString(cluster));
    // Which member is c on? The only one whose `cons` lists a connection that sent a packet (c is the
    // only client; the connection asking `cons` is listed too, as in ZooKeeper, with recved=0).
    await new Promise((r) => setTimeout(r, 300));
    const counts = await Promise.all(cluster.ids.map(async (id) => (await fourLetter(zkAddress(cluster, id), 'cons')).split('\n').filter((l) => /recved=[1-9]/.test(l)).length));
    if (counts.filter((n) => n > 0).length !== 1) {
      c.close();
      assert.fail(`connections per member: ${counts}`);
    }
    const victim = cluster.ids[counts.findIndex((n) => n > 0)]!;
    const d = await connect(zkConnectString(cluster, cluster.ids.filter((id) => id !== victim)));
    try {
      const CreateMode = zookeeper.CreateMode;
      await call((cb) => c.create('/fo-eph', Buffer.from('e'), CreateMode.EPHEMERAL, cb));
      await call((cb) => c.create('/fo-data', Buffer.from('0'), CreateMode.PERSISTENT, cb));
      const sessionId = c.getSessionId().toString('hex');
      // The watch is registered once the read is answered: wait for that before the kill.
      let fire: (event: Any) => void = () => {};
      const fired = new Promise<Any>((resolve) => (fire = resolve));
      await call((cb) => c.getData('/fo-data', (event: Any) => fire(event), cb));
      const reconnected = new Promise<void>((resolve) => c.once('disconnected', () => c.once('connected', resolve)));
      await cluster.kill(victim);
      await reconnected;
      assert.equal(c.getSessionId().toString('hex'), sessionId);
      await call((cb) => d.setData('/fo-data', Buffer.from('1'), -1, cb));
      const ev = await Promise.race([fired, new Promise((_, reject) => setTimeout(() => reject(new Error('the watch did not fire within 10 s of the change')), 10_000))]);
      assert.equal((ev as Any).getType(), zookeeper.Event.NODE_DATA_CHANGED);
      assert.ok(await call((cb) => d.exists('/fo-eph', cb)), 'the ephemeral went with a session that lives on');
    } finally {
      c.close();
      d.close();
    }
  });
});
