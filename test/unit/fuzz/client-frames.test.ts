/**
 * Fuzz of a member's client edge: random bytes and mutated valid client frames go through the real
 * path — ClientFrameReader (decode) → ServerMember.fromClient (validate, act) — of members in a
 * small deterministic ensemble. Properties: nothing throws, and a frame that is rejected (undecodable,
 * malformed, or a request answered with an error) changes no member's tree digest or session table
 * and sends nothing to any peer.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { checkClientMessage } from '../../../src/codec/client-messages.js';
import { ClientFrameReader, encodeClientFrame } from '../../../src/codec/client-wire.js';
import type { ClientToMember, OperationResponse } from '../../../src/protocol/client.js';
import { Ensemble, type ClientConn } from '../server/harness.js';
import { fuzzParameters } from './fuzz-options.js';

const zxid = { epoch: 1, counter: 66 };
const bytes = (n: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 37) & 0xff);

/** One of every message a client sends, with values in the 64–79 fixint range where they fit. */
const VALID: readonly Record<string, unknown>[] = [
  { type: 'connect', sessionId: 0, password: new Uint8Array(0), timeoutMs: 70, lastZxidSeen: { epoch: 0, counter: 0 }, canBeReadOnly: false, records: true },
  { type: 'ping' },
  { type: 'setWatches', lastZxid: zxid, data: ['/a'], exist: ['/b'], children: ['/'], persistent: [], persistentRecursive: ['/c'] },
  { type: 'request', xid: 64, operation: { op: 'create', path: '/f', data: bytes(5), mode: 'PERSISTENT_SEQUENTIAL' } },
  { type: 'request', xid: 65, operation: { op: 'create', path: '/t', data: bytes(1), mode: 'PERSISTENT_WITH_TTL', ttlMs: 70 } },
  { type: 'request', xid: 66, operation: { op: 'setData', path: '/kept', data: bytes(9), version: -1 } },
  { type: 'request', xid: 67, operation: { op: 'delete', path: '/f0000000001', version: 64 } },
  { type: 'request', xid: 68, operation: { op: 'check', path: '/kept', version: 0 } },
  { type: 'request', xid: 69, operation: { op: 'getData', path: '/kept', watch: true } },
  { type: 'request', xid: 70, operation: { op: 'exists', path: '/nope', watch: false } },
  { type: 'request', xid: 71, operation: { op: 'getChildren', path: '/', watch: true, withStat: true } },
  { type: 'request', xid: 72, operation: { op: 'getEphemerals', prefix: '/' } },
  { type: 'request', xid: 73, operation: { op: 'sync', path: '/' } },
  { type: 'request', xid: 74, operation: { op: 'addWatch', path: '/kept', mode: 'PERSISTENT_RECURSIVE' } },
  { type: 'request', xid: 75, operation: { op: 'removeWatches', path: '/kept', type: 'ANY' } },
  { type: 'request', xid: 76, operation: { op: 'multi', ops: [{ op: 'check', path: '/kept', version: -1 }, { op: 'create', path: '/m', data: bytes(2), mode: 'EPHEMERAL' }, { op: 'delete', path: '/m', version: -1 }] } },
  { type: 'request', xid: 77, operation: { op: 'closeSession' } },
];

/** A value of another type where a field was, as a confused or hostile encoder would write it. */
const otherValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null),
  fc.integer({ min: 60, max: 80 }),
  fc.integer(),
  fc.double(),
  fc.constantFrom(2 ** 53, -(2 ** 60), Infinity, NaN),
  fc.boolean(),
  fc.string({ maxLength: 8 }),
  fc.constantFrom('/', '', 'PERSISTENT', 'connect', 'request', 'multi', 'ANY'),
  fc.uint8Array({ maxLength: 8 }),
  fc.array(fc.oneof(fc.constant(null), fc.string({ maxLength: 3 }), fc.integer()), { maxLength: 4 }),
  fc.dictionary(fc.constantFrom('op', 'path', 'type', 'xid', 'epoch', 'counter'), fc.oneof(fc.string({ maxLength: 3 }), fc.integer()), { maxKeys: 3 }),
);

