import type { HistorySummary } from './messages.js';
import type { TxnLog } from './log.js';
import { compareZxid, zxid, zxidEquals, type Zxid } from './zxid.js';

export type SyncPlan =
  | { readonly mode: 'DIFF'; readonly from: Zxid }
  | { readonly mode: 'TRUNC'; readonly to: Zxid }
  | { readonly mode: 'SNAP' };

/**
 * Decides how to bring a follower to the leader's history, by history and never by comparing zxids
 * alone (ZOOKEEPER-1154/3526/4352): a follower can hold an abandoned txn whose zxid is *lower* than
 * the leader's last.
 *
 * Two logs that both hold a zxid agree on everything before it (one leader per epoch, and a member
 * only appends what extends its log), so the common point is the highest zxid of the follower's
 * history that the leader's log also holds. If that point lies in the part the leader compacted
 * away, only a snapshot can help.
 */
export function planSync(leader: TxnLog, follower: HistorySummary, followerLast: Zxid): SyncPlan {
  const common = commonPoint(leader, follower);
  if (common === undefined) return { mode: 'SNAP' };
  if (zxidEquals(common, followerLast)) return { mode: 'DIFF', from: common };
  return { mode: 'TRUNC', to: common };
}

/** The highest point both histories pass through that the leader can still prove, if any. */
export function commonPoint(leader: TxnLog, follower: HistorySummary): Zxid | undefined {
  for (let i = follower.segments.length - 1; i >= 0; i--) {
    const seg = follower.segments[i]!;
    const leaderLast = leader.lastOfEpoch(seg.epoch);
    if (leaderLast === undefined) {
      // The leader has nothing of this epoch in its log; it may still be the epoch of its base.
      if (leader.base.epoch === seg.epoch && seg.first <= leader.base.counter && leader.base.counter <= seg.last) {
        return leader.base;
      }
      continue;
    }
    const counter = Math.min(seg.last, leaderLast.counter);
    if (counter < seg.first) continue;
    const candidate = zxid(seg.epoch, counter);
    if (leader.contains(candidate)) return candidate;
    // Below the leader's log start: the leader compacted the entry, so it cannot prove a match.
    if (compareZxid(candidate, leader.base) < 0) return undefined;
  }
  // Nothing of the follower's log is shared: only its snapshot point (committed, hence in every
  // leader's history) is, and the leader can use it only if its log still reaches back to it.
  return leader.contains(follower.base) ? follower.base : undefined;
}
