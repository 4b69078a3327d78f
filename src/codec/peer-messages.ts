import type { Forwarded, PeerMessage, ServerMessage, ServerTxn } from '../server/messages.js';
import type { ServerSnapshotData } from '../server/snapshot.js';
import { decodeSnapshot, txnProblem, type MultiOpRequest, type MultiOpTxn, type Txn, type WriteRequest } from '../tree/index.js';
import type { Snapshot, ZabMessage } from '../zab/messages.js';
import { compareZxid, formatZxid } from '../zab/zxid.js';
import {
  describeValue,
  isPath,
  isSafeInteger,
  isWriteOpName,
  MAX_LIST,
  MAX_PASSWORD_BYTES,
  writeOpFieldsProblem,
} from './fields.js';
import { validateZabMessage } from './zab-messages.js';

/**
 * The gate for everything an ensemble member hears from a peer: the envelope, the Zab message (by
 * `validateZabMessage`), every server-layer message, and what Zab carries opaquely for the layer
 * above — the ServerTxn inside a PROPOSAL and the state-machine image inside a SNAP. Both of those
 * become durable before they are applied, so a bad one would throw on every restart, not just once.
 * Like the Zab validator, it rebuilds field by field and never throws.
 *
 * Shape, not meaning: a FORWARD passes exactly when the forwarding member's own check of the client
 * operation would (codec/fields.ts is shared), and the leader's prepare step answers what is wrong
 * with it (bad TTL for the mode, path syntax, data size) with BADARGUMENTS in the request's turn.
 */
export function validatePeerMessage(value: unknown): { ok: true; message: PeerMessage } | { ok: false; error: string } {
  return attempt(() => peerMessage(value));
}

/** A server-layer message alone (FORWARD, TOUCH, REVALIDATE, REVALIDATED, EXPIRED). */
export function validateServerMessage(value: unknown): { ok: true; message: ServerMessage } | { ok: false; error: string } {
  return attempt(() => serverMessage(value));
}

/**
 * A Zab payload as the server layer defines it: who asked, and a well-formed tree txn (checked by
 * the tree's own `txnProblem`). Cheap — a few type checks and one scan per path — so
 * `validatePeerMessage` runs it on every PROPOSAL. A runtime that loads a log from storage it does
 * not trust can run it on each entry before handing the durable image to the member.
 */
export function validateServerTxn(value: unknown): { ok: true; txn: ServerTxn } | { ok: false; error: string } {
  const r = attempt(() => serverTxn(value));
  return r.ok ? { ok: true, txn: r.message } : r;
}

/**
 * A SNAP's state-machine image: its shape, and the tree bytes decoded once (to be thrown away) so a
 * corrupt tree is refused here rather than when the member restores it — after Zab made it durable.
 * Costs one extra decode per SNAP, which only a follower too far behind for a DIFF receives.
 */
export function validateServerSnapshot(snapshot: Snapshot): { ok: true; snapshot: Snapshot } | { ok: false; error: string } {
  const r = attempt(() => serverSnapshot(snapshot));
  return r.ok ? { ok: true, snapshot: r.message } : r;
}

/** Sessions in one TOUCH or EXPIRED; far above what fits in a transport frame (256 KiB, ~28k ids). */
export const MAX_SESSIONS_PER_MESSAGE = 100_000;

/** Sessions with a password in a snapshot. */
const MAX_SNAPSHOT_SESSIONS = 10_000_000;

/** A refused request's detail in a txn (an error message naming a path or two). */
const MAX_TEXT = 65_536;

class Malformed extends Error {}

function fail(what: string): never {
  throw new Malformed(what);
}

function attempt<T>(f: () => T): { ok: true; message: T } | { ok: false; error: string } {
  try {
    return { ok: true, message: f() };
  } catch (e) {
    if (e instanceof Malformed) return { ok: false, error: e.message };
    // A check below us (the tree's decoders) threw on something odd: still a refusal, never a throw.
    return { ok: false, error: `malformed (${e instanceof Error ? e.message : 'unreadable value'})` };
  }
}

function obj(v: unknown, what: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(`${what} is not an object`);
  return v as Record<string, unknown>;
}

function int(v: unknown, min: number, what: string): number {
  if (!isSafeInteger(v) || v < min) fail(`${what} is not an integer ≥ ${min}`);
  return v;
}

function bytes(v: unknown, max: number, what: string): Uint8Array {
  if (!(v instanceof Uint8Array)) fail(`${what} is not bytes`);
  if (v.length > max) fail(`${what} is ${v.length} bytes, more than ${max}`);
  return v;
}

function list(v: unknown, max: number, what: string): unknown[] {
  if (!Array.isArray(v)) fail(`${what} is not a list`);
  if (v.length > max) fail(`${what} has ${v.length} entries, more than ${max}`);
  return v;
}

