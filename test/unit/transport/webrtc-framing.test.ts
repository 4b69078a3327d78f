import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ChunkKind, FramingError, MAX_CHUNK_BYTES, MAX_FRAME_BYTES, MAX_MESSAGE_BYTES, MessageTooLargeError, Reassembler,
  chunkFrame, controlChunk, decodeBatch, decodeMessage, encodeBatch, encodeMessage, transportChunk,
} from '../../../src/transport/webrtc/framing.js';
import { computeProof, deriveMeshKey, newNonce, verifyProof } from '../../../src/transport/webrtc/auth.js';
import { deriveRoomKey } from '../../../src/signalling/proof.js';
import { PEER_RECORD_SHAPES } from '../../../src/transport/webrtc/record-shapes.js';
import { Packr } from 'msgpackr';

function roundTrip(messages: unknown[]): unknown[] {
  const frame = encodeBatch(messages.map(encodeMessage));
  const r = new Reassembler();
  const out: unknown[] = [];
  for (const c of chunkFrame(frame)) {
    assert.ok(c.length <= MAX_CHUNK_BYTES);
    const got = r.push(c);
    if (got?.kind === 'data') out.push(...decodeBatch(got.frame).map(decodeMessage));
  }
  return out;
}

test('batch round trip keeps order and values', () => {
  const ms = [1, 'two', { three: [3, 3, 3] }, null, new Uint8Array([1, 2, 3])];
  const back = roundTrip(ms);
  assert.equal(back.length, ms.length);
  assert.deepEqual(back.slice(0, 4), ms.slice(0, 4));
  assert.deepEqual([...(back[4] as Uint8Array)], [1, 2, 3]);
});

test('chunk boundaries: exactly one chunk, one byte over, the message limit', () => {
  for (const frameLen of [0, 1, MAX_CHUNK_BYTES - 1, MAX_CHUNK_BYTES, 3 * (MAX_CHUNK_BYTES - 1), MAX_FRAME_BYTES]) {
    const frame = new Uint8Array(frameLen).map((_, i) => i % 251);
    const chunks = chunkFrame(frame);
    assert.equal(chunks.length, Math.max(1, Math.ceil(frameLen / (MAX_CHUNK_BYTES - 1))), `len ${frameLen}`);
    const r = new Reassembler();
    let got;
    for (const c of chunks) got = r.push(c);
    assert.equal(got?.kind, 'data');
    assert.deepEqual(got?.kind === 'data' ? got.frame : undefined, frame);
  }
  const s = 'x'.repeat(MAX_MESSAGE_BYTES - 5); // str32 header: 5 bytes → exactly the limit
  assert.equal(encodeMessage(s).length, MAX_MESSAGE_BYTES);
  assert.deepEqual(roundTrip([s]), [s]);
  assert.throws(() => encodeMessage(s + 'x'), MessageTooLargeError);
  assert.throws(() => encodeMessage(new Uint8Array(300 * 1024)), MessageTooLargeError);
});

test('corrupt and oversized input is refused', () => {
  assert.throws(() => new Reassembler().push(new Uint8Array(0)), FramingError);
  assert.throws(() => new Reassembler().push(new Uint8Array([9, 1, 2])), FramingError);
  assert.throws(() => new Reassembler().push(new Uint8Array(MAX_CHUNK_BYTES + 1)), FramingError);
  const r = new Reassembler();
  const more = new Uint8Array(MAX_CHUNK_BYTES);
  more[0] = ChunkKind.More;
  assert.throws(() => {
    for (let i = 0; i < 20; i++) r.push(more);
  }, FramingError);
  const r2 = new Reassembler();
  r2.push(more);
  assert.throws(() => r2.push(controlChunk({ t: 'hello' })), FramingError);
  assert.throws(() => decodeBatch(new Uint8Array([0, 0, 0, 9, 1])), FramingError);
  assert.throws(() => decodeBatch(new Uint8Array([0, 0])), FramingError);
  assert.throws(() => chunkFrame(new Uint8Array(MAX_FRAME_BYTES + 1)), FramingError);
  assert.deepEqual(new Reassembler().push(controlChunk({ t: 'x' })), { kind: 'control', value: { t: 'x' } });
});

