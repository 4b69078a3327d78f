/**
 * The search must stay fast on simulator-sized histories. Times are printed (test diagnostics), not
 * asserted: a slow machine should not fail the suite, a person should see a regression.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { checkHistory } from '../../../src/sim/history/index.js';
import { checkWrites } from '../../../src/sim/history/linearizability.js';
import { generate, SMALL } from './gen.js';

function timed<T>(f: () => T): [T, string] {
  const start = performance.now();
  const out = f();
  return [out, `${(performance.now() - start).toFixed(0)} ms`];
}

describe('history checker speed', () => {
  test('2,000 writes over 20 paths', (t) => {
    const g = generate(7, {
      ...SMALL,
      sessions: 10,
      opsPerSession: 200,
      paths: 20,
      readRate: 0,
      syncRate: 0,
      unknownRate: 0.03,
      crossMultiRate: 0,
      treeOps: false,
      ephemerals: false,
      maxDurationMs: 30,
      maxGapMs: 10,
    });
    const [r, ms] = timed(() => checkWrites(g.ops, g.committed, { initial: g.initial, unknownFromTruth: 'never' }));
    assert.equal(r.verdict, 'ok');
    t.diagnostic(
      `${r.writesChecked} writes, ${r.partitions.length} partitions (largest ${Math.max(...r.partitions.map((p) => p.ops))}), ` +
        `${r.statesExplored} search states: ${ms}`,
    );
  });

  test('2,000 writes on one path from 10 sessions with long overlapping ops', (t) => {
    const g = generate(5, {
      ...SMALL,
      sessions: 10,
      opsPerSession: 200,
      paths: 1,
      readRate: 0,
      syncRate: 0,
      unknownRate: 0.02,
      treeOps: false,
      ephemerals: false,
      maxDurationMs: 60,
      maxGapMs: 5,
    });
    const [r, ms] = timed(() => checkWrites(g.ops, g.committed, { initial: g.initial, unknownFromTruth: 'never' }));
    assert.equal(r.verdict, 'ok');
    t.diagnostic(`${r.writesChecked} writes in one partition, ${r.statesExplored} search states: ${ms}`);
  });

  test('10,000 ops of the full mix (reads, syncs, ephemerals, sequential children, unknowns)', (t) => {
    const g = generate(11, { ...SMALL, sessions: 20, opsPerSession: 500, paths: 20, crossMultiRate: 0, maxDurationMs: 30, maxGapMs: 10 });
    const [r, ms] = timed(() => checkHistory(g.ops, g.committed, { initial: g.initial, unknownFromTruth: 'never' }));
    assert.equal(r.verdict, 'ok', r.summary);
    t.diagnostic(`${r.stats.ops} ops, ${r.stats.partitions} partitions (largest ${r.stats.largestPartition}), ${r.stats.statesExplored} search states: ${ms}`);
  });

  test('10,000 ops whose multis merge every path into one partition, unknowns decided by the truth', (t) => {
    const g = generate(11, { ...SMALL, sessions: 20, opsPerSession: 500, paths: 20, crossMultiRate: 0.05, maxDurationMs: 30, maxGapMs: 10 });
    const [r, ms] = timed(() => checkHistory(g.ops, g.committed, { initial: g.initial, unknownFromTruth: 'always' }));
    assert.equal(r.verdict, 'ok', r.summary);
    t.diagnostic(`${r.stats.ops} ops, ${r.stats.partitions} partition (largest ${r.stats.largestPartition}), ${r.stats.statesExplored} search states: ${ms}`);
  });
});