const sessionId = (v: unknown, what: string): number => int(v, 1, what);
const connection = (v: unknown, what: string): number => int(v, 0, what);
const password = (v: unknown, what: string): Uint8Array => bytes(v, MAX_PASSWORD_BYTES, what);

function sessions(v: unknown, what: string): number[] {
  const l = list(v, MAX_SESSIONS_PER_MESSAGE, what);
  const out: number[] = new Array(l.length);
  for (let i = 0; i < l.length; i++) out[i] = sessionId(l[i], `${what}[${i}]`);
  return out;
}

// ---- the envelope --------------------------------------------------------------------------------

function peerMessage(value: unknown): PeerMessage {
  const m = obj(value, 'peer message');
  switch (m.layer) {
    case 'zab': {
      const z = validateZabMessage(m.message);
      if (!z.ok) fail(`zab: ${z.error}`);
      return { layer: 'zab', message: zabPayload(z.message) };
    }
    case 'server':
      return { layer: 'server', message: serverMessage(m.message) };
    default:
      return fail(`unknown layer ${describeValue(m.layer)}`);
  }
}

/** What Zab left opaque: the txn of a PROPOSAL, the image of a SNAP. */
function zabPayload(m: ZabMessage): ZabMessage {
  switch (m.type) {
    case 'PROPOSAL':
      return { ...m, txn: serverTxn(m.txn) };
    case 'SNAP':
      return { ...m, snapshot: serverSnapshot(m.snapshot) };
    default:
      return m;
  }
}

// ---- server-layer messages -----------------------------------------------------------------------

function serverMessage(value: unknown): ServerMessage {
  const m = obj(value, 'server message');
  switch (m.type) {
    case 'FORWARD':
      return {
        type: 'FORWARD',
        // 0 for createSession (the leader picks the id); read-only (negative) sessions never forward.
        sessionId: int(m.sessionId, 0, 'FORWARD.sessionId'),
        // -1 for createSession; a client's xid (non-negative) otherwise.
        xid: int(m.xid, -1, 'FORWARD.xid'),
        request: forwarded(m.request),
      };
    case 'TOUCH':
      return { type: 'TOUCH', sessions: sessions(m.sessions, 'TOUCH.sessions') };
    case 'REVALIDATE':
      return { type: 'REVALIDATE', sessionId: sessionId(m.sessionId, 'REVALIDATE.sessionId'), connection: connection(m.connection, 'REVALIDATE.connection') };
    case 'REVALIDATED':
      if (typeof m.valid !== 'boolean') fail('REVALIDATED.valid is not a boolean');
      return {
        type: 'REVALIDATED',
        sessionId: sessionId(m.sessionId, 'REVALIDATED.sessionId'),
        connection: connection(m.connection, 'REVALIDATED.connection'),
        valid: m.valid,
        ...(m.lastXid === undefined ? {} : { lastXid: int(m.lastXid, 0, 'REVALIDATED.lastXid') }),
      };
    case 'EXPIRED':
      return { type: 'EXPIRED', sessions: sessions(m.sessions, 'EXPIRED.sessions') };
    default:
      return fail(`unknown server message type ${describeValue(m.type)}`);
  }
}

function forwarded(value: unknown): Forwarded {
  const f = obj(value, 'FORWARD.request');
  switch (f.kind) {
    case 'write':
      return { kind: 'write', request: writeRequest(f.request) };
    case 'sync':
      return { kind: 'sync' };
    case 'createSession':
      return {
        kind: 'createSession',
        // Already negotiated by the member (negotiateTimeout): whole milliseconds.
        timeoutMs: int(f.timeoutMs, 1, 'createSession.timeoutMs'),
        password: password(f.password, 'createSession.password'),
        connection: connection(f.connection, 'createSession.connection'),
      };
    case 'closeSession':
      return { kind: 'closeSession' };
    default:
      return fail(`unknown forwarded request kind ${describeValue(f.kind)}`);
  }
}

/**
 * The writes a member forwards for its clients (server/results.ts toWriteRequest): single ops and
 * multis. The leader's own requests (deleteContainer) and the session requests it builds itself never
 * come from a peer, so they are refused here: closing another client's session is not a write.
 */
function writeRequest(value: unknown): WriteRequest {
  const r = obj(value, 'write request');
  if (r.type !== 'multi') return writeOp(r, 'write request');
  const ops = list(r.ops, MAX_LIST, 'multi ops');
  return { type: 'multi', ops: ops.map((o, i) => writeOp(o, `multi op ${i}`)) };
}

