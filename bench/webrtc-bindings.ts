/**
 * The two WebRTC bindings a Node member can run (src/node/webrtc-binding.ts) side by side: two
 * simple-peer ends in this process, 100-byte messages. Per binding, in alternating rounds:
 *   burst: BURST messages sent back to back (each a channel send), until the last one arrives: msgs/s;
 *   round trip: one message, echoed, ROUNDTRIPS times one after the other: p50 and p99.
 * Both ends share one process and its CPU, as a leader's links share its main thread.
 *
 *   npx tsx bench/webrtc-bindings.ts [--rounds 3] [--burst 20000] [--roundtrips 2000]
 * Prints one JSON line per measurement, then a summary with the load average.
 */
import { loadavg } from 'node:os';
import SimplePeer from 'simple-peer';
import { WEBRTC_BINDINGS, acquireWebRtcBinding, type WebRtcBindingName } from '../src/node/webrtc-binding.js';

const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const ROUNDS = arg('rounds', 3);
const BURST = arg('burst', 20_000);
const ROUNDTRIPS = arg('roundtrips', 2_000);
const MESSAGE = new Uint8Array(100).fill(7);

interface Pair {
  a: SimplePeer.Instance;
  b: SimplePeer.Instance;
}

async function connect(wrtc: unknown): Promise<Pair> {
  // No ICE servers: both ends are on this machine, host candidates suffice.
  const config = { iceServers: [] };
  const a = new SimplePeer({ initiator: true, trickle: true, wrtc: wrtc as SimplePeer.Options['wrtc'], config });
  const b = new SimplePeer({ initiator: false, trickle: true, wrtc: wrtc as SimplePeer.Options['wrtc'], config });
  a.on('signal', (s: SimplePeer.SignalData) => b.signal(s));
  b.on('signal', (s: SimplePeer.SignalData) => a.signal(s));
  await Promise.all([new Promise((r) => a.once('connect', r)), new Promise((r) => b.once('connect', r))]);
  return { a, b };
}

async function burst({ a, b }: Pair): Promise<number> {
  let got = 0;
  const done = new Promise<void>((resolve) => {
    b.on('data', () => {
      if (++got === BURST) resolve();
    });
  });
  const t0 = performance.now();
  for (let i = 0; i < BURST; i++) {
    a.send(MESSAGE);
    // Yield now and then so the receiving end's callbacks run and buffers stay bounded.
    if (i % 500 === 499) await new Promise((r) => setImmediate(r));
  }
  await done;
  const ms = performance.now() - t0;
  b.removeAllListeners('data');
  return Math.round((BURST / ms) * 1000);
}

async function roundTrips(pair: Pair): Promise<{ p50: number; p99: number }> {
  const { a, b } = pair;
  b.on('data', (d: Uint8Array) => b.send(d));
  const samples: number[] = [];
  for (let i = 0; i < ROUNDTRIPS; i++) {
    const back = new Promise((r) => a.once('data', r));
    const t0 = performance.now();
    a.send(MESSAGE);
    await back;
    samples.push(performance.now() - t0);
  }
  b.removeAllListeners('data');
  samples.sort((x, y) => x - y);
  const at = (q: number): number => Number(samples[Math.min(samples.length - 1, Math.floor(q * samples.length))]!.toFixed(3));
  return { p50: at(0.5), p99: at(0.99) };
}

const results: Record<string, { burst: number[]; p50: number[]; p99: number[] }> = {};
const loadBefore = loadavg()[0]!;
for (let round = 0; round < ROUNDS; round++) {
  for (const name of WEBRTC_BINDINGS as readonly WebRtcBindingName[]) {
    const binding = await acquireWebRtcBinding(name);
    const pair = await connect(binding.wrtc);
    const perSecond = await burst(pair);
    const rt = await roundTrips(pair);
    pair.a.destroy();
    pair.b.destroy();
    const r = (results[name] ??= { burst: [], p50: [], p99: [] });
    r.burst.push(perSecond);
    r.p50.push(rt.p50);
    r.p99.push(rt.p99);
    console.log(JSON.stringify({ round, binding: name, burstMsgsPerSec: perSecond, roundTripP50Ms: rt.p50, roundTripP99Ms: rt.p99, load1: loadavg()[0]!.toFixed(1) }));
    // Released only at the very end: node-datachannel's cleanup ends its threads for the process.
    if (round === ROUNDS - 1) binding.release();
  }
}
const span = (xs: number[]): string => `${Math.min(...xs)}–${Math.max(...xs)}`;
console.log(`\n${ROUNDS} rounds, 100-byte messages, load average ${loadBefore.toFixed(1)} → ${loadavg()[0]!.toFixed(1)} (${(await import('node:os')).cpus().length} CPUs)`);
for (const [name, r] of Object.entries(results)) {
  console.log(`${name.padEnd(12)} burst ${span(r.burst)} msgs/s   round trip p50 ${span(r.p50)} ms, p99 ${span(r.p99)} ms`);
}
