/**
 * How many cases a fuzz property runs, and from which seed. `npm test` runs each property a bounded
 * number of times from a fixed seed, so a failure reproduces exactly; `npm run fuzz` scales the count
 * up and draws a fresh seed per run. fast-check prints the seed, the path and the shrunk failing case
 * when a property fails; re-run with PEERKEEPER_FUZZ_SEED=<seed> to get it back.
 *
 *   PEERKEEPER_FUZZ_SCALE  multiplies every property's case count (default 1)
 *   PEERKEEPER_FUZZ_SEED   a number, or `random` for a fresh one (default 20261204)
 */
import type { Parameters } from 'fast-check';

const DEFAULT_SEED = 20261204;

export function fuzzScale(): number {
  const s = Number(process.env.PEERKEEPER_FUZZ_SCALE ?? '1');
  return Number.isFinite(s) && s > 0 ? s : 1;
}

export function fuzzSeed(): number {
  const raw = process.env.PEERKEEPER_FUZZ_SEED;
  if (raw === 'random') return randomSeed;
  const n = Number(raw ?? DEFAULT_SEED);
  return Number.isSafeInteger(n) ? n : DEFAULT_SEED;
}

// One fresh seed per process, so every property of a `npm run fuzz` run reports the same one.
const randomSeed = (Date.now() ^ (process.pid << 16)) | 0;

/** Parameters for `fc.assert`: `runs` cases in `npm test`, that many times the scale in `npm run fuzz`. */
export function fuzzParameters<T>(runs: number): Parameters<T> {
  return { numRuns: Math.max(1, Math.round(runs * fuzzScale())), seed: fuzzSeed(), endOnFailure: true };
}

/** In a scaled-up run (`npm run fuzz`), say which seed and scale this file runs with, so a clean run can be reported and repeated. */
export function announceFuzzRun(file: string): void {
  if (fuzzScale() > 1 || process.env.PEERKEEPER_FUZZ_SEED !== undefined) console.log(`[fuzz] ${file}: seed ${fuzzSeed()}, scale ${fuzzScale()}`);
}
