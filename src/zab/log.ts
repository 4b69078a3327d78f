import type { EpochSegment, HistorySummary, LogEntry } from './messages.js';
import { compareZxid, formatZxid, zxidEquals, ZXID_ZERO, type Zxid } from './zxid.js';

/** Binary search of a zxid in entries sorted by zxid (a log, durable or in memory); -1 if absent. */
export function indexOfZxid(entries: readonly { readonly zxid: Zxid }[], z: Zxid): number {
  let lo = 0;
  let hi = entries.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const c = compareZxid(entries[mid]!.zxid, z);
    if (c === 0) return mid;
    if (c < 0) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/**
 * The in-memory transaction log: entries after `base`, in strictly increasing zxid order. Everything
 * up to `base` is covered by a snapshot (or is the empty history when base is zero).
 */
export class TxnLog {
  private entries: LogEntry[];
  private baseZxid: Zxid;

  constructor(base: Zxid = ZXID_ZERO, entries: readonly LogEntry[] = []) {
    this.baseZxid = base;
    this.entries = [];
    for (const e of entries) this.append(e);
  }

  get base(): Zxid {
    return this.baseZxid;
  }

  get size(): number {
    return this.entries.length;
  }

  last(): Zxid {
    const n = this.entries.length;
    return n === 0 ? this.baseZxid : this.entries[n - 1]!.zxid;
  }

  append(entry: LogEntry): void {
    if (compareZxid(entry.zxid, this.last()) <= 0) {
      throw new Error(`log append out of order: ${formatZxid(entry.zxid)} after ${formatZxid(this.last())}`);
    }
    this.entries.push(entry);
  }

  /** Index of `z` in the entries, or -1. */
  indexOf(z: Zxid): number {
    return indexOfZxid(this.entries, z);
  }

  /** True when `z` is the base or an entry: a point this log's history passes through. */
  contains(z: Zxid): boolean {
    return zxidEquals(z, this.baseZxid) || this.indexOf(z) >= 0;
  }

  get(z: Zxid): LogEntry | undefined {
    const i = this.indexOf(z);
    return i < 0 ? undefined : this.entries[i];
  }

  /** The entries after `z`, which must be the base or an entry. */
  entriesAfter(z: Zxid): LogEntry[] {
    if (zxidEquals(z, this.baseZxid)) return this.entries.slice();
    const i = this.indexOf(z);
    if (i < 0) throw new Error(`entriesAfter: ${formatZxid(z)} is not in the log`);
    return this.entries.slice(i + 1);
  }

  /** Entries in (from, to], both points in the log. */
  entriesBetween(from: Zxid, to: Zxid): LogEntry[] {
    const start = zxidEquals(from, this.baseZxid) ? 0 : this.indexOf(from) + 1;
    const end = this.indexOf(to);
    if (start <= 0 && !zxidEquals(from, this.baseZxid)) throw new Error(`entriesBetween: ${formatZxid(from)} not in log`);
    if (end < 0 && !zxidEquals(to, this.baseZxid)) throw new Error(`entriesBetween: ${formatZxid(to)} not in log`);
    return end < 0 ? [] : this.entries.slice(start, end + 1);
  }

  /** Drops every entry after `z` (which must be in the log); returns how many were dropped. */
  truncateAfter(z: Zxid): number {
    if (zxidEquals(z, this.baseZxid)) {
      const n = this.entries.length;
      this.entries = [];
      return n;
    }
    const i = this.indexOf(z);
    if (i < 0) throw new Error(`truncateAfter: ${formatZxid(z)} is not in the log`);
    const dropped = this.entries.length - (i + 1);
    this.entries.length = i + 1;
    return dropped;
  }

  /** Forgets entries up to `z` (covered by a durable snapshot); `z` becomes the base. */
  compactUpTo(z: Zxid): void {
    if (compareZxid(z, this.baseZxid) <= 0) return;
    const i = this.indexOf(z);
    if (i < 0) throw new Error(`compactUpTo: ${formatZxid(z)} is not in the log`);
    this.entries = this.entries.slice(i + 1);
    this.baseZxid = z;
  }

  /** Replaces everything with a snapshot's point: nothing before it is kept. */
  resetTo(base: Zxid): void {
    this.entries = [];
    this.baseZxid = base;
  }

  /** The last entry of `epoch` in the log, if any. */
  lastOfEpoch(epoch: number): Zxid | undefined {
    let lo = 0;
    let hi = this.entries.length - 1;
    let found: Zxid | undefined;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const e = this.entries[mid]!.zxid.epoch;
      if (e <= epoch) {
        if (e === epoch) found = this.entries[mid]!.zxid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }

  summary(): HistorySummary {
    const segments: EpochSegment[] = [];
    for (const { zxid } of this.entries) {
      const seg = segments[segments.length - 1];
      if (seg && seg.epoch === zxid.epoch) (seg as { last: number }).last = zxid.counter;
      else segments.push({ epoch: zxid.epoch, first: zxid.counter, last: zxid.counter });
    }
    return { base: this.baseZxid, segments };
  }

  all(): readonly LogEntry[] {
    return this.entries;
  }
}
