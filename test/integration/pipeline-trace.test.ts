/** The runner's pipeline trace (what `npm run bench:trace` reads): every step of a write, on the member that takes it. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ZooKeeperClient } from '../../src/client/index.js';
import type { PipelineStage } from '../../src/server/pipeline-trace.js';
import { MemberRunner } from '../../src/server/runner.js';
import { InstantMemoryStorage } from '../../src/storage/memory.js';
import { MemoryHub } from '../../src/transport/memory.js';
import { makeZabConfig } from '../../src/zab/config.js';

test('a traced write shows each step on the right member, with the zxid and the peer at the other end', async () => {
  const hub = new MemoryHub();
  const ids = [1, 2, 3];
  const seen = new Map<number, { stage: PipelineStage; counter: number; peer: number }[]>(ids.map((id) => [id, []]));
  const runners = await Promise.all(
    ids.map((id) =>
      MemberRunner.start({
        config: { zab: makeZabConfig(id, ids, id), tickMs: 20, snapshotEveryTxns: 100_000, randomBytes: (n) => new Uint8Array(n).fill(id) },
        storage: new InstantMemoryStorage(),
        transport: hub.endpoint(id),
        trace: (stage, counter, peer) => seen.get(id)!.push({ stage, counter, peer }),
      }),
    ),
  );
  const client = new ZooKeeperClient({ connector: (i, h) => runners[i]?.openClient(h) ?? null, members: 3, sessionTimeoutMs: 2000 });
  try {
    await client.create('/t', 'x');
    const stat = await client.setData('/t', 'y');
    const z = stat.mzxid.counter;
    await new Promise((r) => setTimeout(r, 60)); // every member has applied it
    const leader = ids.find((id) => seen.get(id)!.some((e) => e.stage === 'proposed' && e.counter === z))!;
    assert.ok(leader, 'some member proposed it');
    const followers = ids.filter((id) => id !== leader);
    const on = (id: number, stage: PipelineStage, peer?: number): boolean =>
      seen.get(id)!.some((e) => e.stage === stage && e.counter >= z && (peer === undefined || e.peer === peer));
    for (const f of followers) {
      assert.ok(on(leader, 'proposed', f), `PROPOSAL to ${f}`);
      for (const stage of ['received', 'ackSent', 'commitReceived'] as const) assert.ok(on(f, stage, leader), `member ${f}: ${stage}`);
      for (const stage of ['writeStart', 'writeEnd', 'delivered'] as const) assert.ok(on(f, stage), `member ${f}: ${stage}`);
      assert.ok(on(leader, 'ackReceived', f), `ACK from ${f}`);
      assert.ok(on(leader, 'commitSent', f), `COMMIT to ${f}`);
    }
    for (const stage of ['writeStart', 'writeEnd', 'delivered'] as const) assert.ok(on(leader, stage), `leader: ${stage}`);
  } finally {
    await client.close();
    for (const r of runners) r.stop();
  }
});
