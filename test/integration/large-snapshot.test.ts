/**
 * A snapshot larger than one transport message (WebRTC's limit is 256 KiB) still reaches a member
 * that needs a SNAP: the runner sends it in parts and the receiver reassembles it before validation.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ZooKeeperClient } from '../../src/client/index.js';
import { startLocalEnsemble } from '../../src/server/local-ensemble.js';
import { waitUntil } from './fixtures/cluster.js';

test('a member restarted empty is brought back by a SNAP four times the transport’s message limit', async () => {
  const limit = 32 * 1024;
  const ensemble = await startLocalEnsemble({ size: 3, tickMs: 20, snapshotEveryTxns: 10, zab: { logRetentionEntries: 0 }, maxMessageBytes: limit });
  const client = new ZooKeeperClient({ connector: ensemble.connector, members: 3, sessionTimeoutMs: 2000 });
  try {
    await client.connected();
    const payload = 'x'.repeat(4000);
    for (let i = 0; i < 40; i++) await client.create(`/big-${i}`, payload);
    const leader = ensemble.members.find((m) => m.member.status().role === 'LEADING')!;
    const victim = ensemble.members.find((m) => m !== leader)!.id;
    await ensemble.restart(victim); // memory storage: it comes back with nothing
    const events: string[] = [];
    const digest = await waitUntil(
      () => {
        const all = ensemble.members.map((m) => m.member.status());
        events.push(all.map((s) => `${s.id}:${s.role}:${s.digest}`).join(' '));
        return all.every((s) => s.serving && s.digest === all[0]!.digest && s.treeZxid.counter === all[0]!.treeZxid.counter) ? all[0]!.digest : undefined;
      },
      15_000,
      () => `member ${victim} did not catch up: ${events.at(-1)}`,
    );
    assert.ok(digest);
    assert.ok(ensemble.members[victim - 1]!.member.dataTree.exists('/big-39'), 'the restarted member holds the whole tree');
  } finally {
    await client.close();
    ensemble.stop();
  }
});
