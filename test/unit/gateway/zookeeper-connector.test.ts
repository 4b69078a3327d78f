/**
 * The ZooKeeper connector (gateway/zookeeper-connector.ts, client-connection.ts) against a fake
 * socket: what it writes is read back with the gateway's own server-side decoders, and the replies
 * it gets are written with the server-side encoders — or are broken on purpose, to check that a
 * hostile or broken server costs the connection with a clear reason and never throws past it.
 */
import fc from 'fast-check';
import { fuzzParameters } from '../fuzz/fuzz-options.js';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, test } from 'node:test';
import type { ClientToMember, ConnectionHandlers, MemberConnection, MemberToClient } from '../../../src/protocol/client.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { zooKeeperConnector, parseConnectString, type ConnectorSocket } from '../../../src/gateway/zookeeper-connector.js';
import { foldSessionId, unwrapPassword, wrapPassword } from '../../../src/gateway/client-convert.js';
import { JuteWriter } from '../../../src/gateway/jute/writer.js';
import { JuteReader } from '../../../src/gateway/jute/reader.js';
import { OpCode, Xid } from '../../../src/gateway/jute/opcodes.js';
import { PacketReader } from '../../../src/gateway/jute/packet-reader.js';
import {
  decodeConnectRequest,
  decodeRequest,
  encodeConnectResponse,
  writeMultiHeader,
  writeReplyHeader,
  writeStat,
  writeWatcherEvent,
  type JuteStat,
} from '../../../src/gateway/jute/records.js';

const ZERO = { epoch: 0, counter: 0 };
const jstat: JuteStat = {
  czxid: (1n << 32n) | 2n,
  mzxid: (1n << 32n) | 3n,
  ctime: 1000n,
  mtime: 2000n,
  version: 5,
  cversion: 6,
  aversion: 0,
  ephemeralOwner: 0x0100_0000_0000_002an,
  dataLength: 3,
  numChildren: 2,
  pzxid: (1n << 32n) | 4n,
};

class FakeSocket extends EventEmitter implements ConnectorSocket {
  readonly written: Uint8Array[] = [];
  destroyed = false;
  writableLength = 0;
  private readonly packets = new PacketReader(1 << 20);
  write(bytes: Uint8Array): boolean {
    this.written.push(...this.packets.push(bytes));
    return true;
  }
  destroy(): void {
    this.destroyed = true;
  }
  /** The server's side: bytes arrive at the client. */
  feed(bytes: Uint8Array): void {
    this.emit('data', bytes);
  }
}

interface Harness {
  readonly socket: FakeSocket;
  readonly connection: MemberConnection;
  readonly messages: MemberToClient[];
  readonly closes: string[];
}

function harness(options: { maxPacketBytes?: number } = {}): Harness {
  const socket = new FakeSocket();
  const connector = zooKeeperConnector('zk:2181', { openSocket: () => socket, ...options });
  const messages: MemberToClient[] = [];
  const closes: string[] = [];
  const handlers: ConnectionHandlers = { onMessage: (m) => messages.push(m), onClose: (r) => closes.push(r) };
  const connection = connector(0, handlers)!;
  return { socket, connection, messages, closes };
}

function connectMessage(sessionId = 0, password: Uint8Array = new Uint8Array(0)): ClientToMember {
  return { type: 'connect', sessionId, password, timeoutMs: 9000, lastZxidSeen: { epoch: 2, counter: 7 }, canBeReadOnly: true };
}

/** A harness past the handshake. */
function connected(): Harness {
  const h = harness();
  h.connection.send(connectMessage());
  h.socket.feed(encodeConnectResponse({ protocolVersion: 0, timeOut: 9000, sessionId: 0x77n, passwd: new Uint8Array(16).fill(9), readOnly: false }));
  h.messages.length = 0;
  h.socket.written.length = 0;
  return h;
}

function reply(xid: number, err: number, body?: (w: JuteWriter) => void, zxid = (3n << 32n) | 1n): Uint8Array {
  const w = writeReplyHeader(new JuteWriter(), xid, zxid, err);
  body?.(w);
  return w.framed();
}

/** The jute xid of the last request written. */
function lastXid(h: Harness): number {
  return new JuteReader(h.socket.written.at(-1)!).int();
}

