import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { JuteDecodeError, JuteReader } from '../../../src/gateway/jute/reader.js';
import { JuteWriter } from '../../../src/gateway/jute/writer.js';
import { OpCode, Xid } from '../../../src/gateway/jute/opcodes.js';
import {
  OPEN_ACL,
  decodeConnectRequest,
  decodeConnectResponse,
  decodeRequest,
  encodeConnectResponse,
  readReplyHeader,
  readStat,
  writeAcls,
  writeMultiHeader,
} from '../../../src/gateway/jute/records.js';
import { longToZxid, zxidToLong } from '../../../src/gateway/convert.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { FakeMember } from './fake-member.js';

const zero = { epoch: 0, counter: 0 };
const stat = { czxid: { epoch: 1, counter: 2 }, mzxid: { epoch: 1, counter: 3 }, pzxid: { epoch: 1, counter: 4 }, ctime: 1000, mtime: 2000, version: 5, cversion: 6, aversion: 0, ephemeralOwner: 77, dataLength: 3, numChildren: 2 };

function connectPacket(sessionId = 0n, readOnly: boolean | null = false): Uint8Array {
  const w = new JuteWriter().int(0).long(0n).int(30000).long(sessionId).buffer(new Uint8Array(16));
  if (readOnly !== null) w.bool(readOnly);
  return w.finish();
}

/** Strips the 4-byte length and reads the reply header. */
function reply(bytes: Uint8Array): { header: ReturnType<typeof readReplyHeader>; r: JuteReader } {
  assert.equal(new DataView(bytes.buffer, bytes.byteOffset).getInt32(0), bytes.byteLength - 4);
  const r = new JuteReader(bytes.subarray(4));
  return { header: readReplyHeader(r), r };
}

function opened(): FakeMember {
  const f = new FakeMember();
  f.gateway.receive(connectPacket());
  f.reply({ type: 'connected', sessionId: 0x1234, password: new Uint8Array(16).fill(7), timeoutMs: 4000, readOnly: false, memberId: 1, zxid: { epoch: 1, counter: 1 } });
  f.out.length = 0;
  return f;
}

describe('jute writer', () => {
  test('big-endian ints and longs (negative, extreme), framed = the length then what finish() gives', () => {
    const ints = [0, 1, -1, 0x7fffffff, -0x80000000, 0x01020304];
    // Around 2^32 and 2^53 (where the writer leaves doubles for BigInt), both signs.
    const longs = [0n, -1n, 0x300000005n, 0x7fffffffffffffffn, -0x8000000000000000n, 0x0102030405060708n, 0xffffffffn, 0x100000000n, -0x100000000n, -0x100000001n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 53n + 1n, -(2n ** 53n) - 1n, -(2n ** 53n) + 1n, -1234567890123n];
    const w = new JuteWriter(8); // a small hint: the record grows past it
    for (const i of ints) w.int(i);
    for (const l of longs) w.long(l);
    w.bool(true).string('zk').buffer(null);
    const expected = new Uint8Array(ints.length * 4 + longs.length * 8 + 1 + 6 + 4);
    const view = new DataView(expected.buffer);
    let at = 0;
    for (const i of ints) (view.setInt32(at, i), (at += 4));
    for (const l of longs) (view.setBigInt64(at, l), (at += 8));
    expected.set([1, 0, 0, 0, 2, 0x7a, 0x6b, 0xff, 0xff, 0xff, 0xff], at);
    assert.deepEqual(w.finish(), expected);
    const framed = w.framed();
    assert.equal(new DataView(framed.buffer, framed.byteOffset).getInt32(0), expected.byteLength);
    assert.deepEqual(framed.subarray(4), expected);
    const r = new JuteReader(framed.subarray(4));
    for (const i of ints) assert.equal(r.int(), i);
    for (const l of longs) assert.equal(r.long(), l);
  });

  test('a framed record larger than the first buffer keeps every byte', () => {
    const data = Uint8Array.from({ length: 5000 }, (_, i) => i % 251);
    const framed = new JuteWriter().int(7).buffer(data).framed();
    assert.equal(framed.byteLength, 4 + 4 + 4 + 5000);
    const r = new JuteReader(framed.subarray(4));
    assert.equal(r.int(), 7);
    assert.deepEqual(r.buffer(), data);
  });
});

