import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { TxnLog } from '../../../src/zab/log.js';
import {
  compareZxid,
  isZxid,
  maxZxid,
  minZxid,
  nextZxid,
  zxid,
  zxidEquals,
  zxidLess,
  zxidToHex,
  ZXID_ZERO,
} from '../../../src/zab/zxid.js';
import { entry, fmt } from './harness.js';

describe('zxid ordering', () => {
  test('orders by epoch first, then by counter', () => {
    assert.equal(compareZxid(zxid(1, 99), zxid(2, 1)), -1);
    assert.equal(compareZxid(zxid(2, 1), zxid(1, 99)), 1);
    assert.equal(compareZxid(zxid(2, 1), zxid(2, 2)), -1);
    assert.equal(compareZxid(zxid(2, 2), zxid(2, 2)), 0);
    assert.equal(compareZxid(ZXID_ZERO, zxid(0, 1)), -1);
  });

  test('zxidLess, zxidEquals, maxZxid and minZxid agree with compareZxid', () => {
    assert.equal(zxidLess(zxid(1, 5), zxid(2, 1)), true);
    assert.equal(zxidLess(zxid(2, 1), zxid(2, 1)), false);
    assert.equal(zxidEquals(zxid(3, 4), zxid(3, 4)), true);
    assert.equal(zxidEquals(zxid(3, 4), zxid(4, 3)), false);
    assert.deepEqual(maxZxid(zxid(1, 9), zxid(2, 1)), zxid(2, 1));
    assert.deepEqual(minZxid(zxid(1, 9), zxid(2, 1)), zxid(1, 9));
  });

  test('nextZxid counts within an epoch and restarts at 1 in a newer one', () => {
    assert.deepEqual(nextZxid(zxid(2, 7), 2), zxid(2, 8));
    assert.deepEqual(nextZxid(zxid(1, 7), 3), zxid(3, 1));
    assert.deepEqual(nextZxid(ZXID_ZERO, 1), zxid(1, 1));
    assert.throws(() => nextZxid(zxid(4, 1), 3), /ahead of epoch 3/);
  });

  test('counters beyond 32 bits stay exact (a pair, not a packed number)', () => {
    const big = zxid(1, 2 ** 40);
    assert.deepEqual(nextZxid(big, 1), zxid(1, 2 ** 40 + 1));
    assert.equal(compareZxid(zxid(1, 2 ** 40 + 1), zxid(1, 2 ** 40)), 1);
  });

  test('zxidToHex matches ZooKeeper’s 64-bit hex form', () => {
    assert.equal(zxidToHex(zxid(1, 2)), '0x100000002');
    assert.equal(zxidToHex(zxid(0x1a, 0xff)), '0x1a000000ff');
  });

  test('isZxid accepts only non-negative safe integer pairs', () => {
    assert.equal(isZxid(zxid(0, 0)), true);
    assert.equal(isZxid({ epoch: 1, counter: -1 }), false);
    assert.equal(isZxid({ epoch: 1.5, counter: 1 }), false);
    assert.equal(isZxid({ epoch: 2 ** 53, counter: 1 }), false);
    assert.equal(isZxid({ epoch: 1 }), false);
    assert.equal(isZxid(null), false);
  });
});

/** A log holding the given [epoch, counter] entries after `base`. */
function logOf(pairs: ReadonlyArray<readonly [number, number]>, base = ZXID_ZERO): TxnLog {
  return new TxnLog(base, pairs.map(([e, c]) => entry(e, c)));
}

const show = (log: TxnLog): string[] => log.all().map((e) => fmt(e.zxid));

