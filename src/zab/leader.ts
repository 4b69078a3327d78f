import { check, type MemberContext } from './context.js';
import type { Ack, AckEpoch, AckNewLeader, FollowerInfo, HistorySummary, MemberId, Txn, ZabMessage } from './messages.js';
import type { Phase } from './output.js';
import { planSync } from './sync-plan.js';
import { compareZxid, formatZxid, nextZxid, zxidEquals, zxidLess, ZXID_ZERO, type Zxid } from './zxid.js';

type LearnerState =
  /** FOLLOWERINFO received; NEWEPOCH sent once the epoch is known. */
  | 'info'
  | 'epochSent'
  /** ACKEPOCH received; sync starts once a quorum promised the epoch. */
  | 'epochAcked'
  /** Sync stream and NEWLEADER sent: gets every new PROPOSAL, no COMMIT yet (pitfall 4). */
  | 'syncing'
  /** Acked NEWLEADER: its ACKs count from now on. */
  | 'synced';

interface Learner {
  readonly id: MemberId;
  readonly session: number;
  state: LearnerState;
  acceptedEpoch: number;
  promised: boolean;
  currentEpoch: number;
  lastZxid: Zxid;
  history: HistorySummary | null;
  newLeaderZxid: Zxid;
  acked: Zxid;
  upToDate: boolean;
  lastHeardTick: number;
}

export type ProposeResult =
  | { readonly ok: true; readonly zxid: Zxid }
  | { readonly ok: false; readonly reason: 'NOT_LEADER' | 'NOT_READY' | 'EPOCH_EXHAUSTED' };

/** Why a leader gives up and goes back to election. */
export type LeaderFailure = string;

/**
 * The leader side: gathers a quorum of FOLLOWERINFO, picks an epoch above every promise it saw,
 * gathers a quorum of promises, syncs each follower to its own history, and is established once a
 * quorum (itself included, after its own durable writes) acked NEWLEADER. Only then does it commit the
 * history and accept writes (pitfall 12).
 */
export class LeaderRole {
  phase: Phase = 'discovery';
  epoch: number | null = null;
  private learners = new Map<MemberId, Learner>();
  private selfPromised = false;
  private selfNewLeaderAcked = false;
  private committed: Zxid = ZXID_ZERO;
  private readonly startTick: number;
  private lastPingTick: number;
  /** The history this leader brings into its epoch; committed once established. */
  private readonly historyEnd: Zxid;
  private readonly selfAcceptedEpoch: number;
  private readonly selfCurrentEpochBefore: number;

  constructor(private readonly ctx: MemberContext) {
    this.startTick = this.lastPingTick = ctx.ticks;
    this.historyEnd = ctx.log.last();
    this.selfAcceptedEpoch = ctx.acceptedEpoch;
    this.selfCurrentEpochBefore = ctx.currentEpoch;
  }

  get serving(): boolean {
    return this.phase === 'broadcast';
  }

  get established(): boolean {
    return this.phase === 'broadcast';
  }

  /** Followers that acked NEWLEADER, for status displays. */
  syncedFollowers(): MemberId[] {
    return [...this.learners.values()].filter((l) => l.state === 'synced').map((l) => l.id);
  }

  start(): LeaderFailure | null {
    return this.maybeDecideEpoch();
  }

  onMessage(from: MemberId, m: ZabMessage): LeaderFailure | null {
    const learner = this.learners.get(from);
    if (learner) learner.lastHeardTick = this.ctx.ticks;
    switch (m.type) {
      case 'FOLLOWERINFO':
        return this.onFollowerInfo(from, m);
      case 'ACKEPOCH':
        return learner && learner.session === m.session ? this.onAckEpoch(learner, m) : null;
      case 'ACKNEWLEADER':
        return learner && learner.session === m.session ? this.onAckNewLeader(learner, m) : null;
      case 'ACK':
        if (learner && learner.session === m.session) this.onAck(learner, m);
        return null;
      default:
        return null;
    }
  }

