/**
 * The rows, run the same way against every target through the BenchClient adapter:
 *   setData ×1/×16/×128   100-byte values, that many requests outstanding on one connection to a follower
 *   create+delete ×16     EPHEMERAL_SEQUENTIAL create then delete of the returned path, 16 pairs in flight
 *   getData ×128          a 100-byte node, 128 outstanding, same follower connection
 *   leader failover       kill -9 the leader; time until a write from a client connected to the other
 *                         members succeeds again (median of trials; the old leader rejoins between trials)
 *   ephemeral cleanup     kill -9 a provider process holding an ephemeral in a 4 s session; time until
 *                         a watching consumer sees it gone (median of trials)
 */
import type { BenchClient } from './lib/adapter.js';
import { sleep, withTimeout } from './lib/adapter.js';
import { cpuSnapshot, foreignCpuShare, type CpuSnapshot } from './lib/cpu.js';
import { closedLoop, combineRounds, type LoadResult } from './lib/load.js';
import type { Progress } from './lib/progress.js';
import type { Cell, RowSpec } from './lib/report.js';
import { median } from './lib/stats.js';
import type { Settled, Target } from './targets/target.js';

export const ROWS: readonly RowSpec[] = [
  { key: 'set1', label: 'setData ×1', kind: 'throughput', unit: 'ops/s' },
  { key: 'set16', label: 'setData ×16', kind: 'throughput', unit: 'ops/s' },
  { key: 'set128', label: 'setData ×128', kind: 'throughput', unit: 'ops/s' },
  { key: 'createDelete16', label: 'create+delete eph-seq ×16', kind: 'throughput', unit: 'pairs/s' },
  { key: 'get128', label: 'getData ×128', kind: 'throughput', unit: 'ops/s' },
  { key: 'failover', label: 'leader failover', kind: 'time', unit: 'ms' },
  { key: 'ephemeral', label: 'ephemeral cleanup', kind: 'time', unit: 'ms' },
];

export interface ScenarioOptions {
  /** Measured per round of a throughput row. */
  readonly measureMs: number;
  /** Rounds of each throughput row (all targets take their turn each round). */
  readonly rounds: number;
  readonly warmupMs: number;
  /** Unmeasured load before the first row (JIT warm-up of both servers and clients). */
  readonly targetWarmupMs: number;
  readonly trials: number;
  readonly rows: ReadonlySet<string>;
  readonly sessionTimeoutMs: number;
  readonly providerSessionMs: number;
}

const VALUE = new Uint8Array(100).fill(0x61);
const ROOT = '/bench';
const MAX_OUTSTANDING = 128;
/** Flag a row when processes other than the benchmark's used this share of the CPU during it. */
const FOREIGN_CPU_WARN = 0.2;
/** Flag a row whose fastest round did this many times the slowest one's work. */
const ROUND_SPREAD_WARN = 1.5;

type Throughput = { key: string; outstanding: number; op: (c: BenchClient) => (slot: number) => Promise<unknown> };

const THROUGHPUT: readonly Throughput[] = [
  { key: 'set1', outstanding: 1, op: (c) => (slot) => c.setData(`${ROOT}/s${slot}`, VALUE) },
  { key: 'set16', outstanding: 16, op: (c) => (slot) => c.setData(`${ROOT}/s${slot}`, VALUE) },
  { key: 'set128', outstanding: 128, op: (c) => (slot) => c.setData(`${ROOT}/s${slot}`, VALUE) },
  {
    key: 'createDelete16',
    outstanding: 16,
    op: (c) => async () => {
      const path = await c.create(`${ROOT}/eph/n-`, VALUE, 'EPHEMERAL_SEQUENTIAL');
      await c.delete(path);
    },
  },
  { key: 'get128', outstanding: 128, op: (c) => () => c.getData(`${ROOT}/get`) },
];

/**
 * One target through the run: started, settled, a client pinned to a follower, warmed up. The rows
 * then run target after target (row 1 on every target, row 2 on every target, …) so that whatever
 * else the machine is doing at the time weighs on both sides of each ratio alike.
 */
export class TargetRun {
  readonly cells: Record<string, Cell> = {};
  /** Set when the target could not start or stopped serving: its remaining rows are not run. */
  failure: string | undefined;
  private client: BenchClient | null = null;
  private follower = 0;
  /** Throughput rows run in rounds (target after target each round); their results so far. */
  private readonly rounds = new Map<string, RoundsSoFar>();

  constructor(
    readonly target: Target,
    private readonly o: ScenarioOptions,
    private readonly progress: Progress,
  ) {}

