import type { MemberContext } from './context.js';
import type { MemberId, ZabMessage } from './messages.js';
import type { Phase } from './output.js';
import { formatZxid, zxidEquals, zxidLess, ZXID_ZERO, type Zxid } from './zxid.js';

/** Why a follower gives up on its leader and goes back to election. */
export type FollowerFailure = string;

/**
 * The follower side of discovery, synchronization and broadcast, for one following attempt
 * (`session`). Anything that does not fit the protocol ends the attempt: the member goes back to
 * LOOKING, which is always safe, instead of guessing.
 */
export class FollowerRole {
  phase: Phase = 'discovery';
  epoch: number | null = null;
  private syncStarted = false;
  private newLeaderAcked = false;
  private newLeaderSeen = false;
  private ackEpochSent = false;
  private lastAckSent: Zxid = ZXID_ZERO;
  private lastHeardTick: number;
  /**
   * Once the epoch is acked: the last tick the sync moved (a sync message, a proposal, a part of a
   * big one). The leader's PINGs do not count: they say it is alive, not that our sync advances.
   */
  private lastProgressTick: number;
  private lastPingSentTick = -1;
  private readonly startTick: number;

  constructor(
    private readonly ctx: MemberContext,
    readonly leader: MemberId,
    readonly session: number,
  ) {
    this.startTick = this.lastHeardTick = this.lastProgressTick = ctx.ticks;
  }

  start(): void {
    this.ctx.send(this.leader, {
      type: 'FOLLOWERINFO',
      session: this.session,
      acceptedEpoch: this.ctx.acceptedEpoch,
      currentEpoch: this.ctx.currentEpoch,
      lastZxid: this.ctx.log.last(),
    });
  }

  /** Whether the member may serve clients: only after UPTODATE (pitfall 3). */
  get serving(): boolean {
    return this.phase === 'broadcast';
  }

  onMessage(from: MemberId, m: ZabMessage): FollowerFailure | null {
    if (from !== this.leader) return null;
    this.lastHeardTick = this.ctx.ticks;
    if (m.type !== 'PING' && m.type !== 'COMMIT') this.lastProgressTick = this.ctx.ticks;
    switch (m.type) {
      case 'NEWEPOCH':
        return this.onNewEpoch(m.session, m.epoch);
      case 'DIFF':
      case 'TRUNC':
      case 'SNAP':
        return this.onSyncStart(m);
      case 'PROPOSAL':
        // From an older following attempt, or overtaken by the sync start: not ours to log.
        if (!this.syncStarted || m.epoch !== this.epoch) return null;
        return this.onProposal(m.zxid, m.prev, m.txn);
      case 'NEWLEADER':
        return this.onNewLeader(m.session, m.epoch, m.zxid);
      case 'UPTODATE':
        if (m.session !== this.session || m.epoch !== this.epoch) return null;
        if (!this.newLeaderAcked) return 'UPTODATE before our ACK of NEWLEADER';
        if (this.phase !== 'broadcast') this.phase = 'broadcast';
        this.ctx.learnCommitted(m.committed);
        return null;
      case 'COMMIT':
        if (m.epoch !== this.epoch || !this.newLeaderAcked) return null;
        this.ctx.learnCommitted(m.zxid);
        return null;
      case 'PING':
        if (m.session !== this.session || m.epoch !== this.epoch) return null;
        // The leader pings us only after it queued our whole sync, NEWLEADER last, on this FIFO
        // link: a PING before NEWLEADER means part of the stream was lost. Waiting would be for ever.
        if (this.syncStarted && !this.newLeaderSeen) return 'PING before NEWLEADER: the sync stream was cut';
        if (this.newLeaderAcked) this.ctx.learnCommitted(m.committed);
        this.ctx.send(this.leader, { type: 'PING', session: this.session, epoch: m.epoch, committed: this.ctx.applied });
        return null;
      default:
        return null;
    }
  }

  private onNewEpoch(session: number, epoch: number): FollowerFailure | null {
    if (session !== this.session) return null;
    if (this.epoch !== null) return epoch === this.epoch ? null : `second NEWEPOCH ${epoch} after ${this.epoch}`;
    if (epoch < this.ctx.acceptedEpoch) return `NEWEPOCH ${epoch} is below our acceptedEpoch ${this.ctx.acceptedEpoch}`;
    this.epoch = epoch;
    // An epoch promised before (to whoever) is not promised again; we still report our state so the
    // leader can sync us (ZooKeeper's ACKEPOCH with -1).
    const promised = epoch > this.ctx.acceptedEpoch;
    if (promised) this.ctx.persist({ kind: 'acceptedEpoch', epoch });
    this.ctx.afterDurable(() => {
      this.ackEpochSent = true;
      this.ctx.send(this.leader, {
        type: 'ACKEPOCH',
        session: this.session,
        epoch,
        promised,
        currentEpoch: this.ctx.currentEpoch,
        lastZxid: this.ctx.log.last(),
        history: this.ctx.log.summary(),
      });
    });
    return null;
  }

