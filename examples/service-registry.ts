/**
 * The seed's scenario in one process: a provider registers /UserService/Login → 127.0.0.1:8000 as an
 * ephemeral through its session, a consumer discovers it and watches it, the provider dies without
 * saying goodbye, and once its session times out the method disappears for the consumer.
 *
 *   npx tsx examples/service-registry.ts
 */
import { ZooKeeperClient } from '../src/client/index.js';
import type { MemberConnection } from '../src/protocol/client.js';
import { ServiceRegistry } from '../src/client/recipes/index.js';
import { startLocalEnsemble } from '../src/server/local-ensemble.js';

const ensemble = await startLocalEnsemble({ size: 3, tickMs: 50 });

// The provider's process: when it "crashes", its connection drops and it never reaches a member again.
let providerAlive = true;
const providerConnections: MemberConnection[] = [];
const provider = new ZooKeeperClient({
  members: 3,
  sessionTimeoutMs: 1000,
  connector: (index, handlers) => {
    if (!providerAlive) return null;
    const connection = ensemble.connector(index, handlers);
    if (connection) providerConnections.push(connection);
    return connection;
  },
});
await new ServiceRegistry(provider).register('UserService', 'Login', '127.0.0.1:8000');

const consumer = new ZooKeeperClient({ connector: ensemble.connector, members: 3, sessionTimeoutMs: 4000 });
const registry = new ServiceRegistry(consumer);
const gone = new Promise<void>((resolve) => {
  void registry.discover('UserService', 'Login', {
    onChange: (address) => {
      console.log(`UserService/Login is now ${address ?? 'gone'}`);
      if (address === null) resolve();
    },
  });
});
console.log(`discovered UserService/Login at ${await registry.discover('UserService', 'Login')}`);

// The provider crashes: its connection drops and nothing more is said to the ensemble.
const started = Date.now();
providerAlive = false;
for (const c of providerConnections) c.close();
await gone;
console.log(`the provider's ephemeral vanished ${Date.now() - started} ms after it died (session timeout ${provider.negotiatedTimeoutMs} ms)`);

registry.close();
await consumer.close();
await provider.close().catch(() => {});
ensemble.stop();
