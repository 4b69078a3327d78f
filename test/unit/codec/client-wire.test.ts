import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Packr } from 'msgpackr';
import { CLIENT_RECORD_SHAPES } from '../../../src/codec/client-record-shapes.js';
import { ClientFrameError, ClientFrameReader, decodeClientFrame, encodeClientFrame, readClientFrame } from '../../../src/codec/client-wire.js';

const zxid = (counter: number) => ({ epoch: 2, counter });
const stat = { czxid: zxid(1), mzxid: zxid(9), pzxid: zxid(1), ctime: 1_795_656_135_641, mtime: 1_795_656_135_692, version: 8, cversion: 0, aversion: 0, ephemeralOwner: 0, dataLength: 100, numChildren: 0 };
const setDataReply = { type: 'response', xid: 4_242, zxid: zxid(9), err: 0, result: { op: 'setData', stat } };
const getDataReply = { type: 'response', xid: 4_243, zxid: zxid(9), err: 0, result: { op: 'getData', data: new Uint8Array(100).fill(1), stat } };
const plainOnly = new Packr({ useRecords: false, moreTypes: false });
const asArrays = (v: unknown): unknown => JSON.parse(JSON.stringify(v, (_k, x) => (x?.type === 'Buffer' ? x.data : x instanceof Uint8Array ? [...x] : x)));

test('by default a frame is plain msgpack: any msgpack library reads it', () => {
  for (const m of [setDataReply, getDataReply]) {
    const frame = encodeClientFrame(m);
    assert.deepEqual(asArrays(plainOnly.unpack(frame)), asArrays(m));
    assert.deepEqual(asArrays(decodeClientFrame(frame)), asArrays(m));
  }
});

test('to a client that reads records, a reply with a Stat takes well under half the bytes', () => {
  for (const m of [setDataReply, getDataReply]) {
    const plainBytes = encodeClientFrame(m).length;
    const frame = encodeClientFrame(m, true);
    assert.ok(frame.length < plainBytes * 0.55, `${m.result.op}: ${frame.length} bytes as records vs ${plainBytes} as maps`);
    assert.deepEqual(asArrays(decodeClientFrame(frame)), asArrays(m));
  }
  const request = { type: 'request', xid: 7, operation: { op: 'setData', path: '/a', data: new Uint8Array(3), version: -1 } };
  assert.deepEqual(asArrays(decodeClientFrame(encodeClientFrame(request, true))), asArrays(request));
});

test('a shape outside the list goes inline and is never shared', () => {
  const odd = { type: 'response', xid: 1, zxid: zxid(1), err: 0, result: { op: 'getChildren', children: ['a', 'b'], extra: { x: 1 } } };
  const frame = encodeClientFrame(odd, true);
  const fresh = new Packr({ useRecords: true, structures: CLIENT_RECORD_SHAPES.map((k) => [...k]), maxSharedStructures: CLIENT_RECORD_SHAPES.length, mapsAsObjects: true });
  assert.deepEqual(fresh.unpack(frame), odd);
  assert.deepEqual(fresh.unpack(encodeClientFrame(setDataReply, true)), setDataReply);
  assert.throws(() => decodeClientFrame(new Uint8Array(0)), ClientFrameError);
});

// ---- a member reading one client (ClientFrameReader) ---------------------------------------------

const connect = { type: 'connect', sessionId: 0, password: new Uint8Array(0), timeoutMs: 70, lastZxidSeen: { epoch: 0, counter: 64 }, canBeReadOnly: false };

test('a plain-msgpack client is read as plain msgpack: fixints 64–79 are numbers, not records', () => {
  const reader = new ClientFrameReader();
  const first = reader.read(plainOnly.pack(connect));
  assert.ok(first.ok);
  assert.deepEqual(asArrays(first.value), asArrays(connect));
  assert.equal(reader.recordsOut, false);
  for (let xid = 64; xid <= 79; xid++) {
    const request = { type: 'request', xid, operation: { op: 'setData', path: '/a', data: new Uint8Array(1), version: xid } };
    const frame = plainOnly.pack(request);
    const r = reader.read(frame);
    assert.ok(r.ok, `xid ${xid}: ${r.ok ? '' : r.error}`);
    assert.deepEqual(asArrays(r.value), asArrays(request));
  }
});

test('our own connector: a plain connect with records: true, then records both ways', () => {
  const reader = new ClientFrameReader();
  assert.ok(reader.read(encodeClientFrame({ ...connect, records: true }, false)).ok);
  assert.equal(reader.recordsOut, true);
  const request = { type: 'request', xid: 70, operation: { op: 'getData', path: '/a', watch: false } };
  const r = reader.read(encodeClientFrame(request, true));
  assert.ok(r.ok);
  assert.deepEqual(r.value, request);
});

test('an older connector that wrote its connect with records is still understood', () => {
  const reader = new ClientFrameReader();
  const r = reader.read(encodeClientFrame({ ...connect, records: true }, true));
  assert.ok(r.ok);
  assert.equal((r.value as { timeoutMs: number }).timeoutMs, 70);
  assert.equal(reader.recordsOut, true);
});

test('the reader never throws: nil, garbage, truncated frames are values or errors', () => {
  const reader = new ClientFrameReader();
  assert.deepEqual(reader.read(Uint8Array.of(0xc0)), { ok: true, value: null });
  assert.equal(reader.read(new Uint8Array(0)).ok, false);
  assert.equal(reader.read(Uint8Array.of(0xdd, 0xff, 0xff, 0xff, 0xff)).ok, false);
  const truncated = readClientFrame(encodeClientFrame(setDataReply).subarray(0, 20), false);
  assert.equal(truncated.ok, false);
  assert.ok(!truncated.ok && truncated.error.length < 250);
});

test('a client frame that breaks off after redefining a shared record changes nothing for later frames or replies', () => {
  // The bytes define record slot 0 with other keys and then fail to decode ("end of buffer not
  // reached"). With one shared msgpackr instance this left the definition in place: every later
  // records frame of every client, and the member's replies, came out wrong (a reply no longer decoded).
  const bad = Buffer.from('40a37a6162d4720096a4ff797065a5726f756e64a66c6561646572a47a786964a565706f6368a57374617465a4564f5445010251000000a74c4f4f4b494e47', 'hex');
  const frames: unknown[] = [
    { type: 'request', xid: 7, operation: { op: 'getData', path: '/a', watch: false } },
    { type: 'response', xid: 7, zxid: { epoch: 1, counter: 2 }, err: 0, result: { data: new Uint8Array([1]), stat: null } },
  ];
  for (let i = 0; i < 3; i++) {
    for (const records of [true, false]) assert.equal(readClientFrame(bad, records).ok, false);
    for (const f of frames) {
      for (const records of [true, false]) {
        const r = readClientFrame(encodeClientFrame(f, records), records);
        assert.ok(r.ok, `a frame no longer decodes after a bad one: ${r.ok ? '' : r.error}`);
        assert.deepEqual(r.value, f);
      }
    }
  }
});