  private onSyncStart(m: Extract<ZabMessage, { type: 'DIFF' | 'TRUNC' | 'SNAP' }>): FollowerFailure | null {
    if (m.session !== this.session || m.epoch !== this.epoch) return null;
    if (this.syncStarted) return `second ${m.type} in one sync`;
    this.syncStarted = true;
    this.phase = 'synchronization';
    const log = this.ctx.log;
    if (m.type === 'DIFF') {
      if (!zxidEquals(m.from, log.last())) return `DIFF from ${formatZxid(m.from)} but our log ends at ${formatZxid(log.last())}`;
    } else if (m.type === 'TRUNC') {
      if (!log.contains(m.to)) return `TRUNC to ${formatZxid(m.to)}, which our log does not hold`;
      // A correct leader never asks either of these; a faulty one is refused, not obeyed or crashed on.
      if (zxidLess(m.to, this.ctx.committedInLog)) return `TRUNC to ${formatZxid(m.to)} would drop committed ${formatZxid(this.ctx.committedInLog)}`;
      this.ctx.truncateTo(m.to);
    } else {
      if (zxidLess(m.snapshot.zxid, this.ctx.applied)) return `SNAP at ${formatZxid(m.snapshot.zxid)} is behind what we applied, ${formatZxid(this.ctx.applied)}`;
      this.ctx.installSnapshot(m.snapshot);
    }
    return null;
  }

  private onProposal(z: Zxid, prev: Zxid, txn: unknown): FollowerFailure | null {
    const log = this.ctx.log;
    if (!zxidLess(log.base, z)) return null; // covered by our snapshot
    if (!zxidLess(log.last(), z)) {
      // Already held (a duplicate): fine only if it really is the same point of the same history.
      return log.contains(z) ? null : `PROPOSAL ${formatZxid(z)} conflicts with our log`;
    }
    // No gaps (pitfall 6): accept only what extends our log exactly.
    if (!zxidEquals(prev, log.last())) return `gap: PROPOSAL ${formatZxid(z)} after ${formatZxid(prev)}, our log ends at ${formatZxid(log.last())}`;
    log.append({ zxid: z, txn });
    this.ctx.persist({ kind: 'append', entries: [{ zxid: z, txn }] });
    return null;
  }

  private onNewLeader(session: number, epoch: number, z: Zxid): FollowerFailure | null {
    if (session !== this.session || epoch !== this.epoch) return null;
    if (!this.syncStarted) return 'NEWLEADER before DIFF/TRUNC/SNAP';
    if (this.newLeaderSeen) return null;
    if (!zxidEquals(this.ctx.log.last(), z)) return `NEWLEADER at ${formatZxid(z)} but our log ends at ${formatZxid(this.ctx.log.last())}`;
    this.newLeaderSeen = true;
    // Pitfall 1: snapshot, then every synced txn, then currentEpoch — all durable — and only then the ACK.
    if (this.ctx.currentEpoch !== epoch) this.ctx.persist({ kind: 'currentEpoch', epoch });
    const generation = this.ctx.generation;
    this.ctx.afterDurable(() => {
      if (this.ctx.generation !== generation) return;
      this.newLeaderAcked = true;
      this.lastAckSent = z;
      this.ctx.send(this.leader, { type: 'ACKNEWLEADER', session: this.session, epoch, zxid: z });
      this.onDurableProgress();
    });
    return null;
  }

  /** Group ACK: one cumulative ACK for everything that became durable. */
  onDurableProgress(): void {
    if (!this.newLeaderAcked || this.epoch === null) return;
    const durable = this.ctx.durableUpTo;
    if (!zxidLess(this.lastAckSent, durable)) return;
    this.lastAckSent = durable;
    this.ctx.send(this.leader, { type: 'ACK', session: this.session, epoch: this.epoch, zxid: durable });
  }

  onTick(): FollowerFailure | null {
    const ticks = this.ctx.ticks;
    // FOLLOWERINFO may have reached the leader before it knew it leads: say it again until answered.
    if (this.epoch === null) this.start();
    const limit = this.ctx.config.initLimitTicks;
    if (this.epoch === null) {
      if (ticks - this.startTick > limit) return `not up to date within initLimit (${this.phase})`;
      return null;
    }
    // Once the leader answered with its epoch, a sync is as long as its DIFF or SNAP is big (the
    // leader streams it at the pace of the link, a SNAP arrives in parts before it starts here): it
    // may take many initLimits, and fails only when it stops moving for one (as a ZooKeeper
    // learner's socket read times out after initLimit, not the whole sync).
    if (this.phase !== 'broadcast') {
      if (ticks - this.lastProgressTick > limit) return `no sync progress for initLimit`;
      // The leader, whose own PINGs wait behind the stream, must hear us too (it drops a learner
      // silent for initLimit): a sync that outlasts a tick keeps it informed, once a tick.
      if (this.phase === 'synchronization') this.answerLeader();
      return null;
    }
    if (ticks - this.lastHeardTick > this.ctx.config.syncLimitTicks) return 'leader silent for syncLimit';
    return null;
  }

  /**
   * The leader is sending us something big. It counts as hearing from it, and the leader, whose
   * PINGs wait behind that message, hears from us (at most one PING a tick): a large PROPOSAL, or a
   * long sync stream, must not look like a dead leader to us, or like a dead follower to it.
   */
  onHeard(peer: MemberId): void {
    if (peer !== this.leader) return;
    this.lastHeardTick = this.lastProgressTick = this.ctx.ticks;
    this.answerLeader();
  }

  /** Once we acked the leader's epoch: one PING a tick at most, so the leader hears us while it streams. */
  private answerLeader(): void {
    if (!this.ackEpochSent || this.epoch === null || this.lastPingSentTick === this.ctx.ticks) return;
    this.lastPingSentTick = this.ctx.ticks;
    this.ctx.send(this.leader, { type: 'PING', session: this.session, epoch: this.epoch, committed: this.ctx.applied });
  }

  onPeerDisconnected(peer: MemberId): FollowerFailure | null {
    return peer === this.leader ? 'lost the connection to the leader' : null;
  }
}
