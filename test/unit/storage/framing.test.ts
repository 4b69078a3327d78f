import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeFrame, findValidFrameAfter, readFrame } from '../../../src/storage/file/framing.js';

test('frames round-trip values, Uint8Array payloads stay Uint8Array', () => {
  const values = [
    { kind: 'append', entries: [{ zxid: { epoch: 1, counter: 2 }, txn: { data: new Uint8Array([1, 2, 3]) } }] },
    'text',
    [1, -2, 2 ** 40, null, true],
  ];
  const file = Buffer.concat(values.map(encodeFrame));
  let offset = 0;
  for (const v of values) {
    const r = readFrame(file, offset);
    assert.ok(r.ok);
    assert.deepStrictEqual(r.value, v);
    offset = r.next;
  }
  assert.equal(offset, file.length);
  const first = readFrame(file, 0);
  assert.ok(first.ok);
  const data = (first.value as { entries: { txn: { data: unknown } }[] }).entries[0]!.txn.data;
  assert.equal(Object.getPrototypeOf(data), Uint8Array.prototype);
});

test('short, corrupt and zero-filled frames are reported, not thrown', () => {
  const frame = encodeFrame({ hello: 'world' });
  assert.deepStrictEqual(readFrame(frame.subarray(0, 5), 0), { ok: false, reason: 'short frame header' });
  assert.deepStrictEqual(readFrame(frame.subarray(0, frame.length - 1), 0), { ok: false, reason: 'short frame' });
  const flipped = Buffer.from(frame);
  flipped[flipped.length - 1]! ^= 0x40;
  assert.deepStrictEqual(readFrame(flipped, 0), { ok: false, reason: 'bad CRC' });
  assert.deepStrictEqual(readFrame(new Uint8Array(64), 0), { ok: false, reason: 'bad length 0' });
});

test('a valid frame behind damage is found', () => {
  const a = Buffer.from(encodeFrame('first'));
  a[9]! ^= 1;
  const file = Buffer.concat([a, encodeFrame('second')]);
  assert.equal(findValidFrameAfter(file, 0), a.length);
  assert.equal(findValidFrameAfter(a, 0), null);
});
