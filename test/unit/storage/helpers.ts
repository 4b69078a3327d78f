import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LogEntry } from '../../../src/zab/messages.js';
import { applyWrite, emptyDurableState, type DurableState, type SequencedWrite, type StorageWrite } from '../../../src/zab/persistence.js';
import { compareZxid, type Zxid } from '../../../src/zab/zxid.js';
import { Rng } from '../../../src/sim/rng.js';

/** Runs `fn` with a fresh temp directory, removed afterwards whatever happens. */
export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'peerkeeper-fs-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export function entry(epoch: number, counter: number): LogEntry {
  return { zxid: { epoch, counter }, txn: { op: 'set', path: `/n${counter}`, data: new Uint8Array([epoch, counter & 0xff, 7]) } };
}

/** What the same writes do to an empty image: the model every file image is compared with. */
export function model(writes: readonly StorageWrite[]): DurableState {
  const s = emptyDurableState();
  for (const w of writes) applyWrite(s, w);
  return s;
}

export function sequenced(writes: readonly StorageWrite[], firstSeq = 1): SequencedWrite[] {
  return writes.map((write, i) => ({ seq: firstSeq + i, write }));
}

/** Uniform in [0, 1) from the simulator's seeded generator, so a failing case names its seed. */
export function rng(seed: number): () => number {
  const r = new Rng(seed);
  return () => r.float();
}

/**
 * Generates writes the way a member issues them: appends with increasing zxids in the current epoch,
 * TRUNC only back to an uncommitted entry, epochs moving forward (accepted before current), commit
 * hints, snapshots of committed state, compaction up to a durable snapshot, SNAP installs ahead.
 */
export class WriteGenerator {
  private readonly image = emptyDurableState();
  private epoch = 0;

  constructor(private readonly random: () => number) {}

  private pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.random() * xs.length)]!;
  }

  private last(): Zxid {
    const log = this.image.log;
    return log.length ? log[log.length - 1]!.zxid : this.image.logBase;
  }

  /** Zxids that are in the image: the log base and every entry. */
  private known(): Zxid[] {
    return [this.image.logBase, ...this.image.log.map((e) => e.zxid)];
  }

  next(): StorageWrite {
    const w = this.choose();
    applyWrite(this.image, w);
    return w;
  }

  private choose(): StorageWrite {
    const r = this.random();
    const last = this.last();
    if (this.epoch === 0 || r < 0.05) {
      this.epoch = Math.max(this.epoch, last.epoch) + 1;
      return { kind: 'acceptedEpoch', epoch: this.epoch };
    }
    if (this.image.currentEpoch < this.image.acceptedEpoch && r < 0.15) {
      return { kind: 'currentEpoch', epoch: this.image.acceptedEpoch };
    }
    if (r < 0.6) {
      const entries: LogEntry[] = [];
      let counter = last.epoch === this.epoch ? last.counter : 0;
      const n = 1 + Math.floor(this.random() * 4);
      for (let i = 0; i < n; i++) entries.push(entry(this.epoch, ++counter));
      return { kind: 'append', entries };
    }
    const committed = this.image.commitHint;
    const uncommitted = this.known().filter((z) => compareZxid(z, committed) >= 0);
    const committedKnown = this.known().filter((z) => compareZxid(z, committed) <= 0);
    if (r < 0.68 && uncommitted.length) return { kind: 'truncate', after: this.pick(uncommitted) };
    if (r < 0.78) return { kind: 'commitHint', zxid: this.pick(this.known()) };
    if (r < 0.84 && committedKnown.length) {
      const z = this.pick(committedKnown);
      return { kind: 'saveSnapshot', snapshot: { zxid: z, data: new Uint8Array([z.epoch, z.counter & 0xff, 1, 2, 3]) } };
    }
    if (r < 0.95 && this.image.snapshot) {
      const snap = this.image.snapshot.zxid;
      const candidates = this.image.log.map((e) => e.zxid).filter((z) => compareZxid(z, snap) <= 0);
      if (candidates.length) return { kind: 'compact', upTo: this.pick(candidates) };
    }
    if (r < 0.97) {
      const z = { epoch: Math.max(this.epoch, last.epoch), counter: last.counter + 5 };
      return { kind: 'installSnapshot', snapshot: { zxid: z, data: { tree: new Uint8Array([9, 9, z.counter & 0xff]) } } };
    }
    return { kind: 'commitHint', zxid: last };
  }
}
