import { compareZxid, type Zxid } from '../zab/zxid.js';

/** The tree's digest right after the txn at `zxid` was applied (or the snapshot at `zxid` restored). */
export interface DigestEntry {
  readonly zxid: Zxid;
  readonly digest: string;
}

/**
 * The last N (zxid → digest) pairs one member applied, oldest first. Members apply the same txn at
 * different moments, so comparing their current digests says little; comparing digests *at the same
 * zxid* says whether they hold the same tree. `peerkeeper check` asks every member for its ring and
 * compares at the highest zxid all of them hold. Preallocated arrays: one push per applied txn.
 */
export class DigestRing {
  private readonly epochs: Float64Array;
  private readonly counters: Float64Array;
  private readonly digests: string[];
  private next = 0;
  private size = 0;

  constructor(readonly capacity = 1000) {
    if (!(capacity >= 1)) throw new Error('a digest ring holds at least one entry');
    this.epochs = new Float64Array(capacity);
    this.counters = new Float64Array(capacity);
    this.digests = new Array<string>(capacity).fill('');
  }

  get length(): number {
    return this.size;
  }

  /**
   * Zxids only grow; the same zxid again (a restore at the applied point) replaces the newest entry.
   * An older one (which applying never produces) starts the ring over rather than break the order.
   */
  push(zxid: Zxid, digest: string): void {
    if (this.size > 0) {
      const last = (this.next - 1 + this.capacity) % this.capacity;
      const order = compareZxid(zxid, { epoch: this.epochs[last]!, counter: this.counters[last]! });
      if (order < 0) this.size = 0;
      else if (order === 0) {
        this.digests[last] = digest;
        return;
      }
    }
    this.epochs[this.next] = zxid.epoch;
    this.counters[this.next] = zxid.counter;
    this.digests[this.next] = digest;
    this.next = (this.next + 1) % this.capacity;
    if (this.size < this.capacity) this.size++;
  }

  /** Entry `i`, 0 the oldest kept. */
  at(i: number): DigestEntry | undefined {
    if (i < 0 || i >= this.size) return undefined;
    const slot = (this.next - this.size + i + this.capacity) % this.capacity;
    return { zxid: { epoch: this.epochs[slot]!, counter: this.counters[slot]! }, digest: this.digests[slot]! };
  }

  /** The entries at or after `since` (all of them without it), oldest first. */
  entries(since?: Zxid): DigestEntry[] {
    const out: DigestEntry[] = [];
    for (let i = 0; i < this.size; i++) {
      const e = this.at(i)!;
      if (since === undefined || compareZxid(e.zxid, since) >= 0) out.push(e);
    }
    return out;
  }
}
