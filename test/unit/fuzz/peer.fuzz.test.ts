/**
 * Fuzz of everything a member decodes from a peer: the WebRTC chunk stream and batches (framing.ts),
 * message parts (fragments.ts), the peer-message gate (validatePeerMessage) with the snapshot inside a
 * SNAP, and what a member that passes the gate does with the result. Inputs are real messages of a
 * running ensemble, encoded with the real encoder, then mutated as bytes or as values.
 *
 * Guarantees checked: the reassembler throws only FramingError (the link drops itself); decoding a
 * message throws only FramingError; the gate never throws; a message it accepts never makes a
 * ServerMember throw; one it refuses changes nothing in a running member (MemberRunner's edge).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { FragmentAssembler, isFragment, splitMessage } from '../../../src/codec/fragments.js';
import { validatePeerMessage, validateServerSnapshot } from '../../../src/codec/peer-messages.js';
import { MemberRunner } from '../../../src/server/runner.js';
import type { PeerMessage } from '../../../src/server/messages.js';
import { makeSnapshotData } from '../../../src/server/snapshot.js';
import { InstantMemoryStorage } from '../../../src/storage/memory.js';
import { decodeSnapshot, encodeSnapshot, ZkError } from '../../../src/tree/index.js';
import type { PeerEvents, PeerTransport } from '../../../src/transport/transport.js';
import {
  chunkFrame,
  controlChunk,
  decodeBatch,
  decodeMessage,
  encodeBatch,
  encodeMessage,
  FramingError,
  Reassembler,
  transportChunk,
} from '../../../src/transport/webrtc/framing.js';
import { makeZabConfig } from '../../../src/zab/config.js';
import type { MemberId } from '../../../src/zab/messages.js';
import { Ensemble, op } from '../server/harness.js';
import { announceFuzzRun, fuzzParameters } from './fuzz-options.js';

announceFuzzRun('peer.fuzz.test.ts');
import { hex, mutatedBytes, mutatedValue, plausibleValue } from './mutate.js';

/** Real peer messages: an ensemble forming, sessions, every kind of write, a multi, a SNAP. */
function corpus(): PeerMessage[] {
  const e = Ensemble.started();
  const leader = e.mustLeader();
  const follower = e.followers()[0]!;
  const c = e.session(follower);
  c.ok(op.create('/a', 'x'));
  c.ok(op.create('/a/e', 'y', 'EPHEMERAL_SEQUENTIAL'));
  c.ok(op.setData('/a', 'z'));
  c.ok(op.multi({ op: 'check', path: '/a', version: 1 }, { op: 'create', path: '/b', data: new Uint8Array(3), mode: 'CONTAINER' }, { op: 'delete', path: '/b', version: -1 }));
  c.ok(op.sync('/'));
  c.ok(op.closeSession());
  e.tick(5);
  const tree = e.member(leader).dataTree;
  const snap: PeerMessage = {
    layer: 'zab',
    message: {
      type: 'SNAP',
      session: 1,
      epoch: tree.lastZxid.epoch,
      snapshot: { zxid: tree.lastZxid, data: makeSnapshotData(tree, new Map([[5, new Uint8Array(16)]])) },
    },
  };
  const seen = new Map<string, PeerMessage>();
  for (const env of e.sent) {
    const m = env.message;
    const key = `${m.layer}:${m.message.type}:${m.layer === 'server' && m.message.type === 'FORWARD' ? m.message.request.kind : ''}`;
    if (!seen.has(key) || seen.size < 40) seen.set(key + (seen.has(key) ? seen.size : ''), m);
  }
  return [...seen.values(), snap];
}

const messages = corpus();
const encoded = messages.map((m) => encodeMessage(m));

function decodeOrFramingError(bytes: Uint8Array): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: decodeMessage(bytes) };
  } catch (e) {
    assert.ok(e instanceof FramingError, `decodeMessage threw ${String(e)} on ${hex(bytes)}`);
    return { ok: false };
  }
}

