import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { validatePeerMessage, validateServerSnapshot, validateServerTxn } from '../../../src/codec/peer-messages.js';
import type { ServerMember } from '../../../src/server/member.js';
import type { PeerMessage, ServerMessage, ServerTxn } from '../../../src/server/messages.js';
import { makeSnapshotData } from '../../../src/server/snapshot.js';
import { Rng } from '../../../src/sim/rng.js';
import { DataTree, ErrorCode, type Txn } from '../../../src/tree/index.js';
import type { MemberId, ZabMessage } from '../../../src/zab/messages.js';
import { zxid, type Zxid } from '../../../src/zab/zxid.js';
import { Ensemble, op } from '../server/harness.js';

const bytes = (...b: number[]): Uint8Array => Uint8Array.from(b);
const server = (message: ServerMessage): PeerMessage => ({ layer: 'server', message });
const zab = (message: ZabMessage): PeerMessage => ({ layer: 'zab', message });

const S = 0x3000001; // a session id as a leader of epoch 3 hands them out

const forwards: ServerMessage[] = [
  { type: 'FORWARD', sessionId: S, xid: 1, request: { kind: 'write', request: { type: 'create', path: '/a', data: bytes(1, 2), mode: 'PERSISTENT' } } },
  { type: 'FORWARD', sessionId: S, xid: 2, request: { kind: 'write', request: { type: 'create', path: '/t', data: bytes(), mode: 'PERSISTENT_WITH_TTL', ttlMs: 5000 } } },
  { type: 'FORWARD', sessionId: S, xid: 3, request: { kind: 'write', request: { type: 'create', path: '/q/', data: bytes(), mode: 'EPHEMERAL_SEQUENTIAL' } } },
  { type: 'FORWARD', sessionId: S, xid: 4, request: { kind: 'write', request: { type: 'setData', path: '/a', data: bytes(3), version: -1 } } },
  { type: 'FORWARD', sessionId: S, xid: 5, request: { kind: 'write', request: { type: 'delete', path: '/a', version: 7 } } },
  { type: 'FORWARD', sessionId: S, xid: 6, request: { kind: 'write', request: { type: 'check', path: '/a', version: 0 } } },
  {
    type: 'FORWARD',
    sessionId: S,
    xid: 7,
    request: {
      kind: 'write',
      request: {
        type: 'multi',
        ops: [
          { type: 'check', path: '/a', version: 1 },
          { type: 'create', path: '/a/b', data: bytes(9), mode: 'CONTAINER' },
          { type: 'setData', path: '/a', data: bytes(), version: 1 },
          { type: 'delete', path: '/c', version: -1 },
        ],
      },
    },
  },
  { type: 'FORWARD', sessionId: S, xid: 8, request: { kind: 'write', request: { type: 'multi', ops: [] } } },
  { type: 'FORWARD', sessionId: S, xid: 9, request: { kind: 'sync' } },
  { type: 'FORWARD', sessionId: 0, xid: -1, request: { kind: 'createSession', timeoutMs: 4000, password: bytes(...Array(16).keys()), connection: 12 } },
  { type: 'FORWARD', sessionId: S, xid: 10, request: { kind: 'closeSession' } },
];

const serverMessages: ServerMessage[] = [
  ...forwards,
  { type: 'TOUCH', sessions: [S, S + 1, 2 ** 40] },
  { type: 'TOUCH', sessions: [] },
  { type: 'REVALIDATE', sessionId: S, connection: 4 },
  { type: 'REVALIDATED', sessionId: S, connection: 4, valid: true },
  { type: 'REVALIDATED', sessionId: S, connection: 0, valid: false },
  { type: 'EXPIRED', sessions: [S] },
];

const bodies: Txn[] = [
  { type: 'create', path: '/a', data: bytes(1), mode: 'PERSISTENT', ephemeralOwner: 0, ttlMs: 0, parentCversion: 1, time: 100 },
  { type: 'create', path: '/e', data: bytes(), mode: 'EPHEMERAL', ephemeralOwner: S, ttlMs: 0, parentCversion: 2, time: 100 },
  { type: 'create', path: '/t', data: bytes(), mode: 'PERSISTENT_WITH_TTL', ephemeralOwner: 0, ttlMs: 60_000, parentCversion: 3, time: 100 },
  { type: 'delete', path: '/a', time: 101 },
  { type: 'setData', path: '/a', data: bytes(5, 6), version: 3, time: 102 },
  { type: 'check', path: '/a', version: 3, time: 103 },
  { type: 'error', code: ErrorCode.NONODE, time: 104 },
  {
    type: 'multi',
    ops: [
      { type: 'check', path: '/', version: 0 },
      { type: 'create', path: '/m', data: bytes(), mode: 'CONTAINER', ephemeralOwner: 0, ttlMs: 0, parentCversion: 4 },
      { type: 'setData', path: '/m', data: bytes(1), version: 1 },
      { type: 'delete', path: '/m' },
    ],
    time: 105,
  },
  { type: 'multi', ops: [{ type: 'error', code: ErrorCode.OK }, { type: 'error', code: ErrorCode.BADVERSION }], time: 106 },
  { type: 'createSession', sessionId: S, timeoutMs: 4000, time: 107 },
  { type: 'closeSession', sessionId: S, time: 108 },
];