  private onFollowerInfo(from: MemberId, m: FollowerInfo): LeaderFailure | null {
    const existing = this.learners.get(from);
    if (existing && existing.session === m.session) return null; // a duplicate
    const learner: Learner = {
      id: from,
      session: m.session,
      state: 'info',
      acceptedEpoch: m.acceptedEpoch,
      promised: false,
      currentEpoch: m.currentEpoch,
      lastZxid: m.lastZxid,
      history: null,
      newLeaderZxid: ZXID_ZERO,
      acked: ZXID_ZERO,
      upToDate: false,
      lastHeardTick: this.ctx.ticks,
    };
    this.learners.set(from, learner);
    if (this.epoch !== null) {
      // It promised a later epoch to a candidate that failed: it can never join ours, and accepting it
      // anyway would break that promise. Only a new election with an epoch above it lets it back in.
      if (m.acceptedEpoch > this.epoch) return `follower ${from} promised epoch ${m.acceptedEpoch}, above ours (${this.epoch})`;
      this.sendNewEpoch(learner);
      return null;
    }
    return this.maybeDecideEpoch();
  }

  private maybeDecideEpoch(): LeaderFailure | null {
    if (this.epoch !== null || this.learners.size + 1 < this.ctx.quorum) return null;
    // Pitfall 9: above every acceptedEpoch of the quorum, our own included.
    let max = this.selfAcceptedEpoch;
    for (const l of this.learners.values()) max = Math.max(max, l.acceptedEpoch);
    const epoch = max + 1;
    this.epoch = epoch;
    this.ctx.persist({ kind: 'acceptedEpoch', epoch });
    const generation = this.ctx.generation;
    this.ctx.afterDurable(() => {
      if (this.ctx.generation !== generation) return;
      this.selfPromised = true;
      this.maybeEpochQuorum();
    });
    for (const l of this.learners.values()) this.sendNewEpoch(l);
    return null;
  }

  private sendNewEpoch(l: Learner): void {
    check(this.epoch !== null, () => 'NEWEPOCH without an epoch');
    l.state = 'epochSent';
    this.ctx.send(l.id, { type: 'NEWEPOCH', session: l.session, epoch: this.epoch });
  }

  private onAckEpoch(l: Learner, m: AckEpoch): LeaderFailure | null {
    if (l.state !== 'epochSent' || m.epoch !== this.epoch) return null;
    l.state = 'epochAcked';
    l.promised = m.promised;
    l.currentEpoch = m.currentEpoch;
    l.lastZxid = m.lastZxid;
    l.history = m.history;
    if (this.phase === 'discovery') {
      // Pitfall 11: the elected leader must hold the most up-to-date history of its quorum.
      const theirs = m.currentEpoch - this.selfCurrentEpochBefore || compareZxid(m.lastZxid, this.historyEnd);
      if (theirs > 0) {
        return `follower ${l.id} is ahead (epoch ${m.currentEpoch}, ${formatZxid(m.lastZxid)}) of our history ${formatZxid(this.historyEnd)}`;
      }
      this.maybeEpochQuorum();
      return null;
    }
    this.startSync(l);
    return null;
  }

  private maybeEpochQuorum(): void {
    if (this.phase !== 'discovery' || !this.selfPromised) return;
    let promises = 1;
    for (const l of this.learners.values()) if (l.state === 'epochAcked' && l.promised) promises++;
    if (promises < this.ctx.quorum) return;
    const epoch = this.epoch!;
    this.phase = 'synchronization';
    this.ctx.persist({ kind: 'currentEpoch', epoch });
    const generation = this.ctx.generation;
    this.ctx.afterDurable(() => {
      if (this.ctx.generation !== generation) return;
      this.selfNewLeaderAcked = true;
      this.maybeEstablish();
    });
    for (const l of this.learners.values()) if (l.state === 'epochAcked') this.startSync(l);
  }

