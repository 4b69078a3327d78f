import type { LogEntry, Snapshot } from '../../zab/messages.js';
import { applyWrite, emptyDurableState, validateDurableState, type DurableState, type StorageWrite } from '../../zab/persistence.js';
import { formatZxid, isZxid, zxidEquals, type Zxid } from '../../zab/zxid.js';

/**
 * The object store of one member (keys and values):
 *
 *   'base'      the durable image when the records start: epochs, logBase, the log, commitHint and
 *               the zxid of its snapshot (written at each compaction and snapshot install)
 *   'snapshot'  { zxid, data } of the image's snapshot (only ever the newest one the image adopted)
 *   0, 1, 2 …   one record per StorageWrite since the base, in order (numbers sort before strings)
 *
 * Recovery is the base, then every record through `applyWrite` — the single definition of what a
 * write does — then the snapshot's data put in place of its zxid, then `validateDurableState`.
 * Snapshot writes are recorded by zxid only; the data sits once under 'snapshot'.
 */
export const STORE_NAME = 'zab';
export const BASE_KEY = 'base';
export const SNAPSHOT_KEY = 'snapshot';

export function recordKeys(): IDBKeyRange {
  return IDBKeyRange.bound(0, Number.MAX_SAFE_INTEGER);
}

export type Record =
  | { readonly kind: 'saveSnapshot'; readonly zxid: Zxid }
  | { readonly kind: 'installSnapshot'; readonly zxid: Zxid }
  | Exclude<StorageWrite, { kind: 'saveSnapshot' | 'installSnapshot' }>;

export interface Base {
  readonly acceptedEpoch: number;
  readonly currentEpoch: number;
  readonly logBase: Zxid;
  readonly log: readonly LogEntry[];
  readonly commitHint: Zxid;
  readonly snapshot: Zxid | null;
}

export function baseOf(image: DurableState): Base {
  const { acceptedEpoch, currentEpoch, logBase, log, commitHint } = image;
  return { acceptedEpoch, currentEpoch, logBase, log, commitHint, snapshot: image.snapshot?.zxid ?? null };
}

/** What a write is stored as; snapshot writes by zxid only. */
export function recordOf(write: StorageWrite): Record {
  if (write.kind === 'saveSnapshot' || write.kind === 'installSnapshot') return { kind: write.kind, zxid: write.snapshot.zxid };
  return write;
}

const epochOk = (n: unknown): boolean => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
const entriesOk = (v: unknown): boolean =>
  Array.isArray(v) && v.every((e) => typeof e === 'object' && e !== null && isZxid((e as LogEntry).zxid) && 'txn' in e);

export function isBase(v: unknown): v is Base {
  if (typeof v !== 'object' || v === null) return false;
  const b = v as { [k: string]: unknown };
  return (
    epochOk(b.acceptedEpoch) && epochOk(b.currentEpoch) && isZxid(b.logBase) && isZxid(b.commitHint) &&
    entriesOk(b.log) && (b.snapshot === null || isZxid(b.snapshot))
  );
}

export function isRecord(v: unknown): v is Record {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as { [k: string]: unknown };
  switch (r.kind) {
    case 'append':
      return entriesOk(r.entries);
    case 'truncate':
      return isZxid(r.after);
    case 'compact':
      return isZxid(r.upTo);
    case 'commitHint':
    case 'saveSnapshot':
    case 'installSnapshot':
      return isZxid(r.zxid);
    case 'acceptedEpoch':
    case 'currentEpoch':
      return epochOk(r.epoch);
    default:
      return false;
  }
}

/** Stands in for a snapshot during replay; the data is read once, for the snapshot the image ends with. */
function placeholder(zxid: Zxid): Snapshot {
  return { zxid, data: undefined };
}

function writeOf(r: Record): StorageWrite {
  if (r.kind === 'saveSnapshot' || r.kind === 'installSnapshot') return { kind: r.kind, snapshot: placeholder(r.zxid) };
  return r;
}

/** Rebuilds the durable image; throws (the member must not start) on anything that cannot be a history. */
export function replay(base: Base | undefined, records: readonly Record[], snapshot: Snapshot | undefined): DurableState {
  const image = emptyDurableState();
  if (base) {
    image.acceptedEpoch = base.acceptedEpoch;
    image.currentEpoch = base.currentEpoch;
    image.logBase = base.logBase;
    image.log = [...base.log];
    image.commitHint = base.commitHint;
    image.snapshot = base.snapshot ? placeholder(base.snapshot) : null;
  }
  records.forEach((r, i) => {
    try {
      applyWrite(image, writeOf(r));
    } catch (e) {
      throw new Error(`record ${i} (${r.kind}) does not apply: ${(e as Error).message}`);
    }
  });
  if (image.snapshot) {
    if (!snapshot) throw new Error(`the image needs snapshot ${formatZxid(image.snapshot.zxid)} but none is stored`);
    if (!zxidEquals(snapshot.zxid, image.snapshot.zxid)) {
      throw new Error(`the image needs snapshot ${formatZxid(image.snapshot.zxid)} but ${formatZxid(snapshot.zxid)} is stored`);
    }
    image.snapshot = snapshot;
  }
  validateDurableState(image);
  return image;
}

export function isSnapshot(v: unknown): v is Snapshot {
  return typeof v === 'object' && v !== null && isZxid((v as Snapshot).zxid) && 'data' in v;
}
