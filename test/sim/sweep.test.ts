import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeFailure, formatCoverage } from '../../src/cli/sim-command.js';
import { sweep } from '../../src/sim/sweep.js';

const SEEDS = Number(process.env.PEERKEEPER_SIM_SEEDS ?? 2000);

test(`simulation sweep: ${SEEDS} seeds, 3/5/7 members, every fault, no invariant broken`, async () => {
  const result = await sweep({ from: 1, count: SEEDS });
  console.log(`${result.seeds} seeds in ${(result.wallMs / 1000).toFixed(1)} s\n${formatCoverage(result.stats)}`);
  for (const f of result.failures.slice(0, 5)) console.log(describeFailure(f, undefined));
  assert.equal(result.seeds, SEEDS);
  assert.deepEqual(
    result.failures.map((f) => `${f.seed}: ${f.violation?.invariant}`),
    [],
    'failing seeds (reproduce with the command printed above)',
  );
  // The sweep must have exercised what it claims to check, and the checker must have looked: a gutted
  // checker ("invariant checks 0") would otherwise pass every seed.
  const s = result.stats;
  assert.ok(s.checks > SEEDS * 10, `only ${s.checks} invariant checks in ${SEEDS} seeds`);
  assert.ok(s.commits > 0, 'nothing was committed, so nothing was checked');
  for (const [name, value] of Object.entries({ leaderChanges: s.leaderChanges, diffs: s.diffs, truncs: s.truncs, snaps: s.snaps, syncCrashes: s.syncCrashes, tornWrites: s.tornWrites, partitions: s.partitions, epochRollovers: s.epochRollovers })) {
    assert.ok(value > 0, `the sweep never exercised ${name}`);
  }
});
