import type { Rng } from './rng.js';

/**
 * How hostile one seed's world is. Drawn from the seed, so a sweep mixes calm runs, FIFO-only
 * runs and chaotic ones, and every run can be replayed from its seed alone.
 */
export interface SimProfile {
  readonly members: number;
  readonly tickMs: number;
  readonly chaosMs: number;
  /** Time allowed after healing for a leader, a quorum of synced followers and convergence. */
  readonly healBudgetMs: number;
  /** Mean time between fault injections during chaos. */
  readonly faultEveryMs: number;
  readonly crashWeight: number;
  readonly partitionWeight: number;
  readonly linkDropWeight: number;
  readonly pauseWeight: number;
  readonly noiseWeight: number;
  /** Upper bounds for the noisy-network periods. */
  readonly maxDropRate: number;
  readonly maxDuplicateRate: number;
  readonly maxReorderRate: number;
  /** Chance to crash a member right at a sync-phase step (ZAB-PITFALLS: bias faults to the sync phase). */
  readonly syncCrashRate: number;
  readonly fsyncMinMs: number;
  readonly fsyncMaxMs: number;
  readonly snapshotEvery: number;
  readonly logRetentionEntries: number;
  readonly maxCounter: number;
  readonly clients: number;
  readonly clientOutstanding: number;
  readonly clientThinkMs: number;
}

export function drawProfile(rng: Rng, membersOverride?: number): SimProfile {
  const members = membersOverride ?? rng.pick([3, 3, 3, 5, 5, 7]);
  const fifoOnly = rng.chance(0.5);
  return {
    members,
    tickMs: 10,
    chaosMs: rng.int(1500, 4000),
    healBudgetMs: 4000,
    faultEveryMs: rng.int(40, 200),
    crashWeight: rng.pick([0, 1, 2, 3]),
    partitionWeight: rng.pick([0, 1, 2]),
    linkDropWeight: rng.pick([0, 1, 2]),
    pauseWeight: rng.pick([0, 1]),
    noiseWeight: fifoOnly ? 0 : rng.pick([1, 2]),
    maxDropRate: rng.pick([0, 0.01, 0.05]),
    maxDuplicateRate: rng.pick([0, 0.02, 0.1]),
    maxReorderRate: rng.pick([0, 0.01, 0.05]),
    syncCrashRate: rng.pick([0, 0.02, 0.08, 0.2]),
    fsyncMinMs: 0.2,
    fsyncMaxMs: rng.pick([1, 3, 8]),
    snapshotEvery: rng.int(5, 60),
    logRetentionEntries: rng.pick([0, 2, 10, 50]),
    maxCounter: rng.chance(0.15) ? rng.int(3, 30) : 0xffffffff,
    clients: rng.int(1, 4),
    clientOutstanding: rng.int(1, 8),
    clientThinkMs: rng.pick([1, 5, 20]),
  };
}

/** Every random fault off: for demos, where the person watching makes the faults (or none happen). */
export const NO_RANDOM_FAULTS: Partial<SimProfile> = {
  chaosMs: Infinity,
  crashWeight: 0,
  partitionWeight: 0,
  linkDropWeight: 0,
  pauseWeight: 0,
  noiseWeight: 0,
  syncCrashRate: 0,
};
