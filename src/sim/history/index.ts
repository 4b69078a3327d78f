/**
 * The history checkers: `checkHistory(ops, committed)` runs all three and says, in a few lines a person
 * can read, whether the run kept ZooKeeper's guarantees.
 *
 * - writes (checkWrites): linearizable, from client observations alone;
 * - reads (checkReads): sequentially consistent against the committed ground truth;
 * - truth (checkTruth): the committed txns agree with what clients were told.
 */
import { checkWrites } from './linearizability.js';
import { checkReads } from './reads.js';
import { checkTruth } from './truth.js';
import type { CheckOptions, CommittedTxn, HistoryOp, HistoryReport, Verdict, Violation } from './types.js';

export class HistoryFormatError extends Error {}

/** Malformed input is the recorder's bug, not the ensemble's: say so instead of reporting nonsense. */
export function validateHistory(ops: readonly HistoryOp[]): void {
  const ids = new Set<number>();
  for (const h of ops) {
    if (ids.has(h.id)) throw new HistoryFormatError(`op id ${h.id} appears twice in the history`);
    ids.add(h.id);
    if (h.completeMs !== null && h.completeMs < h.invokeMs) {
      throw new HistoryFormatError(`op #${h.id} was answered at ${h.completeMs}ms, before it was sent at ${h.invokeMs}ms`);
    }
    if (h.outcome === 'error' && h.err === undefined) throw new HistoryFormatError(`op #${h.id} is an error without a code`);
  }
}

export function checkHistory(
  ops: readonly HistoryOp[],
  committed: readonly CommittedTxn[],
  options: CheckOptions = {},
): HistoryReport {
  validateHistory(ops);
  const writes = checkWrites(ops, committed, options);
  const reads = checkReads(ops, committed, options);
  const truth = checkTruth(ops, committed, options);
  const violations: Violation[] = [...writes.violations, ...reads.violations, ...truth.violations];
  const suppressed = writes.suppressed + reads.suppressed + truth.suppressed;
  const verdict: Verdict =
    violations.length || suppressed ? 'violation' : writes.inconclusive.length ? 'inconclusive' : 'ok';
  const stats = {
    ops: ops.length,
    sessions: reads.sessions,
    committedTxns: committed.length,
    writesChecked: writes.writesChecked,
    readsChecked: reads.readsChecked,
    readsUnstamped: reads.readsUnstamped,
    partitions: writes.partitions.length,
    largestPartition: writes.partitions.reduce((m, p) => Math.max(m, p.ops), 0),
    statesExplored: writes.statesExplored,
    suppressed,
  };
  const truthDecided = writes.partitions.filter((p) => p.decidedBy === 'truth').length;
  const lines = [
    `history: ${n(stats.ops, 'op')} over ${n(stats.sessions, 'session')}, ${n(stats.committedTxns, 'committed txn')}`,
    `writes: ${stats.writesChecked} checked in ${n(stats.partitions, 'partition')} (largest ${n(stats.largestPartition, 'op')}, ` +
      `${n(writes.systemTxns, 'system txn')}), ${n(stats.statesExplored, 'search state')} — ${writes.verdict}` +
      (truthDecided ? ` (${n(truthDecided, 'partition')} with unknown outcomes decided by the ground truth)` : ''),
    `reads: ${stats.readsChecked} checked against the committed state${stats.readsUnstamped ? `, ${stats.readsUnstamped} without a zxid` : ''}, ` +
      `${n(reads.syncsChecked, 'sync')} — ${reads.violations.length + reads.suppressed ? 'violation' : 'ok'}`,
    `truth: ${n(truth.txnsReplayed, 'txn')} replayed — ${truth.violations.length + truth.suppressed ? 'violation' : 'ok'}`,
    `verdict: ${verdict}${violations.length ? ` (${n(violations.length + suppressed, 'violation')})` : ''}`,
  ];
  for (const line of writes.inconclusive) lines.push(`inconclusive: ${line}`);
  violations.forEach((v, i) => lines.push('', `violation ${i + 1} [${v.check}/${v.kind}]`, v.message));
  if (suppressed) lines.push('', `… and ${suppressed} more violations of the same kinds, not shown.`);
  return { verdict, violations, inconclusive: writes.inconclusive, stats, writes, reads, truth, summary: lines.join('\n') };
}

function n(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

export { checkWrites } from './linearizability.js';
export { checkReads } from './reads.js';
export { checkTruth } from './truth.js';
export { TreeModel, UNSTAMPED, type Attempt, type ReadAnswer, type Stamp, type ZNode } from './model.js';
export { ZK, errName, judgeOutcome, STATE_ERRORS, REJECTED_ERRORS, type Judged } from './errors.js';
export { describeOp, fmtOperation } from './format.js';
export { partitionWrites, type Partition, type PartitionPlan } from './partition.js';
export type * from './types.js';
