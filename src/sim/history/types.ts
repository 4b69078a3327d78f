/**
 * The shapes the history checkers read: what clients saw (`HistoryOp`), what the ensemble really
 * committed (`CommittedTxn`, the simulator's ground truth) and what the checkers report (`Violation`).
 */
import type { CreateMode, Operation, OperationResult } from '../../protocol/client.js';
import type { Zxid } from '../../zab/zxid.js';

/**
 * 'ok': the member answered success. 'error': a definite ZooKeeper error, the op did NOT happen.
 * 'unknown': CONNECTIONLOSS, a timeout or no answer at all: it may or may not have happened.
 */
export type Outcome = 'ok' | 'error' | 'unknown';

/** One client operation, from invocation to answer. */
export interface HistoryOp {
  /** Unique in the history. */
  readonly id: number;
  /** The ZooKeeper session id (also the `ephemeralOwner` of the session's ephemeral nodes). */
  readonly session: number;
  readonly op: Operation;
  /** Virtual time the client sent it. */
  readonly invokeMs: number;
  /** Virtual time the answer arrived; null = never answered. */
  readonly completeMs: number | null;
  readonly outcome: Outcome;
  /** The ZooKeeper error code when outcome is 'error' (or an indefinite code like CONNECTIONLOSS for 'unknown'). */
  readonly err?: number;
  /** For 'ok' (a failed multi may carry its per-op results here too). */
  readonly result?: OperationResult;
  /** The answering member's last applied zxid, stamped on the response. */
  readonly zxid?: Zxid;
  readonly readOnly?: boolean;
}

/**
 * One change to the tree, in the form the model replays. Paths are final: a sequential create names
 * the node it really created (`/locks/lock-0000000007`), never the prefix the client asked for.
 */
export type Effect =
  | {
      readonly kind: 'create';
      readonly path: string;
      readonly data: Uint8Array;
      /** Session id for ephemerals, 0 for persistent nodes (whatever the tree stores for containers/TTL). */
      readonly ephemeralOwner: number;
      /** Defaults to EPHEMERAL when ephemeralOwner ≠ 0, PERSISTENT otherwise. */
      readonly mode?: CreateMode;
    }
  | { readonly kind: 'delete'; readonly path: string }
  | {
      readonly kind: 'set';
      readonly path: string;
      readonly data: Uint8Array;
      /** The node's version after this set, if the recorder knows it: checked against the model. */
      readonly version?: number;
    };

/**
 * One committed transaction, as the simulator knows it: every committed txn, in zxid order, including
 * error txns (empty effects) and session txns, so that every zxid a member stamps on a response names one.
 */
export interface CommittedTxn {
  readonly zxid: Zxid;
  /** The HistoryOp it came from; null for system txns (session expiry, container/TTL cleanup, setup). */
  readonly opId: number | null;
  readonly effects: readonly Effect[];
  /** The leader-assigned txn time: becomes ctime/mtime. Without it the checkers ignore ctime/mtime. */
  readonly timeMs?: number;
  /**
   * The virtual-time window in which it took effect: proposed by the leader … first applied anywhere.
   * For system txns it bounds where the write search may place them; for a client op of unknown outcome
   * `committedMs` bounds it when the truth is asked to decide (see `unknownFromTruth`). Missing ends are
   * unbounded, which is always sound but checks less and searches more.
   */
  readonly proposedMs?: number;
  readonly committedMs?: number;
}

/** A node present before the history starts ('/' always is). Listed parents first. */
export interface InitialNode {
  readonly path: string;
  readonly data?: Uint8Array;
  readonly ephemeralOwner?: number;
  readonly mode?: CreateMode;
  /** Defaults 0 (ZooKeeper builds `/zookeeper` without counting it as a child change of `/`). cversion is the stored count of creates, not the reported one. */
  readonly version?: number;
  readonly cversion?: number;
}