describe('jute reader', () => {
  test('refuses lengths the packet cannot hold, reads −1 as null', () => {
    assert.throws(() => new JuteReader(new JuteWriter().int(1000).finish()).buffer(), JuteDecodeError);
    assert.throws(() => new JuteReader(new JuteWriter().int(-5).finish()).buffer(), JuteDecodeError);
    assert.equal(new JuteReader(new JuteWriter().int(-1).finish()).string(), null);
    assert.throws(() => new JuteReader(new JuteWriter().int(0x7fffffff).finish()).stringVector('v'), JuteDecodeError);
    assert.throws(() => new JuteReader(new Uint8Array(3)).int(), JuteDecodeError);
    assert.throws(() => new JuteReader(new JuteWriter().buffer(new Uint8Array([0xff, 0xfe])).finish()).string(), JuteDecodeError);
  });

  test('zxids: epoch in the high 32 bits', () => {
    assert.equal(zxidToLong({ epoch: 3, counter: 5 }), 0x300000005n);
    assert.deepEqual(longToZxid(0x300000005n), { epoch: 3, counter: 5 });
    assert.deepEqual(longToZxid(-1n), zero);
  });
});

describe('jute records', () => {
  test('ConnectRequest with and without the trailing readOnly byte', () => {
    assert.equal(decodeConnectRequest(connectPacket(5n, true)).readOnly, true);
    const old = decodeConnectRequest(connectPacket(5n, null));
    assert.equal(old.readOnly, false);
    assert.equal(old.sessionId, 5n);
    assert.equal(old.timeOut, 30000);
  });

  test('ConnectResponse round trip', () => {
    const bytes = encodeConnectResponse({ protocolVersion: 0, timeOut: 4000, sessionId: 9n, passwd: new Uint8Array(16).fill(1), readOnly: true });
    const back = decodeConnectResponse(bytes.subarray(4));
    assert.equal(back.timeOut, 4000);
    assert.equal(back.sessionId, 9n);
    assert.equal(back.readOnly, true);
  });

  test('create, multi and setWatches2 decode field by field', () => {
    const create = new JuteWriter().int(7).int(OpCode.create2).string('/a').buffer(new Uint8Array([1]));
    writeAcls(create, OPEN_ACL).int(3);
    const c = decodeRequest(create.finish());
    assert.equal(c.xid, 7);
    assert.deepEqual(c.request, { type: OpCode.create2, path: '/a', data: new Uint8Array([1]), acl: [...OPEN_ACL], flags: 3 });

    const m = new JuteWriter().int(8).int(OpCode.multi);
    writeMultiHeader(m, OpCode.check, false, -1).string('/a').int(2);
    writeMultiHeader(m, OpCode.delete, false, -1).string('/b').int(-1);
    writeMultiHeader(m, -1, true, -1);
    assert.deepEqual(decodeRequest(m.finish()).request, { type: OpCode.multi, ops: [{ type: OpCode.check, path: '/a', version: 2 }, { type: OpCode.delete, path: '/b', version: -1 }] });

    const bad = new JuteWriter().int(9).int(OpCode.multi);
    writeMultiHeader(bad, OpCode.getData, false, -1).string('/a').bool(false);
    assert.throws(() => decodeRequest(bad.finish()), JuteDecodeError);

    const sw = new JuteWriter().int(Xid.setWatches).int(OpCode.setWatches2).long(0x100000002n).stringVector(['/d']).stringVector([]).stringVector(['/c']).stringVector([]).stringVector(['/r']).finish();
    assert.deepEqual(decodeRequest(sw).request, { type: OpCode.setWatches2, relativeZxid: 0x100000002n, data: ['/d'], exist: [], child: ['/c'], persistent: [], persistentRecursive: ['/r'] });
  });
});

