/**
 * The ZooKeeper port keeps the WebSocket port's admission rules, against real member processes: a
 * flood of pipelined writes from node-zookeeper-client (npm) on one connection to the leader is read
 * at most 256 packets a turn and paused at the outstanding limit, so every write is answered and no
 * member changes leader or epoch; the connection past the per-IP cap is closed at once, and counted.
 */
import assert from 'node:assert/strict';
import { connect as tcpConnect, type Socket } from 'node:net';
import { describe, test } from 'node:test';
import { formedCluster } from './fixtures/cluster.js';
import { nodeZookeeperClient, zkAddress } from './fixtures/zk-ensemble.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;
const zookeeper: Any = nodeZookeeperClient();

const MAX_CNXNS = 6;
const WRITES = 20_000;

function mntrOf(address: string): Promise<Map<string, string>> {
  const i = address.lastIndexOf(':');
  return new Promise((resolve) => {
    let text = '';
    const s = tcpConnect(Number(address.slice(i + 1)), address.slice(0, i), () => s.write('mntr'));
    s.on('data', (d) => (text += d.toString()));
    s.on('error', () => resolve(new Map()));
    s.on('close', () => resolve(new Map(text.split('\n').filter(Boolean).map((l) => l.split('\t') as [string, string]))));
  });
}

describe('the ZooKeeper port under load', { skip: zookeeper === null ? 'node-zookeeper-client is not installed' : false }, () => {
  const cluster = formedCluster({ size: 3, args: ['--zk-port', '0', '--max-client-cnxns', String(MAX_CNXNS)] });

  test(`${WRITES.toLocaleString('en')} pipelined 1 KB setData on one connection to the leader: all answered, no change of leader or epoch`, async () => {
    const leader = await cluster.waitForLeader();
    const before = await Promise.all(cluster.ids.map((id) => cluster.status(id)));
    const client = zookeeper.createClient(zkAddress(cluster, leader), { sessionTimeout: 10_000, spinDelay: 100, retries: 0 });
    await new Promise<void>((resolve) => {
      client.once('connected', resolve);
      client.connect();
    });
    try {
      await new Promise<void>((resolve, reject) => client.create('/flood', Buffer.alloc(0), (err: Any) => (err ? reject(err) : resolve())));
      const value = Buffer.alloc(1024, 7);
      const started = Date.now();
      const results = await Promise.all(
        Array.from({ length: WRITES }, () => new Promise<Any>((resolve) => client.setData('/flood', value, -1, (err: Any) => resolve(err)))),
      );
      const errors = results.filter((e) => e !== null && e !== undefined);
      console.log(`# zk-port flood: ${WRITES} setData answered in ${Date.now() - started} ms, ${errors.length} errors`);
      assert.equal(errors.length, 0, `failed writes, e.g. ${String(errors[0])}`);
    } finally {
      client.close();
    }
    const after = await Promise.all(cluster.ids.map((id) => cluster.status(id)));
    for (const [i, s] of after.entries()) {
      assert.equal(s?.leader, before[i]?.leader, `member ${cluster.ids[i]} changed leader`);
      assert.equal(s?.epoch, before[i]?.epoch, `member ${cluster.ids[i]} changed epoch`);
    }
    const mntr = await mntrOf(zkAddress(cluster, leader));
    assert.ok(Number(mntr.get('zk_gateway_throttled')) > 0, 'the flood was paused at least once');
  });

  test(`the connection past --max-client-cnxns ${MAX_CNXNS} from one IP is closed at once, and counted`, async () => {
    const address = zkAddress(cluster, 1);
    const i = address.lastIndexOf(':');
    const open: Socket[] = [];
    const opened = (): Promise<Socket> =>
      new Promise((resolve, reject) => {
        const s = tcpConnect(Number(address.slice(i + 1)), address.slice(0, i), () => resolve(s));
        s.on('error', reject);
      });
    try {
      // The mntr probe below takes one connection while it runs: keep one free for it.
      for (let k = 0; k < MAX_CNXNS - 1; k++) open.push(await opened());
      const extra = await opened();
      open.push(extra);
      const over = await opened();
      const closed = await new Promise<boolean>((resolve) => {
        over.on('close', () => resolve(true));
        setTimeout(() => resolve(false), 5000);
      });
      assert.ok(closed, 'the connection past the cap was not closed');
      extra.destroy();
      await new Promise((r) => setTimeout(r, 200));
      const mntr = await mntrOf(address);
      assert.equal(mntr.get('zk_gateway_refused_per_ip'), '1');
    } finally {
      for (const s of open) s.destroy();
    }
  });
});
