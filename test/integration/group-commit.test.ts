/** How many storage batches (fsyncs, on disk) a member spends per write. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ZooKeeperClient } from '../../src/client/index.js';
import { MemberRunner } from '../../src/server/runner.js';
import { InstantMemoryStorage } from '../../src/storage/memory.js';
import { MemoryHub } from '../../src/transport/memory.js';
import { makeZabConfig } from '../../src/zab/config.js';
import type { SequencedWrite } from '../../src/zab/persistence.js';

class CountingStorage extends InstantMemoryStorage {
  readonly batches: string[][] = [];
  override async write(batch: readonly SequencedWrite[]): Promise<void> {
    this.batches.push(batch.map((w) => w.write.kind));
    return super.write(batch);
  }
}

test('sequential writes cost one storage batch each: a commit hint waits for the next append', async () => {
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
    // The hints are not lost: once writes stop, the last one is written within a tick or so.
    await new Promise((r) => setTimeout(r, 100));
    for (const storage of storages) assert.ok(storage.batches.at(-1)!.includes('commitHint'), 'the last commit hint reached storage');
  } finally {
    await client.close();
    for (const r of runners) r.stop();
  }
});