  /** DIFF / TRUNC / SNAP, then the proposals, then NEWLEADER; every later proposal follows on the same link. */
  private startSync(l: Learner): void {
    const log = this.ctx.log;
    const epoch = this.epoch!;
    const plan = planSync(log, l.history!, l.lastZxid);
    let from: Zxid;
    if (plan.mode === 'SNAP') {
      const snapshot = this.ctx.snapshot;
      check(snapshot !== null, () => `SNAP needed for ${l.id} but no snapshot (log base ${formatZxid(log.base)})`);
      this.ctx.send(l.id, { type: 'SNAP', session: l.session, epoch, snapshot });
      from = snapshot.zxid;
    } else if (plan.mode === 'TRUNC') {
      this.ctx.send(l.id, { type: 'TRUNC', session: l.session, epoch, to: plan.to });
      from = plan.to;
    } else {
      this.ctx.send(l.id, { type: 'DIFF', session: l.session, epoch, from: plan.from });
      from = plan.from;
    }
    const entries = log.entriesAfter(from);
    let prev = from;
    for (const e of entries) {
      this.ctx.send(l.id, { type: 'PROPOSAL', epoch, zxid: e.zxid, prev, txn: e.txn });
      prev = e.zxid;
    }
    l.newLeaderZxid = log.last();
    this.ctx.send(l.id, { type: 'NEWLEADER', session: l.session, epoch, zxid: l.newLeaderZxid });
    l.state = 'syncing';
    this.ctx.emit({ type: 'syncSent', peer: l.id, mode: plan.mode, point: from, entries: entries.length });
  }

  private onAckNewLeader(l: Learner, m: AckNewLeader): LeaderFailure | null {
    if (l.state !== 'syncing' || m.epoch !== this.epoch || !zxidEquals(m.zxid, l.newLeaderZxid)) return null;
    l.state = 'synced';
    l.acked = m.zxid;
    if (this.phase === 'broadcast') {
      this.sendUpToDate(l);
      this.recomputeCommit();
    } else {
      this.maybeEstablish();
    }
    return null;
  }

  private maybeEstablish(): void {
    if (this.phase !== 'synchronization' || !this.selfNewLeaderAcked) return;
    const quorum = [this.ctx.config.id];
    for (const l of this.learners.values()) if (l.state === 'synced') quorum.push(l.id);
    if (quorum.length < this.ctx.quorum) return;
    this.phase = 'broadcast';
    // The whole history is now on a quorum under the new epoch: it is committed.
    this.committed = this.historyEnd;
    this.ctx.learnCommitted(this.historyEnd);
    this.ctx.emit({ type: 'established', epoch: this.epoch!, history: this.historyEnd, quorum });
    for (const l of this.learners.values()) if (l.state === 'synced') this.sendUpToDate(l);
    this.recomputeCommit();
  }

  private sendUpToDate(l: Learner): void {
    l.upToDate = true;
    this.ctx.send(l.id, { type: 'UPTODATE', session: l.session, epoch: this.epoch!, committed: this.committed });
  }

  private onAck(l: Learner, m: Ack): void {
    if (l.state !== 'synced' || m.epoch !== this.epoch) return;
    // An ACK past our own log cannot be true: ignore it rather than count it.
    if (zxidLess(l.acked, m.zxid) && compareZxid(m.zxid, this.ctx.log.last()) <= 0) {
      l.acked = m.zxid;
      this.recomputeCommit();
    }
  }

  /** Our own log became more durable: our own vote counts only now (DESIGN: leader counts itself after persist). */
  onDurableProgress(): void {
    this.recomputeCommit();
  }

