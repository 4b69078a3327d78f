import type { MemberId } from '../zab/messages.js';
import type { Zxid } from '../zab/zxid.js';

/** More proposals than this in flight (a follower that never acks) and the oldest are forgotten. */
const MAX_IN_FLIGHT = 16_384;

/**
 * When each of the leader's proposals went out, so the runner can time what comes back: each
 * follower's cumulative ACK covering it (ACK delay) and the quorum's commit (commit delay). The pure
 * core has no clock: the runner stamps proposals as they leave the member and answers as they
 * arrive. Proposals are kept in zxid order; every follower and the commit point keep an index into
 * them, and what all of them passed is dropped.
 */
export class ProposalClock {
  private epochs: number[] = [];
  private counters: number[] = [];
  private times: number[] = [];
  /** Absolute index of the first kept proposal. */
  private base = 0;
  private committed = 0;
  private readonly acked = new Map<MemberId, number>();

  get inFlight(): number {
    return this.base + this.times.length - this.committed;
  }

  /** A new term (or no longer leading): nothing in flight is ours to time any more. */
  reset(): void {
    this.base += this.times.length;
    this.committed = this.base;
    this.epochs = [];
    this.counters = [];
    this.times = [];
    this.acked.clear();
  }

  proposed(zxid: Zxid, atMs: number): void {
    this.epochs.push(zxid.epoch);
    this.counters.push(zxid.counter);
    this.times.push(atMs);
    if (this.times.length > MAX_IN_FLIGHT) this.trim(true);
  }

  /** `peer` acked everything up to `zxid`: one delay per proposal this ACK covers for the first time. */
  ack(peer: MemberId, zxid: Zxid, atMs: number, record: (delayMs: number) => void): void {
    this.acked.set(peer, this.advance(this.acked.get(peer) ?? this.base, zxid, atMs, record));
  }

  /** Everything up to `zxid` is committed (a COMMIT went out, or the leader applied it). */
  commit(zxid: Zxid, atMs: number, record: (delayMs: number) => void): void {
    const before = this.committed;
    this.committed = this.advance(this.committed, zxid, atMs, record);
    if (this.committed !== before && this.committed - this.base >= 1024) this.trim(false);
  }

  /** A follower went away: it no longer holds proposals back from being forgotten. */
  forget(peer: MemberId): void {
    this.acked.delete(peer);
  }

  private advance(from: number, zxid: Zxid, atMs: number, record: (delayMs: number) => void): number {
    let i = Math.max(from, this.base);
    const end = this.base + this.times.length;
    while (i < end) {
      const k = i - this.base;
      const epoch = this.epochs[k]!;
      if (epoch > zxid.epoch || (epoch === zxid.epoch && this.counters[k]! > zxid.counter)) break;
      record(atMs - this.times[k]!);
      i++;
    }
    return i;
  }

  /** Drops what the commit point and every follower passed (or, when `force`, the older half). */
  private trim(force: boolean): void {
    let upTo = this.committed;
    for (const i of this.acked.values()) upTo = Math.min(upTo, i);
    if (force) upTo = Math.max(upTo, this.base + (this.times.length >> 1));
    const n = upTo - this.base;
    if (n <= 0) return;
    this.epochs.splice(0, n);
    this.counters.splice(0, n);
    this.times.splice(0, n);
    this.base = upTo;
    if (this.committed < upTo) this.committed = upTo;
  }
}
