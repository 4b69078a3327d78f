/**
 * Fuzz of signalling, both ways, over real sockets. The real server runs in-process; hostile
 * connections send it mutated join and signal frames (as values, as text, as binary), some of them
 * relayed to a real client that has joined the room; a good pair of clients must still be introduced
 * after every few cases and the server must never hit its internal-error path. The other way, a
 * fake server sends a real SignallingClient mutated server frames: nothing may throw out of its
 * socket's message handler (that would end the process).
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { WebSocket, WebSocketServer } from 'ws';
import { SignallingClient } from '../../../src/signalling/client.js';
import { computeJoinProof, deriveRoomKey } from '../../../src/signalling/proof.js';
import { startSignallingServer, type SignallingServer } from '../../../src/signalling/server.js';
import { announceFuzzRun, fuzzParameters } from './fuzz-options.js';

announceFuzzRun('signalling.fuzz.test.ts');
import { mutatedBytes, mutatedValue } from './mutate.js';

const toJson = (v: unknown): string => JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? Number(x) : x instanceof Uint8Array ? Array.from(x) : x)) ?? 'null';

/** Uncaught exceptions while `body` runs, instead of a dead test process. */
async function catchingUncaught(body: () => Promise<void>): Promise<unknown[]> {
  const seen: unknown[] = [];
  const onError = (err: unknown): void => void seen.push(err);
  process.on('uncaughtException', onError);
  try {
    await body();
  } finally {
    process.off('uncaughtException', onError);
  }
  return seen;
}

function client(url: string, room: string, memberId: string, secret = 's3cret'): SignallingClient {
  return new SignallingClient({ url, room, memberId, secret, WebSocket });
}

/** A fresh pair in a fresh room is introduced and can signal: the server still does its job. */
async function stillServes(url: string, secret = 's3cret', room = `healthy-${Math.random()}`): Promise<void> {
  const a = client(url, room, 'a', secret);
  const b = client(url, room, 'b', secret);
  await a.join();
  assert.deepEqual(await b.join(), ['a']);
  const got = new Promise<unknown>((resolve) => b.on('signal', (_from, data) => resolve(data)));
  a.signal('b', { type: 'offer', sdp: 'v=0' });
  assert.deepEqual(await got, { type: 'offer', sdp: 'v=0' });
  await Promise.all([a.close(), b.close()]);
}

type Frame = { kind: 'text'; text: string } | { kind: 'binary'; bytes: Uint8Array };

