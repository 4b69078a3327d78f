/**
 * Upper bounds on the encoded size of a client request or reply, in plain msgpack (records are only
 * ever smaller), without encoding it. Pure and total over what a member builds or has validated.
 *
 * Why: a reply over the frame limit cannot be sent at all (the endpoint's encoder refuses it, and the
 * client would refuse it too), and a write of many MiB (a multi of many ops, each under the per-node
 * limit) stalls the links that carry its proposal. The member checks both before it acts, so neither
 * is ever a crash: the request gets an error on its xid instead.
 */
import type { Operation, OperationResult } from '../protocol/client.js';

/** The fields of a response around its result (type, xid, zxid, err, readOnly) and their names. */
const RESPONSE_ENVELOPE_BYTES = 128;

/** Bytes of `s` in UTF-8 (a lone surrogate is written as U+FFFD, three bytes). */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/**
 * At least the plain-msgpack size of `value`. `exact`: measure strings in UTF-8; otherwise count
 * three bytes per UTF-16 unit (no pass over the characters: a fast first bound).
 */
export function msgpackBytesBound(value: unknown, exact: boolean): number {
  switch (typeof value) {
    case 'string':
      return (exact ? utf8Length(value) : value.length * 3) + 5;
    case 'number':
      return Number.isInteger(value) && value >= -32 && value < 128 ? 1 : 9;
    case 'bigint':
      return 9;
    case 'object': {
      if (value === null) return 1;
      if (value instanceof Uint8Array) return value.length + 5;
      if (Array.isArray(value)) {
        let n = 5;
        for (const v of value) n += msgpackBytesBound(v, exact);
        return n;
      }
      let n = 5;
      for (const [k, v] of Object.entries(value)) if (v !== undefined) n += msgpackBytesBound(k, exact) + msgpackBytesBound(v, exact);
      return n;
    }
    default:
      return 1; // booleans, undefined (never written inside a map)
  }
}

/**
 * At least the size of the response that carries `result`. A first bound without reading characters;
 * only when that one is over `limit` are the strings measured, so the common reply pays one short walk.
 */
export function resultBytesBound(result: OperationResult, limit: number): number {
  const rough = msgpackBytesBound(result, false) + RESPONSE_ENVELOPE_BYTES;
  return rough <= limit ? rough : msgpackBytesBound(result, true) + RESPONSE_ENVELOPE_BYTES;
}

/** Room for one write's fields besides its path and data (op, mode or version, names). */
const WRITE_FIELDS_BYTES = 48;

/**
 * About the size of the write `op` carries on: its paths and data, and room for its other fields.
 * Reads only the fields a validated write has (extra fields a client added are not forwarded).
 */
export function requestBytesBound(op: Operation): number {
  switch (op.op) {
    case 'create':
    case 'setData':
      return utf8Length(op.path) + op.data.length + WRITE_FIELDS_BYTES;
    case 'delete':
    case 'check':
      return utf8Length(op.path) + WRITE_FIELDS_BYTES;
    case 'multi': {
      let n = WRITE_FIELDS_BYTES;
      for (const o of op.ops) n += requestBytesBound(o);
      return n;
    }
    default:
      return WRITE_FIELDS_BYTES;
  }
}

/** What a client is told when its reply would exceed the limit, with what to do instead. */
export function oversizedReplyMessage(result: OperationResult, bytes: number, limit: number): string {
  const what =
    result.op === 'getChildren'
      ? `getChildren of ${result.children.length} names`
      : result.op === 'getEphemerals'
        ? `getEphemerals of ${result.paths.length} paths`
        : result.op === 'multi'
          ? `multi of ${result.results.length} results`
          : result.op;
  const advice =
    result.op === 'getChildren'
      ? ': read the child count (numChildren in exists) or keep fewer children per node'
      : result.op === 'getEphemerals'
        ? ': ask with a narrower prefix'
        : '';
  return `reply (${what}) is at least ${bytes} bytes, over the ${limit}-byte frame limit${advice}`;
}
