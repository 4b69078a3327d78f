import type { Zxid } from './zxid.js';

export type MemberId = number;

/** What a member says about itself in a vote, as in ZooKeeper's FastLeaderElection notifications. */
export type ServerState = 'LOOKING' | 'FOLLOWING' | 'LEADING';

/** The transaction payload is opaque to Zab: the layer above decides what a txn is. */
export type Txn = unknown;

export interface LogEntry {
  readonly zxid: Zxid;
  readonly txn: Txn;
}

/** A state-machine image at a committed zxid; `data` is opaque to Zab. */
export interface Snapshot {
  readonly zxid: Zxid;
  readonly data: unknown;
}

/** One contiguous run of a member's log inside one epoch: what TRUNC/DIFF decisions need. */
export interface EpochSegment {
  readonly epoch: number;
  readonly first: number;
  readonly last: number;
}

/**
 * A follower's log, summarised: the zxid its snapshot covers (everything up to it is committed) and
 * the epochs after it. Enough for the leader to find the last zxid both histories share.
 */
export interface HistorySummary {
  readonly base: Zxid;
  readonly segments: readonly EpochSegment[];
}

export interface Vote {
  readonly type: 'VOTE';
  /** Election round (ZooKeeper's logicalclock / electionEpoch). */
  readonly round: number;
  readonly leader: MemberId;
  /** The proposed leader's last zxid and current epoch: votes are ordered by (epoch, zxid, id). */
  readonly zxid: Zxid;
  readonly epoch: number;
  readonly state: ServerState;
}

/** Follower → leader: "I follow you"; `session` tells this following attempt apart from older ones. */
export interface FollowerInfo {
  readonly type: 'FOLLOWERINFO';
  readonly session: number;
  readonly acceptedEpoch: number;
  readonly currentEpoch: number;
  readonly lastZxid: Zxid;
}

/** Leader → follower: the new epoch (ZooKeeper's LEADERINFO). */
export interface NewEpoch {
  readonly type: 'NEWEPOCH';
  readonly session: number;
  readonly epoch: number;
}

/**
 * Follower → leader. `promised` is true only when the follower durably raised its acceptedEpoch to
 * `epoch` for this leader; an epoch promised earlier is not promised twice (ZooKeeper sends -1), so
 * two would-be leaders of one epoch can never both gather a quorum of promises.
 */
export interface AckEpoch {
  readonly type: 'ACKEPOCH';
  readonly session: number;
  readonly epoch: number;
  readonly promised: boolean;
  readonly currentEpoch: number;
  readonly lastZxid: Zxid;
  readonly history: HistorySummary;
}

/** Sync start: the proposals after `from` follow. */
export interface Diff {
  readonly type: 'DIFF';
  readonly session: number;
  readonly epoch: number;
  readonly from: Zxid;
}

/** Sync start: drop every log entry after `to` (never committed), then the proposals after `to` follow. */
export interface Trunc {
  readonly type: 'TRUNC';
  readonly session: number;
  readonly epoch: number;
  readonly to: Zxid;
}

/** Sync start: replace the whole log with this snapshot; the proposals after it follow. */
export interface Snap {
  readonly type: 'SNAP';
  readonly session: number;
  readonly epoch: number;
  readonly snapshot: Snapshot;
}

/** `prev` is the leader's entry before this one: a follower accepts only what extends its log. */
export interface Proposal {
  readonly type: 'PROPOSAL';
  readonly epoch: number;
  readonly zxid: Zxid;
  readonly prev: Zxid;
  readonly txn: Txn;
}

/** Ends the sync stream: the follower's log must now end at `zxid`. */
export interface NewLeader {
  readonly type: 'NEWLEADER';
  readonly session: number;
  readonly epoch: number;
  readonly zxid: Zxid;
}

/** Follower → leader: durably holds the leader's history up to `zxid` and adopted `epoch`. */
export interface AckNewLeader {
  readonly type: 'ACKNEWLEADER';
  readonly session: number;
  readonly epoch: number;
  readonly zxid: Zxid;
}

export interface UpToDate {
  readonly type: 'UPTODATE';
  readonly session: number;
  readonly epoch: number;
  readonly committed: Zxid;
}

/** Follower → leader, cumulative: every proposal up to `zxid` is durable here. */
export interface Ack {
  readonly type: 'ACK';
  readonly session: number;
  readonly epoch: number;
  readonly zxid: Zxid;
}

/** Leader → follower, cumulative: everything up to `zxid` is committed. */
export interface Commit {
  readonly type: 'COMMIT';
  readonly epoch: number;
  readonly zxid: Zxid;
}

/** Heartbeat, both directions; the leader's carries its commit point so idle followers catch up. */
export interface Ping {
  readonly type: 'PING';
  readonly session: number;
  readonly epoch: number;
  readonly committed: Zxid;
}

export type ZabMessage =
  | Vote
  | FollowerInfo
  | NewEpoch
  | AckEpoch
  | Diff
  | Trunc
  | Snap
  | Proposal
  | NewLeader
  | AckNewLeader
  | UpToDate
  | Ack
  | Commit
  | Ping;

export type ZabMessageType = ZabMessage['type'];

export const ZAB_MESSAGE_TYPES: readonly ZabMessageType[] = [
  'VOTE',
  'FOLLOWERINFO',
  'NEWEPOCH',
  'ACKEPOCH',
  'DIFF',
  'TRUNC',
  'SNAP',
  'PROPOSAL',
  'NEWLEADER',
  'ACKNEWLEADER',
  'UPTODATE',
  'ACK',
  'COMMIT',
  'PING',
];
