/**
 * Fuzz of the ZooKeeper gateway (src/gateway): random bytes and mutated valid jute packets go through
 * a gateway connection — handshake, then requests — into a member stand-in. Properties: nothing but a
 * `JuteDecodeError` leaves the decoder, nothing at all leaves the connection (a bad packet closes it
 * with a reason), and every message the gateway does forward is one the member's own validator
 * (`checkClientMessage`) reads as a well-formed message, never a malformed one.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { checkClientMessage } from '../../../src/codec/client-messages.js';
import { JuteDecodeError } from '../../../src/gateway/jute/reader.js';
import { JuteWriter } from '../../../src/gateway/jute/writer.js';
import { OpCode, Xid } from '../../../src/gateway/jute/opcodes.js';
import { OPEN_ACL, decodeConnectRequest, decodeRequest, writeAcls, writeMultiHeader } from '../../../src/gateway/jute/records.js';
import { FakeMember } from '../gateway/fake-member.js';
import { fuzzParameters } from './fuzz-options.js';

const w = (): JuteWriter => new JuteWriter();
const create = (type: number, flags: number, ttl?: bigint): Uint8Array => {
  const x = w().int(10).int(type).string('/n').buffer(new Uint8Array([1, 2]));
  writeAcls(x, OPEN_ACL).int(flags);
  if (ttl !== undefined) x.long(ttl);
  return x.finish();
};
const multi = (): Uint8Array => {
  const x = w().int(20).int(OpCode.multi);
  writeMultiHeader(x, OpCode.create, false, -1).string('/m').buffer(null);
  writeAcls(x, OPEN_ACL).int(1);
  writeMultiHeader(x, OpCode.setData, false, -1).string('/m').buffer(new Uint8Array(3)).int(-1);
  writeMultiHeader(x, OpCode.check, false, -1).string('/m').int(0);
  writeMultiHeader(x, OpCode.delete, false, -1).string('/m').int(0);
  return writeMultiHeader(x, -1, true, -1).finish();
};
const multiRead = (): Uint8Array => {
  const x = w().int(21).int(OpCode.multiRead);
  writeMultiHeader(x, OpCode.getData, false, -1).string('/a').bool(true);
  writeMultiHeader(x, OpCode.getChildren, false, -1).string('/').bool(false);
  return writeMultiHeader(x, -1, true, -1).finish();
};

/** One valid packet of every request the gateway reads. */
const VALID: readonly Uint8Array[] = [
  create(OpCode.create, 0), create(OpCode.create2, 3), create(OpCode.createContainer, 4), create(OpCode.createTTL, 5, 1000n),
  w().int(1).int(OpCode.delete).string('/n').int(-1).finish(),
  w().int(2).int(OpCode.exists).string('/n').bool(true).finish(),
  w().int(3).int(OpCode.getData).string('/n').bool(true).finish(),
  w().int(4).int(OpCode.setData).string('/n').buffer(new Uint8Array(4)).int(3).finish(),
  w().int(5).int(OpCode.getACL).string('/n').finish(),
  writeAcls(w().int(6).int(OpCode.setACL).string('/n'), OPEN_ACL).int(-1).finish(),
  w().int(7).int(OpCode.getChildren2).string('/').bool(true).finish(),
  w().int(8).int(OpCode.sync).string('/').finish(),
  w().int(Xid.ping).int(OpCode.ping).finish(),
  w().int(9).int(OpCode.check).string('/n').int(0).finish(),
  multi(), multiRead(),
  w().int(Xid.setWatches).int(OpCode.setWatches2).long(5n).stringVector(['/a']).stringVector(['/b']).stringVector(['/']).stringVector([]).stringVector(['/c']).finish(),
  w().int(11).int(OpCode.addWatch).string('/a').int(1).finish(),
  w().int(12).int(OpCode.removeWatches).string('/a').int(3).finish(),
  w().int(13).int(OpCode.getEphemerals).string('/').finish(),
  w().int(14).int(OpCode.getAllChildrenNumber).string('/').finish(),
  w().int(16).int(OpCode.checkWatches).string('/a').int(1).finish(),
  w().int(Xid.auth).int(OpCode.auth).int(0).string('digest').buffer(new Uint8Array(3)).finish(),
  w().int(15).int(OpCode.closeSession).finish(),
];
const CONNECT = w().int(0).long(0n).int(30000).long(0n).buffer(new Uint8Array(16)).bool(false).finish();

/** A valid packet with a few bytes overwritten, some inserted or the tail cut. */
const mutated = (base: fc.Arbitrary<Uint8Array>): fc.Arbitrary<Uint8Array> =>
  fc.tuple(base, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }), fc.option(fc.nat())).map(([b, edits, cut]) => {
    const out = Uint8Array.from(b);
    for (const [i, v] of edits) out[i % Math.max(1, out.length)] = v;
    return cut === null ? out : out.subarray(0, cut % (out.length + 1));
  });

const packet = fc.oneof(fc.uint8Array({ maxLength: 64 }), mutated(fc.constantFrom(...VALID)), fc.constantFrom(...VALID));

function decodesOrTyped(f: () => unknown): void {
  try {
    f();
  } catch (err) {
    assert.ok(err instanceof JuteDecodeError, `threw ${String(err)}`);
  }
}

describe('fuzz: ZooKeeper packets into the gateway', () => {
  test('the decoders throw nothing but JuteDecodeError', () => {
    fc.assert(
      fc.property(packet, (p) => {
        decodesOrTyped(() => decodeRequest(p));
        decodesOrTyped(() => decodeConnectRequest(p));
      }),
      fuzzParameters(2000),
    );
  });

  test('a connection never throws, and forwards only messages the member reads as well-formed', () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 64 }), mutated(fc.constant(CONNECT))), fc.array(packet, { maxLength: 8 }), (connect, packets) => {
        const f = new FakeMember();
        f.gateway.receive(connect);
        if (f.handlers) f.reply({ type: 'connected', sessionId: 5, password: new Uint8Array(16), timeoutMs: 4000, readOnly: false, memberId: 1, zxid: { epoch: 1, counter: 1 } });
        for (const p of packets) f.gateway.receive(p);
        for (const m of f.sent) {
          const checked = checkClientMessage(m);
          assert.ok(checked.kind !== 'malformed' && checked.kind !== 'unknown', `forwarded ${JSON.stringify(m)}: ${JSON.stringify(checked)}`);
        }
      }),
      fuzzParameters(1000),
    );
  });
});