describe('ZooKeeper connector: the handshake', () => {
  test('ConnectRequest carries lastZxidSeen, timeout and the read-only flag; the answer becomes connected', () => {
    const h = harness();
    h.connection.send(connectMessage());
    const req = decodeConnectRequest(h.socket.written[0]!);
    assert.equal(req.protocolVersion, 0);
    assert.equal(req.lastZxidSeen, (2n << 32n) | 7n);
    assert.equal(req.timeOut, 9000);
    assert.equal(req.sessionId, 0n);
    assert.equal(req.readOnly, true);
    h.socket.feed(encodeConnectResponse({ protocolVersion: 0, timeOut: 6000, sessionId: 0x1234n, passwd: new Uint8Array(16).fill(1), readOnly: true }));
    const m = h.messages[0];
    assert.equal(m?.type, 'connected');
    if (m?.type !== 'connected') return;
    assert.equal(m.sessionId, 0x1234);
    assert.equal(m.timeoutMs, 6000);
    assert.equal(m.readOnly, true);
    assert.deepEqual(unwrapPassword(m.sessionId, m.password), { sessionId: 0x1234n, passwd: new Uint8Array(16).fill(1) });
  });

  test('a 64-bit session id: the client gets a fold, the reconnect sends the exact id and password', () => {
    const id = (3n << 56n) | 0x0001_2345_6789_abcdn;
    const h = harness();
    h.connection.send(connectMessage());
    h.socket.feed(encodeConnectResponse({ protocolVersion: 0, timeOut: 6000, sessionId: id, passwd: new Uint8Array(16).fill(5), readOnly: false }));
    const m = h.messages[0] as Extract<MemberToClient, { type: 'connected' }>;
    assert.ok(Number.isSafeInteger(m.sessionId));
    assert.equal(m.sessionId, foldSessionId(id));
    assert.notEqual(foldSessionId(id), foldSessionId(id + 1n), 'consecutive sessions stay apart');
    const again = harness();
    again.connection.send(connectMessage(m.sessionId, m.password));
    const req = decodeConnectRequest(again.socket.written[0]!);
    assert.equal(req.sessionId, id);
    assert.deepEqual(req.passwd, new Uint8Array(16).fill(5));
  });

  test('ids below 2^53 are themselves; a password that is not ours passes through', () => {
    assert.equal(foldSessionId(0x1_0000_0001n), 0x1_0000_0001);
    assert.deepEqual(unwrapPassword(42, new Uint8Array([1, 2])), { sessionId: 42n, passwd: new Uint8Array([1, 2]) });
    assert.deepEqual(unwrapPassword(42, wrapPassword(41n, new Uint8Array(16))).sessionId, 42n);
  });

  test("a timeout of 0 is ZooKeeper's expired session: connectRefused SESSIONEXPIRED", () => {
    const h = harness();
    h.connection.send(connectMessage(5, wrapPassword(5n, new Uint8Array(16))));
    h.socket.feed(encodeConnectResponse({ protocolVersion: 0, timeOut: 0, sessionId: 0n, passwd: new Uint8Array(16), readOnly: false }));
    assert.deepEqual(h.messages.map((m) => m.type), ['connectRefused']);
    assert.equal((h.messages[0] as { err: number }).err, ErrorCode.SESSIONEXPIRED);
  });

  test('a server closing the socket reaches the client once, with the address and the error', () => {
    const h = harness();
    h.connection.send(connectMessage());
    h.socket.emit('error', new Error('connect ECONNREFUSED'));
    h.socket.emit('close');
    h.socket.emit('close');
    assert.deepEqual(h.closes, ['zk:2181 closed the connection (connect ECONNREFUSED)']);
  });
});