  async setup(): Promise<void> {
    const { target, o, progress } = this;
    try {
      const t0 = Date.now();
      progress.begin(`${target.label}: starting`);
      await target.start();
      const s = await target.settled(90_000);
      progress.log(`${target.label}: up in ${((Date.now() - t0) / 1000).toFixed(1)} s, leader ${s.leader}`);
      if (!THROUGHPUT.some((t) => o.rows.has(t.key))) return;
      // One connection to a follower (the usual case: most clients of an ensemble are on followers).
      this.follower = s.followers[0]!;
      const client = await target.client([this.follower], o.sessionTimeoutMs);
      this.client = client;
      // Retried: on a machine this busy a JVM at tick 50 can drop a fresh connection once (the
      // client reconnects by itself), which used to cost the target every row of the run.
      await retry(async () => {
        await client.ensure(ROOT, VALUE);
        await client.ensure(`${ROOT}/eph`, VALUE);
        await client.ensure(`${ROOT}/get`, VALUE);
        await Promise.all(Array.from({ length: MAX_OUTSTANDING }, (_, i) => client.ensure(`${ROOT}/s${i}`, VALUE)));
      }, 30_000);
      if (o.targetWarmupMs > 0) {
        progress.begin(`${target.label}: warm-up`);
        // Every row's operations, at high concurrency: the JVMs' JIT (and V8's) needs thousands of
        // each before it settles (with 3 s of setData/getData, ZooKeeper's first round of a row
        // still ran at half the speed of its second).
        const w = target.inPageLoad
          ? await target.inPageLoad({ key: 'set128', memberId: this.follower, outstanding: 64, warmupMs: 0, measureMs: o.targetWarmupMs })
          : await closedLoop({
              outstanding: 64,
              warmupMs: 0,
              measureMs: o.targetWarmupMs,
              op: (slot) => {
                const kind = slot % 3;
                if (kind === 0) return client.setData(`${ROOT}/s${slot}`, VALUE);
                if (kind === 1) return client.getData(`${ROOT}/get`);
                return client.create(`${ROOT}/eph/n-`, VALUE, 'EPHEMERAL_SEQUENTIAL').then((p) => client.delete(p));
              },
              onProgress: (_phase, n, ms) => progress.update(`${n} ops, ${(ms / 1000).toFixed(1)} s`),
            });
        if (w.ops === 0) throw new Error(`warm-up completed no operation: ${w.firstError ?? '?'}`);
      }
    } catch (err) {
      this.fail(err);
    }
  }

  /** A throughput row (set1, set16, set128, createDelete16, get128). */
  async throughput(key: string, hooks: RowHooks = {}): Promise<void> {
    const { target, o, progress } = this;
    const t = THROUGHPUT.find((x) => x.key === key);
    const row = ROWS.find((r) => r.key === key);
    if (!t || !row) throw new Error(`no throughput row ${key}`);
    if (this.na(key) || this.failure !== undefined || !this.client) return;
    const client = this.client;
    progress.begin(`${target.label}: ${row.label}`);
    try {
      const start = await target.settled(20_000);
      await hooks.beforeRow?.(t.key);
      let cpuFrom: CpuSnapshot | null = null;
      const cpuTimer = setTimeout(() => (cpuFrom = cpuSnapshot()), o.warmupMs);
      // A loop inside the target reports nothing until it is done: show the time at least.
      const began = performance.now();
      const ticker = target.inPageLoad ? setInterval(() => progress.update(`running in the tab, ${((performance.now() - began) / 1000).toFixed(1)} s`), 250) : undefined;
      let r: LoadResult;
      try {
        r = target.inPageLoad
          ? await target.inPageLoad({ key, memberId: this.follower, outstanding: t.outstanding, warmupMs: o.warmupMs, measureMs: o.measureMs })
          : await closedLoop({
              outstanding: t.outstanding,
              warmupMs: o.warmupMs,
              measureMs: o.measureMs,
              op: t.op(client),
              onProgress: (phase, n, ms) => progress.update(`${phase} ${n} ${row.unit === 'pairs/s' ? 'pairs' : 'ops'}, ${(ms / 1000).toFixed(1)} s`),
            });
      } finally {
        clearTimeout(cpuTimer);
        clearInterval(ticker);
      }
      const foreign = foreignCpuShare(cpuFrom, cpuSnapshot());
      await hooks.afterRow?.(t.key);
      const end = await target.settled(20_000);
      const roundNotes = leaderNotes(start, end);
      if (r.errors > 0) roundNotes.push(`${r.errors} errors, first: ${r.firstError}`);
      const acc = this.rounds.get(key) ?? { results: [], notes: [], foreign: [] };
      this.rounds.set(key, acc);
      acc.results.push(r);
      acc.notes.push(...roundNotes.map((n) => (o.rounds > 1 ? `round ${acc.results.length}: ${n}` : n)));
      if (foreign !== null) acc.foreign.push(foreign);
      this.cells[key] = throughputCell(acc, o.rounds);
      const round = o.rounds > 1 ? ` (round ${acc.results.length}/${o.rounds})` : '';
      const flag = [...roundNotes, ...(foreign !== null && foreign >= FOREIGN_CPU_WARN ? [`other processes used ${Math.round(foreign * 100)}% CPU`] : [])];
      progress.log(`  ${target.label}: ${row.label}${round}: ${Math.round(r.opsPerSec)} ${row.unit}, p50 ${r.p50Ms.toFixed(2)} ms, p99 ${r.p99Ms.toFixed(2)} ms${flag.length ? ` (${flag.join('; ')})` : ''}`);
    } catch (err) {
      this.cells[t.key] = { ok: false, error: message(err) };
      progress.log(`  ${target.label}: ${row.label}: FAILED ${message(err)}`);
      await this.checkAlive();
    }
  }

