/**
 * 32-bit hashing for the model's incremental state hash. The search memoises (linearized set, state)
 * configurations; keying them by the whole tree would cost a walk per step, so the model keeps a sum of
 * per-node hashes in two independent 32-bit lanes and updates it as nodes change (and the search keeps
 * a 64-bit hash of the linearized set the same way). A collision would make the search skip a
 * configuration it has not really seen, which could only turn into a reported (false) violation, never
 * a missed one; with 128-bit keys and at most a few hundred thousand states per partition the odds are
 * negligible.
 */

export const LANE_SEEDS = [0x2545f491, 0x9e3779b9] as const;

export { fmix32 } from '../../tree/digest.js';
import { fmix32 } from '../../tree/digest.js';

export function step(h: number, v: number): number {
  return fmix32((Math.imul(h ^ (v | 0), 0x01000193) + 0x7f4a7c15) >>> 0);
}

/** A non-negative integer up to 2^53 (session ids, versions) folded in as two 32-bit halves. */
export function stepNumber(h: number, n: number): number {
  const lo = n >>> 0;
  const hi = Math.floor(n / 4294967296) >>> 0;
  return step(step(h, lo), hi);
}

export function hashString(s: string, seed: number): number {
  let h = seed;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return fmix32((h ^ s.length) >>> 0);
}

export function hashBytes(b: Uint8Array, seed: number): number {
  let h = seed;
  for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
  return fmix32((h ^ b.length) >>> 0);
}
