/**
 * `npm run bench:trace`: from the members' pipeline traces (src/node/pipeline-recorder.ts), how long
 * each step of a write takes, zxid by zxid, across members: the leader proposes, each follower reads
 * the PROPOSAL, writes it, ACKs; the leader reads the ACKs and commits; the client's member reads the
 * COMMIT and applies. The processes share a wall clock with sub-ms precision, so steps that cross
 * members are measured too. Pure: unit-tested in test/unit/bench.
 */
import { PIPELINE_STAGES, type PipelineStage } from '../../src/server/pipeline-trace.js';
import { percentile, sortedCopy } from './stats.js';

export interface TraceEvent {
  readonly atMs: number;
  readonly stage: PipelineStage;
  readonly counter: number;
  readonly peer: number;
}

/** The recorder's file: float64 quads (wall ms, stage index, zxid counter, peer). */
export function parseTrace(bytes: Uint8Array): TraceEvent[] {
  const copy = new Uint8Array(bytes.length - (bytes.length % 32));
  copy.set(bytes.subarray(0, copy.length));
  const f = new Float64Array(copy.buffer);
  const out: TraceEvent[] = [];
  for (let i = 0; i + 3 < f.length; i += 4) {
    const stage = PIPELINE_STAGES[f[i + 1]!];
    if (stage) out.push({ atMs: f[i]!, stage, counter: f[i + 2]!, peer: f[i + 3]! });
  }
  return out;
}

export interface StepRow {
  readonly label: string;
  readonly count: number;
  readonly p50: number;
  readonly mean: number;
  readonly p90: number;
  readonly p99: number;
}

export interface BatchRow {
  readonly member: number;
  readonly writes: number;
  readonly meanTxns: number;
  /** Share of storage writes that held exactly one txn. */
  readonly oneTxnShare: number;
}

export interface PipelineSummary {
  readonly txns: number;
  readonly steps: readonly StepRow[];
  readonly batches: readonly BatchRow[];
}

type At = (counter: number) => number | undefined;

/** First time a stage reached `counter` or beyond (cumulative stages: storage batches, ACKs, COMMITs). */
function firstReaching(events: readonly TraceEvent[], stage: PipelineStage, peer?: number): At {
  const times: number[] = [];
  const counters: number[] = [];
  for (const e of events) {
    if (e.stage !== stage || (peer !== undefined && e.peer !== peer)) continue;
    if (counters.length === 0 || e.counter > counters[counters.length - 1]!) {
      times.push(e.atMs);
      counters.push(e.counter);
    }
  }
  return (z) => {
    let lo = 0;
    let hi = counters.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (counters[mid]! < z) lo = mid + 1;
      else hi = mid;
    }
    return lo < counters.length ? times[lo] : undefined;
  };
}

/** First time a stage happened for exactly `counter` (per-txn stages). */
function firstFor(events: readonly TraceEvent[], stage: PipelineStage, peer?: number): At {
  const at = new Map<number, number>();
  for (const e of events) if (e.stage === stage && (peer === undefined || e.peer === peer) && !at.has(e.counter)) at.set(e.counter, e.atMs);
  return (z) => at.get(z);
}

/**
 * `traces`: each member's events; `leader` and `clientMember` as the benchmark knew them; only txns
 * the leader proposed within [fromMs, toMs] count.
 */
