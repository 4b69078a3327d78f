import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeFailure, formatCoverage } from '../../src/cli/sim-command.js';
import { sweep } from '../../src/sim/sweep.js';

const SEEDS = Number(process.env.PEERKEEPER_ZK_SEEDS ?? 1000);

test(`ZooKeeper workload: ${SEEDS} seeds of whole servers and real clients, histories checked`, async () => {
  const result = await sweep({ from: 1, count: SEEDS, workload: 'zk' });
  console.log(`${result.seeds} seeds in ${(result.wallMs / 1000).toFixed(1)} s\n${formatCoverage(result.stats)}`);
  for (const f of result.failures.slice(0, 5)) console.log(describeFailure(f, undefined, 'zk'));
  assert.equal(result.seeds, SEEDS);
  assert.deepEqual(
    result.failures.map((f) => `${f.seed}: ${f.violation?.invariant}`),
    [],
    'failing seeds (reproduce with the command printed above)',
  );
  // It must have checked something real.
  assert.ok(result.stats.historyOps > SEEDS * 100, `only ${result.stats.historyOps} client operations were checked`);
  assert.ok(result.stats.checks > SEEDS * 10, `only ${result.stats.checks} invariant checks in ${SEEDS} seeds`);
  assert.equal(result.stats.historiesChecked, SEEDS, 'every seed must have had its client history checked');
  assert.equal(result.stats.historyInconclusive, 0, 'a history too tangled to decide is a history not checked');
  assert.ok(result.stats.leaderChanges > 0 && result.stats.crashes > 0 && result.stats.partitions > 0);
});

// Seeds that once failed, kept as a regression set: each line says what it caught.
const REGRESSIONS: { seed: number; members: number; why: string }[] = [
  // The run ended while a member's apply was still a pending continuation: convergence was judged
  // on a world that had already moved on (a harness race, exposed by faster elections).
  { seed: 301222, members: 3, why: 'convergence judged before continuations settled' },
  { seed: 302478, members: 3, why: 'convergence judged before continuations settled' },
  { seed: 402893, members: 5, why: 'convergence judged before continuations settled' },
  // A client reconnected, before any answer had told it a zxid, to a member that had not applied its
  // createSession yet; that member called the live session expired (read-only and serving members).
  { seed: 434, members: 3, why: 'false expiry by a read-only member behind the session' },
  { seed: 697, members: 3, why: 'false expiry by a serving member behind the session' },
  // A leader's tick judged expiry before it counted the touches of its own clients since the tick
  // before: a client that pinged just before its deadline was expired (sessions live while heard).
  { seed: 101, members: 3, why: "expiry judged before the leader's own clients' touches" },
  { seed: 115, members: 3, why: "expiry judged before the leader's own clients' touches" },
];

test('ZooKeeper workload: regression seeds', async () => {
  for (const r of REGRESSIONS) {
    const result = await sweep({ from: r.seed, count: 1, members: r.members, workload: 'zk', workers: 1 });
    assert.deepEqual(result.failures.map((f) => `${f.seed}: ${f.violation?.invariant}: ${f.violation?.message}`), [], `seed ${r.seed} (${r.why})`);
  }
});