function gate(value: unknown): ReturnType<typeof validatePeerMessage> {
  try {
    return validatePeerMessage(value);
  } catch (e) {
    assert.fail(`validatePeerMessage threw ${(e as Error).stack}`);
  }
}

describe('fuzz: peer messages', () => {
  test('the corpus covers the message kinds', () => {
    const kinds = new Set(messages.map((m) => m.message.type));
    for (const k of ['VOTE', 'FOLLOWERINFO', 'NEWEPOCH', 'ACKEPOCH', 'NEWLEADER', 'ACKNEWLEADER', 'UPTODATE', 'PROPOSAL', 'ACK', 'COMMIT', 'PING', 'FORWARD', 'TOUCH', 'SNAP']) {
      assert.ok(kinds.has(k as never), `no ${k} in the corpus: ${[...kinds].join(', ')}`);
    }
    for (const m of messages) assert.ok(validatePeerMessage(decodeMessage(encodeMessage(m))).ok);
  });

  test('chunk stream: mutated chunks only ever raise FramingError', () => {
    const streams = [
      ...encoded.map((b) => chunkFrame(encodeBatch([b]))),
      [chunkFrame(encodeBatch(encoded.slice(0, 8)))].flat(),
      [controlChunk({ t: 'hello', n: new Uint8Array(32), v: 2 })],
      [controlChunk({ t: 'proof', p: new Uint8Array(32) })],
      [transportChunk({ t: 'ping', r: 1 })],
      [transportChunk({ t: 'links', m: [1, 2] })],
    ];
    const chunks = streams.flat();
    fc.assert(
      fc.property(fc.array(mutatedBytes(chunks), { minLength: 1, maxLength: 6 }), (mutated) => {
        const r = new Reassembler();
        for (const chunk of mutated) {
          let got;
          try {
            got = r.push(chunk);
          } catch (e) {
            assert.ok(e instanceof FramingError, `Reassembler threw ${String(e)} on ${hex(chunk)}`);
            return; // the link drops itself
          }
          if (got?.kind !== 'data') continue;
          let parts: Uint8Array[];
          try {
            parts = decodeBatch(got.frame);
          } catch (e) {
            assert.ok(e instanceof FramingError, `decodeBatch threw ${String(e)}`);
            return;
          }
          for (const p of parts) {
            const d = decodeOrFramingError(p);
            if (d.ok) gate(d.value);
          }
        }
      }),
      fuzzParameters(400),
    );
  });

  test('message bytes: mutated encodings decode or raise FramingError, and the gate never throws', () => {
    fc.assert(
      fc.property(mutatedBytes(encoded), (bytes) => {
        const d = decodeOrFramingError(bytes);
        if (d.ok) gate(d.value);
      }),
      fuzzParameters(1500),
    );
  });

  test('message values: structurally mutated messages, re-encoded, never crash a member that accepts them', () => {
    const e = Ensemble.started();
    const follower = e.followers()[0]!;
    const leader = e.mustLeader();
    e.session(follower).ok(op.create('/kept', 'x'));
    let accepted = 0;
    fc.assert(
      fc.property(fc.oneof(mutatedValue(messages), plausibleValue(messages), plausibleValue(messages)), fc.boolean(), (value, toLeader) => {
        let bytes: Uint8Array;
        try {
          bytes = encodeMessage(value);
        } catch {
          return; // too large to send: the sender's transport refuses it
        }
        const d = decodeOrFramingError(bytes);
        if (!d.ok) return;
        const v = gate(d.value);
        if (!v.ok) return;
        accepted++;
        const to = toLeader ? leader : follower;
        const from = toLeader ? follower : leader;
        try {
          e.member(to).observeTime(e.nowMs);
          e.member(to).fromPeer(from, v.message);
          e.pump();
          e.tick();
        } catch (err) {
          assert.fail(`m${to} threw on an accepted message ${JSON.stringify(v.message, (_k, x) => (typeof x === 'bigint' ? `${x}n` : x instanceof Uint8Array ? `bytes(${x.length})` : x)).slice(0, 600)}: ${(err as Error).stack}`);
        }
      }),
      fuzzParameters(300),
    );
    // Most mutations are refused; enough must pass the gate for the member half of this to mean anything.
    assert.ok(accepted >= 20, `only ${accepted} mutated messages passed the gate`);
  });

  test('message parts: mutated parts reassemble, refuse with an Error, or are refused by the gate', () => {
    const big = messages.at(-1)!; // the SNAP
    const parts = splitMessage(big, 7, 64);
    assert.ok(parts.length > 3);
    const partArb = fc.oneof(fc.constantFrom(...parts), mutatedValue(parts));
    fc.assert(
      fc.property(fc.array(partArb, { minLength: 1, maxLength: parts.length + 2 }), (seq) => {
        const a = new FragmentAssembler();
        for (const p of seq) {
          const wire = decodeOrFramingError(encodeMessage(p));
          if (!wire.ok || !isFragment(wire.value)) continue;
          let whole: unknown;
          try {
            whole = a.push(wire.value);
          } catch (err) {
            assert.ok(err instanceof Error, `FragmentAssembler threw a non-Error ${String(err)}`);
            continue;
          }
          if (whole !== undefined) gate(whole);
        }
      }),
      fuzzParameters(100),
    );
  });

  test('snapshot trees: mutated tree bytes decode or raise ZkError; the gate refuses the SNAP', () => {
    const e = Ensemble.started();
    const c = e.session(e.mustLeader());
    for (let i = 0; i < 5; i++) c.ok(op.create(`/n${i}`, `v${i}`, i % 2 ? 'EPHEMERAL' : 'PERSISTENT'));
    const tree = e.member(e.mustLeader()).dataTree;
    const bytes = encodeSnapshot(tree);
    fc.assert(
      fc.property(mutatedBytes([bytes]), (m) => {
        try {
          decodeSnapshot(m);
        } catch (err) {
          assert.ok(err instanceof ZkError, `decodeSnapshot threw ${String(err)} on ${hex(m)}`);
        }
        const v = validateServerSnapshot({ zxid: tree.lastZxid, data: { tree: m, passwords: [] } });
        assert.equal(typeof v.ok, 'boolean');
      }),
      fuzzParameters(800),
    );
  });
});

