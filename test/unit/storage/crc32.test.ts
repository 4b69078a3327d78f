import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crc32 } from '../../../src/storage/file/crc32.js';

const bytes = (s: string) => new TextEncoder().encode(s);

test('CRC-32/IEEE known vectors', () => {
  assert.equal(crc32(bytes('')), 0);
  assert.equal(crc32(bytes('a')), 0xe8b7be43);
  assert.equal(crc32(bytes('123456789')), 0xcbf43926); // the catalogue check value
  assert.equal(crc32(bytes('The quick brown fox jumps over the lazy dog')), 0x414fa339);
  assert.equal(crc32(new Uint8Array(32)), 0x190a55ad);
});

test('CRC over a range and continued with a seed equals the whole', () => {
  const b = bytes('hello, peerkeeper');
  assert.equal(crc32(b, 7, b.length), crc32(bytes('peerkeeper')));
  assert.equal(crc32(b.subarray(7), 0, 10, crc32(b, 0, 7)), crc32(b));
});

test('framing uses a CRC that agrees with crc32.ts: a frame written by one reads under the other', async () => {
  const { encodeFrame, readFrame } = await import('../../../src/storage/file/framing.js');
  const value = { zxid: { epoch: 3, counter: 7 }, data: new Uint8Array(100_000).map((_, i) => i * 13) };
  const frame = encodeFrame(value);
  assert.equal(frame.readUInt32BE(4), crc32(frame, 8, frame.length), 'the stored CRC is crc32.ts of the payload');
  const read = readFrame(frame, 0);
  assert.ok(read.ok);
  frame.writeUInt8(frame.readUInt8(frame.length - 1) ^ 1, frame.length - 1);
  assert.deepEqual(readFrame(frame, 0), { ok: false, reason: 'bad CRC' });
});
