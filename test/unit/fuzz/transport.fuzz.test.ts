/**
 * Fuzz of the transport's own frames: link lists and relayed signals (webrtc/relay.ts) as they come
 * off a link (msgpack through the real framing), and BroadcastChannel frames from any same-origin
 * tab (broadcast-channel.ts). The parsers return a value or a refusal and never throw; what they pass
 * on is of the documented shape.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { BroadcastSignalling, type BroadcastChannelLike } from '../../../src/transport/broadcast-channel.js';
import { controlChunk, FramingError, Reassembler, transportChunk } from '../../../src/transport/webrtc/framing.js';
import { wireVersionProblem } from '../../../src/transport/webrtc/link.js';
import { decideRelay, parseTransportMessage } from '../../../src/transport/webrtc/relay.js';
import { announceFuzzRun, fuzzParameters } from './fuzz-options.js';

announceFuzzRun('transport.fuzz.test.ts');
import { hex, mutatedBytes, mutatedValue } from './mutate.js';

const members = new Set([1, 2, 3, 4, 5]);
const transportSamples: unknown[] = [
  { t: 'links', m: [1, 2, 3] },
  { t: 'links', m: [] },
  { t: 'relay', from: 2, to: 3, d: { s: 'abc', d: { type: 'offer', sdp: 'v=0' } }, h: 0 },
  { t: 'relay', from: 2, to: 1, d: { s: 'abc', k: 1 }, h: 1 },
  { t: 'ping', r: 1 },
  { t: 'pong' },
];

function parseChecked(value: unknown): void {
  let parsed;
  try {
    parsed = parseTransportMessage(value, members);
  } catch (e) {
    assert.fail(`parseTransportMessage threw ${(e as Error).stack}`);
  }
  if (!parsed.ok) return;
  const m = parsed.message;
  if (m.t === 'links') assert.ok(m.m.every((x) => members.has(x)));
  else {
    assert.ok(members.has(m.from) && members.has(m.to) && (m.h === 0 || m.h === 1));
    decideRelay(m, 2, 1, () => true);
  }
}

describe('fuzz: transport frames', () => {
  test('link lists and relayed signals: mutated values are parsed or refused, never thrown on', () => {
    fc.assert(
      fc.property(fc.oneof(mutatedValue(transportSamples), fc.anything()), (value) => {
        let chunk: Uint8Array;
        try {
          chunk = transportChunk(value);
        } catch {
          return; // does not fit one chunk: never sent
        }
        const got = new Reassembler().push(chunk);
        assert.equal(got?.kind, 'transport');
        parseChecked(got.value);
      }),
      fuzzParameters(250),
    );
  });

  test('transport chunks: mutated bytes are refused by the framing or parsed', () => {
    const chunks = transportSamples.map((v) => transportChunk(v));
    fc.assert(
      fc.property(mutatedBytes(chunks), (chunk) => {
        let got;
        try {
          got = new Reassembler().push(chunk);
        } catch (e) {
          assert.ok(e instanceof FramingError, `Reassembler threw ${String(e)} on ${hex(chunk)}`);
          return;
        }
        if (got?.kind === 'transport') parseChecked(got.value);
      }),
      fuzzParameters(250),
    );
  });

  test('hello and proof control frames (before authentication): the version check never throws', () => {
    const samples = [
      { t: 'hello', n: new Uint8Array(32), v: 2 },
      { t: 'hello', n: new Uint8Array(32) },
      { t: 'proof', p: new Uint8Array(32) },
    ];
    fc.assert(
      fc.property(fc.oneof(mutatedValue(samples), fc.anything()), (value) => {
        let chunk: Uint8Array;
        try {
          chunk = controlChunk(value);
        } catch {
          return;
        }
        const got = new Reassembler().push(chunk);
        assert.equal(got?.kind, 'control');
        const problem = wireVersionProblem(got.kind === 'control' ? got.value : undefined, 2, '3');
        assert.ok(problem === null || typeof problem === 'string');
      }),
      fuzzParameters(250),
    );
  });

  test('BroadcastChannel: any frame from a same-origin tab is handled without a throw', async () => {
    let deliver: ((data: unknown) => void) | undefined;
    class FakeChannel implements BroadcastChannelLike {
      constructor(_name: string) {}
      postMessage(): void {}
      addEventListener(_type: 'message', listener: (event: { data: unknown }) => void): void {
        deliver = (data) => listener({ data });
      }
      close(): void {}
    }
    const s = new BroadcastSignalling({ room: 'fuzz', secret: 's', memberId: '1', BroadcastChannel: FakeChannel, heartbeatMs: 60_000 });
    const signals: unknown[] = [];
    s.on('signal', (from, data) => {
      assert.equal(typeof from, 'string');
      signals.push(data);
    });
    await s.join();
    const samples: unknown[] = [
      { t: 'hello', from: '2', inst: 'aa' },
      { t: 'beat', from: '2', inst: 'aa' },
      { t: 'here', from: '3', inst: 'bb', to: '1' },
      { t: 'signal', from: '2', inst: 'aa', to: '1', data: { s: 'x', d: { type: 'offer', sdp: 'v=0' } } },
      { t: 'signal', from: '2', inst: 'aa', to: '1', toInst: s.instance, data: { s: 'x', d: { candidate: 'c' } } },
      { t: 'bye', from: '2', inst: 'aa' },
    ];
    try {
      fc.assert(
        fc.property(fc.oneof(mutatedValue(samples), fc.anything()), (frame) => {
          try {
            deliver!(frame);
          } catch (e) {
            assert.fail(`a BroadcastChannel frame threw ${(e as Error).stack}`);
          }
          for (const id of s.members()) assert.ok(typeof id === 'string' && id.length > 0 && id.length <= 64, `member id ${String(id)}`);
        }),
        fuzzParameters(250),
      );
    } finally {
      await s.close();
    }
  });
});