describe('ZooKeeper connector: operations', () => {
  test('each create mode goes as create2, createContainer or createTTL with its flag; the reply is path and Stat', () => {
    const h = connected();
    const cases = [
      ['PERSISTENT', OpCode.create2, 0],
      ['EPHEMERAL', OpCode.create2, 1],
      ['PERSISTENT_SEQUENTIAL', OpCode.create2, 2],
      ['EPHEMERAL_SEQUENTIAL', OpCode.create2, 3],
      ['CONTAINER', OpCode.createContainer, 4],
      ['PERSISTENT_WITH_TTL', OpCode.createTTL, 5],
      ['PERSISTENT_SEQUENTIAL_WITH_TTL', OpCode.createTTL, 6],
    ] as const;
    cases.forEach(([mode, type, flags], i) => {
      h.connection.send({ type: 'request', xid: 100 + i, operation: { op: 'create', path: `/n${i}`, data: new Uint8Array([i]), mode, ...(type === OpCode.createTTL ? { ttlMs: 5000 } : {}) } });
      const { xid, request } = decodeRequest(h.socket.written.at(-1)!);
      assert.equal(request.type, type, mode);
      if (request.type !== type) return;
      assert.equal(request.flags, flags);
      assert.equal(request.path, `/n${i}`);
      assert.deepEqual(request.acl, [{ perms: 31, scheme: 'world', id: 'anyone' }]);
      if (type === OpCode.createTTL) assert.equal(request.ttl, 5000n);
      h.socket.feed(reply(xid, 0, (w) => writeStat(w.string(`/n${i}`), jstat)));
    });
    assert.equal(h.messages.length, cases.length);
    h.messages.forEach((m, i) => {
      assert.equal(m.type, 'response');
      if (m.type !== 'response') return;
      assert.equal(m.xid, 100 + i, 'the client sees its own xid back');
      assert.deepEqual(m.zxid, { epoch: 3, counter: 1 });
      assert.equal(m.result?.op, 'create');
      if (m.result?.op !== 'create') return;
      assert.equal(m.result.stat.version, 5);
      assert.deepEqual(m.result.stat.czxid, { epoch: 1, counter: 2 });
      assert.equal(m.result.stat.ephemeralOwner, foldSessionId(jstat.ephemeralOwner));
    });
  });

  test('reads: getData, exists (NONODE passes as an error), getChildren and getChildren2, getEphemerals, sync', () => {
    const h = connected();
    const answer = (body: (w: JuteWriter) => void, err = 0): void => h.socket.feed(reply(lastXid(h), err, err === 0 ? body : undefined));
    h.connection.send({ type: 'request', xid: 1, operation: { op: 'getData', path: '/a', watch: true } });
    assert.deepEqual(decodeRequest(h.socket.written.at(-1)!).request, { type: OpCode.getData, path: '/a', watch: true });
    answer((w) => writeStat(w.buffer(new Uint8Array([7, 8, 9])), jstat));
    h.connection.send({ type: 'request', xid: 2, operation: { op: 'exists', path: '/none', watch: true } });
    answer(() => {}, ErrorCode.NONODE);
    h.connection.send({ type: 'request', xid: 3, operation: { op: 'getChildren', path: '/a', watch: false, withStat: false } });
    assert.equal(decodeRequest(h.socket.written.at(-1)!).request.type, OpCode.getChildren);
    answer((w) => w.stringVector(['x', 'y']));
    h.connection.send({ type: 'request', xid: 4, operation: { op: 'getChildren', path: '/a', watch: false, withStat: true } });
    assert.equal(decodeRequest(h.socket.written.at(-1)!).request.type, OpCode.getChildren2);
    answer((w) => writeStat(w.stringVector(['x']), jstat));
    h.connection.send({ type: 'request', xid: 5, operation: { op: 'getEphemerals', prefix: '/a' } });
    assert.deepEqual(decodeRequest(h.socket.written.at(-1)!).request, { type: OpCode.getEphemerals, prefix: '/a' });
    answer((w) => w.stringVector(['/a/e']));
    h.connection.send({ type: 'request', xid: 6, operation: { op: 'sync', path: '/a' } });
    answer((w) => w.string('/a'));
    const results = h.messages.map((m) => (m.type === 'response' ? [m.err, m.result?.op] : m.type));
    assert.deepEqual(results, [[0, 'getData'], [ErrorCode.NONODE, undefined], [0, 'getChildren'], [0, 'getChildren'], [0, 'getEphemerals'], [0, 'sync']]);
    const [data, , kids, kids2, eph, sync] = h.messages.map((m) => (m as { result?: unknown }).result) as any[];
    assert.deepEqual(data.data, new Uint8Array([7, 8, 9]));
    assert.deepEqual(kids, { op: 'getChildren', children: ['x', 'y'] });
    assert.equal(kids2.stat.numChildren, 2);
    assert.deepEqual(eph.paths, ['/a/e']);
    assert.equal(sync.path, '/a');
  });

  test('multi: MultiHeader-framed ops; per-op results and errors come back in order', () => {
    const h = connected();
    h.connection.send({
      type: 'request',
      xid: 9,
      operation: {
        op: 'multi',
        ops: [
          { op: 'create', path: '/m', data: new Uint8Array(0), mode: 'PERSISTENT' },
          { op: 'setData', path: '/m', data: new Uint8Array([1]), version: 0 },
          { op: 'check', path: '/m', version: 1 },
          { op: 'delete', path: '/m', version: -1 },
        ],
      },
    });
    const { xid, request } = decodeRequest(h.socket.written.at(-1)!);
    assert.equal(request.type, OpCode.multi);
    if (request.type !== OpCode.multi) return;
    assert.deepEqual(request.ops.map((o) => o.type), [OpCode.create2, OpCode.setData, OpCode.check, OpCode.delete]);
    h.socket.feed(
      reply(xid, 0, (w) => {
        writeStat(writeMultiHeader(w, OpCode.create2, false, 0).string('/m'), jstat);
        writeStat(writeMultiHeader(w, OpCode.setData, false, 0), jstat);
        writeMultiHeader(w, OpCode.check, false, 0);
        writeMultiHeader(w, OpCode.error, false, ErrorCode.NOTEMPTY).int(ErrorCode.NOTEMPTY);
        writeMultiHeader(w, -1, true, -1);
      }),
    );
    const m = h.messages[0];
    assert.equal(m?.type === 'response' && m.result?.op === 'multi' ? m.result.results.map((r) => r.op).join() : '', 'create,setData,check,error');
  });

  test("a plain create in a multi answered with its path alone (Apache ZooKeeper's CreateResponse) gets the Stat of a node fresh at the multi's zxid", () => {
    const h = connected();
    const ops = [
      { op: 'create', path: '/e-', data: new Uint8Array(4), mode: 'EPHEMERAL_SEQUENTIAL' },
      { op: 'create', path: '/p', data: new Uint8Array(0), mode: 'PERSISTENT' },
    ] as const;
    h.connection.send({ type: 'request', xid: 1, operation: { op: 'multi', ops } });
    h.socket.feed(
      reply(lastXid(h), 0, (w) => {
        writeMultiHeader(w, OpCode.create, false, 0).string('/e-0000000007');
        writeMultiHeader(w, OpCode.create, false, 0).string('/p');
        writeMultiHeader(w, -1, true, -1);
      }, (5n << 32n) | 9n),
    );
    const m = h.messages[0];
    assert.ok(m?.type === 'response' && m.result?.op === 'multi');
    const [e, p] = m.result.results;
    const z = { epoch: 5, counter: 9 };
    assert.deepEqual(e, { op: 'create', path: '/e-0000000007', stat: { czxid: z, mzxid: z, pzxid: z, ctime: 0, mtime: 0, version: 0, cversion: 0, aversion: 0, ephemeralOwner: 0x77, dataLength: 4, numChildren: 0 } });
    assert.equal(p?.op === 'create' ? p.stat.ephemeralOwner : -1, 0);
  });

  test('a check by itself goes as a one-op multi; its error comes out of the result', () => {
    const h = connected();
    h.connection.send({ type: 'request', xid: 1, operation: { op: 'check', path: '/c', version: 3 } });
    const { xid, request } = decodeRequest(h.socket.written.at(-1)!);
    assert.deepEqual(request, { type: OpCode.multi, ops: [{ type: OpCode.check, path: '/c', version: 3 }] });
    h.socket.feed(reply(xid, 0, (w) => writeMultiHeader(writeMultiHeader(w, OpCode.error, false, ErrorCode.BADVERSION).int(ErrorCode.BADVERSION), -1, true, -1)));
    assert.equal((h.messages[0] as { err: number }).err, ErrorCode.BADVERSION);
  });

  test('watches: addWatch modes, removeWatches types, events go through before the reply that follows them', () => {
    const h = connected();
    h.connection.send({ type: 'request', xid: 1, operation: { op: 'addWatch', path: '/w', mode: 'PERSISTENT_RECURSIVE' } });
    assert.deepEqual(decodeRequest(h.socket.written.at(-1)!).request, { type: OpCode.addWatch, path: '/w', mode: 1 });
    const addXid = lastXid(h);
    h.connection.send({ type: 'request', xid: 2, operation: { op: 'removeWatches', path: '/w', type: 'DATA' } });
    assert.deepEqual(decodeRequest(h.socket.written.at(-1)!).request, { type: OpCode.removeWatches, path: '/w', watcherType: 2 });
    const removeXid = lastXid(h);
    h.socket.feed(reply(addXid, 0));
    h.socket.feed(reply(Xid.notification, 0, (w) => writeWatcherEvent(w, 3, 3, '/w/x'), -1n));
    h.socket.feed(reply(removeXid, ErrorCode.NOWATCHER));
    assert.deepEqual(
      h.messages.map((m) => (m.type === 'watch' ? `${m.event} ${m.path}` : m.type === 'response' ? `${m.xid}:${m.err}` : m.type)),
      ['1:0', 'NodeDataChanged /w/x', `2:${ErrorCode.NOWATCHER}`],
    );
    assert.deepEqual((h.messages[1] as { zxid: unknown }).zxid, ZERO, "ZooKeeper 3.8's notifications carry zxid −1");
  });

  test('getAllChildrenNumber and checkWatches', () => {
    const h = connected();
    h.connection.send({ type: 'request', xid: 1, operation: { op: 'getAllChildrenNumber', path: '/a' } });
    assert.deepEqual(decodeRequest(h.socket.written.at(-1)!).request, { type: OpCode.getAllChildrenNumber, path: '/a' });
    h.socket.feed(reply(lastXid(h), 0, (w) => w.int(42)));
    h.connection.send({ type: 'request', xid: 2, operation: { op: 'checkWatches', path: '/a', type: 'CHILDREN' } });
    assert.deepEqual(decodeRequest(h.socket.written.at(-1)!).request, { type: OpCode.checkWatches, path: '/a', watcherType: 1 });
    h.socket.feed(reply(lastXid(h), ErrorCode.NOWATCHER));
    assert.deepEqual(h.messages.map((m) => (m.type === 'response' ? [m.err, m.result] : m.type)), [
      [0, { op: 'getAllChildrenNumber', count: 42 }],
      [ErrorCode.NOWATCHER, undefined],
    ]);
  });

  test('setWatches: SetWatches without persistent watches, SetWatches2 with them, xid −8, reply swallowed', () => {
    const h = connected();
    const base = { type: 'setWatches', lastZxid: { epoch: 1, counter: 9 }, data: ['/d'], exist: ['/e'], children: ['/c'] } as const;
    h.connection.send({ ...base, persistent: [], persistentRecursive: [] });
    h.connection.send({ ...base, persistent: ['/p'], persistentRecursive: ['/r'] });
    const [one, two] = h.socket.written.map((p) => decodeRequest(p));
    assert.equal(one?.xid, Xid.setWatches);
    assert.equal(one?.request.type, OpCode.setWatches);
    assert.deepEqual(two?.request, { type: OpCode.setWatches2, relativeZxid: (1n << 32n) | 9n, data: ['/d'], exist: ['/e'], child: ['/c'], persistent: ['/p'], persistentRecursive: ['/r'] });
    h.socket.feed(reply(Xid.setWatches, 0));
    h.socket.feed(reply(Xid.setWatches, 0));
    assert.deepEqual(h.messages, []);
    assert.deepEqual(h.closes, []);
  });

  test('many watches are re-registered in batches of at most 128 KiB of paths, none lost', () => {
    const h = connected();
    const data = Array.from({ length: 3000 }, (_, i) => `/some/rather/long/path/to/a/watched/node/${String(i).padStart(6, '0')}`);
    h.connection.send({ type: 'setWatches', lastZxid: ZERO, data, exist: [], children: ['/c'], persistent: [], persistentRecursive: [] });
    assert.ok(h.socket.written.length > 1);
    const decoded = h.socket.written.map((p) => decodeRequest(p).request as { data: string[]; child: string[] });
    assert.deepEqual(decoded.flatMap((d) => d.data), data);
    assert.deepEqual(decoded.flatMap((d) => d.child), ['/c']);
    for (const p of h.socket.written) assert.ok(p.byteLength < 140 * 1024);
  });

  test('ping and closeSession', () => {
    const h = connected();
    h.connection.send({ type: 'ping' });
    assert.deepEqual(decodeRequest(h.socket.written.at(-1)!), { xid: Xid.ping, request: { type: OpCode.ping } });
    h.socket.feed(reply(Xid.ping, 0, undefined, (4n << 32n) | 2n));
    h.connection.send({ type: 'request', xid: 3, operation: { op: 'closeSession' } });
    assert.equal(decodeRequest(h.socket.written.at(-1)!).request.type, OpCode.closeSession);
    h.socket.feed(reply(lastXid(h), 0));
    assert.deepEqual(h.messages, [
      { type: 'pong', zxid: { epoch: 4, counter: 2 } },
      { type: 'response', xid: 3, zxid: { epoch: 3, counter: 1 }, err: 0, result: { op: 'closeSession' } },
    ]);
  });

  test('a reply split into single bytes, and two replies in one chunk', () => {
    const h = connected();
    h.connection.send({ type: 'request', xid: 1, operation: { op: 'sync', path: '/s' } });
    const first = reply(lastXid(h), 0, (w) => w.string('/s'));
    for (const b of first) h.socket.feed(new Uint8Array([b]));
    h.connection.send({ type: 'request', xid: 2, operation: { op: 'sync', path: '/t' } });
    h.connection.send({ type: 'request', xid: 3, operation: { op: 'delete', path: '/t', version: -1 } });
    const x2 = decodeRequest(h.socket.written.at(-2)!).xid;
    const x3 = decodeRequest(h.socket.written.at(-1)!).xid;
    const a = reply(x2, 0, (w) => w.string('/t'));
    const b = reply(x3, 0);
    const both = new Uint8Array(a.byteLength + b.byteLength);
    both.set(a);
    both.set(b, a.byteLength);
    h.socket.feed(both);
    assert.deepEqual(h.messages.map((m) => (m as { xid: number }).xid), [1, 2, 3]);
  });
});

