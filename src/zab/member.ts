import type { ZabConfig } from './config.js';
import { MemberContext } from './context.js';
import { Election } from './election.js';
import { FollowerRole } from './follower.js';
import { LeaderRole, type ProposeResult } from './leader.js';
import type { MemberId, Snapshot, Txn, ZabMessage } from './messages.js';
import type { Phase, Ready, Role } from './output.js';
import { validateDurableState, type DurableState } from './persistence.js';
import type { Zxid } from './zxid.js';

export type ZabInput =
  | { readonly type: 'message'; readonly from: MemberId; readonly message: ZabMessage }
  | { readonly type: 'tick' }
  /** Storage made every write up to `seq` durable. */
  | { readonly type: 'persisted'; readonly seq: number }
  | { readonly type: 'peerConnected'; readonly peer: MemberId }
  | { readonly type: 'peerDisconnected'; readonly peer: MemberId }
  /**
   * Part of a message from `peer` arrived and the rest is still on its way (a 1 MiB PROPOSAL takes
   * a while on a busy link): the peer is alive, though there is nothing to hand over yet.
   */
  | { readonly type: 'heard'; readonly peer: MemberId };

export interface ZabStatus {
  readonly id: MemberId;
  readonly role: Role;
  readonly phase: Phase;
  readonly leader: MemberId | null;
  /** The epoch being led or followed, once known. */
  readonly epoch: number | null;
  readonly acceptedEpoch: number;
  readonly currentEpoch: number;
  readonly lastZxid: Zxid;
  readonly committedZxid: Zxid;
  readonly appliedZxid: Zxid;
  readonly durableZxid: Zxid;
  readonly logBase: Zxid;
  readonly electionRound: number;
  /** Whether clients may be served: broadcast phase reached (UPTODATE on a follower, established on a leader). */
  readonly serving: boolean;
}

type RoleState = { kind: 'looking'; drained: boolean } | { kind: 'following'; follower: FollowerRole } | { kind: 'leading'; leader: LeaderRole };

/**
 * One ensemble member's Zab, as a deterministic state machine: inputs come in through `step`,
 * `propose` and `snapshotTaken`; everything it wants done comes out of `drain()` (messages, durable
 * writes, deliveries to the state machine, events). No clock, timer, socket or randomness inside.
 */
export class ZabMember {
  private readonly ctx: MemberContext;
  private readonly election: Election;
  private role: RoleState = { kind: 'looking', drained: false };
  private followCount = 0;

  constructor(config: ZabConfig, durable: DurableState) {
    validateDurableState(durable);
    this.ctx = new MemberContext(config, durable);
    this.election = new Election(this.ctx);
    this.becomeLooking('startup');
  }

  get id(): MemberId {
    return this.ctx.config.id;
  }

  step(input: ZabInput): void {
    switch (input.type) {
      case 'tick':
        this.ctx.ticks++;
        this.onTick();
        return;
      case 'persisted':
        this.onPersisted(input.seq);
        return;
      case 'message':
        this.onMessage(input.from, input.message);
        return;
      case 'heard': {
        if (!this.ctx.config.members.includes(input.peer)) return;
        this.ctx.lastHeardTick.set(input.peer, this.ctx.ticks);
        const r = this.role;
        if (r.kind === 'following') r.follower.onHeard(input.peer);
        else if (r.kind === 'leading') r.leader.onHeard(input.peer);
        return;
      }
      case 'peerConnected':
        this.ctx.lastHeardTick.set(input.peer, this.ctx.ticks);
        this.election.onPeerConnected(input.peer, this.role.kind === 'looking' && this.role.drained);
        return;
      case 'peerDisconnected': {
        this.ctx.lastHeardTick.set(input.peer, -Infinity);
        const r = this.role;
        const failure =
          r.kind === 'following' ? r.follower.onPeerDisconnected(input.peer) : r.kind === 'leading' ? r.leader.onPeerDisconnected(input.peer) : null;
        if (failure) this.becomeLooking(failure);
        return;
      }
    }
  }

  /** Leader only, in broadcast phase: assigns the next zxid and starts the proposal. */
  propose(txn: Txn): ProposeResult {
    const r = this.role;
    if (r.kind !== 'leading') return { ok: false, reason: 'NOT_LEADER' };
    const result = r.leader.propose(txn);
    // Pitfall 10: a leader whose counter is used up must hand over to a new epoch.
    if (!result.ok && result.reason === 'EPOCH_EXHAUSTED') this.becomeLooking('zxid counter exhausted');
    return result;
  }

  /** The state machine above took a snapshot of its applied state; Zab saves it and trims its log. */
  snapshotTaken(snapshot: Snapshot): void {
    this.ctx.saveSnapshot(snapshot);
  }

  drain(): Ready {
    return this.ctx.drain();
  }