describe('gateway connection', () => {
  test('the handshake becomes the member connect; the answer a ConnectResponse', () => {
    const f = new FakeMember();
    f.gateway.receive(new JuteWriter().int(0).long(0x200000003n).int(30000).long(0n).buffer(new Uint8Array(16)).bool(true).finish());
    assert.deepEqual(f.sent[0], { type: 'connect', sessionId: 0, password: new Uint8Array(16), timeoutMs: 30000, lastZxidSeen: { epoch: 2, counter: 3 }, canBeReadOnly: true });
    f.reply({ type: 'connected', sessionId: 0x1234, password: new Uint8Array(16).fill(7), timeoutMs: 4000, readOnly: false, memberId: 1, zxid: { epoch: 1, counter: 1 } });
    const res = decodeConnectResponse(f.out[0]!.subarray(4));
    assert.equal(res.timeOut, 4000);
    assert.equal(res.sessionId, 0x1234n);
    assert.deepEqual(res.passwd, new Uint8Array(16).fill(7));
  });

  test('an expired session: a ConnectResponse of zeros, then close', () => {
    const f = new FakeMember();
    f.gateway.receive(connectPacket(99n));
    f.reply({ type: 'connectRefused', err: ErrorCode.SESSIONEXPIRED, reason: 'gone' });
    const res = decodeConnectResponse(f.out[0]!.subarray(4));
    assert.equal(res.timeOut, 0);
    assert.equal(res.sessionId, 0n);
    assert.ok(f.closeReason);
    assert.ok(f.closed);
  });

  test('requests pipelined behind the connect wait for it', () => {
    const f = new FakeMember();
    f.gateway.receive(connectPacket());
    f.gateway.receive(new JuteWriter().int(1).int(OpCode.exists).string('/a').bool(true).finish());
    assert.equal(f.sent.length, 1);
    f.reply({ type: 'connected', sessionId: 1, password: new Uint8Array(16), timeoutMs: 4000, readOnly: false, memberId: 1, zxid: zero });
    assert.deepEqual(f.sent[1], { type: 'request', xid: 1, operation: { op: 'exists', path: '/a', watch: true } });
  });

  test('a reconnect numbers its member requests above the lastXid the member reports (ZooKeeper clients number per connection)', () => {
    const f = new FakeMember();
    f.gateway.receive(connectPacket(0x1234n));
    f.gateway.receive(new JuteWriter().int(1).int(OpCode.exists).string('/a').bool(false).finish());
    f.reply({ type: 'connected', sessionId: 0x1234, password: new Uint8Array(16), timeoutMs: 4000, readOnly: false, memberId: 1, zxid: zero, lastXid: 41 });
    f.gateway.receive(new JuteWriter().int(2).int(OpCode.sync).string('/').finish());
    const xids = f.sent.filter((m): m is Extract<typeof m, { type: 'request' }> => m.type === 'request').map((m) => m.xid);
    assert.deepEqual(xids, [42, 43]);
  });

  test('getData: reply header with the zxid, data and the 11 Stat fields', () => {
    const f = opened();
    f.gateway.receive(new JuteWriter().int(42).int(OpCode.getData).string('/a').bool(false).finish());
    const req = f.sent.at(-1) as { xid: number };
    f.reply({ type: 'response', xid: req.xid, zxid: { epoch: 1, counter: 9 }, err: 0, result: { op: 'getData', data: new Uint8Array([1, 2, 3]), stat } });
    const { header, r } = reply(f.out[0]!);
    assert.deepEqual(header, { xid: 42, zxid: 0x100000009n, err: 0 });
    assert.deepEqual(r.buffer(), new Uint8Array([1, 2, 3]));
    assert.deepEqual(readStat(r), { czxid: 0x100000002n, mzxid: 0x100000003n, ctime: 1000n, mtime: 2000n, version: 5, cversion: 6, aversion: 0, ephemeralOwner: 77n, dataLength: 3, numChildren: 2, pzxid: 0x100000004n });
    assert.equal(r.remaining, 0);
  });

  test('exists of a missing node is NONODE; a watch event goes out as xid −1', () => {
    const f = opened();
    f.gateway.receive(new JuteWriter().int(1).int(OpCode.exists).string('/a').bool(true).finish());
    f.reply({ type: 'response', xid: (f.sent.at(-1) as { xid: number }).xid, zxid: zero, err: 0, result: { op: 'exists', stat: null } });
    assert.equal(reply(f.out[0]!).header.err, ErrorCode.NONODE);
    f.reply({ type: 'watch', event: 'NodeCreated', path: '/a', zxid: { epoch: 1, counter: 5 } });
    const { header, r } = reply(f.out[1]!);
    assert.equal(header.xid, Xid.notification);
    assert.equal(header.zxid, -1n, 'as ZooKeeper 3.8: no zxid on a notification');
    assert.deepEqual([r.int(), r.int(), r.string()], [1, 3, '/a']);
  });

  test('a reply answered here waits behind an earlier member reply', () => {
    const f = opened();
    f.gateway.receive(new JuteWriter().int(1).int(OpCode.sync).string('/').finish());
    f.gateway.receive(new JuteWriter().int(2).int(OpCode.reconfig).finish());
    assert.equal(f.out.length, 0);
    f.reply({ type: 'response', xid: (f.sent.at(-1) as { xid: number }).xid, zxid: zero, err: 0, result: { op: 'sync', path: '/' } });
    assert.deepEqual(f.out.map((b) => reply(b).header.xid), [1, 2]);
    assert.equal(reply(f.out[1]!).header.err, ErrorCode.UNIMPLEMENTED);
  });

  test('an ACL other than world:anyone is INVALIDACL, never sent to the member', () => {
    const f = opened();
    const w = new JuteWriter().int(3).int(OpCode.create).string('/a').buffer(new Uint8Array(0));
    writeAcls(w, [{ perms: 31, scheme: 'digest', id: 'u:x' }]).int(0);
    const before = f.sent.length;
    f.gateway.receive(w.finish());
    assert.equal(f.sent.length, before);
    assert.equal(reply(f.out[0]!).header.err, ErrorCode.INVALIDACL);
  });

  test('a malformed packet closes the connection with a reason and tells nobody else', () => {
    const f = opened();
    f.gateway.receive(new Uint8Array([0, 0, 0, 1, 0, 0, 0, OpCode.create]));
    assert.match(f.closeReason ?? '', /malformed/);
    assert.equal(f.malformed.length, 1);
    assert.ok(f.closed);
  });
});

