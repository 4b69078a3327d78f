import { open, readdir, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { StorageCorruptError } from '../corrupt.js';
import { emptyDurableState, validateDurableState, type DurableState, type StorageWrite } from '../../zab/persistence.js';
import { formatZxid } from '../../zab/zxid.js';
import { findValidFrameAfter, readFrame } from './framing.js';
import {
  parseSegmentName,
  parseSnapshotName,
  segmentName,
  type SnapshotRef,
} from './layout.js';
import { applyTracked, isDiskRecord, placeholderSnapshot, type BaseRecord, type DiskRecord } from './records.js';

export interface Recovered {
  /** With the snapshot's data read back; passes validateDurableState. */
  readonly state: DurableState;
  readonly snapshots: SnapshotRef[];
  /** The segment to keep appending to, or null for an empty directory (start segment 0). */
  readonly segment: { readonly n: number; readonly size: number } | null;
  readonly snapshotFiles: Set<string>;
  readonly nextSnapshotId: number;
}

/**
 * Rebuilds the durable image of a data directory:
 * 1. the newest segment whose base record is valid is the log (a newest segment with a torn base is
 *    a compaction that crashed before its fsync: it is removed and the one before used);
 * 2. its records are replayed with applyWrite; a bad frame with nothing valid after it is a torn
 *    write: the file is truncated there and a warning given; a bad frame followed by a valid one is
 *    corruption inside the log and an error (cutting there would silently lose acknowledged writes);
 * 3. the newest readable snapshot of the history is loaded (a corrupt one falls back to the previous);
 * 4. older segments and snapshots no longer referenced are deleted.
 */
export async function recover(dir: string, warn: (message: string) => void): Promise<Recovered> {
  const names = await readdir(dir);
  for (const name of names) if (name.endsWith('.tmp')) await unlink(join(dir, name));
  const segments = names.flatMap((n) => {
    const i = parseSegmentName(n);
    return i === null ? [] : [i];
  });
  segments.sort((a, b) => a - b);
  const snapshotFiles = new Set(names.filter((n) => parseSnapshotName(n) !== null));
  const nextSnapshotId = Math.max(0, ...[...snapshotFiles].map((n) => parseSnapshotName(n)! + 1));

  let chosen: { n: number; bytes: Uint8Array; base: BaseRecord; next: number } | null = null;
  for (let i = segments.length - 1; i >= 0 && !chosen; i--) {
    const n = segments[i]!;
    const path = join(dir, segmentName(n));
    const bytes = await readFile(path);
    const first = readFrame(bytes, 0);
    if (first.ok && isDiskRecord(first.value) && first.value.kind === 'base') {
      chosen = { n, bytes, base: first.value, next: first.next };
      continue;
    }
    const reason = first.ok ? 'first record is not a base record' : first.reason;
    const isNewest = i === segments.length - 1;
    // A torn base is a new segment whose creation crashed: its predecessor (or, for the first
    // segment, the empty image) still holds everything. A damaged base with nothing to fall back to
    // is the whole log lost, never something to start empty from.
    const canFallBack = n === 0 || i > 0;
    if (!isNewest || !canFallBack || findValidFrameAfter(bytes, 0) !== null) {
      throw new StorageCorruptError(path, `corrupt base record (${reason}); refusing to guess the log`);
    }
    // Torn creation of the newest segment: its predecessor still holds everything acknowledged.
    warn(`${segmentName(n)}: torn base record (${reason}); segment removed`);
    await unlink(path);
  }

  if (!chosen) {
    if (segments.length > 1) throw new StorageCorruptError(dir, 'no log segment with a valid base record');
    if (snapshotFiles.size) throw new StorageCorruptError(dir, 'snapshot files but no log segment');
    return { state: emptyDurableState(), snapshots: [], segment: null, snapshotFiles, nextSnapshotId };
  }

  const { n, bytes, base } = chosen;
  const state: DurableState = {
    acceptedEpoch: base.acceptedEpoch,
    currentEpoch: base.currentEpoch,
    logBase: base.logBase,
    log: base.log.slice(),
    commitHint: base.commitHint,
    snapshot: base.snapshots.length ? placeholderSnapshot(base.snapshots[base.snapshots.length - 1]!) : null,
  };
  const history = base.snapshots.slice();
  const size = await replay(dir, n, bytes, chosen.next, state, history, warn);

  for (const old of segments) if (old < n) await unlink(join(dir, segmentName(old)));

  state.snapshot = await readNewestSnapshot(dir, history, warn);
  try {
    validateDurableState(state);
  } catch (e) {
    throw new StorageCorruptError(join(dir, segmentName(n)), `recovered state is not a valid history: ${(e as Error).message}`);
  }
  // Snapshots outside the history are no longer needed by anything.
  for (const file of [...snapshotFiles]) {
    if (!history.some((r) => r.file === file)) {
      await unlink(join(dir, file));
      snapshotFiles.delete(file);
    }
  }
  return { state, snapshots: history, segment: { n, size }, snapshotFiles, nextSnapshotId };
}

/** Replays the records of segment `n` after its base; returns the valid length of the file. */
async function replay(
  dir: string,
  n: number,
  bytes: Uint8Array,
  start: number,
  state: DurableState,
  history: SnapshotRef[],
  warn: (message: string) => void,
): Promise<number> {
  let offset = start;
  while (offset < bytes.length) {
    const frame = readFrame(bytes, offset);
    const reason = !frame.ok ? frame.reason : isDiskRecord(frame.value) && frame.value.kind !== 'base' ? null : 'bad record';
    if (reason !== null || !frame.ok) {
      const later = findValidFrameAfter(bytes, offset);
      if (later !== null) {
        throw new StorageCorruptError(
          join(dir, segmentName(n)),
          `corrupt record at byte ${offset} (${reason}) followed by a valid record at byte ${later}: ` +
            'the log is damaged in the middle, not torn at its end; refusing to truncate',
        );
      }
      await truncateFile(join(dir, segmentName(n)), offset);
      warn(`log truncated at byte ${offset}: ${reason} (${segmentName(n)}, ${bytes.length - offset} bytes dropped)`);
      return offset;
    }
    const record = frame.value as Exclude<DiskRecord, BaseRecord>;
    try {
      if (record.kind === 'saveSnapshot' || record.kind === 'installSnapshot') {
        const ref = { file: record.file, zxid: record.zxid };
        const snapshot = placeholderSnapshot(ref);
        const write: StorageWrite =
          record.kind === 'saveSnapshot' ? { kind: 'saveSnapshot', snapshot } : { kind: 'installSnapshot', snapshot };
        applyTracked(state, history, write, ref);
      } else {
        applyTracked(state, history, record);
      }
    } catch (e) {
      throw new StorageCorruptError(join(dir, segmentName(n)), `record at byte ${offset} cannot be replayed: ${(e as Error).message}`);
    }
    offset = frame.next;
  }
  return offset;
}

async function truncateFile(path: string, size: number): Promise<void> {
  const fh = await open(path, 'r+');
  try {
    await fh.truncate(size);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * The newest snapshot of the history that reads back intact, warning about each one skipped. The
 * unreadable ones are dropped from `history`, so the next base record does not carry them on.
 */
async function readNewestSnapshot(
  dir: string,
  history: SnapshotRef[],
  warn: (message: string) => void,
): Promise<DurableState['snapshot']> {
  for (let i = history.length - 1; i >= 0; i--) {
    const ref = history[i]!;
    const problem = await readSnapshotFile(dir, ref);
    history.length = i + 1;
    if (typeof problem !== 'string') return problem;
    history.length = i;
    warn(
      `snapshot ${ref.file} at ${formatZxid(ref.zxid)} unreadable (${problem})` +
        (i > 0 ? `; falling back to ${history[i - 1]!.file}` : '; no older snapshot'),
    );
  }
  return null;
}

async function readSnapshotFile(dir: string, ref: SnapshotRef): Promise<DurableState['snapshot'] | string> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(join(dir, ref.file));
  } catch (e) {
    return (e as NodeJS.ErrnoException).code ?? 'read error';
  }
  const frame = readFrame(bytes, 0);
  if (!frame.ok) return frame.reason;
  if (frame.next !== bytes.length) return 'trailing bytes';
  const v = frame.value as { zxid?: unknown; data?: unknown } | null;
  if (typeof v !== 'object' || v === null || !('zxid' in v)) return 'bad record';
  const z = v.zxid as { epoch: number; counter: number };
  if (z?.epoch !== ref.zxid.epoch || z?.counter !== ref.zxid.counter) return 'zxid differs from the log';
  return { zxid: ref.zxid, data: v.data };
}
