/** Lookups into the committed ground truth shared by the read and truth checkers. */
import { formatZxid, type Zxid } from '../../zab/zxid.js';
import type { Stamp } from './model.js';
import type { CommittedTxn } from './types.js';

export function zxidKey(z: Zxid): string {
  return `${z.epoch}:${z.counter}`;
}

export interface TruthIndex {
  /** The first committed txn of each history op. */
  readonly commitOf: ReadonlyMap<number, CommittedTxn>;
  /** Later txns naming an op that was already committed. */
  readonly duplicates: readonly CommittedTxn[];
  readonly zxids: ReadonlySet<string>;
}

export function indexTruth(committed: readonly CommittedTxn[]): TruthIndex {
  const commitOf = new Map<number, CommittedTxn>();
  const duplicates: CommittedTxn[] = [];
  const zxids = new Set<string>();
  for (const txn of committed) {
    zxids.add(zxidKey(txn.zxid));
    if (txn.opId === null) continue;
    if (commitOf.has(txn.opId)) duplicates.push(txn);
    else commitOf.set(txn.opId, txn);
  }
  return { commitOf, duplicates, zxids };
}

export function stampOf(txn: CommittedTxn): Stamp {
  return txn.timeMs === undefined ? { zxid: txn.zxid, opId: txn.opId } : { zxid: txn.zxid, timeMs: txn.timeMs, opId: txn.opId };
}

/**
 * A stamp that names no committed txn. Counter 0 of an epoch is allowed: it is where a new leader's
 * epoch starts, and a member that has applied nothing of it yet may report it.
 */
export function stampIsUncommitted(z: Zxid, truth: TruthIndex): boolean {
  return z.counter !== 0 && !truth.zxids.has(zxidKey(z));
}

export function fmtTxnZxid(txn: CommittedTxn): string {
  return formatZxid(txn.zxid);
}