describe('gateway: what the differential tests against ZooKeeper 3.8 pinned down', () => {
  const lastXid = (f: FakeMember): number => (f.sent.at(-1) as { xid: number }).xid;
  const createOp = (_opCode: number, path: string, flags: number, ttl?: bigint): JuteWriter => {
    const w = new JuteWriter().string(path).buffer(new Uint8Array(0));
    writeAcls(w, OPEN_ACL).int(flags);
    if (ttl !== undefined) w.long(ttl);
    return w;
  };

  test('getAllChildrenNumber and checkWatches are member requests', () => {
    const f = opened();
    f.gateway.receive(new JuteWriter().int(1).int(OpCode.getAllChildrenNumber).string('/a').finish());
    assert.deepEqual((f.sent.at(-1) as { operation: unknown }).operation, { op: 'getAllChildrenNumber', path: '/a' });
    f.reply({ type: 'response', xid: lastXid(f), zxid: zero, err: 0, result: { op: 'getAllChildrenNumber', count: 7 } });
    const first = reply(f.out[0]!);
    assert.equal(first.header.err, 0);
    assert.equal(first.r.int(), 7);
    f.gateway.receive(new JuteWriter().int(2).int(OpCode.checkWatches).string('/a').int(2).finish());
    assert.deepEqual((f.sent.at(-1) as { operation: unknown }).operation, { op: 'checkWatches', path: '/a', type: 'DATA' });
    f.reply({ type: 'response', xid: lastXid(f), zxid: zero, err: ErrorCode.NOWATCHER });
    assert.equal(reply(f.out[1]!).header.err, ErrorCode.NOWATCHER);
  });

  test('addWatch answers the header then an ErrorResponse (int 0), as ZooKeeper does and its Java client reads; an error, the header alone', () => {
    const f = opened();
    f.gateway.receive(new JuteWriter().int(1).int(OpCode.addWatch).string('/a').int(1).finish());
    assert.deepEqual((f.sent.at(-1) as { operation: unknown }).operation, { op: 'addWatch', path: '/a', mode: 'PERSISTENT_RECURSIVE' });
    f.reply({ type: 'response', xid: lastXid(f), zxid: zero, err: 0, result: { op: 'addWatch' } });
    const ok = reply(f.out[0]!);
    assert.equal(ok.header.err, 0);
    assert.equal(ok.r.int(), 0);
    assert.equal(ok.r.remaining, 0);
    f.gateway.receive(new JuteWriter().int(2).int(OpCode.addWatch).string('/b').int(0).finish());
    f.reply({ type: 'response', xid: lastXid(f), zxid: zero, err: ErrorCode.BADARGUMENTS });
    const failed = reply(f.out[1]!);
    assert.equal(failed.header.err, ErrorCode.BADARGUMENTS);
    assert.equal(failed.r.remaining, 0);
  });

  test('an unknown watcher type or watch mode is MARSHALLINGERROR, never sent to the member', () => {
    const f = opened();
    const before = f.sent.length;
    f.gateway.receive(new JuteWriter().int(1).int(OpCode.checkWatches).string('/a').int(9).finish());
    f.gateway.receive(new JuteWriter().int(2).int(OpCode.removeWatches).string('/a').int(0).finish());
    f.gateway.receive(new JuteWriter().int(3).int(OpCode.addWatch).string('/a').int(2).finish());
    assert.equal(f.sent.length, before);
    assert.deepEqual(f.out.map((b) => reply(b).header.err), [ErrorCode.MARSHALLINGERROR, ErrorCode.MARSHALLINGERROR, ErrorCode.MARSHALLINGERROR]);
  });

  test('createContainer makes a container whatever the flags; create2 with the container flag a persistent node', () => {
    const f = opened();
    f.gateway.receive(concat(new JuteWriter().int(1).int(OpCode.createContainer).finish(), createOp(OpCode.createContainer, '/c', 1).finish()));
    assert.equal((f.sent.at(-1) as { operation: { mode: string } }).operation.mode, 'CONTAINER');
    f.gateway.receive(concat(new JuteWriter().int(2).int(OpCode.create2).finish(), createOp(OpCode.create2, '/p', 4).finish()));
    assert.equal((f.sent.at(-1) as { operation: { mode: string } }).operation.mode, 'PERSISTENT');
    const g = opened();
    const before = g.sent.length;
    g.gateway.receive(concat(new JuteWriter().int(3).int(OpCode.createContainer).finish(), createOp(OpCode.createContainer, '/t', 5).finish()));
    g.gateway.receive(concat(new JuteWriter().int(4).int(OpCode.createContainer).finish(), createOp(OpCode.createContainer, '/s-', 2).finish()));
    assert.equal(g.sent.length, before, 'a TTL flag or a sequential flag on createContainer is refused here');
    assert.deepEqual(g.out.map((b) => reply(b).header.err), [ErrorCode.BADARGUMENTS, ErrorCode.UNIMPLEMENTED]);
  });

  test('multi results: create and create2 answer as create (path), container and TTL creates as create2 (path, stat)', () => {
    const f = opened();
    const kinds: [number, number, bigint?][] = [[OpCode.create, 0], [OpCode.create2, 0], [OpCode.createContainer, 4], [OpCode.createTTL, 5, 1000n]];
    const m = new JuteWriter().int(1).int(OpCode.multi);
    kinds.forEach(([opCode, flags, ttl], i) => {
      writeMultiHeader(m, opCode, false, -1).string(`/n${i}`).buffer(new Uint8Array(0));
      writeAcls(m, OPEN_ACL).int(flags);
      if (ttl !== undefined) m.long(ttl);
    });
    writeMultiHeader(m, -1, true, -1);
    f.gateway.receive(m.finish());
    f.reply({ type: 'response', xid: lastXid(f), zxid: zero, err: 0, result: { op: 'multi', results: kinds.map((_, i) => ({ op: 'create' as const, path: `/n${i}`, stat })) } });
    const { header, r } = reply(f.out[0]!);
    assert.equal(header.err, 0);
    const types: number[] = [];
    for (;;) {
      const type = r.int();
      const done = r.bool();
      r.int();
      if (done) break;
      types.push(type);
      r.string();
      if (type === OpCode.create2) readStat(r);
    }
    assert.deepEqual(types, [OpCode.create, OpCode.create, OpCode.create2, OpCode.create2]);
    assert.equal(r.remaining, 0);
  });

  test('a multi op refused here fails the multi with ZooKeeper\'s per-op layout', () => {
    const f = opened();
    const m = new JuteWriter().int(1).int(OpCode.multi);
    writeMultiHeader(m, OpCode.delete, false, -1).string('/a').int(-1);
    writeMultiHeader(m, OpCode.createTTL, false, -1).string('/t').buffer(new Uint8Array(0));
    writeAcls(m, OPEN_ACL).int(5).long(0n);
    writeMultiHeader(m, OpCode.check, false, -1).string('/a').int(0);
    writeMultiHeader(m, -1, true, -1);
    const before = f.sent.length;
    f.gateway.receive(m.finish());
    assert.equal(f.sent.length, before);
    const { header, r } = reply(f.out[0]!);
    assert.equal(header.err, 0);
    const results: [number, number][] = [];
    for (;;) {
      const type = r.int();
      const done = r.bool();
      const err = r.int();
      if (done) break;
      assert.equal(type, OpCode.error);
      assert.equal(r.int(), err);
      results.push([type, err]);
    }
    assert.deepEqual(results.map(([, e]) => e), [0, ErrorCode.BADARGUMENTS, ErrorCode.RUNTIMEINCONSISTENCY]);
  });
});

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
