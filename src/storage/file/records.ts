import type { LogEntry, Snapshot } from '../../zab/messages.js';
import { applyWrite, type DurableState, type StorageWrite } from '../../zab/persistence.js';
import { isZxid, type Zxid } from '../../zab/zxid.js';
import { SNAPSHOTS_KEPT, type SnapshotRef } from './layout.js';

/**
 * What a log frame holds. Most StorageWrites are stored as they are; snapshot writes are stored as a
 * reference to their own file (written and made durable first), and every segment starts with a
 * `base` record: the whole durable image at the start of the segment, with the snapshot history
 * by reference. A segment is therefore self-contained: recovery reads only the newest one.
 */
export type DiskRecord =
  | {
      readonly kind: 'base';
      readonly acceptedEpoch: number;
      readonly currentEpoch: number;
      readonly logBase: Zxid;
      readonly log: readonly LogEntry[];
      readonly commitHint: Zxid;
      /** Oldest first; the last one is the image's snapshot. */
      readonly snapshots: readonly SnapshotRef[];
    }
  | { readonly kind: 'saveSnapshot'; readonly file: string; readonly zxid: Zxid }
  | { readonly kind: 'installSnapshot'; readonly file: string; readonly zxid: Zxid }
  | Exclude<StorageWrite, { kind: 'saveSnapshot' | 'installSnapshot' }>;

export type BaseRecord = Extract<DiskRecord, { kind: 'base' }>;

export function baseRecord(image: DurableState, snapshots: readonly SnapshotRef[]): BaseRecord {
  return {
    kind: 'base',
    acceptedEpoch: image.acceptedEpoch,
    currentEpoch: image.currentEpoch,
    logBase: image.logBase,
    log: image.log,
    commitHint: image.commitHint,
    snapshots,
  };
}

/** Shape check of a decoded record; a record that passes the CRC but not this is treated as corrupt. */
export function isDiskRecord(v: unknown): v is DiskRecord {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as Record<string, unknown>;
  const epoch = (n: unknown) => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
  switch (r.kind) {
    case 'base':
      return (
        epoch(r.acceptedEpoch) &&
        epoch(r.currentEpoch) &&
        isZxid(r.logBase) &&
        isZxid(r.commitHint) &&
        isEntries(r.log) &&
        Array.isArray(r.snapshots) &&
        r.snapshots.every(isSnapshotRef)
      );
    case 'saveSnapshot':
    case 'installSnapshot':
      return isSnapshotRef(r);
    case 'append':
      return isEntries(r.entries);
    case 'truncate':
      return isZxid(r.after);
    case 'compact':
      return isZxid(r.upTo);
    case 'commitHint':
      return isZxid(r.zxid);
    case 'acceptedEpoch':
    case 'currentEpoch':
      return epoch(r.epoch);
    default:
      return false;
  }
}

function isEntries(v: unknown): v is LogEntry[] {
  return Array.isArray(v) && v.every((e) => typeof e === 'object' && e !== null && isZxid((e as LogEntry).zxid) && 'txn' in e);
}

function isSnapshotRef(v: unknown): v is SnapshotRef {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as Record<string, unknown>;
  return typeof r.file === 'string' && /^snap-\d+\.snap$/.test(r.file) && isZxid(r.zxid);
}

/**
 * Applies one write with `applyWrite` (the single definition of its effect) and keeps the snapshot
 * history in step: a saved snapshot that the image adopts joins the history, an installed one
 * replaces it (older snapshots cannot serve a log that now starts at the installed one).
 */
export function applyTracked(
  image: DurableState,
  history: SnapshotRef[],
  write: StorageWrite,
  ref?: SnapshotRef,
): void {
  applyWrite(image, write);
  if (write.kind === 'installSnapshot') {
    history.length = 0;
    history.push(ref!);
  } else if (write.kind === 'saveSnapshot' && image.snapshot === write.snapshot) {
    history.push(ref!);
    if (history.length > SNAPSHOTS_KEPT) history.splice(0, history.length - SNAPSHOTS_KEPT);
  }
}

/** During replay the snapshot's data stays on disk; this stands in until the newest one is read. */
export function placeholderSnapshot(ref: SnapshotRef): Snapshot {
  return { zxid: ref.zxid, data: undefined };
}