const txns: ServerTxn[] = [
  ...bodies.map((body, i): ServerTxn => ({ origin: 2, sessionId: S, xid: i + 1, body })),
  { origin: 1, sessionId: 0, xid: -2, body: { type: 'error', code: ErrorCode.OK, time: 5 }, sync: true, message: 'probe-1' },
  { origin: 3, sessionId: S, xid: -1, body: bodies[9]!, password: bytes(1, 2, 3), connection: 7 },
  { origin: 2, sessionId: S, xid: 12, body: { type: 'error', code: ErrorCode.SESSIONEXPIRED, time: 9 }, message: 'session 0x3000001 has expired' },
];

/** A real state-machine image: a tree with a node and a session, and that session's password. */
function snapshotAt(): { zxid: Zxid; data: unknown } {
  const tree = new DataTree();
  tree.apply({ type: 'createSession', sessionId: S, timeoutMs: 4000, time: 1 }, zxid(3, 1));
  tree.apply({ type: 'create', path: '/a', data: bytes(1), mode: 'EPHEMERAL', ephemeralOwner: S, ttlMs: 0, parentCversion: 1, time: 2 }, zxid(3, 2));
  return { zxid: tree.lastZxid, data: makeSnapshotData(tree, new Map([[S, bytes(7, 7)]])) };
}

const zabMessages: ZabMessage[] = [
  { type: 'VOTE', round: 3, leader: 2, zxid: zxid(1, 4), epoch: 1, state: 'LOOKING' },
  { type: 'FOLLOWERINFO', session: 7, acceptedEpoch: 2, currentEpoch: 1, lastZxid: zxid(1, 4) },
  { type: 'NEWEPOCH', session: 7, epoch: 3 },
  { type: 'ACKEPOCH', session: 7, epoch: 3, promised: true, currentEpoch: 1, lastZxid: zxid(1, 4), history: { base: zxid(0, 0), segments: [{ epoch: 1, first: 1, last: 4 }] } },
  { type: 'DIFF', session: 7, epoch: 3, from: zxid(1, 4) },
  { type: 'TRUNC', session: 7, epoch: 3, to: zxid(1, 2) },
  { type: 'SNAP', session: 7, epoch: 3, snapshot: snapshotAt() },
  ...txns.map((txn, i): ZabMessage => ({ type: 'PROPOSAL', epoch: 3, zxid: zxid(3, i + 3), prev: zxid(3, i + 2), txn })),
  { type: 'NEWLEADER', session: 7, epoch: 3, zxid: zxid(1, 4) },
  { type: 'ACKNEWLEADER', session: 7, epoch: 3, zxid: zxid(1, 4) },
  { type: 'UPTODATE', session: 7, epoch: 3, committed: zxid(1, 4) },
  { type: 'ACK', session: 7, epoch: 3, zxid: zxid(3, 1) },
  { type: 'COMMIT', epoch: 3, zxid: zxid(3, 1) },
  { type: 'PING', session: 7, epoch: 3, committed: zxid(3, 1) },
];

const samples: PeerMessage[] = [...serverMessages.map(server), ...zabMessages.map(zab)];

function refusal(value: unknown): string {
  const r = validatePeerMessage(value);
  assert.equal(r.ok, false, `accepted ${show(value)}`);
  return r.ok ? '' : r.error;
}

function show(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? `${x}n` : x instanceof Uint8Array ? `bytes(${x.length})` : x))?.slice(0, 300) ?? String(v);
}

