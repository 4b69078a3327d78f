/**
 * Numbers for the report: percentiles of latency samples (nearest-rank, as most load generators
 * print them), medians of repeated trials, throughput. Pure: unit-tested in test/unit/bench.
 */

/** Nearest-rank percentile of `sorted` (ascending); `p` in [0, 100]. NaN for no samples. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be 0–100, got ${p}`);
  if (p === 0) return sorted[0]!;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, rank) - 1]!;
}

export function sortedCopy(values: ArrayLike<number>): Float64Array {
  return Float64Array.from(values as ArrayLike<number>).sort();
}

/** The median (mean of the middle two for an even count); NaN for no values. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export interface LatencySummary {
  /** Completed operations in the measured window. */
  readonly ops: number;
  readonly seconds: number;
  readonly opsPerSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly errors: number;
}

export function summarize(latenciesMs: ArrayLike<number>, seconds: number, errors = 0): LatencySummary {
  const sorted = sortedCopy(latenciesMs);
  return {
    ops: sorted.length,
    seconds,
    opsPerSec: seconds > 0 ? sorted.length / seconds : Number.NaN,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    maxMs: sorted.length ? sorted[sorted.length - 1]! : Number.NaN,
    errors,
  };
}

/**
 * peerkeeper ÷ ZooKeeper. null when either side is missing or not a positive finite number
 * (printed "n/a"): a ratio with a failed or skipped row means nothing.
 */
export function ratio(ours: number | null | undefined, theirs: number | null | undefined): number | null {
  if (ours == null || theirs == null) return null;
  if (!Number.isFinite(ours) || !Number.isFinite(theirs) || ours < 0 || theirs <= 0) return null;
  return ours / theirs;
}
