/**
 * Proposal bookkeeping for the classroom: when each PROPOSAL left the leader, which followers ACKed it
 * and when, when it committed. Gives the quorum counter drawn on each PROPOSAL bubble and the metrics
 * panel (proposal count, commit count, ACK delay, commit delay). Pure: fed by the engine's observer.
 */
import type { MemberId } from '../../../src/zab/messages.js';
import type { Zxid } from '../../../src/zab/zxid.js';
import { zxidKey } from './describe.js';

export interface TrackedProposal {
  readonly zxid: Zxid;
  readonly leader: MemberId;
  readonly sentAt: number;
  readonly summary: string;
  /** Followers whose ACK reached the leader (ACKs are cumulative). */
  readonly acks: Set<MemberId>;
  committedAt: number | null;
}

export interface DelayStats {
  readonly count: number;
  readonly lastMs: number | null;
  readonly meanMs: number | null;
  readonly maxMs: number | null;
}

export interface MetricsSummary {
  readonly proposals: number;
  readonly commits: number;
  readonly ackDelay: DelayStats;
  readonly commitDelay: DelayStats;
}

class Delays {
  private count = 0;
  private sum = 0;
  private last: number | null = null;
  private max: number | null = null;

  add(ms: number): void {
    this.count++;
    this.sum += ms;
    this.last = ms;
    this.max = this.max === null ? ms : Math.max(this.max, ms);
  }

  stats(): DelayStats {
    return { count: this.count, lastMs: this.last, meanMs: this.count ? this.sum / this.count : null, maxMs: this.max };
  }
}

const KEEP = 300;

export class ProposalTracker {
  private readonly byKey = new Map<string, TrackedProposal>();
  private readonly order: string[] = [];
  private proposals = 0;
  private commits = 0;
  private readonly ackDelays = new Delays();
  private readonly commitDelays = new Delays();

  /** The first PROPOSAL of a zxid to leave its leader starts the clock. */
  proposalSent(leader: MemberId, zxid: Zxid, at: number, summary: string): void {
    const key = zxidKey(zxid);
    if (this.byKey.has(key)) return;
    this.byKey.set(key, { zxid, leader, sentAt: at, summary, acks: new Set(), committedAt: null });
    this.order.push(key);
    this.proposals++;
    while (this.order.length > KEEP) this.byKey.delete(this.order.shift()!);
  }

  /** An ACK from `follower` reached the leader `leader`: it covers every proposal of that epoch up to `zxid`. */
  ackDelivered(leader: MemberId, follower: MemberId, zxid: Zxid, at: number): void {
    for (const p of this.byKey.values()) {
      if (p.leader !== leader || p.zxid.epoch !== zxid.epoch || p.zxid.counter > zxid.counter || p.acks.has(follower)) continue;
      p.acks.add(follower);
      this.ackDelays.add(at - p.sentAt);
    }
  }

  /** The leader committed everything up to `zxid` (its COMMIT left, or it applied the txn). */
  committed(leader: MemberId, zxid: Zxid, at: number): void {
    for (const p of this.byKey.values()) {
      if (p.leader !== leader || p.committedAt !== null || p.zxid.epoch !== zxid.epoch || p.zxid.counter > zxid.counter) continue;
      p.committedAt = at;
      this.commits++;
      this.commitDelays.add(at - p.sentAt);
    }
  }

  get(zxid: Zxid): TrackedProposal | undefined {
    return this.byKey.get(zxidKey(zxid));
  }

  /**
   * The quorum counter of a proposal: followers' ACKs plus the leader's own vote once the entry is
   * durable on the leader (the leader counts itself the same way).
   */
  votes(zxid: Zxid, leaderDurable: Zxid | null): { readonly votes: number; readonly committed: boolean } {
    const p = this.get(zxid);
    if (!p) return { votes: 0, committed: false };
    const self = leaderDurable !== null && (leaderDurable.epoch > zxid.epoch || (leaderDurable.epoch === zxid.epoch && leaderDurable.counter >= zxid.counter)) ? 1 : 0;
    return { votes: p.acks.size + self, committed: p.committedAt !== null };
  }

  recent(n: number): TrackedProposal[] {
    return this.order.slice(-n).map((k) => this.byKey.get(k)!).filter(Boolean);
  }

  summary(): MetricsSummary {
    return { proposals: this.proposals, commits: this.commits, ackDelay: this.ackDelays.stats(), commitDelay: this.commitDelays.stats() };
  }
}
