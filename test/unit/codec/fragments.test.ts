import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FragmentAssembler, isFragment, PartedMessage, splitMessage } from '../../../src/codec/fragments.js';

const big = { layer: 'zab', message: { type: 'SNAP', snapshot: { zxid: { epoch: 3, counter: 7 }, data: new Uint8Array(700_000).map((_, i) => i * 31) } } };

test('a message split into parts comes back whole and equal', () => {
  const parts = splitMessage(big, 1, 200 * 1024);
  assert.equal(parts.length, 4);
  assert.ok(parts.every(isFragment));
  const a = new FragmentAssembler();
  const results = parts.map((p) => a.push(p));
  assert.deepEqual(results.slice(0, 3), [undefined, undefined, undefined]);
  const whole = results[3] as typeof big;
  assert.deepEqual(whole.message.snapshot.zxid, big.message.snapshot.zxid);
  assert.deepEqual(Buffer.from(whole.message.snapshot.data), Buffer.from(big.message.snapshot.data));
});

test('a part out of turn, a malformed part and a lost middle part are refused; a new message starts clean', () => {
  const parts = splitMessage(big, 5, 200 * 1024);
  const a = new FragmentAssembler();
  a.push(parts[0]);
  assert.throws(() => a.push(parts[2]), /out of turn/);
  assert.throws(() => a.push({ layer: 'part', id: 1, index: 3, count: 2, bytes: new Uint8Array(1) }), /malformed/);
  assert.throws(() => a.push({ layer: 'part', id: 1, index: 0, count: 1, bytes: 'nope' }), /malformed/);
  // After the errors, a whole message still assembles.
  let out: unknown;
  for (const p of splitMessage(big, 6, 200 * 1024)) out = a.push(p);
  assert.ok(out);
  // A one-part message of garbage bytes is refused as undecodable, not thrown past us as something else.
  assert.throws(() => a.push({ layer: 'part', id: 7, index: 0, count: 1, bytes: new Uint8Array([0x92, 0x01]) }), /undecodable/);
});

test('a parted message reads its large byte arrays in place, and its parts put back together are the message', () => {
  const big = (n: number, fill: number): Uint8Array => new Uint8Array(n).fill(fill);
  const message = {
    layer: 'zab',
    message: { type: 'SNAP', session: 3, epoch: 2, snapshot: { zxid: { epoch: 1, counter: 9 }, data: { tree: big(300_000, 1), passwords: [[7, big(16, 2)]] } } },
    more: [big(70_000, 3), 'text', big(65_536, 4), big(10, 5)],
  };
  for (const partBytes of [1000, 65_536, 100_003, 1 << 20]) {
    const parted = PartedMessage.encode(message, 42, partBytes);
    const a = new FragmentAssembler();
    let whole: unknown;
    while (!parted.done) whole = a.push(parted.next());
    assert.deepEqual(whole, message, `parts of ${partBytes} bytes`);
    assert.equal(parted.count, Math.ceil(parted.byteLength / partBytes));
  }
});