function writeOp(value: unknown, what: string): MultiOpRequest {
  const o = obj(value, what);
  const type = o.type;
  if (!isWriteOpName(type)) return fail(`${what}: ${describeValue(type)} is not a write a member forwards`);
  if (!isPath(o.path)) fail(`${what} has no valid path`);
  const problem = writeOpFieldsProblem(type, o);
  if (problem !== null) fail(`${what}: ${problem}`);
  const path = o.path;
  switch (type) {
    case 'create': {
      const base = { type, path, data: o.data as Uint8Array, mode: o.mode as Extract<MultiOpRequest, { type: 'create' }>['mode'] };
      return o.ttlMs === undefined ? base : { ...base, ttlMs: o.ttlMs as number };
    }
    case 'setData':
      return { type, path, data: o.data as Uint8Array, version: o.version as number };
    case 'delete':
    case 'check':
      return { type, path, version: o.version as number };
  }
}

// ---- what Zab carries for us ---------------------------------------------------------------------

function serverTxn(value: unknown): ServerTxn {
  const t = obj(value, 'txn');
  const txn: { -readonly [K in keyof ServerTxn]: ServerTxn[K] } = {
    origin: int(t.origin, 0, 'txn.origin'),
    // 0 for the leader's own txns, else a committed session.
    sessionId: int(t.sessionId, 0, 'txn.sessionId'),
    // -2 for a no-op probe, -1 for a txn no client request numbered.
    xid: int(t.xid, -2, 'txn.xid'),
    body: txnBody(t.body),
  };
  if (t.sync !== undefined) {
    if (t.sync !== true) fail('txn.sync is not true');
    txn.sync = true;
  }
  if (t.password !== undefined) txn.password = password(t.password, 'txn.password');
  if (t.connection !== undefined) txn.connection = connection(t.connection, 'txn.connection');
  if (t.message !== undefined) {
    if (typeof t.message !== 'string' || t.message.length > MAX_TEXT) fail('txn.message is not a string of reasonable length');
    txn.message = t.message;
  }
  return txn;
}

/** Checked by the tree's own rules (tree/txn.ts), then copied so nothing else rides into the log. */
function txnBody(value: unknown): Txn {
  const b = obj(value, 'txn.body');
  if (b.type === 'multi') list(b.ops, MAX_LIST, 'txn.body.ops');
  const problem = txnProblem(b);
  if (problem !== undefined) fail(`txn.body: ${problem}`);
  const body = b as unknown as Txn;
  switch (body.type) {
    case 'multi':
      return { type: 'multi', ops: body.ops.map(copyOp), time: body.time };
    case 'createSession':
      return { type: 'createSession', sessionId: body.sessionId, timeoutMs: body.timeoutMs, time: body.time };
    case 'closeSession':
      return { type: 'closeSession', sessionId: body.sessionId, time: body.time };
    default:
      return { ...copyOp(body), time: body.time };
  }
}

function copyOp(op: MultiOpTxn): MultiOpTxn {
  switch (op.type) {
    case 'create':
      return { type: 'create', path: op.path, data: op.data, mode: op.mode, ephemeralOwner: op.ephemeralOwner, ttlMs: op.ttlMs, parentCversion: op.parentCversion };
    case 'delete':
      return { type: 'delete', path: op.path };
    case 'setData':
      return { type: 'setData', path: op.path, data: op.data, version: op.version };
    case 'check':
      return { type: 'check', path: op.path, version: op.version };
    case 'error':
      return { type: 'error', code: op.code };
  }
}

/** server/snapshot.ts makeSnapshotData's shape; readSnapshotData would throw on anything else. */
function serverSnapshot(snapshot: Snapshot): Snapshot {
  const d = obj(snapshot.data, 'snapshot data');
  const tree = bytes(d.tree, Number.MAX_SAFE_INTEGER, 'snapshot tree');
  const entries = list(d.passwords, MAX_SNAPSHOT_SESSIONS, 'snapshot passwords');
  const passwords = entries.map((e, i): [number, Uint8Array] => {
    if (!Array.isArray(e) || e.length !== 2) fail(`snapshot password ${i} is not a [session, bytes] pair`);
    return [sessionId(e[0], `snapshot password ${i} session`), password(e[1], `snapshot password ${i}`)];
  });
  let decoded;
  try {
    decoded = decodeSnapshot(tree);
  } catch (e) {
    return fail(`snapshot tree: ${e instanceof Error ? e.message : 'undecodable'}`);
  }
  // The member applies the txns after snapshot.zxid on this tree: a tree already past it would make
  // the next apply throw (DataTree.apply only moves forward).
  if (compareZxid(decoded.lastZxid, snapshot.zxid) !== 0) {
    fail(`snapshot tree is at ${formatZxid(decoded.lastZxid)}, not at the snapshot's ${formatZxid(snapshot.zxid)}`);
  }
  const data: ServerSnapshotData = { tree, passwords };
  return { zxid: snapshot.zxid, data };
}
