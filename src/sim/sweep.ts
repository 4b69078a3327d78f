import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { SimResult } from './simulation.js';
import { runSeed, type WorkloadKind } from './run.js';
import { addStats, emptyStats, type SimStats } from './stats.js';

export interface SweepOptions {
  readonly from: number;
  readonly count: number;
  readonly members?: number;
  readonly workload?: WorkloadKind;
  readonly workers?: number;
  /** Stop at the first failing seed. */
  readonly failFast?: boolean;
  readonly onProgress?: (done: number, failures: number) => void;
}

export interface SweepResult {
  readonly seeds: number;
  readonly failures: SimResult[];
  readonly stats: SimStats;
  readonly wallMs: number;
}

export interface WorkerJob {
  readonly seeds: readonly number[];
  readonly members?: number;
  readonly workload?: WorkloadKind;
}

// Built JavaScript loads the worker as it is; from the TypeScript sources the worker starts without
// the loader the parent runs under, so it registers tsx first.
const FROM_SOURCES = import.meta.url.endsWith('.ts');
const WORKER_ENTRY = new URL(`./sweep-worker.${FROM_SOURCES ? 'ts' : 'js'}`, import.meta.url);
const startWorker = (workerData: unknown): Worker =>
  FROM_SOURCES
    ? new Worker(`import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((m) => { m.register(); return import(${JSON.stringify(WORKER_ENTRY.href)}); })`, { eval: true, workerData })
    : new Worker(WORKER_ENTRY, { workerData });

/** Runs many seeds over worker threads (one per core): each seed is independent and deterministic. */
export async function sweep(options: SweepOptions): Promise<SweepResult> {
  const started = performance.now();
  const workers = Math.max(1, Math.min(options.workers ?? availableParallelism(), options.count));
  const stats = emptyStats();
  const failures: SimResult[] = [];
  let done = 0;
  const accept = (r: SimResult): void => {
    done++;
    addStats(stats, r.stats);
    if (!r.ok) failures.push(r);
    options.onProgress?.(done, failures.length);
  };
  const seeds = Array.from({ length: options.count }, (_, i) => options.from + i);
  if (workers === 1) {
    for (const seed of seeds) {
      accept(await runSeed({ seed, ...(options.members ? { members: options.members } : {}), ...(options.workload ? { workload: options.workload } : {}) }));
      if (options.failFast && failures.length) break;
    }
  } else {
    const jobs: number[][] = Array.from({ length: workers }, () => []);
    seeds.forEach((s, i) => jobs[i % workers]!.push(s));
    const running: Worker[] = [];
    await Promise.all(
      jobs.map(
        (job) =>
          new Promise<void>((resolve, reject) => {
            const data: WorkerJob = { seeds: job, ...(options.members ? { members: options.members } : {}), ...(options.workload ? { workload: options.workload } : {}) };
            const w = startWorker(data);
            running.push(w);
            w.on('message', (r: SimResult) => {
              accept(r);
              if (options.failFast && !r.ok) for (const other of running) void other.terminate();
            });
            w.on('error', reject);
            w.on('exit', () => resolve());
          }),
      ),
    );
  }
  failures.sort((a, b) => a.seed - b.seed);
  return { seeds: done, failures, stats, wallMs: performance.now() - started };
}
