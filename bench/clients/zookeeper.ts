/**
 * The load generator's client calls over node-zookeeper-client (Apache ZooKeeper's wire protocol
 * in pure JavaScript; one TCP connection, pipelined requests matched by xid). Imported only when the
 * ZooKeeper target runs, so `npm run bench` works without this devDependency.
 *
 * spinDelay: after trying every server in its list the library sleeps a random 0..spinDelay before
 * the next round (default 1000 ms). Ours starts its reconnect backoff at min(100, timeout/20) ms, so
 * both get 100 ms here, or failover would measure the libraries' defaults rather than the servers.
 */
import zookeeper, { type Client, type ZkException } from 'node-zookeeper-client';
import type { BenchClient, BenchCreateMode, ClientOptions } from '../lib/adapter.js';

export const ZK_SPIN_DELAY_MS = 100;

const MODES: Record<BenchCreateMode, number> = {
  PERSISTENT: zookeeper.CreateMode.PERSISTENT,
  EPHEMERAL: zookeeper.CreateMode.EPHEMERAL,
  EPHEMERAL_SEQUENTIAL: zookeeper.CreateMode.EPHEMERAL_SEQUENTIAL,
};

/** `hosts`: host:port of the servers it may use. Resolves once connected. */
export async function zookeeperClient(hosts: readonly string[], o: ClientOptions): Promise<BenchClient> {
  const zk = zookeeper.createClient(hosts.join(','), { sessionTimeout: o.sessionTimeoutMs, spinDelay: ZK_SPIN_DELAY_MS, retries: 0 });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      zk.close();
      reject(new Error(`could not connect to ZooKeeper at ${hosts.join(',')} within 15 s`));
    }, 15_000);
    zk.once('connected', () => {
      clearTimeout(timer);
      resolve();
    });
    zk.connect();
  });
  return wrap(zk);
}

const buf = (data: Uint8Array): Buffer => (Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength));

function done<T>(resolve: (v: T) => void, reject: (e: Error) => void): (err: ZkException | null, v: T) => void {
  return (err, v) => (err ? reject(err) : resolve(v));
}

export function wrap(zk: Client): BenchClient {
  return {
    setData: (path, data) => new Promise<void>((resolve, reject) => zk.setData(path, buf(data), -1, (err) => (err ? reject(err) : resolve()))),
    getData: (path) => new Promise<Uint8Array>((resolve, reject) => zk.getData(path, (err, data) => (err ? reject(err) : resolve(data)))),
    create: (path, data, mode) => new Promise<string>((resolve, reject) => zk.create(path, buf(data), MODES[mode], done(resolve, reject))),
    ensure: (path, data) =>
      new Promise<void>((resolve, reject) =>
        zk.create(path, buf(data), MODES.PERSISTENT, (err) => (err && err.getCode() !== zookeeper.Exception.NODE_EXISTS ? reject(err) : resolve())),
      ),
    delete: (path) => new Promise<void>((resolve, reject) => zk.remove(path, -1, (err) => (err ? reject(err) : resolve()))),
    watchDeletion: (path) =>
      new Promise<{ gone: Promise<number> }>((resolve, reject) => {
        let fired: (at: number) => void = () => {};
        const gone = new Promise<number>((r) => (fired = r));
        zk.exists(
          path,
          (event) => {
            if (event.getType() === zookeeper.Event.NODE_DELETED) fired(performance.now());
          },
          (err, stat) => {
            if (err) reject(err);
            else if (!stat) reject(new Error(`${path} does not exist`));
            else resolve({ gone });
          },
        );
      }),
    close: () =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 2000);
        zk.once('disconnected', () => {
          clearTimeout(timer);
          resolve();
        });
        zk.close();
      }),
  };
}
