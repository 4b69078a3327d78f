import { isCreateMode, isEphemeralMode, isTtlMode, MAX_TTL_MS, type CreateMode } from './create-mode.js';
import { isErrorCode, type ErrorCode } from './errors.js';
import { isValidPath } from './paths.js';
import { isInt32 } from './stat.js';

/**
 * The transactions the leader produces (prepare.ts) and every member applies (data-tree.ts). Everything
 * apply needs is resolved here: the final path of a sequential create, the new data version, the owner
 * session, and the leader's clock reading (`time`) so apply never reads one.
 */

export interface CreateTxn {
  readonly type: 'create';
  /** Final path: a sequential create's suffix is already appended. */
  readonly path: string;
  readonly data: Uint8Array;
  readonly mode: CreateMode;
  /** The owning session for EPHEMERAL modes, else 0. */
  readonly ephemeralOwner: number;
  /** For the TTL modes, else 0. */
  readonly ttlMs: number;
  /** The parent's cversion after this create; apply checks it is exactly one past the parent's. */
  readonly parentCversion: number;
}

export interface DeleteTxn {
  readonly type: 'delete';
  readonly path: string;
}

export interface SetDataTxn {
  readonly type: 'setData';
  readonly path: string;
  readonly data: Uint8Array;
  /** The node's version after this write (the expected version was checked on the leader). */
  readonly version: number;
}

/** A version check (only meaningful inside a multi); changes nothing. */
export interface CheckTxn {
  readonly type: 'check';
  readonly path: string;
  /** The version the node must have. */
  readonly version: number;
}

/** A request that failed on the leader: it still takes a zxid, so replies keep their order. */
export interface ErrorTxn {
  readonly type: 'error';
  readonly code: ErrorCode;
}

export type MultiOpTxn = CreateTxn | DeleteTxn | SetDataTxn | CheckTxn | ErrorTxn;

/** All or nothing. A multi holding any error op failed on the leader and changes nothing. */
export interface MultiTxn {
  readonly type: 'multi';
  readonly ops: readonly MultiOpTxn[];
}

export interface CreateSessionTxn {
  readonly type: 'createSession';
  readonly sessionId: number;
  readonly timeoutMs: number;
}

/** Ends a session; its ephemerals are deleted at this txn's zxid on every member. */
export interface CloseSessionTxn {
  readonly type: 'closeSession';
  readonly sessionId: number;
}

export type TxnBody = MultiOpTxn | MultiTxn | CreateSessionTxn | CloseSessionTxn;

/** A top-level txn: its body plus the leader-assigned time (ms) used for ctime and mtime. */
export type Txn = TxnBody & { readonly time: number };

export type TxnType = TxnBody['type'];

/** Why `value` is not a well-formed txn, or undefined. For decoders: a txn from a peer is untrusted. */
export function txnProblem(value: unknown): string | undefined {
  if (!isRecord(value)) return 'txn must be an object';
  if (!isTime(value.time)) return 'txn time must be a safe integer';
  switch (value.type) {
    case 'multi': {
      if (!Array.isArray(value.ops)) return 'multi ops must be an array';
      for (let i = 0; i < value.ops.length; i++) {
        const problem = opProblem(value.ops[i]);
        if (problem !== undefined) return `multi op ${i}: ${problem}`;
      }
      return undefined;
    }
    case 'createSession':
      if (!isSessionId(value.sessionId)) return 'sessionId must be a positive safe integer';
      if (!isPositiveSafe(value.timeoutMs)) return 'timeoutMs must be a positive safe integer';
      return undefined;
    case 'closeSession':
      return isSessionId(value.sessionId) ? undefined : 'sessionId must be a positive safe integer';
    default:
      return opProblem(value);
  }
}

export function isTxn(value: unknown): value is Txn {
  return txnProblem(value) === undefined;
}

function opProblem(value: unknown): string | undefined {
  if (!isRecord(value)) return 'op must be an object';
  switch (value.type) {
    case 'create': {
      if (!isValidPath(value.path) || value.path === '/') return 'create needs a valid non-root path';
      if (!(value.data instanceof Uint8Array)) return 'data must be a Uint8Array';
      if (!isCreateMode(value.mode)) return 'unknown create mode';
      const owner = value.ephemeralOwner;
      if (isEphemeralMode(value.mode) ? !isSessionId(owner) : owner !== 0) {
        return 'ephemeralOwner must be a session id for ephemeral modes and 0 otherwise';
      }
      const ttl = value.ttlMs;
      if (isTtlMode(value.mode) ? !(isPositiveSafe(ttl) && ttl <= MAX_TTL_MS) : ttl !== 0) {
        return `ttlMs must be in [1, ${MAX_TTL_MS}] for TTL modes and 0 otherwise`;
      }
      return isInt32(value.parentCversion) ? undefined : 'parentCversion must be a 32-bit integer';
    }
    case 'delete':
      return isValidPath(value.path) && value.path !== '/' ? undefined : 'delete needs a valid non-root path';
    case 'setData':
      if (!isValidPath(value.path)) return 'setData needs a valid path';
      if (!(value.data instanceof Uint8Array)) return 'data must be a Uint8Array';
      return isInt32(value.version) ? undefined : 'version must be a 32-bit integer';
    case 'check':
      if (!isValidPath(value.path)) return 'check needs a valid path';
      return isInt32(value.version) ? undefined : 'version must be a 32-bit integer';
    case 'error':
      return isErrorCode(value.code) ? undefined : 'error code must be a ZooKeeper error code';
    default:
      return `unknown txn type ${JSON.stringify(value.type)}`;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function isTime(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n);
}

function isPositiveSafe(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n > 0;
}

export function isSessionId(n: unknown): n is number {
  return isPositiveSafe(n);
}