describe('validatePeerMessage', () => {
  test('accepts every well-formed message unchanged', () => {
    for (const m of samples) {
      const r = validatePeerMessage(structuredClone(m));
      assert.ok(r.ok, `${m.layer} ${m.message.type}: ${r.ok ? '' : r.error}`);
      assert.deepEqual(r.message, m);
    }
  });

  test('covers every server message type, forward kind, write op, txn body and create mode in the samples', () => {
    const seen = new Set<string>();
    for (const m of serverMessages) {
      seen.add(m.type);
      if (m.type === 'FORWARD') {
        seen.add(m.request.kind);
        if (m.request.kind === 'write') {
          const r = m.request.request;
          for (const o of r.type === 'multi' ? [r, ...r.ops] : [r]) seen.add(`req:${o.type}`);
        }
      }
    }
    for (const b of bodies) for (const o of b.type === 'multi' ? [b, ...b.ops] : [b]) seen.add(`txn:${o.type}`);
    for (const want of ['FORWARD', 'TOUCH', 'REVALIDATE', 'REVALIDATED', 'EXPIRED', 'write', 'sync', 'createSession', 'closeSession']) assert.ok(seen.has(want), want);
    for (const t of ['create', 'setData', 'delete', 'check', 'multi']) assert.ok(seen.has(`req:${t}`), `request ${t}`);
    for (const t of ['create', 'setData', 'delete', 'check', 'error', 'multi', 'createSession', 'closeSession']) assert.ok(seen.has(`txn:${t}`), `txn ${t}`);
  });

  test('drops fields the protocol does not know, at every level', () => {
    const r = validatePeerMessage({
      layer: 'server',
      extra: 1,
      message: { type: 'FORWARD', sessionId: S, xid: 1, extra: 2, request: { kind: 'write', extra: 3, request: { type: 'delete', path: '/a', version: -1, extra: 4 } } },
    });
    assert.ok(r.ok);
    assert.deepEqual(r.message, server({ type: 'FORWARD', sessionId: S, xid: 1, request: { kind: 'write', request: { type: 'delete', path: '/a', version: -1 } } }));
    const t = validateServerTxn({ origin: 1, sessionId: 0, xid: -1, body: { type: 'delete', path: '/a', time: 1, extra: 5 }, extra: 6 });
    assert.ok(t.ok);
    assert.deepEqual(t.txn, { origin: 1, sessionId: 0, xid: -1, body: { type: 'delete', path: '/a', time: 1 } });
  });

  test('an absent optional field may also arrive as undefined (msgpack keeps the key)', () => {
    const r = validatePeerMessage(server({ type: 'FORWARD', sessionId: S, xid: 1, request: { kind: 'write', request: { type: 'create', path: '/a', data: bytes(), mode: 'PERSISTENT', ttlMs: undefined } as never } }));
    assert.ok(r.ok);
    const t = validateServerTxn({ origin: 1, sessionId: 0, xid: -1, body: bodies[3], sync: undefined, password: undefined, connection: undefined, message: undefined });
    assert.ok(t.ok);
    assert.deepEqual(Object.keys(t.txn).sort(), ['body', 'origin', 'sessionId', 'xid']);
  });

  test('refuses malformed messages, each with a reason that names what is wrong', () => {
    const fwd = forwards[0] as Extract<ServerMessage, { type: 'FORWARD' }>;
    const write = (request: unknown): PeerMessage => server({ ...fwd, request: { kind: 'write', request } as never });
    const proposal = (txn: unknown): PeerMessage => zab({ type: 'PROPOSAL', epoch: 3, zxid: zxid(3, 2), prev: zxid(3, 1), txn });
    const snap = (data: unknown, at = zxid(3, 2)): PeerMessage => zab({ type: 'SNAP', session: 7, epoch: 3, snapshot: { zxid: at, data } });
    const good = snapshotAt().data as { tree: Uint8Array; passwords: [number, Uint8Array][] };
    const txn = txns[0]!;
    const bad: [unknown, RegExp][] = [
      // the envelope
      [null, /peer message is not an object/],
      ['hello', /peer message is not an object/],
      [[], /peer message is not an object/],
      [{ layer: 'client', message: {} }, /unknown layer "client"/],
      [{ message: { type: 'PING' } }, /unknown layer undefined/],
      [{ layer: 1n, message: {} }, /unknown layer 1n/],
      // zab, delegated
      [{ layer: 'zab', message: { type: 'HELLO' } }, /^zab: unknown message type/],
      [{ layer: 'zab', message: { type: 'COMMIT', epoch: -1, zxid: zxid(1, 1) } }, /^zab: epoch/],
      // server messages
      [{ layer: 'server', message: null }, /server message is not an object/],
      [{ layer: 'server', message: { type: 'PING' } }, /unknown server message type "PING"/],
      [{ layer: 'server', message: { type: 'VOTE' } }, /unknown server message type "VOTE"/],
      [server({ ...fwd, sessionId: -5 }), /FORWARD.sessionId is not an integer ≥ 0/],
      [server({ ...fwd, sessionId: 2 ** 53 }), /FORWARD.sessionId/],
      [server({ ...fwd, sessionId: '1' as never }), /FORWARD.sessionId/],
      [server({ ...fwd, xid: -2 }), /FORWARD.xid is not an integer ≥ -1/],
      [server({ ...fwd, xid: 1.5 }), /FORWARD.xid/],
      [server({ ...fwd, xid: 1n as never }), /FORWARD.xid/],
      [server({ ...fwd, request: undefined as never }), /FORWARD.request is not an object/],
      [server({ ...fwd, request: { kind: 'read' } as never }), /unknown forwarded request kind "read"/],
      [server({ ...fwd, request: { kind: 'createSession', timeoutMs: 0, password: bytes(), connection: 1 } }), /createSession.timeoutMs is not an integer ≥ 1/],
      [server({ ...fwd, request: { kind: 'createSession', timeoutMs: 1.5, password: bytes(), connection: 1 } }), /createSession.timeoutMs/],
      [server({ ...fwd, request: { kind: 'createSession', timeoutMs: 100, password: [1, 2] as never, connection: 1 } }), /createSession.password is not bytes/],
      [server({ ...fwd, request: { kind: 'createSession', timeoutMs: 100, password: new Uint8Array(257), connection: 1 } }), /createSession.password is 257 bytes, more than 256/],
      [server({ ...fwd, request: { kind: 'createSession', timeoutMs: 100, password: bytes(), connection: -1 } }), /createSession.connection/],
      [server({ ...fwd, request: { kind: 'createSession', timeoutMs: 100, password: bytes() } as never }), /createSession.connection/],
      // forwarded writes: shape as the member's own client check has it
      [write(null), /write request is not an object/],
      [write({ type: 'getData', path: '/a', watch: false }), /write request: "getData" is not a write a member forwards/],
      [write({ type: 'deleteContainer', path: '/a' }), /"deleteContainer" is not a write a member forwards/],
      [write({ type: 'closeSession', sessionId: 5 }), /"closeSession" is not a write a member forwards/],
      [write({ type: 'createSession', sessionId: 5, timeoutMs: 100 }), /"createSession" is not a write a member forwards/],
      [write({ type: 'create', path: '', data: bytes(), mode: 'PERSISTENT' }), /write request has no valid path/],
      [write({ type: 'create', path: '/' + 'a'.repeat(4096), data: bytes(), mode: 'PERSISTENT' }), /write request has no valid path/],
      [write({ type: 'create', path: 7, data: bytes(), mode: 'PERSISTENT' }), /has no valid path/],
      [write({ type: 'create', path: '/a', data: 'text', mode: 'PERSISTENT' }), /write request: data must be bytes/],
      [write({ type: 'create', path: '/a', data: [1], mode: 'PERSISTENT' }), /data must be bytes/],
      [write({ type: 'create', path: '/a', data: bytes(), mode: 'FOREVER' }), /unknown create mode "FOREVER"/],
      [write({ type: 'create', path: '/a', data: bytes() }), /unknown create mode undefined/],
      [write({ type: 'create', path: '/a', data: bytes(), mode: 'PERSISTENT_WITH_TTL', ttlMs: 'soon' }), /ttlMs must be an integer/],
      [write({ type: 'create', path: '/a', data: bytes(), mode: 'PERSISTENT_WITH_TTL', ttlMs: 1.5 }), /ttlMs must be an integer/],
      [write({ type: 'setData', path: '/a', data: null, version: 1 }), /data must be bytes/],
      [write({ type: 'setData', path: '/a', data: bytes(), version: -2 }), /bad version/],
      [write({ type: 'delete', path: '/a', version: 2 ** 31 }), /bad version/],
      [write({ type: 'check', path: '/a' }), /bad version/],
      [write({ type: 'multi' }), /multi ops is not a list/],
      [write({ type: 'multi', ops: { 0: {} } }), /multi ops is not a list/],
      [write({ type: 'multi', ops: new Array(10_001).fill({ type: 'check', path: '/a', version: -1 }) }), /multi ops has 10001 entries, more than 10000/],
      [write({ type: 'multi', ops: [{ type: 'check', path: '/a', version: -1 }, null] }), /multi op 1 is not an object/],
      [write({ type: 'multi', ops: [{ type: 'multi', ops: [] }] }), /multi op 0: "multi" is not a write a member forwards/],
      [write({ type: 'multi', ops: [{ type: 'create', path: '/a', data: bytes(), mode: 'NOPE' }] }), /multi op 0: unknown create mode/],
      // session lists
      [server({ type: 'TOUCH', sessions: undefined as never }), /TOUCH.sessions is not a list/],
      [server({ type: 'TOUCH', sessions: [1, 0] }), /TOUCH.sessions\[1\] is not an integer ≥ 1/],
      [server({ type: 'TOUCH', sessions: [-3] }), /TOUCH.sessions\[0\]/],
      [server({ type: 'TOUCH', sessions: ['1'] as never }), /TOUCH.sessions\[0\]/],
      [server({ type: 'TOUCH', sessions: new Array(100_001).fill(1) }), /TOUCH.sessions has 100001 entries, more than 100000/],
      [server({ type: 'EXPIRED', sessions: [Number.NaN] }), /EXPIRED.sessions\[0\]/],
      [server({ type: 'EXPIRED', sessions: 'all' as never }), /EXPIRED.sessions is not a list/],
      [server({ type: 'REVALIDATE', sessionId: 0, connection: 1 }), /REVALIDATE.sessionId is not an integer ≥ 1/],
      [server({ type: 'REVALIDATE', sessionId: S } as never), /REVALIDATE.connection/],
      [server({ type: 'REVALIDATED', sessionId: S, connection: 1, valid: 'yes' as never }), /REVALIDATED.valid is not a boolean/],
      [server({ type: 'REVALIDATED', sessionId: null as never, connection: 1, valid: true }), /REVALIDATED.sessionId/],
      [server({ type: 'REVALIDATED', sessionId: S, connection: 2 ** 60, valid: true }), /REVALIDATED.connection/],
      // the txn a PROPOSAL carries
      [proposal({ id: 'a' }), /txn.origin is not an integer ≥ 0/],
      [proposal(null), /txn is not an object/],
      [proposal({ ...txn, sessionId: -1 }), /txn.sessionId/],
      [proposal({ ...txn, xid: -3 }), /txn.xid is not an integer ≥ -2/],
      [proposal({ ...txn, body: undefined }), /txn.body is not an object/],
      [proposal({ ...txn, body: { type: 'rename', time: 1 } }), /txn.body: unknown txn type "rename"/],
      [proposal({ ...txn, body: { ...bodies[0], time: undefined } }), /txn.body: txn time must be a safe integer/],
      [proposal({ ...txn, body: { ...bodies[0], path: 'a' } }), /txn.body: create needs a valid non-root path/],
      [proposal({ ...txn, body: { ...bodies[0], path: '/' } }), /create needs a valid non-root path/],
      [proposal({ ...txn, body: { ...bodies[0], data: 'x' } }), /data must be a Uint8Array/],
      [proposal({ ...txn, body: { ...bodies[0], mode: 'EPHEMERAL' } }), /ephemeralOwner must be a session id/],
      [proposal({ ...txn, body: { ...bodies[1], ephemeralOwner: 0 } }), /ephemeralOwner must be a session id/],
      [proposal({ ...txn, body: { ...bodies[2], ttlMs: 0 } }), /ttlMs must be in \[1, /],
      [proposal({ ...txn, body: { ...bodies[0], ttlMs: 5 } }), /ttlMs must be in \[1, /],
      [proposal({ ...txn, body: { ...bodies[0], parentCversion: 2 ** 31 } }), /parentCversion must be a 32-bit integer/],
      [proposal({ ...txn, body: { ...bodies[3], path: '/a/../b' } }), /delete needs a valid non-root path/],
      [proposal({ ...txn, body: { ...bodies[4], version: 'next' } }), /version must be a 32-bit integer/],
      [proposal({ ...txn, body: { ...bodies[6], code: 12345 } }), /error code must be a ZooKeeper error code/],
      [proposal({ ...txn, body: { type: 'multi', ops: 'all', time: 1 } }), /txn.body.ops is not a list/],
      [proposal({ ...txn, body: { type: 'multi', ops: [bodies[8]], time: 1 } }), /multi op 0: unknown txn type "multi"/],
      [proposal({ ...txn, body: { type: 'multi', ops: new Array(10_001).fill({ type: 'error', code: 0 }), time: 1 } }), /txn.body.ops has 10001 entries/],
      [proposal({ ...txn, body: { ...bodies[9], sessionId: 0 } }), /sessionId must be a positive safe integer/],
      [proposal({ ...txn, body: { ...bodies[9], timeoutMs: -5 } }), /timeoutMs must be a positive safe integer/],
      [proposal({ ...txn, body: { ...bodies[10], sessionId: 1.5 } }), /sessionId must be a positive safe integer/],
      [proposal({ ...txn, sync: false }), /txn.sync is not true/],
      [proposal({ ...txn, password: 'secret' }), /txn.password is not bytes/],
      [proposal({ ...txn, password: new Uint8Array(1000) }), /txn.password is 1000 bytes/],
      [proposal({ ...txn, connection: -1 }), /txn.connection/],
      [proposal({ ...txn, message: 42 }), /txn.message is not a string/],
      [proposal({ ...txn, message: 'x'.repeat(70_000) }), /txn.message is not a string of reasonable length/],
      // the image a SNAP carries
      [snap(null), /snapshot data is not an object/],
      [snap({ records: [] }), /snapshot tree is not bytes/],
      [snap({ tree: good.tree }), /snapshot passwords is not a list/],
      [snap({ tree: good.tree, passwords: [[S]] }), /snapshot password 0 is not a \[session, bytes\] pair/],
      [snap({ tree: good.tree, passwords: [[0, bytes()]] }), /snapshot password 0 session/],
      [snap({ tree: good.tree, passwords: [[S, 'pw']] }), /snapshot password 0 is not bytes/],
      [snap({ tree: bytes(1, 2, 3), passwords: [] }), /snapshot tree: .*bad tree snapshot/],
      [snap({ tree: new Uint8Array(0), passwords: [] }), /snapshot tree:/],
      [snap(good, zxid(3, 1)), /snapshot tree is at 3:2|snapshot tree is at .*not at the snapshot's/],
    ];
    for (const [value, reason] of bad) assert.match(refusal(value), reason, show(value));
  });

  test('validateServerSnapshot and validateServerTxn work alone', () => {
    const s = snapshotAt();
    const ok = validateServerSnapshot(s);
    assert.ok(ok.ok);
    assert.deepEqual(ok.snapshot, s);
    const garbled = (s.data as { tree: Uint8Array }).tree.slice();
    garbled[garbled.length - 3] = garbled[garbled.length - 3]! ^ 0xff;
    const bad = validateServerSnapshot({ zxid: s.zxid, data: { ...(s.data as object), tree: garbled } });
    assert.equal(bad.ok, false);
    for (const t of txns) {
      const r = validateServerTxn(structuredClone(t));
      assert.ok(r.ok, r.ok ? '' : r.error);
      assert.deepEqual(r.txn, t);
    }
  });

  test('never throws on random garbage', () => {
    const rng = new Rng(7);
    const leaf = (): unknown => rng.pick([null, undefined, -1, 0, 1, 2.5, 'x', true, [], {}, Number.NaN, 1n, bytes(1), { epoch: 1, counter: 2 }]);
    const keys = ['layer', 'message', 'type', 'sessionId', 'xid', 'request', 'kind', 'sessions', 'connection', 'valid', 'txn', 'snapshot', 'data', 'path', 'ops'];
    for (let i = 0; i < 10_000; i++) {
      const v: Record<string, unknown> = {};
      for (const k of keys) if (rng.chance(0.5)) v[k] = rng.chance(0.3) ? { ...v } : leaf();
      if (rng.chance(0.5)) v.layer = rng.pick(['zab', 'server']);
      assert.doesNotThrow(() => validatePeerMessage(v));
      assert.doesNotThrow(() => validatePeerMessage({ layer: rng.pick(['zab', 'server']), message: v }));
    }
  });
});

// ---- fuzz: mutated valid messages, then into a live member ------------------------------------------

/** Wrong types, and right types with hostile values (out of range, unknown names, other members' ids). */
const JUNK: readonly unknown[] = [
  null, undefined, -1, 0, 1, -2, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53, -(2 ** 53), 2 ** 31, 0x3000001, 1n,
  '', 'x', '/', '/a', '/zookeeper', '/a/', 'x'.repeat(5000), 'PERSISTENT', 'EPHEMERAL', 'PERSISTENT_WITH_TTL', 'create', 'multi', 'error', 'closeSession',
  true, false, [], [1, 2], {}, { epoch: 1, counter: 2 }, new Uint8Array(0), new Uint8Array(300), bytes(1, 2),
];

type Path = (string | number)[];

/** Every place in `v` a mutation can hit (object keys, list entries), bytes left whole. */
function places(v: unknown, at: Path = [], out: Path[] = []): Path[] {
  if (typeof v !== 'object' || v === null || v instanceof Uint8Array) return out;
  const keys: (string | number)[] = Array.isArray(v) ? v.map((_, i) => i) : Object.keys(v);
  for (const k of keys) {
    const p = [...at, k];
    out.push(p);
    places((v as Record<string | number, unknown>)[k], p, out);
  }
  return out;
}

/** Same type, hostile value: what gets past a shape check and must still not hurt the member. */
function sameType(rng: Rng, v: unknown): unknown {
  switch (typeof v) {
    case 'number':
      return rng.pick([0, 1, -1, -2, 2, 3, v + 1, v - 1, v * 2, 2 ** 31 - 1, 2 ** 31, 2 ** 32, 2 ** 53 - 1, 0x3000001, 0x3000002]);
    case 'string':
      return rng.pick(['', '/', '/a', '/app', '/app/x', '/app/x/y', '/zookeeper', '/zookeeper/q', '/app/', 'x', 'PERSISTENT', 'EPHEMERAL', 'CONTAINER', 'PERSISTENT_WITH_TTL', 'EPHEMERAL_SEQUENTIAL', 'create', 'delete', 'setData', 'check', 'multi', 'error', 'createSession', 'closeSession', 'write', 'sync', 'zab', 'server', 'PROPOSAL', 'SNAP', 'TOUCH']);
    case 'boolean':
      return !v;
    default:
      return v instanceof Uint8Array ? rng.pick([new Uint8Array(0), new Uint8Array(257), bytes(0xff)]) : structuredClone(rng.pick(JUNK));
  }
}

function mutate(rng: Rng, value: unknown): unknown {
  const v = structuredClone(value);
  const n = rng.chance(0.6) ? 1 : rng.int(2, 3);
  for (let i = 0; i < n; i++) {
    const all = places(v);
    if (!all.length) return v;
    const p = rng.pick(all);
    let parent = v as Record<string | number, unknown>;
    for (const k of p.slice(0, -1)) parent = parent[k] as Record<string | number, unknown>;
    const key = p[p.length - 1]!;
    const r = rng.float();
    if (r < 0.15) {
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete parent[key];
    } else if (r < 0.25 && Array.isArray(parent)) {
      parent.push(structuredClone(rng.pick(JUNK)));
    } else if (r < 0.75) {
      parent[key] = sameType(rng, parent[key]);
    } else {
      parent[key] = structuredClone(rng.pick(JUNK));
    }
  }
  return v;
}

/** Drains a member's output without delivering it, persisting its writes so Zab moves on. */
function settle(m: ServerMember): void {
  for (let i = 0; i < 1000; i++) {
    const r = m.drain();
    if (!r.peer.length && !r.writes.length && !r.clients.length && !r.close.length && !r.deliveries.length && !r.events.length) return;
    if (r.writes.length) m.persisted(r.writes[r.writes.length - 1]!.seq);
  }
}

/** A started ensemble with some state: a node tree, and a session on a follower with a write pending. */
function live(): { e: Ensemble; leader: MemberId; follower: MemberId; session: number } {
  const e = Ensemble.started();
  const leader = e.mustLeader();
  const follower = e.followers()[0]!;
  const c = e.session(follower);
  c.ok(op.create('/app'));
  c.ok(op.create('/app/x', 'data'));
  c.ok(op.create('/app/e', '', 'EPHEMERAL'));
  e.session(leader).ok(op.create('/app/c', '', 'CONTAINER'));
  return { e, leader, follower, session: c.sessionId };
}

describe('validatePeerMessage fuzz: mutated valid messages', () => {
  test('never throws, and a live member takes whatever passes without throwing', () => {
    const rng = new Rng(20240601);
    let passed = 0;
    let cases = 0;
    for (let round = 0; round < 16; round++) {
      const { e, leader, follower, session } = live();
      const leaderStatus = e.member(leader).zab.status();
      const epoch = leaderStatus.epoch!;
      const last = leaderStatus.lastZxid;
      // Messages as they would plausibly arrive now, so mutations reach deep into the member.
      const current: { from: MemberId; to: MemberId; message: PeerMessage }[] = [
        ...serverMessages.map((m) => ({ from: follower, to: leader, message: server(m) })),
        { from: follower, to: leader, message: server({ type: 'FORWARD', sessionId: session, xid: 100 + round, request: { kind: 'write', request: { type: 'setData', path: '/app/x', data: bytes(1), version: -1 } } }) },
        { from: follower, to: leader, message: server({ type: 'TOUCH', sessions: [session] }) },
        { from: follower, to: leader, message: server({ type: 'REVALIDATE', sessionId: session, connection: 1 }) },
        { from: leader, to: follower, message: server({ type: 'REVALIDATED', sessionId: session, connection: 1, valid: true }) },
        { from: leader, to: follower, message: server({ type: 'EXPIRED', sessions: [session] }) },
        ...zabMessages.map((m) => ({ from: leader, to: follower, message: zab(m) })),
        { from: leader, to: follower, message: zab({ type: 'PING', session: 1, epoch, committed: last }) },
        { from: follower, to: leader, message: zab({ type: 'ACK', session: 1, epoch, zxid: last }) },
      ];
      for (let i = 0; i < 200; i++, cases++) {
        const base = rng.pick(current);
        const mutated = mutate(rng, base.message);
        let r: ReturnType<typeof validatePeerMessage> | undefined;
        assert.doesNotThrow(() => (r = validatePeerMessage(mutated)), show(mutated));
        if (!r!.ok) continue;
        passed++;
        const valid = r!.message;
        assert.doesNotThrow(() => {
          e.member(base.to).fromPeer(base.from, valid);
          e.pump();
        }, `m${base.to} threw on ${show(valid)}`);
      }
      assert.doesNotThrow(() => e.tick(5));
    }
    // The mutations must leave a fair share valid, or the second half tests nothing.
    assert.ok(passed > cases / 10, `only ${passed} of ${cases} mutated messages passed`);
  });

  test('a follower applies whatever txn passes, committed on the spot, without throwing', () => {
    const rng = new Rng(99);
    let applied = 0;
    for (let round = 0; round < 6; round++) {
      const { e, leader, follower, session } = live();
      // From here on we are the leader: nothing else reaches the follower.
      const m = e.member(follower);
      const epoch = m.zab.status().epoch!;
      const tree = m.dataTree;
      const bases = (): ServerTxn[] => {
        const x = tree.exists('/app/x');
        const app = tree.exists('/app');
        const time = 1000 + applied;
        const cv = (app?.cversion ?? 0) + 1;
        const all: Txn[] = [
          { type: 'create', path: `/app/n${applied}`, data: bytes(1), mode: 'PERSISTENT', ephemeralOwner: 0, ttlMs: 0, parentCversion: cv, time },
          { type: 'create', path: `/app/e${applied}`, data: bytes(), mode: 'EPHEMERAL', ephemeralOwner: session, ttlMs: 0, parentCversion: cv, time },
          { type: 'create', path: `/app/t${applied}`, data: bytes(), mode: 'PERSISTENT_WITH_TTL', ephemeralOwner: 0, ttlMs: 10, parentCversion: cv, time },
          { type: 'setData', path: '/app/x', data: bytes(2), version: (x?.version ?? 0) + 1, time },
          { type: 'check', path: '/app/x', version: x?.version ?? 0, time },
          { type: 'delete', path: '/app/c', time },
          { type: 'delete', path: '/app', time },
          { type: 'error', code: ErrorCode.OK, time },
          {
            type: 'multi',
            ops: [
              { type: 'create', path: `/app/m${applied}`, data: bytes(), mode: 'CONTAINER', ephemeralOwner: 0, ttlMs: 0, parentCversion: cv },
              { type: 'setData', path: `/app/m${applied}`, data: bytes(3), version: 1 },
              { type: 'delete', path: `/app/m${applied}` },
            ],
            time,
          },
          { type: 'createSession', sessionId: session + 1 + applied, timeoutMs: 100, time },
          { type: 'closeSession', sessionId: session, time },
        ];
        return all.map((body, i) => ({ origin: rng.pick([leader, follower]), sessionId: rng.pick([0, session]), xid: rng.pick([-1, 1, 2, 100 + i]), body, ...(rng.chance(0.2) ? { sync: true as const } : {}), ...(body.type === 'createSession' ? { password: bytes(1), connection: 1 } : {}) }));
      };
      for (let i = 0; i < 150; i++) {
        const prev = m.zab.status().lastZxid;
        const next = zxid(epoch, prev.epoch === epoch ? prev.counter + 1 : 1);
        const txn = rng.chance(0.8) ? mutate(rng, rng.pick(bases())) : rng.pick(bases());
        const r = validatePeerMessage(zab({ type: 'PROPOSAL', epoch, zxid: next, prev, txn }));
        if (!r.ok) continue;
        assert.doesNotThrow(() => {
          m.fromPeer(leader, r.message);
          settle(m);
          m.fromPeer(leader, zab({ type: 'COMMIT', epoch, zxid: next }));
          settle(m);
        }, `m${follower} threw applying ${show(r.message)}`);
        assert.deepEqual(m.dataTree.lastZxid, next, 'the txn was applied');
        applied++;
      }
      assert.equal(m.dataTree.fullDigest(), m.dataTree.digest, 'the incremental digest still matches the tree');
    }
    assert.ok(applied > 150, `only ${applied} txns applied`);
  });
});