test('mesh proof: verifies with the right secret and ids, fails otherwise; key differs from signalling', async () => {
  const key = await deriveMeshKey('s3cret', 'room');
  const other = await deriveMeshKey('wrong', 'room');
  const nonce = newNonce();
  const proof = await computeProof(key, 'room', '1', '2', nonce);
  assert.equal(await verifyProof(key, 'room', '1', '2', nonce, proof), true);
  assert.equal(await verifyProof(other, 'room', '1', '2', nonce, proof), false);
  assert.equal(await verifyProof(key, 'room', '2', '1', nonce, proof), false); // reflected
  assert.equal(await verifyProof(key, 'room', '1', '2', newNonce(), proof), false); // replayed
  const hex = Array.from(key, (b) => b.toString(16).padStart(2, '0')).join('');
  assert.notEqual(hex, await deriveRoomKey('s3cret', 'room'));
});

test('transport chunks: one chunk, allowed between the chunks of a data frame, refused when too big or undecodable', () => {
  const r = new Reassembler();
  const c = transportChunk({ t: 'links', m: [1, 2] });
  assert.equal(c[0], ChunkKind.Transport);
  assert.deepEqual(r.push(c), { kind: 'transport', value: { t: 'links', m: [1, 2] } });
  // A ping may cut in while a multi-chunk data frame is under way; the frame still completes intact.
  const frame = encodeBatch([encodeMessage('x'.repeat(40_000))]);
  const chunks = chunkFrame(frame);
  assert.ok(chunks.length >= 3);
  const got: unknown[] = [];
  for (const [i, chunk] of chunks.entries()) {
    const out = r.push(chunk);
    if (out?.kind === 'data') got.push(...decodeBatch(out.frame).map(decodeMessage));
    if (i === 0) assert.deepEqual(r.push(transportChunk({ t: 'ping', r: 1 })), { kind: 'transport', value: { t: 'ping', r: 1 } });
  }
  assert.deepEqual(got, ['x'.repeat(40_000)]);
  assert.throws(() => transportChunk({ big: 'y'.repeat(MAX_CHUNK_BYTES) }), FramingError);
  assert.throws(() => new Reassembler().push(new Uint8Array([ChunkKind.Transport, 0x92, 0x01])), FramingError);
});

// ---- msgpackr records for the hot peer messages (record-shapes.ts) -------------------------------

const plainPackr = new Packr({ useRecords: false, moreTypes: false });
const bytesAsArrays = (v: unknown): unknown => JSON.parse(JSON.stringify(v, (_k, x) => (x?.type === 'Buffer' ? x.data : x instanceof Uint8Array ? [...x] : x)));

test('a PROPOSAL of a 100-byte setData travels as records: the same value in about half the bytes', () => {
  const proposal = {
    layer: 'zab',
    message: {
      type: 'PROPOSAL',
      epoch: 3,
      zxid: { epoch: 3, counter: 70_001 },
      prev: { epoch: 3, counter: 70_000 },
      txn: { origin: 2, sessionId: 50_331_649, xid: 4_242, body: { type: 'setData', path: '/bench/s12', data: new Uint8Array(100).fill(7), version: 9, time: 1_795_656_135_692 } },
    },
  };
  const bytes = encodeMessage(proposal);
  const plainBytes = plainPackr.pack(proposal).length;
  assert.ok(bytes.length < plainBytes * 0.65, `${bytes.length} bytes as records vs ${plainBytes} as maps: a hot shape drifted from record-shapes.ts?`);
  assert.deepEqual(bytesAsArrays(decodeMessage(bytes)), bytesAsArrays(proposal));
  // So do the ACK and COMMIT that follow it.
  const ack = { layer: 'zab', message: { type: 'ACK', session: 4_147_982_087_749_633, epoch: 3, zxid: { epoch: 3, counter: 70_001 } } };
  const commit = { layer: 'zab', message: { type: 'COMMIT', epoch: 3, zxid: { epoch: 3, counter: 70_001 } } };
  for (const m of [ack, commit]) {
    const b = encodeMessage(m);
    assert.ok(b.length < plainPackr.pack(m).length * 0.6, `${m.message.type}: ${b.length} bytes`);
    assert.deepEqual(decodeMessage(b), m);
  }
});