  async failover(): Promise<void> {
    if (this.na('failover') || this.failure !== undefined) return;
    await this.closeClient();
    this.cells.failover = await failoverRow(this.target, this.o, this.progress);
    await this.checkAlive();
  }

  async ephemeral(): Promise<void> {
    if (this.na('ephemeral') || this.failure !== undefined) return;
    this.cells.ephemeral = await ephemeralRow(this.target, this.o, this.progress);
    await this.checkAlive();
  }

  async teardown(): Promise<void> {
    this.progress.begin(`${this.target.label}: stopping`);
    await this.closeClient();
    await this.target.stop().catch((err: unknown) => this.progress.log(`${this.target.label}: stop: ${message(err)}`));
  }

  /** Records n/a for a row the target cannot run; true if so. */
  private na(key: string): boolean {
    const why = this.target.unsupported?.[key];
    if (why === undefined) return false;
    this.cells[key] = { ok: false, na: why };
    return true;
  }

  private async closeClient(): Promise<void> {
    await this.client?.close().catch(() => {});
    this.client = null;
  }

  private async checkAlive(): Promise<void> {
    try {
      await this.target.settled(30_000);
    } catch (err) {
      this.fail(err);
    }
  }

  private fail(err: unknown): void {
    this.failure = message(err);
    this.progress.log(`${this.target.label}: FAILED: ${this.failure}`);
  }
}

export const THROUGHPUT_KEYS: readonly string[] = THROUGHPUT.map((t) => t.key);

interface RoundsSoFar {
  readonly results: LoadResult[];
  readonly notes: string[];
  readonly foreign: number[];
}

/** A throughput row's cell from its rounds: ops over total time, latencies pooled, every note. */
function throughputCell(acc: RoundsSoFar, plannedRounds: number): Cell {
  const r = combineRounds(acc.results);
  const notes = [...acc.notes];
  const foreign = acc.foreign.length ? acc.foreign.reduce((a, b) => a + b, 0) / acc.foreign.length : null;
  if (foreign !== null && foreign >= FOREIGN_CPU_WARN) notes.push(`other processes used ${Math.round(foreign * 100)}% of the machine's CPU during the row`);
  const perRound = acc.results.map((x) => x.opsPerSec);
  if (perRound.length > 1 && Math.max(...perRound) > ROUND_SPREAD_WARN * Math.min(...perRound)) {
    notes.push(`rounds disagree: ${perRound.map((v) => Math.round(v)).join(' vs ')} per s`);
  }
  return {
    ok: r.ops > 0,
    ...(r.ops === 0 ? { error: r.firstError ?? 'no operation completed' } : {}),
    opsPerSec: r.opsPerSec,
    p50Ms: r.p50Ms,
    p99Ms: r.p99Ms,
    ops: r.ops,
    errors: r.errors,
    seconds: r.seconds,
    ...(plannedRounds > 1 ? { roundsOpsPerSec: perRound } : {}),
    ...(foreign !== null ? { foreignCpuPct: Math.round(foreign * 100) } : {}),
    ...(notes.length ? { notes } : {}),
  };
}

export interface RowHooks {
  beforeRow?(key: string): Promise<void> | void;
  afterRow?(key: string): Promise<void> | void;
}

function leaderNotes(a: Settled, b: Settled): string[] {
  return a.leader !== b.leader || a.epoch !== b.epoch ? [`leader changed during the row (member ${a.leader} epoch ${a.epoch} → member ${b.leader} epoch ${b.epoch})`] : [];
}

