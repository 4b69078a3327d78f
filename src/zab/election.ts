import type { MemberContext } from './context.js';
import type { MemberId, ServerState, Vote } from './messages.js';
import { compareZxid, zxidEquals, type Zxid } from './zxid.js';

/** What a member proposes as leader: ordered by (epoch, zxid, id), the rule that makes recovery one-way (pitfall 11). */
export interface Candidate {
  readonly leader: MemberId;
  readonly zxid: Zxid;
  readonly epoch: number;
}

export function compareCandidates(a: Candidate, b: Candidate): number {
  if (a.epoch !== b.epoch) return a.epoch < b.epoch ? -1 : 1;
  const z = compareZxid(a.zxid, b.zxid);
  if (z !== 0) return z;
  return a.leader === b.leader ? 0 : a.leader < b.leader ? -1 : 1;
}

function sameCandidate(a: Candidate, b: Candidate): boolean {
  return a.leader === b.leader && a.epoch === b.epoch && zxidEquals(a.zxid, b.zxid);
}

export type ElectionOutcome = { readonly leader: MemberId; readonly round: number } | null;

/**
 * Fast-leader-election, as in ZooKeeper: rounds (logicalclock), the best vote wins, a vote backed by a
 * quorum becomes final after a short wait with no better vote, and a looking member joins an ensemble
 * that already has a leader when a quorum of its members say so and the leader itself says LEADING.
 * The round survives elections (in memory only, like ZooKeeper's logicalclock).
 */
export class Election {
  round = 0;
  private proposal: Candidate;
  private votes = new Map<MemberId, Candidate>();
  private outOfElection = new Map<MemberId, Vote>();
  private finalizeAtTick: number | null = null;
  /** The latest LOOKING vote of each peer that reached us before our own election started (see start). */
  private readonly heardBeforeStart = new Map<MemberId, Vote>();
  private lastSentTick = 0;
  /** The vote this member reports while it follows or leads. */
  private settled: { candidate: Candidate; round: number; state: ServerState } | null = null;

  constructor(private readonly ctx: MemberContext) {
    this.proposal = this.selfCandidate();
  }

  private selfCandidate(): Candidate {
    return { leader: this.ctx.config.id, zxid: this.ctx.log.last(), epoch: this.ctx.currentEpoch };
  }

  get currentProposal(): Candidate {
    return this.proposal;
  }

  /**
   * Begins a new round with this member's own vote, counting the LOOKING votes that reached us before
   * it (see keepForStart) as if they arrived now. Memory must equal durable state by now (pitfall 7).
   */
  start(): ElectionOutcome {
    this.settled = null;
    this.round++;
    this.proposal = this.selfCandidate();
    this.votes.clear();
    this.outOfElection.clear();
    this.finalizeAtTick = null;
    const early = [...this.heardBeforeStart];
    this.heardBeforeStart.clear();
    for (const [, v] of early) if (v.round > this.round) this.round = v.round;
    for (const [from, v] of early) {
      if (v.round !== this.round) continue;
      const theirs = this.candidateOf(v);
      this.votes.set(from, theirs);
      if (compareCandidates(theirs, this.proposal) > 0) this.proposal = theirs;
    }
    this.votes.set(this.ctx.config.id, this.proposal);
    this.broadcastVote();
    return this.checkRound();
  }

  /**
   * A LOOKING vote that came before our own election started — while we still followed, or while our
   * last writes were on their way to disk — counts once it starts. When the leader dies, the member
   * that notices first votes before the other does, and would otherwise be heard again only at its
   * resend, voteResendTicks later.
   */
  keepForStart(from: MemberId, v: Vote): void {
    if (v.state === 'LOOKING') this.heardBeforeStart.set(from, v);
  }

  /** A vote for us may carry what we held before a crash or a TRUNC; we know our own state better. */
  private candidateOf(v: Vote): Candidate {
    return v.leader === this.ctx.config.id ? this.selfCandidate() : { leader: v.leader, zxid: v.zxid, epoch: v.epoch };
  }

  /** Leaves the election: from now on this member answers looking members with its settled vote. */
  settle(leader: MemberId, state: ServerState): void {
    this.heardBeforeStart.clear();
    const candidate = this.proposal.leader === leader ? this.proposal : { leader, zxid: this.proposal.zxid, epoch: this.proposal.epoch };
    this.settled = { candidate, round: this.round, state };
  }

