import type { ClientToMember, MultiOp, Operation } from '../protocol/client.js';
import { isZxid } from '../zab/zxid.js';
import { describeValue, isBool, isPath, isWriteOpName, MAX_LIST, MAX_PASSWORD_BYTES, MAX_PATH_LENGTH, writeOpFieldsProblem } from './fields.js';

/** A client message that cannot be served: what is wrong with it, in a sentence. */
export type ClientMessageProblem = string;

function multiOpProblem(o: unknown, i: number): ClientMessageProblem | null {
  if (typeof o !== 'object' || o === null) return `multi op ${i} is not an object`;
  const op = o as Record<string, unknown>;
  if (!isPath(op.path)) return `multi op ${i} has no valid path`;
  if (!isWriteOpName(op.op)) return `multi op ${i}: ${describeValue(op.op)} cannot be part of a multi`;
  const problem = writeOpFieldsProblem(op.op, op);
  return problem === null ? null : `multi op ${i}: ${problem}`;
}

/** Why an operation is malformed (null when it is well formed); the tree still checks paths and limits. */
export function operationProblem(value: unknown): ClientMessageProblem | null {
  if (typeof value !== 'object' || value === null) return 'operation is not an object';
  const op = value as Record<string, unknown>;
  switch (op.op) {
    case 'create':
    case 'setData':
    case 'delete':
    case 'check':
      return multiOpProblem(op, 0)?.replace('multi op 0: ', '').replace('multi op 0 ', '') ?? null;
    case 'getData':
    case 'exists':
      return isPath(op.path) && isBool(op.watch) ? null : `${op.op} needs a path and a watch flag`;
    case 'getChildren':
      return isPath(op.path) && isBool(op.watch) && isBool(op.withStat) ? null : 'getChildren needs a path, a watch flag and withStat';
    case 'getEphemerals':
      return typeof op.prefix === 'string' && op.prefix.length <= MAX_PATH_LENGTH ? null : 'getEphemerals needs a prefix';
    case 'multi': {
      if (!Array.isArray(op.ops)) return 'multi needs a list of ops';
      if (op.ops.length > MAX_LIST) return `multi has ${op.ops.length} ops, more than ${MAX_LIST}`;
      for (let i = 0; i < op.ops.length; i++) {
        const p = multiOpProblem(op.ops[i], i);
        if (p) return p;
      }
      return null;
    }
    case 'sync':
      return isPath(op.path) ? null : 'sync needs a path';
    case 'addWatch':
      return isPath(op.path) && (op.mode === 'PERSISTENT' || op.mode === 'PERSISTENT_RECURSIVE') ? null : 'addWatch needs a path and a mode (PERSISTENT or PERSISTENT_RECURSIVE)';
    case 'removeWatches':
      return isPath(op.path) && (op.type === 'CHILDREN' || op.type === 'DATA' || op.type === 'ANY') ? null : 'removeWatches needs a path and a type (CHILDREN, DATA or ANY)';
    case 'closeSession':
      return null;
    default:
      return `unknown operation ${describeValue(op.op)}`;
  }
}

/** Why a client message is malformed as a whole (null when it can be looked at further). */
export function clientMessageProblem(value: unknown): ClientMessageProblem | null {
  if (typeof value !== 'object' || value === null) return 'message is not an object';
  const m = value as Record<string, unknown>;
  switch (m.type) {
    case 'connect':
      if (!(typeof m.sessionId === 'number' && Number.isSafeInteger(m.sessionId))) return 'connect needs a session id (0 for a new session)';
      if (!(m.password instanceof Uint8Array) || m.password.length > MAX_PASSWORD_BYTES) return 'connect needs a password (bytes)';
      if (!(typeof m.timeoutMs === 'number' && m.timeoutMs > 0)) return 'connect needs a positive timeout';
      if (!isZxid(m.lastZxidSeen)) return 'connect needs lastZxidSeen';
      return isBool(m.canBeReadOnly) ? null : 'connect needs canBeReadOnly';
    case 'request':
      return typeof m.xid === 'number' && Number.isSafeInteger(m.xid) && m.xid >= 0 ? null : 'request needs a non-negative integer xid';
    case 'setWatches': {
      if (!isZxid(m.lastZxid)) return 'setWatches needs lastZxid';
      for (const k of ['data', 'exist', 'children', 'persistent', 'persistentRecursive']) {
        const list = m[k];
        if (!Array.isArray(list) || list.length > MAX_LIST || !list.every(isPath)) return `setWatches.${k} must be a list of paths`;
      }
      return null;
    }
    case 'ping':
      return null;
    default:
      return `unknown message type ${describeValue(m.type)}`;
  }
}

export type { ClientToMember, MultiOp, Operation };
