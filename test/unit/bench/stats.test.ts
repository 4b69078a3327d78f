import assert from 'node:assert/strict';
import { test } from 'node:test';
import { median, percentile, ratio, sortedCopy, summarize } from '../../../bench/lib/stats.js';

test('percentile is nearest-rank over sorted samples', () => {
  const s = sortedCopy([5, 1, 4, 2, 3, 10, 9, 8, 7, 6]);
  assert.equal(percentile(s, 0), 1);
  assert.equal(percentile(s, 10), 1);
  assert.equal(percentile(s, 50), 5);
  assert.equal(percentile(s, 90), 9);
  assert.equal(percentile(s, 99), 10);
  assert.equal(percentile(s, 100), 10);
  assert.ok(Number.isNaN(percentile([], 50)));
  assert.throws(() => percentile(s, 101), RangeError);
});

test('p99 of 1000 samples is the 990th smallest', () => {
  const s = sortedCopy(Array.from({ length: 1000 }, (_, i) => 1000 - i));
  assert.equal(percentile(s, 99), 990);
  assert.equal(percentile(s, 50), 500);
});

test('median of odd and even counts, without mutating its input', () => {
  const v = [3, 1, 2];
  assert.equal(median(v), 2);
  assert.deepEqual(v, [3, 1, 2]);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.ok(Number.isNaN(median([])));
});

test('summarize: ops/s over the window, p50/p99/max, errors', () => {
  const s = summarize([1, 2, 3, 4], 2, 1);
  assert.equal(s.ops, 4);
  assert.equal(s.opsPerSec, 2);
  assert.equal(s.p50Ms, 2);
  assert.equal(s.p99Ms, 4);
  assert.equal(s.maxMs, 4);
  assert.equal(s.errors, 1);
});

test('ratio is null (n/a) when either side is missing, zero or not finite', () => {
  assert.equal(ratio(10, 5), 2);
  assert.equal(ratio(0, 5), 0);
  assert.equal(ratio(10, 0), null);
  assert.equal(ratio(null, 5), null);
  assert.equal(ratio(5, undefined), null);
  assert.equal(ratio(Number.NaN, 5), null);
  assert.equal(ratio(5, Number.POSITIVE_INFINITY), null);
});

test('rounds combine into operations over total time with pooled latencies', async () => {
  const { combineRounds } = await import('../../../bench/lib/load.js');
  const a = { ...summarize([1, 2], 2), latenciesMs: [1, 2] };
  const b = { ...summarize([3, 4, 5, 6], 2, 1), latenciesMs: [3, 4, 5, 6], firstError: 'x' };
  const r = combineRounds([a, b]);
  assert.equal(r.ops, 6);
  assert.equal(r.seconds, 4);
  assert.equal(r.opsPerSec, 1.5);
  assert.equal(r.p50Ms, 3);
  assert.equal(r.p99Ms, 6);
  assert.equal(r.errors, 1);
  assert.equal(r.firstError, 'x');
});
