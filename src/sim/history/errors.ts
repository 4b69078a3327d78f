/**
 * ZooKeeper's error codes (KeeperException.Code numbers, so histories recorded from real ZooKeeper
 * read the same) and how the checkers treat each: explained by the tree, definitely rejected, or
 * indefinite (the op may have happened).
 */
import type { HistoryOp } from './types.js';

import { ErrorCode } from '../../protocol/errors.js';

export const ZK = ErrorCode;

const NAMES = new Map<number, string>(Object.entries(ZK).map(([name, code]) => [code, name]));

export function errName(code: number): string {
  return NAMES.get(code) ?? `error ${code}`;
}

/** Errors the tree's state decides: the model must reproduce them at the op's linearization point. */
export const STATE_ERRORS: ReadonlySet<number> = new Set([
  ZK.NONODE,
  ZK.NODEEXISTS,
  ZK.BADVERSION,
  ZK.NOTEMPTY,
  ZK.NOCHILDRENFOREPHEMERALS,
]);

/**
 * Errors that mean the member refused the op before it could take effect, for reasons the tree model
 * does not see (arguments, read-only mode, throttling…): the op did not happen, and nothing more.
 * SESSIONEXPIRED is deliberately not here: a client also reports it for requests that were in flight
 * when it learnt of the expiry, and those may have been committed.
 */
export const REJECTED_ERRORS: ReadonlySet<number> = new Set([
  ZK.MARSHALLINGERROR,
  ZK.UNIMPLEMENTED,
  ZK.BADARGUMENTS,
  ZK.APIERROR,
  ZK.NOAUTH,
  ZK.INVALIDACL,
  ZK.SESSIONMOVED,
  ZK.NOTREADONLY,
  ZK.EPHEMERALONLOCALSESSION,
  ZK.QUOTAEXCEEDED,
  ZK.THROTTLEDOP,
]);

/**
 * How the checkers read an op's outcome. Any 'error' whose code is neither a state error nor a known
 * rejection counts as 'unknown': treating a definite failure as maybe-happened can only hide a
 * violation, never invent one.
 */
export type Judged = 'ok' | 'state-error' | 'rejected' | 'unknown';

export function judgeOutcome(h: HistoryOp): Judged {
  if (h.outcome === 'ok') return 'ok';
  if (h.outcome === 'unknown' || h.err === undefined) return 'unknown';
  if (STATE_ERRORS.has(h.err)) return 'state-error';
  if (REJECTED_ERRORS.has(h.err)) return 'rejected';
  return 'unknown';
}
