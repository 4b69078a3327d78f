/**
 * The closed-loop load generator: `outstanding` workers, each issuing its next request as soon as
 * the previous one completes, so exactly that many requests are in flight on the one connection.
 * A warm-up period runs first and is not measured; the measured window counts operations that
 * completed inside it (latency = completion − issue, in ms, from performance.now()).
 */
import { summarize, type LatencySummary } from './stats.js';

export interface LoadOptions {
  readonly outstanding: number;
  readonly warmupMs: number;
  readonly measureMs: number;
  /** One operation (or one unit, e.g. a create+delete pair) for worker `slot`. */
  readonly op: (slot: number) => Promise<unknown>;
  /** Called about every 250 ms with what the window has so far. */
  readonly onProgress?: (phase: 'warm-up' | 'measure', completed: number, elapsedMs: number) => void;
  /** Stop early when this many errors have happened (a broken target would spin otherwise). */
  readonly maxErrors?: number;
}

export interface LoadResult extends LatencySummary {
  /** Every latency measured in the window, ms (for pooling rounds). */
  readonly latenciesMs: readonly number[];
  readonly firstError?: string;
}

/** Several rounds of one row as one result: operations over total time, latencies pooled. */
export function combineRounds(rounds: readonly LoadResult[]): LoadResult {
  const latencies = rounds.flatMap((r) => r.latenciesMs);
  const seconds = rounds.reduce((n, r) => n + r.seconds, 0);
  const ops = rounds.reduce((n, r) => n + r.ops, 0);
  const errors = rounds.reduce((n, r) => n + r.errors, 0);
  const firstError = rounds.find((r) => r.firstError !== undefined)?.firstError;
  return { ...summarize(latencies, seconds, errors), ops, opsPerSec: seconds > 0 ? ops / seconds : Number.NaN, latenciesMs: latencies, ...(firstError !== undefined ? { firstError } : {}) };
}

export async function closedLoop(o: LoadOptions): Promise<LoadResult> {
  const maxErrors = o.maxErrors ?? 1000;
  const start = performance.now();
  const measureFrom = start + o.warmupMs;
  const measureTo = measureFrom + o.measureMs;
  const latencies: number[] = [];
  let completed = 0;
  let errors = 0;
  let firstError: string | undefined;
  let warmupDone = 0;
  let stop = false;

  const ticker = setInterval(() => {
    const now = performance.now();
    if (now < measureFrom) o.onProgress?.('warm-up', warmupDone, now - start);
    else o.onProgress?.('measure', completed, now - measureFrom);
  }, 250);

  const worker = async (slot: number): Promise<void> => {
    while (!stop) {
      const issued = performance.now();
      if (issued >= measureTo) return;
      try {
        await o.op(slot);
        const done = performance.now();
        if (done >= measureFrom && done <= measureTo) {
          completed++;
          if (issued >= measureFrom) latencies.push(done - issued);
        } else if (done < measureFrom) warmupDone++;
      } catch (err) {
        errors++;
        firstError ??= err instanceof Error ? err.message : String(err);
        if (errors >= maxErrors) stop = true;
        // Do not spin on a failing target.
        await new Promise((r) => setTimeout(r, 5));
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: o.outstanding }, (_, slot) => worker(slot)));
  } finally {
    clearInterval(ticker);
  }
  // Throughput: every completion inside the window. Latency: those issued inside it too (a request
  // issued during the warm-up has a latency the window did not fully see).
  const seconds = o.measureMs / 1000;
  const summary = summarize(latencies, seconds, errors);
  return { ...summary, ops: completed, opsPerSec: completed / seconds, latenciesMs: latencies, ...(firstError !== undefined ? { firstError } : {}) };
}