async function timeRow(target: Target, o: ScenarioOptions, progress: Progress, key: string, trial: (i: number) => Promise<{ ms: number; info?: string }>): Promise<Cell> {
  const row = ROWS.find((r) => r.key === key)!;
  progress.begin(`${target.label}: ${row.label}`);
  const samples: number[] = [];
  const notes: string[] = [];
  const info: string[] = [];
  for (let i = 0; i < o.trials; i++) {
    progress.update(`trial ${i + 1}/${o.trials}`);
    try {
      const r = await trial(i);
      samples.push(r.ms);
      if (r.info) info.push(`trial ${i + 1}: ${r.info}`);
      progress.update(`trial ${i + 1}/${o.trials}: ${Math.round(r.ms)} ms`);
    } catch (err) {
      notes.push(`trial ${i + 1} failed: ${message(err)}`);
      progress.log(`  ${target.label}: ${row.label}: trial ${i + 1} failed: ${message(err)}`);
      // The target may be in a bad way; let it settle before the next trial (or give up).
      try {
        await target.settled(30_000);
      } catch (e) {
        notes.push(`not settled after the failure: ${message(e).split('\n')[0]}`);
        break;
      }
    }
  }
  const m = median(samples);
  progress.log(`  ${target.label}: ${row.label}: median ${samples.length ? Math.round(m) : '-'} ms (trials ${samples.map((v) => Math.round(v)).join(', ')})`);
  return { ok: samples.length > 0, medianMs: m, samplesMs: samples, ...(samples.length === 0 ? { error: notes.join('; ') || 'no trial' } : {}), ...(notes.length ? { notes } : {}), ...(info.length ? { info } : {}) };
}

/**
 * kill -9 the leader; then probe with a write every 10 ms (≤ 20 in flight) until one succeeds; the
 * clock starts at the kill. (kill9 resolves once the process is gone, a few ms later: no write could
 * have succeeded in that gap, the leader being dead.)
 */
function failoverRow(target: Target, o: ScenarioOptions, progress: Progress): Promise<Cell> {
  return timeRow(target, o, progress, 'failover', async () => {
    const s = await target.settled(60_000);
    const client = await target.client(s.followers, Math.max(o.sessionTimeoutMs, 10_000));
    try {
      await client.ensure(`${ROOT}`, VALUE);
      await client.ensure(`${ROOT}/failover`, VALUE);
      for (let i = 0; i < 20; i++) await client.setData(`${ROOT}/failover`, VALUE);
      const t0 = await target.kill9(s.leader);
      let recovered: number | null = null;
      let inflight = 0;
      let lastError = '';
      while (recovered === null) {
        if (performance.now() - t0 > 60_000) throw new Error(`no write succeeded within 60 s of the kill (last error: ${lastError})`);
        if (inflight < 20) {
          inflight++;
          withTimeout(client.setData(`${ROOT}/failover`, VALUE), 10_000, 'setData')
            .then(
              () => {
                recovered ??= performance.now();
              },
              (err: unknown) => {
                lastError = message(err);
              },
            )
            .finally(() => inflight--);
        }
        await sleep(10);
      }
      const ms = recovered - t0;
      const after = await target.settled(60_000);
      return { ms, info: `member ${s.leader} killed → member ${after.leader} leads` };
    } finally {
      await client.close().catch(() => {});
      await target.restart(s.leader);
      await target.settled(60_000);
    }
  });
}

/** A provider process holds an ephemeral; kill -9 it; a consumer's watch times the cleanup. */
async function ephemeralRow(target: Target, o: ScenarioOptions, progress: Progress): Promise<Cell> {
  let consumer: BenchClient | null = null;
  try {
    return await timeRow(target, o, progress, 'ephemeral', async (i) => {
      await target.settled(60_000);
      consumer ??= await target.client(target.ids, Math.max(o.sessionTimeoutMs, 10_000));
      await consumer.ensure(ROOT, VALUE);
      const path = `${ROOT}/provider-${i}-${Date.now()}`;
      const provider = await target.provider(path, o.providerSessionMs);
      try {
        const c = consumer;
        // The consumer may be on another member that has not applied the create yet (reads are
        // local, as in ZooKeeper): look again until it sees the node, then the watch is set.
        const { gone } = await retry(() => c.watchDeletion(path), 5000);
        const t0 = performance.now();
        provider.proc.kill('SIGKILL');
        const t1 = await withTimeout(gone, o.providerSessionMs + 30_000, `watch on ${path}`);
        const negotiated = /timeout (\d+)/.exec(provider.registered)?.[1];
        return { ms: t1 - t0, ...(negotiated && Number(negotiated) !== o.providerSessionMs ? { info: `negotiated session timeout ${negotiated} ms` } : {}) };
      } finally {
        provider.proc.kill('SIGKILL');
        await provider.proc.exited;
      }
    });
  } finally {
    await (consumer as BenchClient | null)?.close().catch(() => {});
  }
}

async function retry<T>(fn: () => Promise<T>, timeoutMs: number): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (performance.now() > deadline) throw err;
      await sleep(20);
    }
  }
}

export function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
