/** What a run exercised: the sweep sums these so a person can see coverage, not just "passed". */
export interface SimStats {
  events: number;
  messages: number;
  proposals: number;
  commits: number;
  clientAcks: number;
  elections: number;
  leaderChanges: number;
  established: number;
  diffs: number;
  truncs: number;
  snaps: number;
  crashes: number;
  syncCrashes: number;
  tornWrites: number;
  restarts: number;
  partitions: number;
  linkDrops: number;
  pauses: number;
  noisyPeriods: number;
  epochRollovers: number;
  snapshots: number;
  checks: number;
  historyOps: number;
  historiesChecked: number;
  historyInconclusive: number;
  virtualMs: number;
}

export function emptyStats(): SimStats {
  return {
    events: 0,
    messages: 0,
    proposals: 0,
    commits: 0,
    clientAcks: 0,
    elections: 0,
    leaderChanges: 0,
    established: 0,
    diffs: 0,
    truncs: 0,
    snaps: 0,
    crashes: 0,
    syncCrashes: 0,
    tornWrites: 0,
    restarts: 0,
    partitions: 0,
    linkDrops: 0,
    pauses: 0,
    noisyPeriods: 0,
    epochRollovers: 0,
    snapshots: 0,
    checks: 0,
    historyOps: 0,
    historiesChecked: 0,
    historyInconclusive: 0,
    virtualMs: 0,
  };
}

export function addStats(into: SimStats, from: SimStats): void {
  for (const k of Object.keys(into) as (keyof SimStats)[]) into[k] += from[k];
}
