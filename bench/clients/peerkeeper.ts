/** The load generator's client calls over our ZooKeeperClient, through members' WebSocket ports. */
import { WebSocket } from 'ws';
import { ErrorCode, ZooKeeperClient, ZooKeeperError } from '../../src/client/index.js';
import { webSocketConnector } from '../../src/client/websocket-connector.js';
import type { BenchClient, BenchCreateMode, ClientOptions } from '../lib/adapter.js';

/** A connected client over `urls` (ws://host:port of the members it may use, in any order). */
export async function peerkeeperClient(urls: readonly string[], o: ClientOptions): Promise<BenchClient> {
  const zk = new ZooKeeperClient({ connector: webSocketConnector(urls, { WebSocket }), members: urls.length, sessionTimeoutMs: o.sessionTimeoutMs });
  // Keep a failing watcher or listener from printing into the progress line.
  zk.on('error', () => {});
  await zk.connected(Math.max(10_000, o.sessionTimeoutMs));
  return wrap(zk);
}

export function wrap(zk: ZooKeeperClient): BenchClient {
  return {
    async setData(path, data) {
      await zk.setData(path, data, -1);
    },
    async getData(path) {
      return (await zk.getData(path)).data;
    },
    async create(path, data, mode: BenchCreateMode) {
      return zk.create(path, data, { mode });
    },
    async ensure(path, data) {
      try {
        await zk.create(path, data, { mode: 'PERSISTENT' });
      } catch (err) {
        if (!(err instanceof ZooKeeperError && err.code === ErrorCode.NODEEXISTS)) throw err;
      }
    },
    async delete(path) {
      await zk.delete(path, -1);
    },
    async watchDeletion(path) {
      let fired: (at: number) => void = () => {};
      const gone = new Promise<number>((resolve) => (fired = resolve));
      const stat = await zk.exists(path, {
        watch: (event) => {
          if (event.type === 'NodeDeleted') fired(performance.now());
        },
      });
      if (stat === null) throw new Error(`${path} does not exist`);
      return { gone };
    },
    close: () => zk.close(),
  };
}