describe('ZooKeeper connector: a broken or hostile server', () => {
  /** Feeds `bytes` after the handshake with one request outstanding; the connection must close with a reason matching `why`. */
  function expectClose(bytes: (h: Harness) => Uint8Array, why: RegExp, options: { maxPacketBytes?: number } = {}): void {
    const h = options.maxPacketBytes === undefined ? connected() : (() => {
      const x = harness(options);
      x.connection.send(connectMessage());
      x.socket.feed(encodeConnectResponse({ protocolVersion: 0, timeOut: 9000, sessionId: 1n, passwd: new Uint8Array(16), readOnly: false }));
      x.messages.length = 0;
      return x;
    })();
    h.connection.send({ type: 'request', xid: 1, operation: { op: 'getData', path: '/a', watch: false } });
    assert.doesNotThrow(() => h.socket.feed(bytes(h)));
    assert.equal(h.closes.length, 1, 'the connection closes');
    assert.match(h.closes[0]!, why);
    assert.ok(h.socket.destroyed, 'the socket is destroyed');
    assert.deepEqual(h.messages, [], 'nothing half-read reaches the client');
    // And nothing after the close does either.
    h.socket.feed(reply(Xid.notification, 0, (w) => writeWatcherEvent(w, 1, 3, '/late')));
    assert.deepEqual(h.messages, []);
  }

  const length = (n: number): Uint8Array => {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setInt32(0, n);
    return b;
  };

  test('a length prefix over the limit closes before anything is allocated for it', () => {
    expectClose(() => length(0x7fffffff), /packet length 2147483647 is out of range/);
    expectClose(() => length(1000), /packet length 1000 is out of range \(limit 512 bytes\)/, { maxPacketBytes: 512 });
  });

  test('a negative length prefix', () => {
    expectClose(() => length(-5), /packet length -5/);
  });

  test('a Stat cut short', () => {
    expectClose((h) => reply(lastXid(h), 0, (w) => w.buffer(new Uint8Array(2)).int(1)), /bad reply.*needs 8 bytes/);
  });

  test('a data length larger than the packet', () => {
    expectClose((h) => reply(lastXid(h), 0, (w) => w.int(0x7ffffff0)), /data: needs 2147483632 bytes/);
  });

  test('a children count larger than the packet', () => {
    const h = connected();
    h.connection.send({ type: 'request', xid: 1, operation: { op: 'getChildren', path: '/a', watch: false, withStat: false } });
    h.socket.feed(reply(lastXid(h), 0, (w) => w.int(0x10000000).string('x')));
    assert.match(h.closes[0] ?? '', /children: 268435456 elements cannot fit/);
    assert.deepEqual(h.messages, []);
  });

  test('a reply for an xid nobody asked about, or out of order', () => {
    expectClose((h) => reply(lastXid(h) + 5, 0), /xid out of order/);
  });

  test('a reply with nothing outstanding, a pong with no ping, an auth reply', () => {
    const h = connected();
    h.socket.feed(reply(Xid.ping, 0));
    assert.match(h.closes[0] ?? '', /ping reply with no ping outstanding/);
    const g = connected();
    g.socket.feed(reply(17, 0));
    assert.match(g.closes[0] ?? '', /no request outstanding/);
    const a = connected();
    a.socket.feed(reply(Xid.auth, 0));
    assert.match(a.closes[0] ?? '', /auth reply with no auth outstanding/);
  });

  test('a watch event of an unknown type', () => {
    expectClose(() => reply(Xid.notification, 0, (w) => writeWatcherEvent(w, 99, 3, '/x')), /unknown type 99/);
  });

  test('a multi reply with more results than ops, or an op type that cannot be in one', () => {
    const h = connected();
    h.connection.send({ type: 'request', xid: 1, operation: { op: 'multi', ops: [{ op: 'delete', path: '/a', version: -1 }] } });
    h.socket.feed(reply(lastXid(h), 0, (w) => writeMultiHeader(writeMultiHeader(writeMultiHeader(w, OpCode.delete, false, 0), OpCode.delete, false, 0), -1, true, -1)));
    assert.match(h.closes[0] ?? '', /more than the 1 results/);
    const g = connected();
    g.connection.send({ type: 'request', xid: 1, operation: { op: 'multi', ops: [{ op: 'delete', path: '/a', version: -1 }] } });
    g.socket.feed(reply(lastXid(g), 0, (w) => writeMultiHeader(writeMultiHeader(w, OpCode.getData, false, 0), -1, true, -1)));
    assert.match(g.closes[0] ?? '', /result of op type 4/);
  });

  test("a client handler that throws costs only the connection, and is not blamed on the server", () => {
    const socket = new FakeSocket();
    const closes: string[] = [];
    const c = zooKeeperConnector('zk', { openSocket: () => socket })(0, {
      onMessage: () => {
        throw new Error('boom');
      },
      onClose: (r) => closes.push(r),
    })!;
    c.send(connectMessage());
    assert.doesNotThrow(() => socket.feed(encodeConnectResponse({ protocolVersion: 0, timeOut: 9000, sessionId: 1n, passwd: new Uint8Array(16), readOnly: false })));
    assert.deepEqual(closes, ['could not handle a reply from zk:2181: boom']);
  });

  test('a server that speaks before the connect request', () => {
    const h = harness();
    h.socket.feed(reply(1, 0));
    assert.match(h.closes[0] ?? '', /spoke before our connect/);
  });

  test('random bytes after the handshake never throw past the connector', () => {
    // Half the cases: a well-formed header, so the garbage lands in the body decoders.
    const packets = fc.tuple(fc.boolean(), fc.integer({ min: -1, max: 6 }), fc.uint8Array({ maxLength: 64 }));
    fc.assert(
      fc.property(packets, ([framed, err, body]) => {
        const h = connected();
        h.connection.send({ type: 'request', xid: 1, operation: { op: 'getChildren', path: '/a', watch: true, withStat: true } });
        const packet = framed ? reply(lastXid(h), 0, (w) => w.int(err).buffer(body)) : body;
        assert.doesNotThrow(() => h.socket.feed(packet));
        assert.ok(h.closes.length <= 1);
        if (h.closes.length === 1) assert.ok(h.socket.destroyed);
      }),
      fuzzParameters(300),
    );
  });
});

