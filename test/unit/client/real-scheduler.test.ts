import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ZooKeeperClient } from '../../../src/client/client.js';
import { realScheduler } from '../../../src/client/scheduler.js';
import { waitUntil } from '../../../scripts/lib/waiting.js';
import { FakeEnsemble } from './fake-ensemble.js';

test('with real timers: connect, write, read, close — and nothing keeps the process alive', { timeout: 60_000 }, async () => {
  const ensemble = new FakeEnsemble(realScheduler, { tickMs: 50, latencyMs: 1 });
  const client = new ZooKeeperClient({ connector: ensemble.connector, members: 3, sessionTimeoutMs: 600 });
  await client.connected(1000);
  assert.equal(client.negotiatedTimeoutMs, 600);
  await client.create('/real', 'time');
  // An idle session pings (every 200 ms here): wait for one, however slow the machine.
  await waitUntil(() => (ensemble.sent('ping').length >= 1 ? true : undefined), 20_000, () => 'the idle client never pinged', 10);
  assert.equal(new TextDecoder().decode((await client.getData('/real')).data), 'time');
  await client.close();
  assert.equal(client.state, 'CLOSED');
});