/** Every path to a field inside a message (keys of maps, indexes of lists), for type swaps. */
function fieldPaths(v: unknown, at: (string | number)[] = []): (string | number)[][] {
  if (typeof v !== 'object' || v === null || v instanceof Uint8Array) return [];
  const out: (string | number)[][] = [];
  for (const [k, child] of Object.entries(v)) {
    const key = Array.isArray(v) ? Number(k) : k;
    out.push([...at, key], ...fieldPaths(child, [...at, key]));
  }
  return out;
}

function withField(v: unknown, path: readonly (string | number)[], value: unknown): unknown {
  if (path.length === 0) return value;
  const [head, ...rest] = path;
  if (Array.isArray(v)) return v.map((x, i) => (i === head ? withField(x, rest, value) : x));
  const o = { ...(v as Record<string, unknown>) };
  if (value === undefined && rest.length === 0) delete o[head as string];
  else o[head as string] = withField(o[head as string], rest, value);
  return o;
}

type Mutation = { readonly kind: 'flip' | 'insert' | 'delete' | 'truncate' | 'set'; readonly at: number; readonly byte: number };
const mutation: fc.Arbitrary<Mutation> = fc.record({ kind: fc.constantFrom('flip', 'insert', 'delete', 'truncate', 'set'), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) });

function mutate(frame: Uint8Array, ms: readonly Mutation[]): Uint8Array {
  let b = Array.from(frame);
  for (const m of ms) {
    if (b.length === 0) break;
    const i = m.at % b.length;
    if (m.kind === 'flip') b[i] = b[i]! ^ (1 << (m.byte % 8));
    else if (m.kind === 'set') b[i] = m.byte;
    else if (m.kind === 'insert') b.splice(i, 0, m.byte);
    else if (m.kind === 'delete') b.splice(i, 1);
    else b = b.slice(0, i);
  }
  return Uint8Array.from(b);
}

/** A message with one field swapped for another type (or removed), encoded plain or with records. */
const swapped: fc.Arbitrary<Uint8Array> = fc
  .tuple(fc.constantFrom(...VALID), fc.nat(), fc.option(otherValue, { nil: undefined }), fc.boolean())
  .map(([message, pick, value, records]) => {
    const paths = fieldPaths(message);
    const changed = withField(message, paths[pick % paths.length]!, value);
    return encodeClientFrame(changed, records);
  });

const mutated: fc.Arbitrary<Uint8Array> = fc
  .tuple(fc.constantFrom(...VALID), fc.boolean(), fc.array(mutation, { minLength: 1, maxLength: 4 }))
  .map(([message, records, ms]) => mutate(encodeClientFrame(message, records), ms));

const randomBytes: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.uint8Array({ minLength: 0, maxLength: 64 }),
  // One byte: nil (0xc0), a number, an empty map or list, a record reference.
  fc.uint8Array({ minLength: 1, maxLength: 1 }),
  fc.constant(Uint8Array.of(0xc0)),
  // Msgpack-looking starts: maps, arrays, exts, records, nil, 64-bit numbers, huge length headers.
  fc.tuple(fc.constantFrom(0x80, 0x81, 0x83, 0x90, 0x92, 0xc0, 0xc1, 0xc7, 0xcf, 0xd3, 0xd4, 0xdc, 0xdd, 0xde, 0xdf, 0x40, 0x4f, 0x72), fc.uint8Array({ maxLength: 40 })).map(([h, t]) => Uint8Array.of(h, ...t)),
);

/** What every member holds that a rejected frame must not change. */
function snapshot(e: Ensemble): string {
  return e.ids.map((id) => `${e.digest(id)}/${e.member(id).dataTree.sessions().join(',')}`).join(' ');
}

/**
 * One long-lived ensemble per property (a fresh one per case would cost a leader election each);
 * connections are opened as the cases use them up.
 */
