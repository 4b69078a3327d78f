import { quorumSize, type ZabConfig } from './config.js';
import { TxnLog } from './log.js';
import type { LogEntry, MemberId, Snapshot, ZabMessage } from './messages.js';
import { emptyReady, type Ready, type ZabEvent } from './output.js';
import type { DurableState, StorageWrite } from './persistence.js';
import { compareZxid, formatZxid, minZxid, zxidLess, ZXID_ZERO, type Zxid } from './zxid.js';

interface PendingWrite {
  readonly seq: number;
  readonly write: StorageWrite;
  /** After this write is durable, log entries up to here are durable (null: write does not touch the log). */
  watermark: Zxid | null;
}

interface DurableAction {
  readonly seq: number;
  readonly generation: number;
  readonly run: () => void;
}

/** Thrown when the core finds a state that its own rules make impossible: a bug, never bad input. */
export class InvariantError extends Error {}

export function check(condition: boolean, message: () => string): asserts condition {
  if (!condition) throw new InvariantError(message());
}

/**
 * One member's state shared by every role: epochs, the log, what is durable, what is committed and
 * applied, and the outbox. Roles change; this stays.
 */
export class MemberContext {
  readonly config: ZabConfig;
  readonly quorum: number;
  readonly peers: readonly MemberId[];
  readonly log: TxnLog;

  /** Epochs as promised (issued to storage); decisions that refuse use these. */
  acceptedEpoch: number;
  currentEpoch: number;
  durableAcceptedEpoch: number;
  durableCurrentEpoch: number;

  /** Newest durable snapshot, served to followers that need SNAP. */
  snapshot: Snapshot | null;
  /** Highest zxid known committed; only trusted for entries of a log synced to a leader. */
  knownCommitted: Zxid;
  applied: Zxid;
  /** Every log entry up to here is durable. */
  durableUpTo: Zxid;

  ticks = 0;
  /** The tick at which each peer's last message arrived or its link came up; -Infinity once its link went down. */
  readonly lastHeardTick = new Map<MemberId, number>();
  /** Bumped at every role change; durable-callbacks of an older generation are dropped. */
  generation = 0;

  private nextSeq = 1;
  private durableSeq = 0;
  private pendingWrites: PendingWrite[] = [];
  private durableActions: DurableAction[] = [];
  private restorePending: Snapshot | null = null;
  private commitHintInFlight = false;
  private commitHintIssued: Zxid;
  private out: Ready = emptyReady();

  constructor(config: ZabConfig, durable: DurableState) {
    this.config = config;
    this.quorum = quorumSize(config.members);
    this.peers = config.members.filter((m) => m !== config.id);
    this.log = new TxnLog(durable.logBase, durable.log);
    this.acceptedEpoch = this.durableAcceptedEpoch = durable.acceptedEpoch;
    this.currentEpoch = this.durableCurrentEpoch = durable.currentEpoch;
    this.snapshot = durable.snapshot;
    this.durableUpTo = this.log.last();
    const snapshotZxid = durable.snapshot?.zxid;
    this.applied = snapshotZxid ?? this.log.base;
    this.knownCommitted = snapshotZxid && zxidLess(durable.commitHint, snapshotZxid) ? snapshotZxid : durable.commitHint;
    this.commitHintIssued = this.knownCommitted;
    if (durable.snapshot) this.out.deliveries.push({ kind: 'restore', snapshot: durable.snapshot });
    this.advanceApplied();
  }

  /**
   * False only with evidence that the peer is gone: its link went down, or it has been silent for
   * longer than syncLimit. A peer never heard from is unknown, so it may well answer.
   */
  mayAnswer(peer: MemberId): boolean {
    const at = this.lastHeardTick.get(peer);
    return at === undefined || this.ticks - at <= this.config.syncLimitTicks;
  }

  // ---- outbox -------------------------------------------------------------------------------

  send(to: MemberId, message: ZabMessage): void {
    check(to !== this.config.id, () => `member ${to} sending to itself`);
    this.out.messages.push({ to, message });
  }

  broadcast(message: ZabMessage): void {
    for (const p of this.peers) this.send(p, message);
  }