  onVote(from: MemberId, v: Vote, looking: boolean): ElectionOutcome {
    if (!looking) {
      // Followers and leaders tell looking members who leads, so late joiners find the ensemble.
      if (v.state === 'LOOKING' && this.settled) this.ctx.send(from, this.voteMessage(from));
      this.keepForStart(from, v);
      return null;
    }
    const theirs = this.candidateOf(v);
    if (v.state === 'LOOKING') {
      this.outOfElection.delete(from);
      if (v.round > this.round) {
        this.round = v.round;
        this.votes.clear();
        const mine = this.selfCandidate();
        this.proposal = compareCandidates(theirs, mine) > 0 ? theirs : mine;
        this.votes.set(this.ctx.config.id, this.proposal);
        this.finalizeAtTick = null;
        this.broadcastVote();
      } else if (v.round < this.round) {
        this.ctx.send(from, this.voteMessage(from));
        return null;
      } else if (compareCandidates(theirs, this.proposal) > 0) {
        this.proposal = theirs;
        this.votes.set(this.ctx.config.id, this.proposal);
        this.finalizeAtTick = null;
        this.broadcastVote();
      }
      this.votes.set(from, theirs);
      return this.checkRound();
    }
    // A member already following or leading.
    this.outOfElection.set(from, v);
    if (v.round === this.round) this.votes.set(from, theirs);
    return this.checkJoin(v);
  }

  onTick(looking: boolean): ElectionOutcome {
    if (!looking) return null;
    const ticks = this.ctx.ticks;
    if (this.finalizeAtTick !== null && ticks >= this.finalizeAtTick) {
      this.finalizeAtTick = null;
      return { leader: this.proposal.leader, round: this.round };
    }
    if (ticks - this.lastSentTick >= this.ctx.config.voteResendTicks) this.broadcastVote();
    return null;
  }

  /** A peer came (back): it may have missed our vote. */
  onPeerConnected(peer: MemberId, looking: boolean): void {
    if (looking) this.ctx.send(peer, this.voteMessage(peer));
  }

  private checkRound(): ElectionOutcome {
    let agreeing = 0;
    for (const c of this.votes.values()) if (sameCandidate(c, this.proposal)) agreeing++;
    if (agreeing < this.ctx.quorum) {
      this.finalizeAtTick = null;
      return null;
    }
    // No better vote can still come when every member agrees, or when every peer in this election
    // that may still answer agrees: the others (a crashed leader, a member whose link is down) have
    // been silent past syncLimit, and waiting for them only delays recovery. The wait is for
    // liveness alone: a quorum that agrees elects a leader whose history holds every committed txn.
    if (agreeing === this.ctx.config.members.length || this.noVoteAwaited()) return { leader: this.proposal.leader, round: this.round };
    if (this.finalizeAtTick === null) this.finalizeAtTick = this.ctx.ticks + this.ctx.config.electionFinalizeTicks;
    return null;
  }

  private noVoteAwaited(): boolean {
    for (const p of this.ctx.peers) {
      if (!this.ctx.mayAnswer(p) || this.outOfElection.has(p)) continue;
      const v = this.votes.get(p);
      if (v === undefined || !sameCandidate(v, this.proposal)) return false;
    }
    return true;
  }

  private checkJoin(v: Vote): ElectionOutcome {
    if (v.leader === this.ctx.config.id) return null;
    // Members that joined at different times report different rounds, so agree on the leader alone;
    // safety does not rest on this (discovery does), only whether joining is worth a try.
    const leaderSays = this.outOfElection.get(v.leader);
    if (!leaderSays || leaderSays.state !== 'LEADING' || leaderSays.leader !== v.leader) return null;
    let agreeing = 0;
    for (const o of this.outOfElection.values()) if (o.leader === v.leader) agreeing++;
    if (agreeing < this.ctx.quorum) return null;
    this.round = Math.max(this.round, leaderSays.round);
    this.proposal = { leader: v.leader, zxid: leaderSays.zxid, epoch: leaderSays.epoch };
    return { leader: v.leader, round: this.round };
  }

  private broadcastVote(): void {
    this.lastSentTick = this.ctx.ticks;
    for (const p of this.ctx.peers) this.ctx.send(p, this.voteMessage(p));
  }

  private voteMessage(_to: MemberId): Vote {
    const s = this.settled;
    const c = s ? s.candidate : this.proposal;
    return {
      type: 'VOTE',
      round: s ? s.round : this.round,
      leader: c.leader,
      zxid: c.zxid,
      epoch: c.epoch,
      state: s ? s.state : 'LOOKING',
    };
  }
}
