import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Histogram, MS_BOUNDS } from '../../../src/server/histogram.js';

/** A small deterministic generator (xorshift32): no Math.random in tests. */
function rng(seed: number): () => number {
  let x = seed | 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x1_0000_0000;
  };
}

function exactQuantile(sorted: number[], q: number): number {
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!;
}

test('an empty histogram says zero everywhere', () => {
  const s = Histogram.ms().snapshot();
  assert.deepEqual([s.count, s.sum, s.min, s.max, s.mean, s.p50, s.p99], [0, 0, 0, 0, 0, 0, 0]);
  assert.equal(s.buckets.length, MS_BOUNDS.length);
  assert.ok(s.buckets.every(([, c]) => c === 0));
});

test('small integers are exact: counts 1..100 each in their own bucket', () => {
  const h = Histogram.counts();
  for (let v = 1; v <= 100; v++) h.record(v);
  assert.equal(h.quantile(0.5), 50);
  assert.equal(h.quantile(0.99), 99);
  assert.equal(h.quantile(1), 100);
  const s = h.snapshot();
  assert.equal(s.sum, 5050);
  assert.deepEqual(s.buckets.slice(0, 7), [[1, 1], [2, 2], [5, 5], [10, 10], [20, 20], [50, 50], [100, 100]]);
});

test('quantiles of latencies are within one bucket (2 significant digits) of the exact ones', () => {
  const next = rng(7);
  const h = Histogram.ms();
  const values: number[] = [];
  for (let i = 0; i < 20_000; i++) {
    // Log-uniform from 10 µs to 10 s: every decade gets its share.
    const v = 10 ** (next() * 6 - 2);
    values.push(v);
    h.record(v);
  }
  values.sort((a, b) => a - b);
  for (const q of [0.1, 0.5, 0.9, 0.99, 0.999]) {
    const exact = exactQuantile(values, q);
    const approx = h.quantile(q);
    assert.ok(approx >= exact * 0.999 && approx <= exact * 1.1 + 0.001, `q${q}: ${approx} vs exact ${exact}`);
  }
  const s = h.snapshot();
  assert.equal(s.min, values[0]);
  assert.equal(s.max, values.at(-1));
  assert.ok(Math.abs(s.sum - values.reduce((a, b) => a + b, 0)) < 1e-6);
});

test('Prometheus buckets count exactly the values at or below each bound', () => {
  const next = rng(99);
  const h = Histogram.ms();
  const values: number[] = [];
  for (let i = 0; i < 5000; i++) {
    const v = Math.round(10 ** (next() * 5 - 1.5) * 1000) / 1000; // whole microseconds
    values.push(v);
    h.record(v);
  }
  // Values exactly on a bound count as ≤ it.
  for (const b of [0.1, 1, 2.5, 250]) {
    values.push(b);
    h.record(b);
  }
  for (const [le, count] of h.snapshot().buckets) assert.equal(count, values.filter((v) => v <= le).length, `le=${le}`);
});

test('records that miss the range still count: negatives as 0, huge ones in the top bucket', () => {
  const h = Histogram.ms();
  h.record(-5);
  h.record(1e15);
  const s = h.snapshot();
  assert.equal(s.count, 2);
  assert.equal(s.min, 0);
  assert.equal(s.max, 1e15);
  assert.equal(s.buckets[0]![1], 1);
  assert.equal(h.quantile(1), 1e15);
});

test('merge adds the records of another histogram', () => {
  const a = Histogram.ms();
  const b = Histogram.ms();
  for (let i = 1; i <= 10; i++) a.record(i);
  for (let i = 11; i <= 20; i++) b.record(i);
  a.merge(b);
  const s = a.snapshot();
  assert.equal(s.count, 20);
  assert.equal(s.min, 1);
  assert.equal(s.max, 20);
  assert.equal(s.sum, 210);
  assert.equal(a.quantile(0.5), 10);
  assert.throws(() => a.merge(Histogram.counts()), /different scales/);
});

test('bounds must be bucket boundaries and increase', () => {
  assert.throws(() => new Histogram({ scale: 1, bounds: [123] }), /not a bucket boundary/);
  assert.throws(() => new Histogram({ scale: 1, bounds: [10, 5] }), /increase/);
  assert.doesNotThrow(() => new Histogram({ scale: 1000, bounds: [0.12, 0.25, 1.5] }));
});
