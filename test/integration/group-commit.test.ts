/** How many storage batches (fsyncs, on disk) a member spends per write. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ZooKeeperClient } from '../../src/client/index.js';
import { MemberRunner } from '../../src/server/runner.js';
import { InstantMemoryStorage } from '../../src/storage/memory.js';
import { MemoryHub } from '../../src/transport/memory.js';
import { makeZabConfig } from '../../src/zab/config.js';
import type { SequencedWrite } from '../../src/zab/persistence.js';
import { waitUntil } from '../../scripts/lib/waiting.js';

class CountingStorage extends InstantMemoryStorage {
  readonly batches: string[][] = [];
  /** Log entries appended by each batch (0 for a batch with no append). */
  readonly appended: number[] = [];
  override async write(batch: readonly SequencedWrite[]): Promise<void> {
    this.batches.push(batch.map((w) => w.write.kind));
    this.appended.push(batch.reduce((n, w) => n + (w.write.kind === 'append' ? w.write.entries.length : 0), 0));
    return super.write(batch);
  }
}

async function ensemble(): Promise<{ storages: CountingStorage[]; runners: MemberRunner[]; client: ZooKeeperClient }> {
  const hub = new MemoryHub();
  const ids = [1, 2, 3];
  const storages = ids.map(() => new CountingStorage());
  const runners = await Promise.all(
    ids.map((id, i) =>
      MemberRunner.start({
        config: { zab: makeZabConfig(id, ids, id), tickMs: 20, snapshotEveryTxns: 100_000, randomBytes: (n) => new Uint8Array(n).fill(id) },
        storage: storages[i]!,
        transport: hub.endpoint(id),
      }),
    ),
  );
  const client = new ZooKeeperClient({ connector: (i, h) => runners[i]?.openClient(h) ?? null, members: 3, sessionTimeoutMs: 2000 });
  return { storages, runners, client };
}

test('sequential writes cost one storage batch each: a commit hint waits for the next append', { timeout: 120_000 }, async () => {
  const { storages, runners, client } = await ensemble();
  try {
    await client.create('/n', 'x');
    const before = storages.map((s) => s.batches.length);
    const writes = 50;
    for (let i = 0; i < writes; i++) await client.setData('/n', `v${i}`);
    for (const [i, storage] of storages.entries()) {
      const spent = storage.batches.slice(before[i]);
      const hintOnly = spent.filter((b) => b.every((k) => k === 'commitHint')).length;
      assert.ok(spent.length <= writes + 2, `member ${i + 1}: ${spent.length} batches for ${writes} sequential writes (${hintOnly} held only commit hints)`);
    }
    // The hints are not lost: once writes stop, the last one is written (within a tick or so).
    await waitUntil(() => (storages.every((s) => s.batches.at(-1)!.includes('commitHint')) ? true : undefined), 20_000, () => 'the last commit hint never reached storage', 10);
  } finally {
    await client.close();
    for (const r of runners) r.stop();
  }
});

// Proposals that arrive together (one batch of peer messages, handled in one task) must go to disk
// together: the first of them used to start a storage write of its own at once, so every burst cost
// two fsyncs and all but its first proposal waited for a one-entry write to finish.
test('a burst of proposals is one storage batch on every member, not its first proposal alone and then the rest', { timeout: 120_000 }, async () => {
  const { storages, runners, client } = await ensemble();
  try {
    await client.create('/b', 'x');
    // Every member has appended everything so far (the create included), so the burst starts clean.
    const total = (s: CountingStorage): number => s.appended.reduce((a, b) => a + b, 0);
    await waitUntil(() => (storages.every((s) => total(s) === total(storages[0]!)) ? true : undefined), 20_000, () => `appended so far: ${storages.map(total)}`, 10);
    const before = storages.map((s) => s.appended.length);
    const burst = 64;
    await Promise.all(Array.from({ length: burst }, (_, i) => client.setData('/b', `v${i}`)));
    for (const [i, storage] of storages.entries()) {
      const appends = storage.appended.slice(before[i]).filter((n) => n > 0);
      assert.deepEqual(appends, [burst], `member ${i + 1} appended the burst in batches of ${JSON.stringify(appends)}`);
    }
  } finally {
    await client.close();
    for (const r of runners) r.stop();
  }
});
