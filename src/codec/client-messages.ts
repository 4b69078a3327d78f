import type { ClientToMember, MultiOp, Operation } from '../protocol/client.js';
import { ErrorCode } from '../protocol/errors.js';
import { pathProblem } from '../tree/paths.js';
import { isZxid } from '../zab/zxid.js';
import { describeValue, isBool, isPath, isSafeInteger, isWriteOpName, MAX_LIST, MAX_PASSWORD_BYTES, MAX_PATH_LENGTH, writeOpFieldsProblem } from './fields.js';

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
    case 'checkWatches':
      return isPath(op.path) && (op.type === 'CHILDREN' || op.type === 'DATA' || op.type === 'ANY') ? null : 'checkWatches needs a path and a type (CHILDREN, DATA or ANY)';
    case 'getAllChildrenNumber':
      return isPath(op.path) ? null : 'getAllChildrenNumber needs a path';
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
      if (!(isSafeInteger(m.timeoutMs) && m.timeoutMs > 0)) return 'connect needs a positive integer timeout';
      if (!isZxid(m.lastZxidSeen)) return 'connect needs lastZxidSeen';
      if (m.records !== undefined && !isBool(m.records)) return 'connect.records must be a boolean when present';
      return isBool(m.canBeReadOnly) ? null : 'connect needs canBeReadOnly';
    case 'request':
      return typeof m.xid === 'number' && Number.isSafeInteger(m.xid) && m.xid >= 0 ? null : 'request needs a non-negative integer xid';
    case 'setWatches': {
      if (!isZxid(m.lastZxid)) return 'setWatches needs lastZxid';
      for (const k of ['data', 'exist', 'children', 'persistent', 'persistentRecursive']) {
        const list = m[k];
        if (!Array.isArray(list) || list.length > MAX_LIST || !list.every(isPath)) return `setWatches.${k} must be a list of paths`;
        // The member looks these paths up in its tree at once, which throws on a malformed one.
        const bad = list.find((p: string) => pathProblem(p) !== undefined);
        if (bad !== undefined) return `setWatches.${k}: bad path ${describeValue(bad)}: ${pathProblem(bad)}`;
      }
      return null;
    }
    case 'ping':
      return null;
    default:
      return `unknown message type ${describeValue(m.type)}`;
  }
}


/**
 * A client message as the member may act on it, or what to do with one it cannot: total over any
 * value a decoder can produce (null, numbers, lists, maps with any fields), never throws.
 *
 * - `ok`: every field the member reads has been checked.
 * - `unknown`: a map whose `type` is a name we do not know; skipped, so a newer client can still talk to us.
 * - `malformed`: the message cannot be acted on and has no request to answer: the connection is dropped
 *   with MARSHALLINGERROR and the reason.
 * - `badRequest`: a request with a valid xid whose operation is malformed: answered on that xid, in its
 *   turn, with `code` (MARSHALLINGERROR when there is no operation to read at all, as ZooKeeper answers a
 *   request body it cannot deserialize; BADARGUMENTS for fields of the wrong shape, as before).
 */
export type CheckedClientMessage =
  | { readonly kind: 'ok'; readonly message: ClientToMember }
  | { readonly kind: 'unknown'; readonly type: string }
  | { readonly kind: 'malformed'; readonly problem: ClientMessageProblem }
  | { readonly kind: 'badRequest'; readonly xid: number; readonly code: number; readonly problem: ClientMessageProblem };

export function checkClientMessage(value: unknown): CheckedClientMessage {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Uint8Array) {
    return { kind: 'malformed', problem: `message is ${describeValue(value)}, not a map` };
  }
  const type = (value as Record<string, unknown>).type;
  const problem = clientMessageProblem(value);
  if (problem !== null) {
    if (typeof type === 'string' && !KNOWN_TYPES.has(type)) return { kind: 'unknown', type };
    return { kind: 'malformed', problem };
  }
  const message = value as ClientToMember;
  if (message.type === 'request') {
    const operation: unknown = message.operation;
    if (typeof operation !== 'object' || operation === null || Array.isArray(operation) || operation instanceof Uint8Array) {
      return { kind: 'badRequest', xid: message.xid, code: ErrorCode.MARSHALLINGERROR, problem: `request ${message.xid} has no operation (${describeValue(operation)})` };
    }
    const opProblem = operationProblem(operation);
    if (opProblem !== null) return { kind: 'badRequest', xid: message.xid, code: ErrorCode.BADARGUMENTS, problem: opProblem };
  }
  return { kind: 'ok', message };
}

const KNOWN_TYPES: ReadonlySet<string> = new Set(['connect', 'request', 'setWatches', 'ping']);

export type { ClientToMember, MultiOp, Operation };
