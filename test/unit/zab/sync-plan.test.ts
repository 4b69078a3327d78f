import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { TxnLog } from '../../../src/zab/log.js';
import { commonPoint, planSync } from '../../../src/zab/sync-plan.js';
import { zxid, ZXID_ZERO, type Zxid } from '../../../src/zab/zxid.js';
import { entry } from './harness.js';

type Pairs = ReadonlyArray<readonly [number, number]>;

function logOf(pairs: Pairs, base: Zxid = ZXID_ZERO): TxnLog {
  return new TxnLog(base, pairs.map(([e, c]) => entry(e, c)));
}

/** planSync for a leader log and a follower log, the way the leader sees the follower (its ACKEPOCH). */
function plan(leader: TxnLog, follower: TxnLog): ReturnType<typeof planSync> {
  return planSync(leader, follower.summary(), follower.last());
}

describe('planSync: DIFF / TRUNC / SNAP by history (pitfall 5)', () => {
  test('equal last zxid → empty DIFF from that point', () => {
    const leader = logOf([[1, 1], [1, 2], [2, 1]]);
    const follower = logOf([[1, 1], [1, 2], [2, 1]]);
    assert.deepEqual(plan(leader, follower), { mode: 'DIFF', from: zxid(2, 1) });
    assert.deepEqual(leader.entriesAfter(zxid(2, 1)), []);
  });

  test('two empty logs → empty DIFF from zero', () => {
    assert.deepEqual(plan(logOf([]), logOf([])), { mode: 'DIFF', from: ZXID_ZERO });
  });

  test('follower behind on the same history → DIFF from its last zxid', () => {
    const leader = logOf([[1, 1], [1, 2], [1, 3], [2, 1]]);
    assert.deepEqual(plan(leader, logOf([[1, 1]])), { mode: 'DIFF', from: zxid(1, 1) });
    assert.deepEqual(plan(leader, logOf([])), { mode: 'DIFF', from: ZXID_ZERO });
  });

  test('follower ahead in the leader’s last epoch → TRUNC to the leader’s last', () => {
    const leader = logOf([[1, 1], [1, 2]]);
    const follower = logOf([[1, 1], [1, 2], [1, 3], [1, 4]]);
    assert.deepEqual(plan(leader, follower), { mode: 'TRUNC', to: zxid(1, 2) });
  });

  test('abandoned txn of an older epoch with a LOWER zxid than the leader’s last → TRUNC to the last common zxid', () => {
    // Follower: (1,1),(1,2),(2,1) — epoch 2's only txn was never committed.
    // Leader:   (1,1),(1,2),(1,3),(3,1) — its history never saw epoch 2.
    // (2,1) < (3,1), so comparing zxids would call the follower "behind" and DIFF from (2,1).
    const leader = logOf([[1, 1], [1, 2], [1, 3], [3, 1]]);
    const follower = logOf([[1, 1], [1, 2], [2, 1]]);
    assert.deepEqual(plan(leader, follower), { mode: 'TRUNC', to: zxid(1, 2) });
    assert.notDeepEqual(plan(leader, follower), { mode: 'TRUNC', to: zxid(1, 3) });
  });

  test('follower with a whole abandoned epoch above a shared prefix → TRUNC to the end of the prefix', () => {
    const leader = logOf([[1, 1], [1, 2], [3, 1], [3, 2]]);
    const follower = logOf([[1, 1], [1, 2], [2, 1], [2, 2], [2, 3]]);
    assert.deepEqual(plan(leader, follower), { mode: 'TRUNC', to: zxid(1, 2) });
  });

  test('follower whose only shared point is the leader’s compacted base → TRUNC to that base', () => {
    // The leader compacted up to (1,5); the follower holds (1,6),(1,7) that the leader never had.
    const leader = logOf([[2, 1]], zxid(1, 5));
    const follower = logOf([[1, 1], [1, 2], [1, 3], [1, 4], [1, 5], [1, 6], [1, 7]]);
    assert.deepEqual(plan(leader, follower), { mode: 'TRUNC', to: zxid(1, 5) });
  });

  test('common point below the leader’s compacted log start → SNAP', () => {
    const leader = logOf([[1, 4], [1, 5], [2, 1]], zxid(1, 3));
    assert.deepEqual(plan(leader, logOf([[1, 1]])), { mode: 'SNAP' });
    assert.deepEqual(plan(leader, logOf([])), { mode: 'SNAP' });
  });

  test('common point exactly at the leader’s compacted base → DIFF, not SNAP', () => {
    const leader = logOf([[1, 4], [1, 5]], zxid(1, 3));
    const follower = logOf([[1, 1], [1, 2], [1, 3]]);
    assert.deepEqual(plan(leader, follower), { mode: 'DIFF', from: zxid(1, 3) });
  });

  test('a follower that itself starts from a snapshot is matched at its base', () => {
    const leader = logOf([[1, 1], [1, 2], [1, 3], [1, 4], [2, 1]]);
    const follower = logOf([], zxid(1, 3));
    assert.deepEqual(plan(leader, follower), { mode: 'DIFF', from: zxid(1, 3) });
    const compactedLeader = logOf([[2, 1]], zxid(1, 4));
    assert.deepEqual(plan(compactedLeader, follower), { mode: 'SNAP' });
  });

  test('commonPoint is the highest zxid both histories hold', () => {
    const leader = logOf([[1, 1], [1, 2], [1, 3], [3, 1]]);
    assert.deepEqual(commonPoint(leader, logOf([[1, 1], [1, 2], [2, 1]]).summary()), zxid(1, 2));
    assert.deepEqual(commonPoint(leader, logOf([[1, 1], [1, 2], [1, 3], [3, 1]]).summary()), zxid(3, 1));
    assert.deepEqual(commonPoint(leader, logOf([[2, 1]]).summary()), ZXID_ZERO);
  });
});
