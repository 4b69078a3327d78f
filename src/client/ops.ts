/** Building the operations that change nodes, with the client-side argument checks ZooKeeper makes. */
import { CREATE_MODES, type CreateMode, type MultiOp } from '../protocol/client.js';
import { toBytes } from './bytes.js';
import { ErrorCode, ZooKeeperError } from './errors.js';
import { validatePath } from './paths.js';
import type { CreateOptions, Data } from './types.js';

export function isSequential(mode: CreateMode): boolean {
  return mode === 'PERSISTENT_SEQUENTIAL' || mode === 'EPHEMERAL_SEQUENTIAL' || mode === 'PERSISTENT_SEQUENTIAL_WITH_TTL';
}

export function isTtl(mode: CreateMode): boolean {
  return mode === 'PERSISTENT_WITH_TTL' || mode === 'PERSISTENT_SEQUENTIAL_WITH_TTL';
}

export function createOp(path: string, data: Data, options: CreateOptions = {}): MultiOp & { op: 'create' } {
  const mode = options.mode ?? 'PERSISTENT';
  if (!CREATE_MODES.includes(mode)) throw new ZooKeeperError(ErrorCode.BADARGUMENTS, { path, message: `unknown create mode ${String(mode)}` });
  validatePath(path, isSequential(mode));
  if (isTtl(mode)) {
    const ttl = options.ttlMs;
    if (ttl === undefined || !Number.isSafeInteger(ttl) || ttl <= 0) {
      throw new ZooKeeperError(ErrorCode.BADARGUMENTS, { path, message: `${mode} needs a positive integer ttlMs, got ${String(ttl)}` });
    }
    return { op: 'create', path, data: toBytes(data), mode, ttlMs: ttl };
  }
  if (options.ttlMs !== undefined) {
    throw new ZooKeeperError(ErrorCode.BADARGUMENTS, { path, message: `ttlMs is only for the *_WITH_TTL modes, not ${mode}` });
  }
  return { op: 'create', path, data: toBytes(data), mode };
}

export function deleteOp(path: string, version = -1): MultiOp & { op: 'delete' } {
  validatePath(path);
  checkVersion(path, version);
  return { op: 'delete', path, version };
}

export function setDataOp(path: string, data: Data, version = -1): MultiOp & { op: 'setData' } {
  validatePath(path);
  checkVersion(path, version);
  return { op: 'setData', path, data: toBytes(data), version };
}

export function checkOp(path: string, version: number): MultiOp & { op: 'check' } {
  validatePath(path);
  checkVersion(path, version);
  return { op: 'check', path, version };
}

/** Re-checks ops that came in as plain objects (multi given by hand, not through the builder). */
export function validateMultiOp(op: MultiOp): MultiOp {
  switch (op.op) {
    case 'create':
      return createOp(op.path, op.data, op.ttlMs === undefined ? { mode: op.mode } : { mode: op.mode, ttlMs: op.ttlMs });
    case 'delete':
      return deleteOp(op.path, op.version);
    case 'setData':
      return setDataOp(op.path, op.data, op.version);
    case 'check':
      return checkOp(op.path, op.version);
    default:
      throw new ZooKeeperError(ErrorCode.BADARGUMENTS, { message: `not a multi op: ${(op as { op: unknown }).op}` });
  }
}

function checkVersion(path: string, version: number): void {
  if (!Number.isSafeInteger(version) || version < -1) {
    throw new ZooKeeperError(ErrorCode.BADARGUMENTS, { path, message: `version must be an integer ≥ -1, got ${version}` });
  }
}