  emit(event: ZabEvent): void {
    this.out.events.push(event);
  }

  drain(): Ready {
    const r = this.out;
    this.out = emptyReady();
    return r;
  }

  // ---- durability ---------------------------------------------------------------------------

  /** Issues a write; returns its sequence number. Log-touching writes must mirror a change to `log` made just before. */
  persist(write: StorageWrite): number {
    // Consecutive appends within one drain share a write: storage sees one batch, one fsync.
    const lastOut = this.out.writes[this.out.writes.length - 1];
    const lastPending = this.pendingWrites[this.pendingWrites.length - 1];
    if (write.kind === 'append' && lastOut?.write.kind === 'append' && lastPending?.seq === lastOut.seq) {
      (lastOut.write.entries as LogEntry[]).push(...write.entries);
      lastPending.watermark = this.log.last();
      return lastOut.seq;
    }
    const seq = this.nextSeq++;
    let watermark: Zxid | null = null;
    switch (write.kind) {
      case 'append':
        watermark = this.log.last();
        break;
      case 'truncate':
      case 'installSnapshot': {
        // Entries after the cut that were queued earlier will never be this log's entries.
        const cut = write.kind === 'truncate' ? write.after : write.snapshot.zxid;
        for (const p of this.pendingWrites) if (p.watermark && zxidLess(cut, p.watermark)) p.watermark = cut;
        if (write.kind === 'installSnapshot') this.durableUpTo = ZXID_ZERO; // nothing of the new history is durable yet
        else if (zxidLess(cut, this.durableUpTo)) this.durableUpTo = cut;
        watermark = cut;
        break;
      }
      case 'acceptedEpoch':
        this.acceptedEpoch = write.epoch;
        break;
      case 'currentEpoch':
        this.currentEpoch = write.epoch;
        break;
      default:
        break;
    }
    this.pendingWrites.push({ seq, write, watermark });
    this.out.writes.push({ seq, write });
    return seq;
  }

  /** Runs `action` once everything issued so far is durable, unless the role changes first. */
  afterDurable(action: () => void): void {
    const seq = this.nextSeq - 1;
    if (seq <= this.durableSeq) {
      action();
      return;
    }
    this.durableActions.push({ seq, generation: this.generation, run: action });
  }

  get allDurable(): boolean {
    return this.durableSeq === this.nextSeq - 1;
  }

  /** Storage says: every write up to `seq` is durable. Returns whether the log's durable point moved. */
  onPersisted(seq: number): boolean {
    if (seq <= this.durableSeq) return false;
    check(seq < this.nextSeq, () => `persisted seq ${seq} was never issued (next ${this.nextSeq})`);
    this.durableSeq = seq;
    const before = this.durableUpTo;
    while (this.pendingWrites.length && this.pendingWrites[0]!.seq <= seq) {
      const p = this.pendingWrites.shift()!;
      if (p.watermark) this.durableUpTo = p.watermark;
      const w = p.write;
      if (w.kind === 'acceptedEpoch') this.durableAcceptedEpoch = w.epoch;
      else if (w.kind === 'currentEpoch') this.durableCurrentEpoch = w.epoch;
      else if (w.kind === 'commitHint') this.commitHintInFlight = false;
      else if (w.kind === 'saveSnapshot') this.onSnapshotDurable(w.snapshot);
      else if (w.kind === 'installSnapshot') this.onInstalledSnapshotDurable(w.snapshot);
    }
    while (this.durableActions.length && this.durableActions[0]!.seq <= seq) {
      const a = this.durableActions.shift()!;
      if (a.generation === this.generation) a.run();
    }
    this.advanceApplied();
    this.maybeWriteCommitHint();
    return compareZxid(this.durableUpTo, before) !== 0;
  }

  // ---- log changes --------------------------------------------------------------------------

  truncateTo(to: Zxid): number {
    check(!zxidLess(to, this.applied), () => `TRUNC to ${formatZxid(to)} would drop applied ${formatZxid(this.applied)}`);
    const committedInLog = minZxid(this.knownCommitted, this.log.last());
    check(!zxidLess(to, committedInLog), () => `TRUNC to ${formatZxid(to)} would drop committed ${formatZxid(committedInLog)}`);
    const dropped = this.log.truncateAfter(to);
    this.persist({ kind: 'truncate', after: to });
    this.emit({ type: 'truncated', to, dropped });
    return dropped;
  }