export function summarizePipeline(traces: ReadonlyMap<number, readonly TraceEvent[]>, leader: number, clientMember: number, fromMs = -Infinity, toMs = Infinity): PipelineSummary {
  const L = traces.get(leader) ?? [];
  const proposedAt = new Map<number, number>();
  for (const e of L) if (e.stage === 'proposed' && !proposedAt.has(e.counter) && e.atMs >= fromMs && e.atMs <= toMs) proposedAt.set(e.counter, e.atMs);
  const zs = [...proposedAt.keys()].sort((a, b) => a - b);
  const steps: { label: string; from: At; to: At }[] = [];
  const proposed: At = (z) => proposedAt.get(z);
  const tag = (id: number): string => `member ${id}${id === leader ? ' (leader)' : ''}${id === clientMember ? " (client's)" : ''}`;
  steps.push({ label: `${tag(leader)}: proposed → own write started`, from: proposed, to: firstReaching(L, 'writeStart') });
  steps.push({ label: `${tag(leader)}: own write`, from: firstReaching(L, 'writeStart'), to: firstReaching(L, 'writeEnd') });
  const followers = [...traces.keys()].filter((id) => id !== leader).sort((a, b) => a - b);
  for (const f of followers) {
    const F = traces.get(f)!;
    const received = firstFor(F, 'received', leader);
    const writeStart = firstReaching(F, 'writeStart');
    const writeEnd = firstReaching(F, 'writeEnd');
    steps.push({ label: `${tag(f)}: proposed → PROPOSAL read`, from: proposed, to: received });
    steps.push({ label: `${tag(f)}: read → write started`, from: received, to: writeStart });
    steps.push({ label: `${tag(f)}: write`, from: writeStart, to: writeEnd });
    steps.push({ label: `${tag(f)}: write done → ACK sent`, from: writeEnd, to: firstReaching(F, 'ackSent', leader) });
    steps.push({ label: `${tag(leader)}: proposed → ACK of member ${f} read`, from: proposed, to: firstReaching(L, 'ackReceived', f) });
  }
  const commitSent = firstReaching(L, 'commitSent', clientMember !== leader ? clientMember : undefined);
  steps.push({ label: `${tag(leader)}: proposed → COMMIT sent`, from: proposed, to: commitSent });
  const C = traces.get(clientMember) ?? [];
  const delivered = firstFor(C, 'delivered');
  if (clientMember !== leader) {
    const commitReceived = firstReaching(C, 'commitReceived', leader);
    steps.push({ label: `${tag(clientMember)}: COMMIT sent → read`, from: commitSent, to: commitReceived });
    steps.push({ label: `${tag(clientMember)}: COMMIT read → applied`, from: commitReceived, to: delivered });
  }
  steps.push({ label: `proposed → applied on the client's member`, from: proposed, to: delivered });

  const rows: StepRow[] = steps.map(({ label, from, to }) => {
    const d: number[] = [];
    for (const z of zs) {
      const a = from(z);
      const b = to(z);
      if (a !== undefined && b !== undefined) d.push(b - a);
    }
    const s = sortedCopy(d);
    return { label, count: d.length, p50: percentile(s, 50), mean: d.length ? d.reduce((x, y) => x + y, 0) / d.length : Number.NaN, p90: percentile(s, 90), p99: percentile(s, 99) };
  });

  const batches: BatchRow[] = [...traces.keys()].sort((a, b) => a - b).map((member) => {
    const sizes: number[] = [];
    let last: number | undefined;
    for (const e of traces.get(member)!) {
      if (e.stage !== 'writeStart' || e.atMs < fromMs || e.atMs > toMs) continue;
      if (last !== undefined && e.counter > last) sizes.push(e.counter - last);
      last = last === undefined ? e.counter : Math.max(last, e.counter);
    }
    return { member, writes: sizes.length, meanTxns: sizes.length ? sizes.reduce((x, y) => x + y, 0) / sizes.length : Number.NaN, oneTxnShare: sizes.length ? sizes.filter((n) => n === 1).length / sizes.length : Number.NaN };
  });
  return { txns: zs.length, steps: rows, batches };
}

export function formatPipeline(s: PipelineSummary): string[] {
  const width = Math.max(...s.steps.map((r) => r.label.length));
  const n = (v: number): string => (Number.isNaN(v) ? '-' : v.toFixed(2)).padStart(7);
  const lines = [`${'step (ms)'.padEnd(width)}   txns      p50     mean      p90      p99`];
  for (const r of s.steps) lines.push(`${r.label.padEnd(width)} ${String(r.count).padStart(6)} ${n(r.p50)}  ${n(r.mean)}  ${n(r.p90)}  ${n(r.p99)}`);
  lines.push('');
  for (const b of s.batches) {
    lines.push(`member ${b.member}: ${b.writes} storage writes, ${Number.isNaN(b.meanTxns) ? '-' : b.meanTxns.toFixed(1)} txns each on average, ${Number.isNaN(b.oneTxnShare) ? '-' : (b.oneTxnShare * 100).toFixed(0)}% with one txn`);
  }
  return lines;
}
