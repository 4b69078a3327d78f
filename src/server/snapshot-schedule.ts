import { fmix32 } from '../tree/digest.js';

/**
 * How many applied txns until a member's next snapshot: between half and one and a half times
 * `every` (so `every` on average), different for each member and each snapshot. Members apply the
 * same txns, so with one fixed count every member would write a snapshot file, fsync it and start a
 * new log segment at the same zxid, and their log appends would all wait behind that at once
 * (measured at 128 outstanding writes: 20–80 ms on all three members together, in the slowest
 * windows of the write latency; with a large tree it would be far longer). ZooKeeper rolls
 * snapCount/2 + random(snapCount/2) for the same reason; this draws from (member id, snapshot
 * number) through a hash instead, so a member's schedule is deterministic and a simulator run
 * replays exactly.
 */
export function snapshotThreshold(every: number, memberId: number, round: number): number {
  if (!(every > 1)) return 1;
  const low = Math.ceil(every / 2);
  const high = every + Math.floor(every / 2);
  const h = fmix32(Math.imul(memberId, 0x9e3779b1) ^ fmix32(round + 0x632be5ab));
  return low + (h % (high - low + 1));
}
