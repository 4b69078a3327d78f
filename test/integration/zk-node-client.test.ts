/**
 * Issue 16: node-zookeeper-client (npm, written by nobody here) against a real 3-member peerkeeper
 * ensemble through ZooKeeper's own wire protocol (gateway/): the everyday operations, ephemeral and
 * sequential nodes, a watch that fires, a transaction, and an error code; its Transaction's version
 * quirk; the member a client is on killed; the leader killed under a stream of writes.
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

/**
 * node-zookeeper-client has no sync(). A transaction of one check is a write, ordered by the leader:
 * once it is answered, the client's member has applied everything before it, another client's
 * writes included (ZooKeeper promises each client an in-order view, not another's latest write).
 */
function syncVia(client: Any): Promise<unknown> {
  return call((cb) => client.transaction().check('/').commit(cb));
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
      await syncVia(b);
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
      await syncVia(b);
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

  test('its Transaction sends version 0 as -1 (any version): a quirk of the client, not of the server', async () => {
    const a = await connect(zkConnectString(cluster));
    try {
      const Ex = zookeeper.Exception;
      await call((cb) => a.create('/quirk', Buffer.from('v0'), zookeeper.CreateMode.PERSISTENT, cb));
      await call((cb) => a.setData('/quirk', Buffer.from('v1'), 0, cb));
      // The node is at version 1. A plain setData with version 0 is refused, as ZooKeeper does...
      await assert.rejects(call((cb) => a.setData('/quirk', Buffer.from('x'), 0, cb)), (e: Any) => e.getCode() === Ex.BAD_VERSION);
      // ...but Transaction's check/setData/remove turn 0 into -1 (`version || -1`), so these pass.
      await call((cb) => a.transaction().check('/quirk', 0).setData('/quirk', Buffer.from('v2'), 0).commit(cb));
      const [data, stat] = await call<[Buffer, Any]>((cb) => a.getData('/quirk', cb));
      assert.equal(data.toString(), 'v2');
      assert.equal(stat.version, 2);
      // A version other than 0 is sent as given: a wrong one fails the transaction whole.
      await assert.rejects(call((cb) => a.transaction().setData('/quirk', Buffer.from('v3'), 1).commit(cb)), (e: Any) => e.getCode() === Ex.BAD_VERSION);
      await call((cb) => a.transaction().remove('/quirk', 0).commit(cb));
      assert.equal(await call((cb) => a.exists('/quirk', cb)), null);
    } finally {
      a.close();
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

  test('the leader is killed under a stream of writes: the client carries on, same session, its ephemeral and a watch kept', { timeout: 60_000 }, async () => {
    // The test before killed a member: back to three, so that killing the leader leaves a quorum.
    for (const id of cluster.ids) if (!cluster.member(id).proc) await cluster.start(id);
    await cluster.converged();
    const leader = await cluster.waitForLeader();
    const c = await connect(zkConnectString(cluster, cluster.ids.filter((id) => cluster.member(id).proc)));
    try {
      const Ex = zookeeper.Exception;
      const CreateMode = zookeeper.CreateMode;
      await call((cb) => c.create('/lk-eph', Buffer.from('e'), CreateMode.EPHEMERAL, cb));
      await call((cb) => c.create('/lk-n', Buffer.from('0'), CreateMode.PERSISTENT, cb));
      const sessionId = c.getSessionId().toString('hex');
      let disconnects = 0;
      c.on('disconnected', () => disconnects++);
      // Writes one after another; a CONNECTION_LOSS is an unknown outcome, retried with the same value.
      let written = 0;
      let afterKill = 0;
      let killed = false;
      let losses = 0;
      const writer = (async () => {
        while (afterKill < 20) {
          const value = String(written + 1);
          try {
            await call((cb) => c.setData('/lk-n', Buffer.from(value), -1, cb));
            written++;
            if (killed) afterKill++;
          } catch (e) {
            if ((e as Any).getCode?.() !== Ex.CONNECTION_LOSS) throw e;
            losses++;
            await new Promise((r) => setTimeout(r, 100));
          }
        }
      })();
      while (written < 20) await new Promise((r) => setTimeout(r, 20));
      await cluster.kill(leader);
      killed = true;
      await writer;
      // Every member drops its clients while it has no leader (as ZooKeeper's do): this one moved too.
      assert.ok(disconnects >= 1, 'the client never lost its connection');
      assert.equal(c.getSessionId().toString('hex'), sessionId, 'the same session after the leader change');
      const [data] = await call<[Buffer, Any]>((cb) => c.getData('/lk-n', cb));
      assert.equal(data.toString(), String(written));
      assert.ok(await call((cb) => c.exists('/lk-eph', cb)), 'the ephemeral of a session that lives on');
      // A watch set after the change fires.
      const fired = new Promise<Any>((resolve) => c.getData('/lk-n', (event: Any) => resolve(event), () => {}));
      await new Promise((r) => setTimeout(r, 200));
      await call((cb) => c.setData('/lk-n', Buffer.from('last'), -1, cb));
      assert.equal((await fired).getType(), zookeeper.Event.NODE_DATA_CHANGED);
      console.log(`node-zookeeper-client through a leader kill: ${written} writes, ${afterKill} after it, ${disconnects} disconnect(s), ${losses} CONNECTION_LOSS retried`);
      for (const p of ['/lk-n', '/lk-eph']) await call((cb) => c.remove(p, -1, cb));
    } finally {
      c.close();
    }
  });
});