test('a shape outside the list still round-trips on its own, whatever was decoded before it, and is never shared', () => {
  const commit = { layer: 'zab', message: { type: 'COMMIT', epoch: 1, zxid: { epoch: 1, counter: 2 } } };
  const commitBytes = encodeMessage(commit).length;
  const odd1 = { layer: 'server', message: { type: 'REVALIDATED', sessionId: 7, connection: 3, valid: true } };
  const odd2 = { zeta: 1, alpha: { nested: [1, { deeper: 'yes' }] } };
  const odd3 = { layer: 'server', message: { valid: false, connection: 4, sessionId: 8, type: 'REVALIDATED' } }; // same keys, other order
  const encoded = [odd1, odd2, odd3].map(encodeMessage);
  // Decoded in reverse, and each twice: a record defined inline by one message does not leak into the next.
  for (const i of [2, 1, 0, 0, 1, 2]) assert.deepEqual(decodeMessage(encoded[i]!), [odd1, odd2, odd3][i]);
  assert.equal(PEER_RECORD_SHAPES.length, new Set(PEER_RECORD_SHAPES.map((s) => s.join(','))).size, 'no shape twice');
  // Nothing was added to the shared list: a fresh decoder (another member) reads what we write now.
  const fresh = new Packr({ useRecords: true, structures: PEER_RECORD_SHAPES.map((k) => [...k]), maxSharedStructures: PEER_RECORD_SHAPES.length, mapsAsObjects: true });
  for (const m of [odd1, odd2, odd3, commit]) assert.deepEqual(fresh.unpack(encodeMessage(m)), m);
  assert.equal(encodeMessage(commit).length, commitBytes);
});

test('a map from a plain msgpack encoder decodes as an object too', () => {
  const m = { layer: 'zab', message: { type: 'COMMIT', epoch: 1, zxid: { epoch: 1, counter: 2 } } };
  assert.deepEqual(decodeMessage(plainPackr.pack(m)), m);
});

test('a frame that breaks off after redefining a shared record does not change how later messages decode', () => {
  // Found by test/unit/fuzz/peer.fuzz.test.ts (seed 20261204): this frame redefines record slot 0
  // (the {layer, message} envelope) with other keys, then fails ("end of buffer not reached"). msgpackr
  // restores shared records only when a decode completes, so with one Packr for everything the
  // envelope stayed redefined: every later message from every peer (and control frames before
  // authentication go through the same decoder) came out wrong, and our own encodings with it.
  const bad = Buffer.from('40a37a6162d4720096a4ff797065a5726f756e64a66c6561646572a47a786964a565706f6368a57374617465a4564f5445010251000000a74c4f4f4b494e47', 'hex');
  const messages: unknown[] = [
    { layer: 'zab', message: { type: 'VOTE', round: 1, leader: 1, zxid: { epoch: 0, counter: 0 }, epoch: 0, state: 'LOOKING' } },
    { layer: 'zab', message: { type: 'PING', session: 1, epoch: 2, committed: { epoch: 2, counter: 5 } } },
    { layer: 'server', message: { type: 'TOUCH', sessions: [5] } },
  ];
  for (const m of messages) assert.deepEqual(decodeMessage(encodeMessage(m)), m);
  for (let i = 0; i < 3; i++) {
    assert.throws(() => decodeMessage(bad), FramingError);
    for (const m of messages) assert.deepEqual(decodeMessage(encodeMessage(m)), m, 'a message decodes differently after the bad frame');
  }
  assert.throws(() => new Reassembler().push(Uint8Array.from([ChunkKind.Control, ...bad])), FramingError);
  for (const m of messages) assert.deepEqual(decodeMessage(encodeMessage(m)), m, 'a message decodes differently after a bad control chunk');
});

test('a hello whose version is a map with a toString key is refused with a reason, not thrown on', async () => {
  // Found by reading the link while writing test/unit/fuzz/transport.fuzz.test.ts (whose hostile
  // values now include such a map): the reason used String(version), which throws on it; the hello
  // comes before authentication, and the throw would leave the link's data handler, uncaught.
  const { wireVersionProblem } = await import('../../../src/transport/webrtc/link.js');
  const got = new Reassembler().push(controlChunk({ t: 'hello', n: new Uint8Array(32), v: { toString: 1, valueOf: 2 } }));
  assert.equal(got?.kind, 'control');
  const problem = wireVersionProblem(got.kind === 'control' ? got.value : undefined, 2, '3');
  assert.match(problem ?? '', /member 3 speaks peer wire version a object/);
  assert.equal(wireVersionProblem({ t: 'hello', n: new Uint8Array(32), v: 2 }, 2, '3'), null);
  assert.match(wireVersionProblem({ t: 'hello', n: new Uint8Array(32) }, 2, '3') ?? '', /version 1, this member 2/);
});