  /** Commits the highest zxid a quorum durably holds; strictly in order, since ACKs are cumulative (pitfall 13). */
  private recomputeCommit(): void {
    if (this.phase !== 'broadcast') return;
    const acks: Zxid[] = [this.ctx.durableUpTo];
    for (const l of this.learners.values()) if (l.state === 'synced') acks.push(l.acked);
    if (acks.length < this.ctx.quorum) return;
    acks.sort((a, b) => compareZxid(b, a));
    const candidate = acks[this.ctx.quorum - 1]!;
    if (!zxidLess(this.committed, candidate)) return;
    this.committed = candidate;
    this.ctx.learnCommitted(candidate);
    const commit = { type: 'COMMIT', epoch: this.epoch!, zxid: candidate } as const;
    for (const l of this.learners.values()) if (l.state === 'synced') this.ctx.send(l.id, commit);
  }

  propose(txn: Txn): ProposeResult {
    if (this.phase !== 'broadcast') return { ok: false, reason: 'NOT_READY' };
    const epoch = this.epoch!;
    const z = nextZxid(this.ctx.log.last(), epoch);
    if (z.counter > this.ctx.config.maxCounter) return { ok: false, reason: 'EPOCH_EXHAUSTED' };
    const entry = { zxid: z, txn };
    const prev = this.ctx.log.last();
    this.ctx.log.append(entry);
    this.ctx.persist({ kind: 'append', entries: [entry] });
    const proposal = { type: 'PROPOSAL', epoch, zxid: z, prev, txn } as const;
    for (const l of this.learners.values()) {
      if (l.state === 'syncing' || l.state === 'synced') this.ctx.send(l.id, proposal);
    }
    return { ok: true, zxid: z };
  }

  /** True when the next proposal would pass the counter limit: the member must force an election. */
  get epochExhausted(): boolean {
    return this.phase === 'broadcast' && nextZxid(this.ctx.log.last(), this.epoch!).counter > this.ctx.config.maxCounter;
  }

  onTick(): LeaderFailure | null {
    const ticks = this.ctx.ticks;
    const cfg = this.ctx.config;
    if (this.phase !== 'broadcast' && ticks - this.startTick > cfg.initLimitTicks) {
      return `not established within initLimit (${this.phase})`;
    }
    for (const l of [...this.learners.values()]) {
      const limit = l.state === 'synced' && l.upToDate ? cfg.syncLimitTicks : cfg.initLimitTicks;
      if (ticks - l.lastHeardTick > limit) this.dropLearner(l.id, `silent for ${limit} ticks`);
    }
    if (ticks - this.lastPingTick >= cfg.pingIntervalTicks) {
      this.lastPingTick = ticks;
      for (const l of this.learners.values()) {
        if (l.state === 'synced' || l.state === 'syncing') {
          this.ctx.send(l.id, { type: 'PING', session: l.session, epoch: this.epoch!, committed: this.committed });
        }
      }
    }
    return this.checkQuorum();
  }

  /** A follower of ours started an election: it will not ACK any more. */
  onLearnerLooking(peer: MemberId): LeaderFailure | null {
    if (this.learners.has(peer)) this.dropLearner(peer, 'it is looking for a leader');
    return this.checkQuorum();
  }

  /** A follower is sending us something big (see ZabInput 'heard'): it is alive. */
  onHeard(peer: MemberId): void {
    const learner = this.learners.get(peer);
    if (learner) learner.lastHeardTick = this.ctx.ticks;
  }

  onPeerDisconnected(peer: MemberId): LeaderFailure | null {
    if (this.learners.has(peer)) this.dropLearner(peer, 'connection lost');
    return this.checkQuorum();
  }

  private dropLearner(id: MemberId, reason: string): void {
    this.learners.delete(id);
    this.ctx.emit({ type: 'followerLost', peer: id, reason });
  }

  /** A leader that no longer hears a quorum of synced followers stops leading. */
  private checkQuorum(): LeaderFailure | null {
    if (this.phase !== 'broadcast') return null;
    let live = 1;
    for (const l of this.learners.values()) if (l.state === 'synced') live++;
    return live < this.ctx.quorum ? `lost the quorum (${live} of ${this.ctx.config.members.length})` : null;
  }
}
