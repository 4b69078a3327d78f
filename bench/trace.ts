/**
 * `npm run bench:trace`: where a write's time goes, step by step and member by member. Starts the
 * benchmark's peerkeeper target (3 `peerkeeper node` processes, WebRTC, fsync'd files) with every
 * member recording its write pipeline (`--trace-file`), runs setData of 100-byte values from one
 * client on a follower, stops the members (they save their traces) and prints, per zxid: leader
 * proposes → each follower reads the PROPOSAL, writes it, ACKs → the leader reads the ACKs and
 * commits → the client's member reads the COMMIT and applies; plus the storage batch sizes.
 *
 *   npm run bench:trace [-- --outstanding 128 --seconds 8 --warmup 2 --webrtc datachannel|roamhq]
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { killEverything } from './lib/cleanup.js';
import { formatPipeline, parseTrace, summarizePipeline, type TraceEvent } from './lib/pipeline-summary.js';
import { PeerkeeperTarget } from './targets/peerkeeper.js';
import { DEFAULT_WEBRTC_BINDING, WEBRTC_BINDINGS, isWebRtcBindingName } from '../src/node/webrtc-binding.js';

const { values: args } = parseArgs({ options: { outstanding: { type: 'string' }, seconds: { type: 'string' }, warmup: { type: 'string' }, webrtc: { type: 'string' } }, strict: true });
const outstanding = Number(args.outstanding ?? 128);
const seconds = Number(args.seconds ?? 8);
const warmup = Number(args.warmup ?? 2);
if (![outstanding, seconds, warmup].every((n) => Number.isFinite(n) && n >= 0) || outstanding < 1) throw new Error('--outstanding ≥ 1, --seconds and --warmup ≥ 0');

const webrtc = args.webrtc ?? DEFAULT_WEBRTC_BINDING;
if (!isWebRtcBindingName(webrtc)) throw new Error(`--webrtc: one of ${WEBRTC_BINDINGS.join(', ')}`);

const dir = mkdtempSync(join(tmpdir(), 'peerkeeper-trace-'));
const target = new PeerkeeperTarget({ traceDir: dir, webrtc });
const wall = (): number => performance.timeOrigin + performance.now();
/** Starts the members, runs the load, and stops them (they save their traces as they stop). */
async function traced(): Promise<{ leader: number; clientMember: number; from: number; to: number; done: number }> {
  try {
    await target.start();
    const s = await target.settled();
    const clientMember = s.followers[0] ?? s.leader;
    const client = await target.client([clientMember], 10_000);
    const value = new TextEncoder().encode('x'.repeat(100));
    await client.ensure('/trace', value);
    console.error(`leader: member ${s.leader}; client on member ${clientMember}; webrtc ${webrtc}; ${outstanding} outstanding, ${warmup} s warm-up, ${seconds} s traced`);
    const from = wall() + warmup * 1000;
    const to = from + seconds * 1000;
    let done = 0;
    await Promise.all(
      Array.from({ length: outstanding }, async () => {
        while (wall() < to) {
          await client.setData('/trace', value);
          if (wall() >= from) done++;
        }
      }),
    );
    return { leader: s.leader, clientMember, from, to, done };
  } finally {
    await target.stop();
  }
}

try {
  const run = await traced();
  const traces = new Map<number, readonly TraceEvent[]>();
  for (const id of target.ids) traces.set(id, parseTrace(readFileSync(join(dir, `member-${id}.trace`))));
  const summary = summarizePipeline(traces, run.leader, run.clientMember, run.from, run.to);
  console.log(`setData ×${outstanding}: ${Math.round(run.done / seconds)} ops/s while traced (tracing costs a little); ${summary.txns} txns in the window`);
  for (const line of formatPipeline(summary)) console.log(line);
} finally {
  rmSync(dir, { recursive: true, force: true });
  killEverything();
}
