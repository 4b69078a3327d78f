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
 * At least the encoded size of a Stat: eleven names (86 characters, a header each), three zxids of two
 * named numbers, eight numbers of at most nine bytes, the map's header.
 */
const STAT_BYTES = 400;
/** A result's `op` and the other short fields and names of one result. */
const RESULT_FIELDS_BYTES = 48;

function stringBound(s: string, exact: boolean): number {
  return (exact ? utf8Length(s) : s.length * 3) + 5;
}

function stringsBound(list: readonly string[], exact: boolean): number {
  let n = 5;
  for (const s of list) n += stringBound(s, exact);
  return n;
}

/** At least the encoded size of `result`, field by field (no allocation: this runs for every reply). */
function resultBound(r: OperationResult, exact: boolean): number {
  switch (r.op) {
    case 'getData':
      return RESULT_FIELDS_BYTES + r.data.length + 5 + STAT_BYTES;
    case 'exists':
    case 'setData':
      return RESULT_FIELDS_BYTES + STAT_BYTES;
    case 'create':
      return RESULT_FIELDS_BYTES + stringBound(r.path, exact) + STAT_BYTES;
    case 'getChildren':
      return RESULT_FIELDS_BYTES + stringsBound(r.children, exact) + (r.stat ? STAT_BYTES : 0);
    case 'getEphemerals':
      return RESULT_FIELDS_BYTES + stringsBound(r.paths, exact);
    case 'sync':
      return RESULT_FIELDS_BYTES + stringBound(r.path, exact);
    case 'multi': {
      let n = RESULT_FIELDS_BYTES + 5;
      for (const m of r.results) n += RESULT_FIELDS_BYTES + (m.op === 'create' ? stringBound(m.path, exact) + STAT_BYTES : m.op === 'setData' ? STAT_BYTES : 9);
      return n;
    }
    default:
      return RESULT_FIELDS_BYTES;
  }
}

/**
 * At least the size of the response that carries `result`. A first bound without reading characters;
 * only when that one is over `limit` are the strings measured, so the common reply pays a few additions.
 */
export function resultBytesBound(result: OperationResult, limit: number): number {
  const rough = resultBound(result, false) + RESPONSE_ENVELOPE_BYTES;
  return rough <= limit ? rough : resultBound(result, true) + RESPONSE_ENVELOPE_BYTES;
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
  return `reply (${what}) would be about ${bytes} bytes, over the ${limit}-byte frame limit${advice}`;
}