  installSnapshot(snapshot: Snapshot): void {
    check(!zxidLess(snapshot.zxid, this.applied), () =>
      `SNAP at ${formatZxid(snapshot.zxid)} is behind applied ${formatZxid(this.applied)}: reads would go back in time`);
    this.log.resetTo(snapshot.zxid);
    this.restorePending = snapshot;
    this.persist({ kind: 'installSnapshot', snapshot });
  }

  private onInstalledSnapshotDurable(snapshot: Snapshot): void {
    if (this.restorePending !== snapshot) return;
    this.restorePending = null;
    this.snapshot = snapshot;
    this.applied = snapshot.zxid;
    if (zxidLess(this.knownCommitted, snapshot.zxid)) this.knownCommitted = snapshot.zxid;
    this.out.deliveries.push({ kind: 'restore', snapshot });
    this.emit({ type: 'snapshotInstalled', zxid: snapshot.zxid });
  }

  /** The state machine above made a snapshot of its applied state. */
  saveSnapshot(snapshot: Snapshot): void {
    check(!zxidLess(this.applied, snapshot.zxid), () =>
      `snapshot ${formatZxid(snapshot.zxid)} is past applied ${formatZxid(this.applied)}`);
    // A snapshot of state older than the log's start (or than a SNAP being installed) would leave
    // the durable log without a snapshot to start from.
    if (this.restorePending || zxidLess(snapshot.zxid, this.log.base)) return;
    if (this.snapshot && !zxidLess(this.snapshot.zxid, snapshot.zxid)) return;
    this.persist({ kind: 'saveSnapshot', snapshot });
  }

  private onSnapshotDurable(snapshot: Snapshot): void {
    if (this.snapshot && !zxidLess(this.snapshot.zxid, snapshot.zxid)) return;
    this.snapshot = snapshot;
    // Keep some entries behind the snapshot so a slightly late follower still gets a DIFF.
    const entries = this.log.all();
    let cutIndex = -1;
    for (let i = entries.length - 1; i >= 0; i--) {
      if (!zxidLess(snapshot.zxid, entries[i]!.zxid)) {
        cutIndex = i - this.config.logRetentionEntries;
        break;
      }
    }
    if (cutIndex >= 0) {
      const upTo = entries[cutIndex]!.zxid;
      this.log.compactUpTo(upTo);
      this.persist({ kind: 'compact', upTo });
    }
  }

  // ---- commit and apply ---------------------------------------------------------------------

  /** Learns that everything up to `z` is committed (from the leader, or counted by the leader itself). */
  learnCommitted(z: Zxid): void {
    if (zxidLess(this.knownCommitted, z)) this.knownCommitted = z;
    this.advanceApplied();
  }

  /** The commit point inside this log. */
  get committedInLog(): Zxid {
    return minZxid(this.knownCommitted, this.log.last());
  }

  /** Delivers every entry that is both committed and durable; nothing else ever reaches the state machine. */
  advanceApplied(): void {
    if (this.restorePending) return;
    const limit = minZxid(this.committedInLog, this.durableUpTo);
    if (!zxidLess(this.applied, limit)) return;
    if (zxidLess(this.applied, this.log.base)) return; // a restore must come first
    for (const entry of this.log.entriesBetween(this.applied, limit)) {
      this.out.deliveries.push({ kind: 'apply', entry });
    }
    this.applied = limit;
    this.maybeWriteCommitHint();
  }

  private maybeWriteCommitHint(): void {
    if (this.commitHintInFlight || !zxidLess(this.commitHintIssued, this.applied)) return;
    this.commitHintInFlight = true;
    this.commitHintIssued = this.applied;
    this.persist({ kind: 'commitHint', zxid: this.applied });
  }

  // ---- role bookkeeping ---------------------------------------------------------------------

  nextGeneration(): void {
    this.generation++;
  }
}
