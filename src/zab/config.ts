import type { MemberId } from './messages.js';
import { MAX_COUNTER_DEFAULT } from './zxid.js';

/** Timeouts are in ticks; the runner decides how long a tick is (ZooKeeper's tickTime). */
export interface ZabConfig {
  readonly id: MemberId;
  /** Every voting member, this one included. */
  readonly members: readonly MemberId[];
  /** Ticks a follower may take from choosing a leader to UPTODATE, and a leader to establish itself. */
  readonly initLimitTicks: number;
  /** Ticks of silence after which a leader drops a follower, or a follower its leader. */
  readonly syncLimitTicks: number;
  /** The leader pings every this many ticks. */
  readonly pingIntervalTicks: number;
  /** A quorum-backed vote is final only if no better vote arrives for this many ticks. */
  readonly electionFinalizeTicks: number;
  /** A looking member re-sends its vote this often, in case a vote was lost. */
  readonly voteResendTicks: number;
  /** Largest counter a leader may use in one epoch before it forces an election (ZOOKEEPER-1277). */
  readonly maxCounter: number;
  /** Entries kept in the log behind the newest snapshot, so a slightly late follower gets a DIFF, not a SNAP. */
  readonly logRetentionEntries: number;
  /** Differs on every start of the process: tells a restarted member's messages from its old ones. */
  readonly incarnation: number;
}

export const DEFAULT_ZAB_TIMING = {
  initLimitTicks: 10,
  syncLimitTicks: 5,
  pingIntervalTicks: 1,
  electionFinalizeTicks: 2,
  voteResendTicks: 4,
  maxCounter: MAX_COUNTER_DEFAULT,
  logRetentionEntries: 1000,
} as const;

export function makeZabConfig(
  id: MemberId,
  members: readonly MemberId[],
  incarnation: number,
  overrides: Partial<ZabConfig> = {},
): ZabConfig {
  const config: ZabConfig = { ...DEFAULT_ZAB_TIMING, id, members, incarnation, ...overrides };
  validateZabConfig(config);
  return config;
}

export function validateZabConfig(c: ZabConfig): void {
  if (!c.members.includes(c.id)) throw new Error(`member ${c.id} is not in the ensemble ${c.members.join(',')}`);
  if (new Set(c.members).size !== c.members.length) throw new Error('ensemble has duplicate member ids');
  for (const m of c.members) if (!Number.isSafeInteger(m) || m < 0) throw new Error(`bad member id ${m}`);
  for (const key of ['initLimitTicks', 'syncLimitTicks', 'pingIntervalTicks', 'electionFinalizeTicks', 'voteResendTicks'] as const) {
    if (!Number.isInteger(c[key]) || c[key] < 1) throw new Error(`${key} must be a positive integer`);
  }
  if (c.pingIntervalTicks >= c.syncLimitTicks) throw new Error('pingIntervalTicks must be below syncLimitTicks');
  if (!Number.isSafeInteger(c.maxCounter) || c.maxCounter < 2) throw new Error('maxCounter must be at least 2');
  if (!Number.isInteger(c.logRetentionEntries) || c.logRetentionEntries < 0) throw new Error('bad logRetentionEntries');
}

export function quorumSize(members: readonly MemberId[]): number {
  return Math.floor(members.length / 2) + 1;
}
