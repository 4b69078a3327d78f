import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { validateZabMessage } from '../../../src/codec/zab-messages.js';
import { Rng } from '../../../src/sim/rng.js';
import type { ZabMessage } from '../../../src/zab/messages.js';
import { zxid } from '../../../src/zab/zxid.js';

const samples: ZabMessage[] = [
  { type: 'VOTE', round: 3, leader: 2, zxid: zxid(1, 4), epoch: 1, state: 'LOOKING' },
  { type: 'FOLLOWERINFO', session: 7, acceptedEpoch: 2, currentEpoch: 1, lastZxid: zxid(1, 4) },
  { type: 'NEWEPOCH', session: 7, epoch: 3 },
  { type: 'ACKEPOCH', session: 7, epoch: 3, promised: true, currentEpoch: 1, lastZxid: zxid(1, 4), history: { base: zxid(0, 0), segments: [{ epoch: 1, first: 1, last: 4 }] } },
  { type: 'DIFF', session: 7, epoch: 3, from: zxid(1, 4) },
  { type: 'TRUNC', session: 7, epoch: 3, to: zxid(1, 2) },
  { type: 'SNAP', session: 7, epoch: 3, snapshot: { zxid: zxid(1, 2), data: { records: [] } } },
  { type: 'PROPOSAL', epoch: 3, zxid: zxid(3, 1), prev: zxid(1, 4), txn: { id: 'a' } },
  { type: 'NEWLEADER', session: 7, epoch: 3, zxid: zxid(1, 4) },
  { type: 'ACKNEWLEADER', session: 7, epoch: 3, zxid: zxid(1, 4) },
  { type: 'UPTODATE', session: 7, epoch: 3, committed: zxid(1, 4) },
  { type: 'ACK', session: 7, epoch: 3, zxid: zxid(3, 1) },
  { type: 'COMMIT', epoch: 3, zxid: zxid(3, 1) },
  { type: 'PING', session: 7, epoch: 3, committed: zxid(3, 1) },
];

describe('validateZabMessage', () => {
  test('accepts every well-formed message type unchanged', () => {
    for (const m of samples) {
      const r = validateZabMessage(structuredClone(m));
      assert.ok(r.ok, `${m.type}: ${r.ok ? '' : r.error}`);
      assert.deepEqual(r.message, m);
    }
  });

  test('drops fields the protocol does not know', () => {
    const r = validateZabMessage({ ...samples[2], __proto__: null, extra: 'x' });
    assert.ok(r.ok);
    assert.deepEqual(Object.keys(r.message).sort(), ['epoch', 'session', 'type']);
  });

  test('rejects with a reason: unknown type, wrong field types, negative or fractional numbers, bad zxids', () => {
    const bad: [unknown, RegExp][] = [
      [null, /not an object/],
      [[], /not an object/],
      ['PING', /not an object/],
      [{ type: 'HELLO' }, /unknown message type/],
      [{ ...samples[0], state: 'BOSS' }, /server state/],
      [{ ...samples[0], round: -1 }, /round/],
      [{ ...samples[0], leader: 1.5 }, /leader/],
      [{ ...samples[0], zxid: { epoch: 1 } }, /zxid/],
      [{ ...samples[3], promised: 'yes' }, /promised/],
      [{ ...samples[3], history: { base: zxid(0, 0), segments: [{ epoch: 1, first: 5, last: 4 }] } }, /backwards/],
      [{ type: 'PROPOSAL', epoch: 3, zxid: zxid(3, 1), prev: zxid(1, 4) }, /no txn/],
      [{ type: 'SNAP', session: 1, epoch: 1, snapshot: { zxid: zxid(1, 1) } }, /no data/],
      [{ ...samples[13], epoch: Number.MAX_SAFE_INTEGER + 2 }, /epoch/],
    ];
    for (const [value, reason] of bad) {
      const r = validateZabMessage(value);
      assert.equal(r.ok, false, `accepted ${JSON.stringify(value)}`);
      if (!r.ok) assert.match(r.error, reason);
    }
  });

  test('never throws on random garbage (fuzz, 20,000 values)', () => {
    const rng = new Rng(42);
    const leaf = (): unknown => rng.pick([null, undefined, -1, 0, 1, 2.5, 'x', true, [], {}, Number.NaN, { epoch: 1, counter: 2 }]);
    const keys = ['type', 'session', 'epoch', 'zxid', 'prev', 'txn', 'round', 'leader', 'state', 'history', 'snapshot', 'promised', 'committed', 'from', 'to'];
    const types = [...samples.map((s) => s.type), 'NOPE', 7];
    for (let i = 0; i < 20_000; i++) {
      const v: Record<string, unknown> = { type: rng.pick(types) };
      for (const k of keys) if (rng.chance(0.6)) v[k] = leaf();
      assert.doesNotThrow(() => validateZabMessage(v));
    }
  });
});