describe('fuzz: signalling server', () => {
  const log: string[] = [];
  let open: SignallingServer;
  let configured: SignallingServer;
  let victim: SignallingClient;
  const victimSignals: unknown[] = [];

  before(async () => {
    open = await startSignallingServer({ port: 0, log: (l) => log.push(l), maxMessagesPerSecond: 10_000 });
    configured = await startSignallingServer({ port: 0, log: (l) => log.push(l), roomSecretCheck: (r) => (r === 'demo' ? 's3cret' : undefined), maxMessagesPerSecond: 10_000 });
    // A real member of the room the hostile frames aim at: whatever they relay reaches its client.
    victim = client(open.url, 'r', 'victim');
    victim.on('signal', (_from, data) => victimSignals.push(data));
    await victim.join();
  });

  after(async () => {
    await victim.close();
    await open.close();
    await configured.close();
  });

  test('mutated frames from unauthenticated and joined connections never take the server down', async () => {
    const key = await deriveRoomKey('s3cret', 'r');
    const samples = [
      { type: 'join', room: 'r', memberId: '2', proof: 'ab'.repeat(32) },
      { type: 'join', room: 'demo', memberId: '2', proof: 'ab'.repeat(32), verifier: 'cd'.repeat(32) },
      { type: 'signal', to: 'victim', data: { type: 'offer', sdp: 'v=0' } },
      { type: 'signal', to: 'victim', data: { s: 'abc', d: { candidate: 'c', sdpMid: '0' } } },
    ];
    const textSamples = samples.map((s) => new TextEncoder().encode(JSON.stringify(s)));
    const frame: fc.Arbitrary<Frame> = fc.oneof(
      { weight: 4, arbitrary: mutatedValue(samples).map((v): Frame => ({ kind: 'text', text: toJson(v) })) },
      { weight: 3, arbitrary: mutatedBytes(textSamples).map((b): Frame => ({ kind: 'text', text: new TextDecoder().decode(b) })) },
      { weight: 1, arbitrary: fc.jsonValue().map((v): Frame => ({ kind: 'text', text: JSON.stringify(v) })) },
      { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }).map((bytes): Frame => ({ kind: 'binary', bytes })) },
    );
    let cases = 0;
    const uncaught = await catchingUncaught(async () => {
      await fc.assert(
        fc.asyncProperty(fc.boolean(), fc.boolean(), fc.array(frame, { minLength: 1, maxLength: 6 }), async (toConfigured, joinFirst, frames) => {
          const server = toConfigured ? configured : open;
          const ws = new WebSocket(server.url);
          ws.on('error', () => {});
          const closed = once(ws, 'close');
          const hello = new Promise<{ challenge: string }>((resolve) => ws.once('message', (d) => resolve(JSON.parse(String(d)) as { challenge: string })));
          await once(ws, 'open');
          const { challenge } = await hello;
          if (joinFirst && !toConfigured) {
            // Authenticated, as far as the server can tell: its signals are relayed to the victim.
            const memberId = `m${cases}`;
            ws.send(JSON.stringify({ type: 'join', room: 'r', memberId, proof: await computeJoinProof(key, challenge, 'r', memberId) }));
          }
          for (const f of frames) {
            if (ws.readyState !== WebSocket.OPEN) break;
            if (f.kind === 'text') ws.send(f.text);
            else ws.send(f.bytes, { binary: true });
          }
          ws.close();
          await closed;
          if (++cases % 25 === 0) await stillServes(open.url);
        }),
        fuzzParameters(120),
      );
      await stillServes(open.url);
      await stillServes(configured.url, 's3cret', 'demo');
    });
    assert.deepEqual(uncaught, [], 'an exception escaped');
    assert.deepEqual(log.filter((l) => l.startsWith('internal error')), [], 'the server hit its internal-error path');
  });
});

describe('fuzz: signalling client', () => {
  test('mutated server frames never throw out of the client', async () => {
    const samples = [
      { type: 'hello', v: 1, challenge: 'ab'.repeat(32), mode: 'open' },
      { type: 'peers', room: 'r', members: ['2', '3'] },
      { type: 'peer-joined', memberId: '4' },
      { type: 'peer-left', memberId: '2' },
      { type: 'signal', from: '3', data: { type: 'offer', sdp: 'v=0' } },
      { type: 'error', code: 'unknown-room', message: 'empty' },
    ];
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await once(wss, 'listening');
    const url = `ws://127.0.0.1:${(wss.address() as { port: number }).port}`;
    let script: string[] = [];
    wss.on('connection', (ws) => {
      for (const text of script) ws.send(text);
      ws.close();
    });
    try {
      const uncaught = await catchingUncaught(async () => {
        await fc.assert(
          fc.asyncProperty(fc.array(fc.oneof(mutatedValue(samples), fc.constantFrom(...samples)), { minLength: 1, maxLength: 8 }), async (frames) => {
            script = [toJson(samples[0]), ...frames.map(toJson)];
            const c = client(url, 'r', '1');
            c.on('error', () => {});
            const closed = new Promise<void>((resolve) => c.on('close', () => resolve()));
            const done = Promise.all([c.join().catch(() => {}), closed]);
            let timer: ReturnType<typeof setTimeout> | undefined;
            const stuck = new Promise<'stuck'>((resolve) => (timer = setTimeout(() => resolve('stuck'), 3000)));
            const outcome = await Promise.race([done, stuck]);
            clearTimeout(timer);
            assert.notEqual(outcome, 'stuck', 'the client never saw its connection close');
          }),
          fuzzParameters(120),
        );
      });
      assert.deepEqual(uncaught.map(String), [], 'an exception escaped the client');
    } finally {
      await new Promise((resolve) => wss.close(resolve));
    }
  });
});
