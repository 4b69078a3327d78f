import { ErrorCode } from './errors.js';
import type { OpResult } from './results.js';
import type { MultiOpTxn } from './txn.js';

/**
 * Where the leader marked a multi as failed: the first error op with a real code (prepare marks the ops
 * before it as error OK). A multi whose error ops all say OK is malformed; it fails as inconsistent.
 */
export function failedOnLeader(ops: readonly MultiOpTxn[]): { failedAt: number; failure: ErrorCode } {
  let firstError = -1;
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i]!;
    if (op.type !== 'error') continue;
    if (op.code !== ErrorCode.OK) return { failedAt: i, failure: op.code };
    if (firstError < 0) firstError = i;
  }
  return firstError < 0
    ? { failedAt: -1, failure: ErrorCode.OK }
    : { failedAt: firstError, failure: ErrorCode.RUNTIMEINCONSISTENCY };
}

/**
 * ZooKeeper's per-op results for a failed multi: OK for the ops before the failing one, its code, then
 * RUNTIMEINCONSISTENCY (or the op's own code, for later ops the leader already marked as errors).
 */
export function failedMultiResults(ops: readonly MultiOpTxn[], failedAt: number, failure: ErrorCode): OpResult[] {
  return ops.map((op, i): OpResult => {
    if (i < failedAt) return { type: 'error', code: ErrorCode.OK };
    if (i === failedAt) return { type: 'error', code: failure };
    return { type: 'error', code: op.type === 'error' ? op.code : ErrorCode.RUNTIMEINCONSISTENCY };
  });
}