class Edge {
  readonly e = Ensemble.started();
  private readonly members: number[];
  private conns: { conn: ClientConn; reader: ClientFrameReader }[] = [];

  constructor() {
    this.members = [this.e.mustLeader(), this.e.followers()[0]!];
    this.e.session(this.members[0]!).ok({ op: 'create', path: '/kept', data: new Uint8Array(1), mode: 'PERSISTENT' });
  }

  /** A connection with a session (its connect read by a reader, as the endpoint reads it) or a fresh one. */
  connection(kind: number): { conn: ClientConn; reader: ClientFrameReader } {
    const member = this.members[kind % this.members.length]!;
    if (kind % 3 === 2) return { conn: this.e.open(member), reader: new ClientFrameReader() };
    const live = this.conns.find((c) => c.conn.open && c.conn.member === member);
    if (live) return live;
    const reader = new ClientFrameReader();
    const conn = this.e.open(member);
    const r = reader.read(encodeClientFrame({ ...VALID[0], timeoutMs: 100_000 }, false));
    assert.ok(r.ok);
    conn.sendRaw(r.value as ClientToMember);
    this.e.pump();
    this.e.tick(2);
    assert.ok(conn.connected, 'session opened');
    const c = { conn, reader };
    this.conns.push(c);
    return c;
  }

  /** Feeds one frame; returns whether it was rejected, after checking that a rejection changed nothing. */
  feed(frame: Uint8Array, kind: number): void {
    const { conn, reader } = this.connection(kind);
    const before = snapshot(this.e);
    const sentBefore = this.e.sent.length;
    const decoded = reader.read(frame); // never throws: a throw fails the property
    if (!decoded.ok) return; // the endpoint closes the socket; the member never sees the frame
    const checked = checkClientMessage(decoded.value);
    const inboxBefore = conn.inbox.length;
    const hadSession = conn.connected !== undefined;
    conn.sendRaw(decoded.value as ClientToMember);
    this.e.pump();
    let rejected = checked.kind === 'malformed' || checked.kind === 'badRequest' || checked.kind === 'unknown';
    if (checked.kind === 'badRequest') {
      // Answered with its error on its xid (unless the xid was out of order or the session not open, which drop it).
      const answer = conn.inbox.slice(inboxBefore).find((m): m is OperationResponse => m.type === 'response' && m.xid === checked.xid);
      if (answer) assert.equal(answer.err, checked.code);
    }
    if (checked.kind === 'ok' && checked.message.type === 'connect' && hadSession) rejected = true; // a second connect drops the connection
    if (rejected) {
      assert.equal(snapshot(this.e), before, `rejected frame ${Buffer.from(frame).toString('hex')} changed the state`);
      assert.equal(this.e.sent.length, sentBefore, 'a rejected frame sent something to a peer');
    }
    // Let accepted writes finish and sessions be pinged, so the next case starts from a quiet ensemble.
    this.e.tick(1);
  }
}

describe('fuzz: client frames through decode, validate and ServerMember', () => {
  test('random bytes never throw and, rejected, change nothing', () => {
    const edge = new Edge();
    fc.assert(fc.property(randomBytes, fc.nat(), (frame, kind) => edge.feed(frame, kind)), fuzzParameters(300));
    edge.e.assertConverged();
  });

  test('mutated valid frames (bytes flipped, inserted, deleted, truncated) never throw and, rejected, change nothing', () => {
    const edge = new Edge();
    fc.assert(fc.property(mutated, fc.nat(), (frame, kind) => edge.feed(frame, kind)), fuzzParameters(300));
    edge.e.assertConverged();
  });

  test('valid frames with one field of another type (or missing) never throw and, rejected, change nothing', () => {
    const edge = new Edge();
    fc.assert(fc.property(swapped, fc.nat(), (frame, kind) => edge.feed(frame, kind)), fuzzParameters(300));
    edge.e.assertConverged();
  });
});