export interface CheckOptions {
  /** Nodes that exist before the first op besides '/', e.g. `/zookeeper` if the tree has one. */
  readonly initial?: readonly InitialNode[];
  /**
   * Memoised search configurations per write partition before it gives up and reports the partition
   * inconclusive. Default 200,000.
   */
  readonly maxStatesPerPartition?: number;
  /**
   * Per-session FIFO: a read sees the session's own writes and syncs *invoked* before it (ZooKeeper
   * queues a session's read behind its pending writes). Default false: only those *completed* before it.
   */
  readonly fifo?: boolean;
  /**
   * How the write search treats ops of unknown outcome. 'fallback' (default): from client observations
   * alone (they may have happened at any point after they were sent, or never); only where that search
   * gives up, search again with the ground truth deciding which of them happened (and by when, if the
   * txns carry `committedMs`). 'never': observations only. 'always': let the truth decide from the start.
   */
  readonly unknownFromTruth?: 'never' | 'fallback' | 'always';
  /** Violations kept per kind (the rest are counted). Default 10. */
  readonly maxViolationsPerKind?: number;
}

export type Check = 'writes' | 'reads' | 'truth';

export type ViolationKind =
  // writes (from client observations alone)
  | 'not-linearizable'
  // reads (against the committed ground truth)
  | 'wrong-read'
  | 'stamp-not-committed'
  | 'non-monotonic'
  | 'missed-own-write'
  | 'stale-after-sync'
  // ground truth against client observations
  | 'lost-write'
  | 'duplicate-commit'
  | 'foreign-commit'
  | 'error-but-committed'
  | 'stamp-before-commit'
  | 'real-time-order'
  | 'result-mismatch'
  | 'truth-inconsistent';

export interface Violation {
  readonly check: Check;
  readonly kind: ViolationKind;
  /** The ops the explanation names, the offending one first. */
  readonly opIds: readonly number[];
  /** A readable explanation, possibly several lines. */
  readonly message: string;
}

export type Verdict = 'ok' | 'violation' | 'inconclusive';

export interface PartitionReport {
  /** The znode paths whose ops were searched together. */
  readonly paths: readonly string[];
  readonly ops: number;
  readonly verdict: Verdict;
  readonly statesExplored: number;
  /** 'truth' when the ground truth decided which unknown-outcome writes happened (see `unknownFromTruth`). */
  readonly decidedBy: 'observations' | 'truth';
}

export interface WriteCheckReport {
  readonly verdict: Verdict;
  readonly violations: readonly Violation[];
  readonly suppressed: number;
  /** Client writes searched (ok, definite state errors, unknown outcome). */
  readonly writesChecked: number;
  /** System txns taken into the search. */
  readonly systemTxns: number;
  readonly partitions: readonly PartitionReport[];
  readonly statesExplored: number;
  /** One line per partition the search gave up on. */
  readonly inconclusive: readonly string[];
}

export interface ReadCheckReport {
  readonly violations: readonly Violation[];
  readonly suppressed: number;
  /** Reads whose result was compared with the committed state at their zxid. */
  readonly readsChecked: number;
  /** Reads with an answer but no zxid stamp: only their place in time could be checked. */
  readonly readsUnstamped: number;
  readonly syncsChecked: number;
  readonly sessions: number;
}

export interface TruthCheckReport {
  readonly violations: readonly Violation[];
  readonly suppressed: number;
  readonly txnsReplayed: number;
}

export interface HistoryReport {
  readonly verdict: Verdict;
  readonly violations: readonly Violation[];
  readonly inconclusive: readonly string[];
  readonly stats: {
    readonly ops: number;
    readonly sessions: number;
    readonly committedTxns: number;
    readonly writesChecked: number;
    readonly readsChecked: number;
    readonly readsUnstamped: number;
    readonly partitions: number;
    readonly largestPartition: number;
    readonly statesExplored: number;
    /** Violations found beyond `maxViolationsPerKind`, not listed. */
    readonly suppressed: number;
  };
  readonly writes: WriteCheckReport;
  readonly reads: ReadCheckReport;
  readonly truth: TruthCheckReport;
  /** Human summary: counts, verdict, then each violation's explanation. */
  readonly summary: string;
}
