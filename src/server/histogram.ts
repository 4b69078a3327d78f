/**
 * A fixed-bucket histogram with two significant digits, HDR-style: values are scaled to integers
 * (e.g. milliseconds × 1000 = microseconds) and counted in buckets `(lo, hi]` that are 1 wide up to
 * 100, then 90 per decade (100–110, 110–120, … 990–1000, 1000–1100, …). A quantile is off by at most
 * one bucket (≤ 10 %, about 1 % in the common case); recording is a few comparisons and one array
 * increment, cheap enough for every proposal and every ACK. Isomorphic: no clock, no I/O.
 */

/** Integers up to here get a bucket each. */
const EXACT_UP_TO = 100;
const PER_DECADE = 90;
/** Decades above EXACT_UP_TO: up to 10^12 scaled units (11.5 days in microseconds). */
const DECADES = 10;
const BUCKETS = EXACT_UP_TO + 1 + DECADES * PER_DECADE;
const POW10: readonly number[] = Array.from({ length: DECADES + 2 }, (_, i) => 10 ** i);

/** Index of the bucket holding integer `n` ≥ 0; `n` beyond the top goes in the last bucket. */
function bucketOf(n: number): number {
  if (n <= EXACT_UP_TO) return n;
  const m = n - 1; // (lo, hi] for n  ⇔  [lo, hi) for n - 1
  let d = 1;
  while (d < DECADES && m >= POW10[d + 2]!) d++;
  const s = Math.min(99, Math.floor(m / POW10[d]!));
  return EXACT_UP_TO + 1 + (d - 1) * PER_DECADE + (s - 10);
}

/** The inclusive upper bound of bucket `i`, in scaled units. */
function upperOf(i: number): number {
  if (i <= EXACT_UP_TO) return i;
  const k = i - EXACT_UP_TO - 1;
  const d = Math.floor(k / PER_DECADE) + 1;
  const s = (k % PER_DECADE) + 10;
  return (s + 1) * POW10[d]!;
}

/** Whether `n` (scaled) is a bucket boundary, so "values ≤ n" can be counted exactly. */
function isBoundary(n: number): boolean {
  return Number.isInteger(n) && n >= 0 && upperOf(bucketOf(n)) === n;
}

export interface HistogramOptions {
  /** Recorded values are multiplied by this and rounded up to an integer: 1000 for ms at µs resolution. */
  readonly scale?: number;
  /** Prometheus `le` bounds, in recorded units; each must be a bucket boundary (two significant digits). */
  readonly bounds?: readonly number[];
}

/** What a histogram says, in recorded units: JSON-friendly, what `metrics()` and the renderers use. */
export interface HistogramSnapshot {
  readonly count: number;
  readonly sum: number;
  /** 0 when empty. */
  readonly min: number;
  readonly max: number;
  readonly mean: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  /** Cumulative counts of values ≤ each bound (Prometheus `_bucket{le=…}`), +Inf excluded (it is `count`). */
  readonly buckets: readonly (readonly [le: number, count: number])[];
}

/** Milliseconds, microsecond resolution, 0.1 ms to 10 s in a 1-2.5-5 series. */
export const MS_BOUNDS: readonly number[] = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000];
/** Counts (batch sizes): 1 to 10,000. */
export const COUNT_BOUNDS: readonly number[] = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000];

export class Histogram {
  private readonly counts = new Float64Array(BUCKETS);
  private readonly scale: number;
  private readonly bounds: readonly number[];
  private n = 0;
  private total = 0;
  private lo = Infinity;
  private hi = -Infinity;

  constructor(options: HistogramOptions = {}) {
    this.scale = options.scale ?? 1;
    this.bounds = options.bounds ?? COUNT_BOUNDS;
    for (let i = 0; i < this.bounds.length; i++) {
      const b = this.bounds[i]!;
      if (!isBoundary(Math.round(b * this.scale))) throw new Error(`histogram bound ${b} is not a bucket boundary at scale ${this.scale}`);
      if (i > 0 && b <= this.bounds[i - 1]!) throw new Error('histogram bounds must increase');
    }
  }

  static ms(): Histogram {
    return new Histogram({ scale: 1000, bounds: MS_BOUNDS });
  }

  static counts(): Histogram {
    return new Histogram({ scale: 1, bounds: COUNT_BOUNDS });
  }

  /** Records one value (negative values count as 0: a clock that stepped back is not a new record). */
  record(value: number): void {
    const v = value > 0 ? value : 0;
    // Subtracting a tiny epsilon keeps 0.3 ms at 300 µs instead of 300.00000000000006 → 301.
    const scaled = Math.ceil(v * this.scale - 1e-9);
    this.counts[bucketOf(scaled > 0 ? scaled : 0)]!++;
    this.n++;
    this.total += v;
    if (v < this.lo) this.lo = v;
    if (v > this.hi) this.hi = v;
  }

  get count(): number {
    return this.n;
  }

  /** The value below which a fraction `q` of the records lie (a bucket's upper bound, clamped to min/max). */
  quantile(q: number): number {
    if (this.n === 0) return 0;
    const rank = Math.max(1, Math.ceil(q * this.n));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i]!;
      // The top bucket also holds everything beyond the range: its only honest bound is the max.
      if (seen >= rank) return i === BUCKETS - 1 ? this.hi : Math.min(this.hi, Math.max(this.lo, upperOf(i) / this.scale));
    }
    return this.hi;
  }

  /** Adds another histogram's records (same scale) to this one. */
  merge(other: Histogram): void {
    if (other.scale !== this.scale) throw new Error('merging histograms of different scales');
    for (let i = 0; i < BUCKETS; i++) this.counts[i]! += other.counts[i]!;
    this.n += other.n;
    this.total += other.total;
    this.lo = Math.min(this.lo, other.lo);
    this.hi = Math.max(this.hi, other.hi);
  }

  snapshot(): HistogramSnapshot {
    const buckets: [number, number][] = [];
    let cumulative = 0;
    let i = 0;
    for (const le of this.bounds) {
      const limit = Math.round(le * this.scale);
      while (i < BUCKETS && upperOf(i) <= limit) cumulative += this.counts[i++]!;
      buckets.push([le, cumulative]);
    }
    const empty = this.n === 0;
    return {
      count: this.n,
      sum: this.total,
      min: empty ? 0 : this.lo,
      max: empty ? 0 : this.hi,
      mean: empty ? 0 : this.total / this.n,
      p50: this.quantile(0.5),
      p90: this.quantile(0.9),
      p99: this.quantile(0.99),
      buckets,
    };
  }
}
