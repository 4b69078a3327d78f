import {
  applyWrite,
  cloneDurableState,
  emptyDurableState,
  type DurableState,
  type SequencedWrite,
} from '../zab/persistence.js';
import type { ZabStorage } from './storage.js';

/**
 * Storage in memory that models durability: submitted writes stay volatile until `flush`, and a
 * `crash` keeps what was flushed plus, at most, a prefix of what was not — the last append possibly
 * torn part-way, as a power cut leaves a file.
 */
export class MemoryStorage {
  private durableState: DurableState;
  private volatile: SequencedWrite[] = [];

  constructor(initial: DurableState = emptyDurableState()) {
    this.durableState = cloneDurableState(initial);
  }

  get durable(): Readonly<DurableState> {
    return this.durableState;
  }

  get pendingCount(): number {
    return this.volatile.length;
  }

  get lastPendingSeq(): number | null {
    return this.volatile.length ? this.volatile[this.volatile.length - 1]!.seq : null;
  }

  submit(writes: readonly SequencedWrite[]): void {
    for (const w of writes) {
      const last = this.lastPendingSeq;
      if (last !== null && w.seq <= last) throw new Error(`write ${w.seq} submitted after ${last}`);
      this.volatile.push(w);
    }
  }

  /** Makes every submitted write up to `seq` durable (one fsync); returns the last seq made durable. */
  flushUpTo(seq: number): number | null {
    let done: number | null = null;
    while (this.volatile.length && this.volatile[0]!.seq <= seq) {
      const w = this.volatile.shift()!;
      applyWrite(this.durableState, w.write);
      done = w.seq;
    }
    return done;
  }

  /**
   * Loses volatile state. `survivingWrites` of the volatile writes reach the disk anyway, and of the
   * next one, if it is an append, `tornEntries` entries do.
   */
  crash(survivingWrites: number, tornEntries: number): void {
    const keep = Math.min(survivingWrites, this.volatile.length);
    for (let i = 0; i < keep; i++) applyWrite(this.durableState, this.volatile[i]!.write);
    const next = this.volatile[keep];
    if (next && next.write.kind === 'append' && tornEntries > 0) {
      const entries = next.write.entries.slice(0, Math.min(tornEntries, next.write.entries.length - 1));
      if (entries.length) applyWrite(this.durableState, { kind: 'append', entries });
    }
    this.volatile = [];
  }

  /** What a restarted member reads back. */
  load(): DurableState {
    if (this.volatile.length) throw new Error('load with volatile writes pending: crash or flush first');
    return cloneDurableState(this.durableState);
  }
}

/** The async storage interface over memory: durable at once (for the demo and tests without disks). */
export class InstantMemoryStorage implements ZabStorage {
  private readonly inner = new MemoryStorage();

  async load(): Promise<DurableState> {
    return this.inner.load();
  }

  async write(batch: readonly SequencedWrite[]): Promise<void> {
    this.inner.submit(batch);
    const last = batch[batch.length - 1];
    if (last) this.inner.flushUpTo(last.seq);
  }

  async close(): Promise<void> {}
}
