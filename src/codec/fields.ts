import { CREATE_MODES } from '../protocol/client.js';

/**
 * Field checks shared by the client-message checks (client-messages.ts) and the peer-message
 * validator (peer-messages.ts). A write travels twice — client → member as an operation, member →
 * leader as a forwarded request — and both hops must agree on what is well formed: a forward the
 * member accepted and the leader's side refused would be lost instead of answered.
 */

/** Largest number of ops in one multi, and of paths in one setWatches. */
export const MAX_LIST = 10_000;

/** Longest path a message may carry; the tree checks the path's syntax itself. */
export const MAX_PATH_LENGTH = 4096;

/** Largest session password (a member makes 16 random bytes). */
export const MAX_PASSWORD_BYTES = 256;

export function isPath(v: unknown): v is string {
  return typeof v === 'string' && v.length > 0 && v.length <= MAX_PATH_LENGTH;
}

/** An expected data version: -1 (any) or a non-negative 32-bit integer. */
export function isVersion(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= -1 && v <= 0x7fffffff;
}

export function isBool(v: unknown): v is boolean {
  return typeof v === 'boolean';
}

export function isSafeInteger(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v);
}

/** The writes that may stand alone or inside a multi. */
export type WriteOpName = 'create' | 'setData' | 'delete' | 'check';

export function isWriteOpName(v: unknown): v is WriteOpName {
  return v === 'create' || v === 'setData' || v === 'delete' || v === 'check';
}

/**
 * What is wrong with the fields of one write besides its path (null when nothing): data is bytes, the
 * create mode is known, ttlMs (when present) an integer, versions -1 or a 32-bit count. Shape only:
 * the leader's prepare step checks the rest (path syntax, TTL range for the mode, data size) and
 * answers BADARGUMENTS in the request's turn.
 */
export function writeOpFieldsProblem(kind: WriteOpName, op: Record<string, unknown>): string | null {
  switch (kind) {
    case 'create':
      if (!(op.data instanceof Uint8Array)) return 'data must be bytes';
      if (!CREATE_MODES.includes(op.mode as never)) return `unknown create mode ${describeValue(op.mode)}`;
      if (op.ttlMs !== undefined && !isSafeInteger(op.ttlMs)) return 'ttlMs must be an integer';
      return null;
    case 'setData':
      if (!(op.data instanceof Uint8Array)) return 'data must be bytes';
      return isVersion(op.version) ? null : 'bad version';
    case 'delete':
    case 'check':
      return isVersion(op.version) ? null : 'bad version';
  }
}

/** A short rendering of an untrusted value for an error message; never throws. */
export function describeValue(v: unknown): string {
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v);
    case 'number':
    case 'boolean':
    case 'undefined':
      return String(v);
    case 'bigint':
      return `${v}n`;
    case 'object':
      return v === null ? 'null' : Array.isArray(v) ? 'a list' : v instanceof Uint8Array ? 'bytes' : 'an object';
    default:
      return typeof v;
  }
}