describe('ZooKeeper connector: credentials', () => {
  test('each AuthPacket follows the ConnectRequest; OK is silent, a refusal reaches the client as AUTHFAILED', () => {
    const socket = new FakeSocket();
    const connector = zooKeeperConnector('zk', { openSocket: () => socket, auth: [{ scheme: 'digest', auth: 'alice:secret' }, { scheme: 'x', auth: new Uint8Array([1]) }] });
    const messages: MemberToClient[] = [];
    const c = connector(0, { onMessage: (m) => messages.push(m), onClose: () => {} })!;
    c.send(connectMessage());
    assert.equal(socket.written.length, 3);
    const auth = decodeRequest(socket.written[1]!);
    assert.deepEqual(auth, { xid: Xid.auth, request: { type: OpCode.auth, authType: 0, scheme: 'digest', auth: new TextEncoder().encode('alice:secret') } });
    assert.equal((decodeRequest(socket.written[2]!).request as { scheme: string }).scheme, 'x');
    socket.feed(encodeConnectResponse({ protocolVersion: 0, timeOut: 9000, sessionId: 1n, passwd: new Uint8Array(16), readOnly: false }));
    socket.feed(reply(Xid.auth, 0));
    socket.feed(reply(Xid.auth, ErrorCode.AUTHFAILED));
    assert.deepEqual(messages.map((m) => m.type), ['connected', 'disconnect']);
    assert.deepEqual(messages[1], { type: 'disconnect', err: ErrorCode.AUTHFAILED, reason: 'the server refused our x credentials' });
  });
});