describe('fuzz: the runner refuses bad peer input without a change', () => {
  test('random and mutated values from a peer leave a running member as it was', async () => {
    let events: PeerEvents | undefined;
    const transport: PeerTransport = { self: 1, start: (ev) => (events = ev), send: () => {}, close: () => {} };
    const invalid: string[] = [];
    const runner = await MemberRunner.start({
      config: { zab: makeZabConfig(1, [1, 2, 3], 0, {}), tickMs: 10, snapshotEveryTxns: 1000, randomBytes: (n) => new Uint8Array(n) },
      storage: new InstantMemoryStorage(),
      transport,
      every: () => () => {},
      now: () => 0,
      onInvalidPeerMessage: (_from, error) => invalid.push(error),
    });
    try {
      const state = (): string => JSON.stringify(runner.member.status());
      const from: MemberId = 2;
      fc.assert(
        fc.property(fc.oneof(mutatedValue(messages), fc.anything()), (value) => {
          if (isFragment(value) || validatePeerMessage(value).ok) return; // accepted input may change things
          const before = state();
          const refusals = invalid.length;
          events!.message(from, value);
          assert.equal(invalid.length, refusals + 1, 'the refusal is reported');
          assert.equal(state(), before, 'a refused message changed the member');
        }),
        fuzzParameters(500),
      );
    } finally {
      runner.stop();
    }
  });
});
