import { indexOfZxid } from './log.js';
import type { LogEntry, Snapshot } from './messages.js';
import { compareZxid, formatZxid, zxidEquals, ZXID_ZERO, type Zxid } from './zxid.js';

/**
 * What Zab asks storage to make durable. Writes carry a sequence number and must become durable in
 * that order (an epoch write never before the log appends issued ahead of it): Zab's ordering rules
 * (ZAB-PITFALLS 1, 8) rest on it. Storage reports progress as "durable up to seq".
 */
export type StorageWrite =
  | { readonly kind: 'append'; readonly entries: readonly LogEntry[] }
  /** Drop log entries after `after` (TRUNC). */
  | { readonly kind: 'truncate'; readonly after: Zxid }
  /** A snapshot of this member's own applied state; the log is kept. */
  | { readonly kind: 'saveSnapshot'; readonly snapshot: Snapshot }
  /** A snapshot from the leader (SNAP): the whole log is replaced, its base becomes the snapshot's zxid. */
  | { readonly kind: 'installSnapshot'; readonly snapshot: Snapshot }
  /** Forget log entries up to `upTo`; a snapshot at or past it is already durable. */
  | { readonly kind: 'compact'; readonly upTo: Zxid }
  | { readonly kind: 'acceptedEpoch'; readonly epoch: number }
  | { readonly kind: 'currentEpoch'; readonly epoch: number }
  /** A zxid known committed: lets a restarted member apply its log without waiting for a leader. */
  | { readonly kind: 'commitHint'; readonly zxid: Zxid };

export interface SequencedWrite {
  readonly seq: number;
  readonly write: StorageWrite;
}

/** Everything a member keeps across a crash. */
export interface DurableState {
  acceptedEpoch: number;
  currentEpoch: number;
  snapshot: Snapshot | null;
  logBase: Zxid;
  log: LogEntry[];
  commitHint: Zxid;
}

export function emptyDurableState(): DurableState {
  return { acceptedEpoch: 0, currentEpoch: 0, snapshot: null, logBase: ZXID_ZERO, log: [], commitHint: ZXID_ZERO };
}

export function cloneDurableState(s: DurableState): DurableState {
  return { ...s, log: s.log.slice() };
}

/** Applies one write to a durable image, in place. Used by every storage implementation's recovery. */
export function applyWrite(state: DurableState, write: StorageWrite): void {
  switch (write.kind) {
    case 'append': {
      for (const entry of write.entries) {
        const last = state.log.length ? state.log[state.log.length - 1]!.zxid : state.logBase;
        if (compareZxid(entry.zxid, last) <= 0) {
          throw new Error(`durable append out of order: ${formatZxid(entry.zxid)} after ${formatZxid(last)}`);
        }
        state.log.push(entry);
      }
      return;
    }
    case 'truncate': {
      if (zxidEquals(write.after, state.logBase)) {
        state.log.length = 0;
        return;
      }
      const i = indexOfZxid(state.log, write.after);
      if (i < 0) throw new Error(`durable truncate: ${formatZxid(write.after)} not in log`);
      state.log.length = i + 1;
      return;
    }
    case 'saveSnapshot':
      // Never go back to an older snapshot: the log may already start after it.
      if (!state.snapshot || compareZxid(state.snapshot.zxid, write.snapshot.zxid) < 0) state.snapshot = write.snapshot;
      return;
    case 'installSnapshot':
      state.snapshot = write.snapshot;
      state.logBase = write.snapshot.zxid;
      state.log = [];
      if (compareZxid(state.commitHint, write.snapshot.zxid) < 0) state.commitHint = write.snapshot.zxid;
      return;
    case 'compact': {
      if (compareZxid(write.upTo, state.logBase) <= 0) return;
      const i = indexOfZxid(state.log, write.upTo);
      if (i < 0) throw new Error(`durable compact: ${formatZxid(write.upTo)} not in log`);
      state.log = state.log.slice(i + 1);
      state.logBase = write.upTo;
      return;
    }
    case 'acceptedEpoch':
      state.acceptedEpoch = write.epoch;
      return;
    case 'currentEpoch':
      state.currentEpoch = write.epoch;
      return;
    case 'commitHint':
      if (compareZxid(state.commitHint, write.zxid) < 0) state.commitHint = write.zxid;
      return;
  }
}

/** Refuses a durable image that cannot be a member's history (ZOOKEEPER-2325: a log without its snapshot). */
export function validateDurableState(state: DurableState): void {
  if (compareZxid(state.logBase, ZXID_ZERO) > 0) {
    if (!state.snapshot) throw new Error(`log starts after ${formatZxid(state.logBase)} but there is no snapshot`);
    if (compareZxid(state.snapshot.zxid, state.logBase) < 0) {
      throw new Error(
        `snapshot ${formatZxid(state.snapshot.zxid)} does not reach the log start ${formatZxid(state.logBase)}`,
      );
    }
  }
  if (state.acceptedEpoch < state.currentEpoch) {
    throw new Error(`acceptedEpoch ${state.acceptedEpoch} is below currentEpoch ${state.currentEpoch}`);
  }
  // A log out of order (a damaged base record could hold one) would break every search of it.
  let last = state.logBase;
  for (const e of state.log) {
    if (compareZxid(e.zxid, last) <= 0) throw new Error(`log entry ${formatZxid(e.zxid)} does not follow ${formatZxid(last)}`);
    last = e.zxid;
  }
}
