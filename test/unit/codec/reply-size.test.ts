import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { encodeClientFrame } from '../../../src/codec/client-wire.js';
import { requestBytesBound, resultBytesBound, utf8Length } from '../../../src/codec/reply-size.js';
import type { OperationResult, Stat } from '../../../src/protocol/client.js';
import { fuzzParameters } from '../fuzz/fuzz-options.js';


const zxid = fc.record({ epoch: fc.nat(), counter: fc.nat() });
const stat: fc.Arbitrary<Stat> = fc.record({
  czxid: zxid, mzxid: zxid, pzxid: zxid, ctime: fc.double({ noNaN: true }), mtime: fc.maxSafeNat(),
  version: fc.integer(), cversion: fc.integer(), aversion: fc.integer(), ephemeralOwner: fc.integer({ min: -(2 ** 53) + 1, max: 2 ** 53 - 1 }),
  dataLength: fc.nat(), numChildren: fc.nat(),
});
const text = fc.string({ unit: 'binary', maxLength: 300 });
const result: fc.Arbitrary<OperationResult> = fc.oneof(
  fc.record({ op: fc.constant('getChildren' as const), children: fc.array(text, { maxLength: 50 }) }),
  fc.record({ op: fc.constant('getChildren' as const), children: fc.array(text, { maxLength: 50 }), stat }),
  fc.record({ op: fc.constant('getData' as const), data: fc.uint8Array({ maxLength: 70_000 }), stat }),
  fc.record({ op: fc.constant('getEphemerals' as const), paths: fc.array(text, { maxLength: 50 }) }),
  fc.record({ op: fc.constant('create' as const), path: text, stat }),
  fc.record({ op: fc.constant('exists' as const), stat: fc.option(stat) }),
  fc.record({ op: fc.constant('multi' as const), results: fc.array(fc.oneof(fc.record({ op: fc.constant('create' as const), path: text, stat }), fc.record({ op: fc.constant('error' as const), err: fc.integer({ min: -130, max: 0 }) })), { maxLength: 40 }) }),
);

describe('reply size bounds', () => {
  test('utf8Length agrees with TextEncoder, lone surrogates included', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (s) => utf8Length(s) === new TextEncoder().encode(s).length), fuzzParameters(500));
    assert.equal(utf8Length('\ud800x'), 4);
  });

  test('a response is never larger than its bound, in plain msgpack or records', () => {
    fc.assert(
      fc.property(result, fc.boolean(), (r, records) => {
        const response = { type: 'response', xid: 2 ** 31 - 1, zxid: { epoch: 2 ** 31, counter: 2 ** 32 - 1 }, err: -101, result: r, readOnly: true };
        const actual = encodeClientFrame(response, records).length;
        const bound = resultBytesBound(r, 0); // limit 0: the exact bound
        return actual <= bound && bound <= resultBytesBound(r, Infinity);
      }),
      fuzzParameters(300),
    );
  });

  test('requestBytesBound reads only the fields of a write, and counts its paths and data', () => {
    const data = new Uint8Array(1000);
    const one = requestBytesBound({ op: 'create', path: '/é', data, mode: 'PERSISTENT' });
    assert.ok(one >= 1003 && one < 1100);
    const cyclic: Record<string, unknown> = { op: 'setData', path: '/a', data, version: -1 };
    cyclic.self = cyclic; // an extra field a client added is never walked
    const multi = requestBytesBound({ op: 'multi', ops: [cyclic as never, cyclic as never] });
    assert.ok(multi >= 2000 && multi < 2200);
  });
});
