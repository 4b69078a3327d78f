import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TokenBucket } from '../../../src/signalling/rate-limit.js';

test('a burst is allowed, then the sustained rate', () => {
  let now = 0;
  const bucket = new TokenBucket(10, 5, () => now);
  for (let i = 0; i < 5; i++) assert.ok(bucket.take(), `burst ${i}`);
  assert.ok(!bucket.take(), 'empty after the burst');
  now += 100; // 10/s refills one token per 100 ms
  assert.ok(bucket.take());
  assert.ok(!bucket.take());
  now += 10_000; // never more than the burst, however long the pause
  for (let i = 0; i < 5; i++) assert.ok(bucket.take());
  assert.ok(!bucket.take());
});

test('nonsense limits are refused', () => {
  assert.throws(() => new TokenBucket(0, 5));
  assert.throws(() => new TokenBucket(5, 0));
});