describe('parseConnectString and chroot', () => {
  test('hosts, default port, IPv6, lists, a chroot suffix', () => {
    assert.deepEqual(parseConnectString('a:1,b, [::1]:2182'), {
      servers: [
        { host: 'a', port: 1 },
        { host: 'b', port: 2181 },
        { host: '::1', port: 2182 },
      ],
      chroot: null,
    });
    assert.deepEqual(parseConnectString(['a:1', 'b:2']).servers.map((s) => s.port), [1, 2]);
    assert.deepEqual(parseConnectString('a:2181,b:2181/apps/billing'), { servers: [{ host: 'a', port: 2181 }, { host: 'b', port: 2181 }], chroot: '/apps/billing' });
    assert.equal(parseConnectString('a:2181/').chroot, null);
    assert.throws(() => parseConnectString('a:2181/apps/'), /chroot/);
    assert.throws(() => parseConnectString(''), /at least one/);
    assert.throws(() => parseConnectString('a:99999'), /bad port/);
    assert.equal(zooKeeperConnector('a,b,c').members, 3);
    assert.equal(zooKeeperConnector('a/x', { chroot: '/y' }).chroot, '/y');
  });

  test('a chroot: paths go below it, and come back without it', () => {
    const socket = new FakeSocket();
    const connector = zooKeeperConnector('zk:2181/app', { openSocket: () => socket });
    const messages: MemberToClient[] = [];
    const c = connector(0, { onMessage: (m) => messages.push(m), onClose: () => {} })!;
    c.send(connectMessage());
    socket.feed(encodeConnectResponse({ protocolVersion: 0, timeOut: 9000, sessionId: 1n, passwd: new Uint8Array(16), readOnly: false }));
    socket.written.length = 0;
    messages.length = 0;
    c.send({ type: 'request', xid: 1, operation: { op: 'create', path: '/', data: new Uint8Array(0), mode: 'PERSISTENT' } });
    c.send({ type: 'request', xid: 2, operation: { op: 'getEphemerals', prefix: '/' } });
    c.send({ type: 'request', xid: 3, operation: { op: 'multi', ops: [{ op: 'create', path: '/s-', data: new Uint8Array(0), mode: 'PERSISTENT_SEQUENTIAL' }] } });
    c.send({ type: 'setWatches', lastZxid: ZERO, data: ['/d'], exist: [], children: ['/'], persistent: [], persistentRecursive: [] });
    const sent = socket.written.map((p) => decodeRequest(p));
    assert.equal((sent[0]!.request as { path: string }).path, '/app');
    assert.equal((sent[1]!.request as { prefix: string }).prefix, '/app');
    assert.equal(((sent[2]!.request as { ops: { path: string }[] }).ops[0]!).path, '/app/s-');
    assert.deepEqual([(sent[3]!.request as { data: string[] }).data, (sent[3]!.request as { child: string[] }).child], [['/app/d'], ['/app']]);
    socket.feed(reply(sent[0]!.xid, 0, (w) => writeStat(w.string('/app'), jstat)));
    socket.feed(reply(Xid.notification, 0, (w) => writeWatcherEvent(w, 4, 3, '/app/x')));
    socket.feed(reply(sent[1]!.xid, 0, (w) => w.stringVector(['/app/e', '/elsewhere'])));
    socket.feed(reply(sent[2]!.xid, 0, (w) => writeMultiHeader(writeStat(writeMultiHeader(w, OpCode.create2, false, 0).string('/app/s-0000000001'), jstat), -1, true, -1)));
    const seen = messages.map((m) => (m.type === 'watch' ? m.path : m.type === 'response' ? JSON.stringify(m.result, (k, v) => (k === 'stat' ? undefined : v)) : m.type));
    assert.deepEqual(seen, [
      '{"op":"create","path":"/"}',
      '/x',
      '{"op":"getEphemerals","paths":["/e","/elsewhere"]}',
      '{"op":"multi","results":[{"op":"create","path":"/s-0000000001"}]}',
    ]);
  });
});