  status(): ZabStatus {
    const r = this.role;
    const ctx = this.ctx;
    let phase: Phase = 'election';
    let leader: MemberId | null = null;
    let epoch: number | null = null;
    let serving = false;
    if (r.kind === 'following') {
      phase = r.follower.phase;
      leader = r.follower.leader;
      epoch = r.follower.epoch;
      serving = r.follower.serving;
    } else if (r.kind === 'leading') {
      phase = r.leader.phase;
      leader = ctx.config.id;
      epoch = r.leader.epoch;
      serving = r.leader.serving;
    }
    return {
      id: ctx.config.id,
      role: r.kind === 'looking' ? 'LOOKING' : r.kind === 'following' ? 'FOLLOWING' : 'LEADING',
      phase,
      leader,
      epoch,
      acceptedEpoch: ctx.acceptedEpoch,
      currentEpoch: ctx.currentEpoch,
      lastZxid: ctx.log.last(),
      committedZxid: ctx.committedInLog,
      appliedZxid: ctx.applied,
      durableZxid: ctx.durableUpTo,
      logBase: ctx.log.base,
      electionRound: this.election.round,
      serving,
    };
  }

  /** The in-memory log, read-only: for the simulator's checks and the demo's log view. */
  logEntries(): ReturnType<MemberContext['log']['all']> {
    return this.ctx.log.all();
  }

  private onTick(): void {
    const r = this.role;
    if (r.kind === 'looking') {
      const outcome = this.election.onTick(r.drained);
      if (outcome) this.decide(outcome.leader);
      return;
    }
    const failure = r.kind === 'following' ? r.follower.onTick() : r.leader.onTick();
    if (failure) this.becomeLooking(failure);
  }

  private onPersisted(seq: number): void {
    const moved = this.ctx.onPersisted(seq);
    const r = this.role;
    if (r.kind === 'looking') {
      if (!r.drained && this.ctx.allDurable) {
        r.drained = true;
        const outcome = this.election.start();
        if (outcome) this.decide(outcome.leader);
      }
      return;
    }
    if (!moved) return;
    if (r.kind === 'following') r.follower.onDurableProgress();
    else r.leader.onDurableProgress();
  }

  private onMessage(from: MemberId, message: ZabMessage): void {
    if (from === this.id || !this.ctx.config.members.includes(from)) {
      this.ctx.emit({ type: 'rejected', from, message: message.type, reason: 'not a member of this ensemble' });
      return;
    }
    this.ctx.lastHeardTick.set(from, this.ctx.ticks);
    const r = this.role;
    if (message.type === 'VOTE') {
      // A leader that votes LOOKING has stopped leading; a follower that does has left us.
      // Either way the vote itself still counts in the election that follows.
      // A LOOKING vote the leader sent before it decided to lead (an answer to our own vote) can
      // arrive after we chose it: it means the leader is looking again only if it came after the
      // leader's NEWEPOCH to us (FIFO), or from a later round than the one we decided in.
      if (message.state === 'LOOKING' && r.kind === 'following' && from === r.follower.leader && (r.follower.epoch !== null || message.round > this.election.round)) {
        this.becomeLooking('the leader is looking for a leader');
      } else if (message.state === 'LOOKING' && r.kind === 'leading') {
        const failure = r.leader.onLearnerLooking(from);
        if (failure) this.becomeLooking(failure);
      }
      const looking = this.role.kind === 'looking';
      if (this.role.kind === 'looking' && !this.role.drained) {
        // Our own vote waits for our writes to be durable (pitfall 7); theirs counts once it is ready.
        this.election.keepForStart(from, message);
        return;
      }
      const outcome = this.election.onVote(from, message, looking);
      if (outcome) this.decide(outcome.leader);
      return;
    }
    if (r.kind === 'looking') return;
    const failure = r.kind === 'following' ? r.follower.onMessage(from, message) : r.leader.onMessage(from, message);
    if (failure) this.becomeLooking(failure);
  }

  private decide(leader: MemberId): void {
    this.ctx.nextGeneration();
    this.ctx.emit({ type: 'elected', leader, round: this.election.round });
    if (leader === this.id) {
      const role = new LeaderRole(this.ctx);
      this.role = { kind: 'leading', leader: role };
      this.election.settle(leader, 'LEADING');
      this.emitState();
      const failure = role.start();
      if (failure) this.becomeLooking(failure);
    } else {
      const role = new FollowerRole(this.ctx, leader, this.nextSession());
      this.role = { kind: 'following', follower: role };
      this.election.settle(leader, 'FOLLOWING');
      this.emitState();
      role.start();
    }
  }

  /** Tells this following attempt apart from every other, across restarts (incarnation differs). */
  private nextSession(): number {
    this.followCount = (this.followCount + 1) % 0x200000;
    return (this.ctx.config.incarnation % 0x80000000) * 0x200000 + this.followCount;
  }

  /**
   * Back to election. Pitfall 7: memory must equal durable state before voting, so the vote waits
   * until every issued write is durable (our log never holds anything storage will not).
   */
  private becomeLooking(reason: string): void {
    const wasLooking = this.role.kind === 'looking';
    this.ctx.nextGeneration();
    this.role = { kind: 'looking', drained: false };
    if (!wasLooking || reason === 'startup') this.ctx.emit({ type: 'steppedDown', reason });
    this.ctx.emit({ type: 'electionStarted', round: this.election.round + 1, reason });
    this.emitState();
    if (this.ctx.allDurable) {
      this.role.drained = true;
      const outcome = this.election.start();
      if (outcome) this.decide(outcome.leader);
    }
  }

  private emitState(): void {
    const s = this.status();
    this.ctx.emit({ type: 'state', role: s.role, phase: s.phase, leader: s.leader, epoch: s.epoch ?? s.currentEpoch });
  }
}