describe('TxnLog', () => {
  test('an empty log ends at its base', () => {
    assert.deepEqual(new TxnLog().last(), ZXID_ZERO);
    assert.deepEqual(new TxnLog(zxid(2, 5)).last(), zxid(2, 5));
  });

  test('appends only in strictly increasing zxid order', () => {
    const log = logOf([[1, 1], [1, 2]]);
    log.append(entry(2, 1));
    assert.deepEqual(log.last(), zxid(2, 1));
    assert.throws(() => log.append(entry(2, 1)), /out of order/);
    assert.throws(() => log.append(entry(1, 3)), /out of order/);
    assert.throws(() => logOf([], zxid(1, 4)).append(entry(1, 4)), /out of order/);
    assert.deepEqual(show(log), ['(1,1)', '(1,2)', '(2,1)']);
  });

  test('contains the base and every entry, nothing else', () => {
    const log = logOf([[1, 3], [1, 4], [2, 1]], zxid(1, 2));
    assert.equal(log.contains(zxid(1, 2)), true);
    assert.equal(log.contains(zxid(1, 4)), true);
    assert.equal(log.contains(zxid(2, 1)), true);
    assert.equal(log.contains(zxid(1, 1)), false, 'compacted away');
    assert.equal(log.contains(zxid(1, 5)), false);
    assert.equal(log.contains(zxid(2, 2)), false);
  });

  test('entriesAfter returns the suffix after the base or an entry, and refuses other points', () => {
    const log = logOf([[1, 3], [1, 4], [2, 1]], zxid(1, 2));
    assert.deepEqual(log.entriesAfter(zxid(1, 2)).map((e) => fmt(e.zxid)), ['(1,3)', '(1,4)', '(2,1)']);
    assert.deepEqual(log.entriesAfter(zxid(1, 4)).map((e) => fmt(e.zxid)), ['(2,1)']);
    assert.deepEqual(log.entriesAfter(zxid(2, 1)), []);
    assert.throws(() => log.entriesAfter(zxid(1, 5)), /not in the log/);
    assert.throws(() => log.entriesAfter(zxid(1, 1)), /not in the log/);
  });

  test('entriesBetween returns (from, to]', () => {
    const log = logOf([[1, 1], [1, 2], [1, 3], [2, 1]]);
    assert.deepEqual(log.entriesBetween(zxid(1, 1), zxid(1, 3)).map((e) => fmt(e.zxid)), ['(1,2)', '(1,3)']);
    assert.deepEqual(log.entriesBetween(ZXID_ZERO, zxid(1, 1)).map((e) => fmt(e.zxid)), ['(1,1)']);
    assert.deepEqual(log.entriesBetween(zxid(2, 1), zxid(2, 1)), []);
  });

  test('truncateAfter drops the suffix and says how many entries went', () => {
    const log = logOf([[1, 1], [1, 2], [1, 3], [2, 1]]);
    assert.equal(log.truncateAfter(zxid(1, 2)), 2);
    assert.deepEqual(show(log), ['(1,1)', '(1,2)']);
    assert.equal(log.truncateAfter(zxid(1, 2)), 0);
    assert.throws(() => log.truncateAfter(zxid(1, 3)), /not in the log/);
    assert.equal(log.truncateAfter(ZXID_ZERO), 2, 'to the base drops everything');
    assert.deepEqual(log.last(), ZXID_ZERO);
  });

  test('compactUpTo moves the base and keeps later entries; below the base it does nothing', () => {
    const log = logOf([[1, 1], [1, 2], [1, 3], [2, 1]]);
    log.compactUpTo(zxid(1, 2));
    assert.deepEqual(log.base, zxid(1, 2));
    assert.deepEqual(show(log), ['(1,3)', '(2,1)']);
    log.compactUpTo(zxid(1, 1));
    assert.deepEqual(log.base, zxid(1, 2));
    assert.equal(log.size, 2);
    assert.throws(() => log.compactUpTo(zxid(1, 9)), /not in the log/);
    log.compactUpTo(zxid(2, 1));
    assert.equal(log.size, 0);
    assert.deepEqual(log.last(), zxid(2, 1), 'an emptied log still ends at its base');
  });

  test('lastOfEpoch finds the last entry of an epoch, or nothing', () => {
    const log = logOf([[1, 1], [1, 2], [1, 3], [3, 1], [3, 2], [5, 1]]);
    assert.deepEqual(log.lastOfEpoch(1), zxid(1, 3));
    assert.deepEqual(log.lastOfEpoch(3), zxid(3, 2));
    assert.deepEqual(log.lastOfEpoch(5), zxid(5, 1));
    assert.equal(log.lastOfEpoch(2), undefined);
    assert.equal(log.lastOfEpoch(6), undefined);
    assert.equal(log.lastOfEpoch(0), undefined);
  });

  test('summary gives the base and one segment per epoch run', () => {
    const log = logOf([[1, 3], [1, 4], [2, 1], [4, 1], [4, 2], [4, 3]], zxid(1, 2));
    assert.deepEqual(log.summary(), {
      base: zxid(1, 2),
      segments: [
        { epoch: 1, first: 3, last: 4 },
        { epoch: 2, first: 1, last: 1 },
        { epoch: 4, first: 1, last: 3 },
      ],
    });
    assert.deepEqual(new TxnLog(zxid(3, 3)).summary(), { base: zxid(3, 3), segments: [] });
  });
});
