/** The runner's pipeline trace (what `npm run bench:trace` reads): every step of a write, on the member that takes it. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ZooKeeperClient } from '../../src/client/index.js';
import type { PipelineStage } from '../../src/server/pipeline-trace.js';
import { MemberRunner } from '../../src/server/runner.js';
import { InstantMemoryStorage } from '../../src/storage/memory.js';
import { MemoryHub } from '../../src/transport/memory.js';
import { makeZabConfig } from '../../src/zab/config.js';
import { waitUntil } from '../../scripts/lib/waiting.js';

test('a traced write shows each step on the right member, with the zxid and the peer at the other end', { timeout: 120_000 }, async () => {
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
    const leader = ids.find((id) => seen.get(id)!.some((e) => e.stage === 'proposed' && e.counter === z))!;
    assert.ok(leader, 'some member proposed it');
    const followers = ids.filter((id) => id !== leader);
    const on = (id: number, stage: PipelineStage, peer?: number): boolean =>
      seen.get(id)!.some((e) => e.stage === stage && e.counter >= z && (peer === undefined || e.peer === peer));
    /** The steps not traced yet: followers finish applying after the client has its answer. */
    const missing = (): string[] => {
      const out: string[] = [];
      const want = (ok: boolean, what: string): void => void (ok || out.push(what));
      for (const f of followers) {
        want(on(leader, 'proposed', f), `PROPOSAL to ${f}`);
        for (const stage of ['received', 'ackSent', 'commitReceived'] as const) want(on(f, stage, leader), `member ${f}: ${stage}`);
        for (const stage of ['writeStart', 'writeEnd', 'delivered'] as const) want(on(f, stage), `member ${f}: ${stage}`);
        want(on(leader, 'ackReceived', f), `ACK from ${f}`);
        want(on(leader, 'commitSent', f), `COMMIT to ${f}`);
      }
      for (const stage of ['writeStart', 'writeEnd', 'delivered'] as const) want(on(leader, stage), `leader: ${stage}`);
      return out;
    };
    await waitUntil(() => (missing().length === 0 ? true : undefined), 20_000, () => `never traced: ${missing().join(', ')}`, 10);
  } finally {
    await client.close();
    for (const r of runners) r.stop();
  }
});
