import { indexOfZxid } from '../zab/log.js';
import type { ZabMessage } from '../zab/messages.js';
import type { DurableState } from '../zab/persistence.js';
import { compareZxid, formatZxid, zxidEquals, zxidLess, type Zxid } from '../zab/zxid.js';
import type { AppliedRecord } from './state-machine.js';

export class Violation extends Error {
  constructor(
    readonly invariant: string,
    detail: string,
  ) {
    super(`${invariant}: ${detail}`);
  }
}

/** What the checker may look at in a member: its durable image and its in-memory log. */
export interface CheckedMember {
  readonly id: number;
  readonly durable: Readonly<DurableState>;
  readonly records: readonly AppliedRecord[];
  readonly logBase: Zxid | null;
  readonly logEntries: readonly { zxid: Zxid; txn: unknown }[] | null;
}

export type TxnNamer = (txn: unknown) => string | undefined;

function durablyHolds(d: Readonly<DurableState>, rec: AppliedRecord, idOf: TxnNamer): boolean {
  if (d.snapshot && compareZxid(rec.zxid, d.snapshot.zxid) <= 0) return true;
  const i = indexOfZxid(d.log, rec.zxid);
  return i >= 0 && idOf(d.log[i]!.txn) === rec.id;
}


/**
 * Zab's invariants, checked as the simulation runs:
 * - one established leader per epoch;
 * - every member applies the same sequence (agreement, total order), in primary order: per epoch the
 *   counters run 1, 2, 3… and epochs only grow;
 * - an applied txn is durable on a quorum when first applied (commit = quorum-durable);
 * - a new leader's history holds everything committed before it (leaderLogCompleteness);
 * - ACKEPOCH / ACK(NEWLEADER) / ACK leave the member only after what they claim is durable;
 * - nothing a client was told is committed is ever lost, and all members converge.
 */
export class Checker {
  readonly committed: AppliedRecord[] = [];
  private readonly committedIds = new Set<string>();
  private readonly leaders = new Map<number, number>();
  readonly ackedToClients = new Set<string>();
  /** Every zxid ever proposed, with its txn: one proposal per zxid, forever. */
  private readonly proposals = new Map<string, string>();
  /** The tree digest first seen at each zxid: every member at that zxid must show the same. */
  private readonly digests = new Map<string, string>();
  checks = 0;

  constructor(
    private readonly quorum: number,
    private readonly idOf: TxnNamer,
  ) {}

  /** The committed records up to `z` (what a snapshot at `z` holds). */
  committedUpTo(z: Zxid, member: number): AppliedRecord[] {
    if (z.epoch === 0 && z.counter === 0) return [];
    const i = indexOfZxid(this.committed, z);
    if (i < 0) throw new Violation('agreement', `member ${member} restored a snapshot at ${formatZxid(z)}, which was never committed`);
    return this.committed.slice(0, i + 1);
  }

  private checkDigest(member: number, z: Zxid, digest: string | undefined): void {
    if (digest === undefined) return;
    const key = `${z.epoch}:${z.counter}`;
    const seen = this.digests.get(key);
    if (seen === undefined) this.digests.set(key, digest);
    else if (seen !== digest) {
      throw new Violation('same state at the same zxid', `member ${member}'s tree digest at ${formatZxid(z)} is ${digest}, another member's was ${seen}`);
    }
  }

  onApply(member: CheckedMember, position: number, rec: AppliedRecord, all: () => readonly CheckedMember[], digest?: string): void {
    this.checks++;
    this.checkDigest(member.id, rec.zxid, digest);
    if (position < this.committed.length) {
      const expected = this.committed[position]!;
      if (!zxidEquals(expected.zxid, rec.zxid) || expected.id !== rec.id) {
        throw new Violation(
          'agreement',
          `member ${member.id} applied ${rec.id}@${formatZxid(rec.zxid)} at position ${position}, where ${expected.id}@${formatZxid(expected.zxid)} was committed`,
        );
      }
      return;
    }
    if (position !== this.committed.length) throw new Violation('agreement', `member ${member.id} skipped positions`);
    const prev = this.committed[this.committed.length - 1];
    if (prev) {
      if (!zxidLess(prev.zxid, rec.zxid)) {
        throw new Violation('total order', `${formatZxid(rec.zxid)} committed after ${formatZxid(prev.zxid)}`);
      }
      const sameEpoch = prev.zxid.epoch === rec.zxid.epoch;
      if ((sameEpoch && rec.zxid.counter !== prev.zxid.counter + 1) || (!sameEpoch && rec.zxid.counter !== 1)) {
        throw new Violation('primary order', `${formatZxid(rec.zxid)} committed right after ${formatZxid(prev.zxid)}: a gap`);
      }
    } else if (rec.zxid.counter !== 1) {
      throw new Violation('primary order', `first commit is ${formatZxid(rec.zxid)}`);
    }
    if (this.committedIds.has(rec.id)) throw new Violation('integrity', `txn ${rec.id} committed twice`);
    let holders = 0;
    for (const m of all()) if (durablyHolds(m.durable, rec, this.idOf)) holders++;
    if (holders < this.quorum) {
      throw new Violation(
        'durable quorum',
        `member ${member.id} applied ${rec.id}@${formatZxid(rec.zxid)} held durably by only ${holders} of ${all().length}`,
      );
    }
    this.committed.push(rec);
    this.committedIds.add(rec.id);
  }

  /** After a restore the member's state must be a prefix of the committed sequence. */
  onRestore(member: CheckedMember, previousLength: number, digest: string | undefined, zxid: Zxid): void {
    this.checks++;
    this.checkDigest(member.id, zxid, digest);
    const recs = member.records;
    if (recs.length < previousLength) {
      throw new Violation('monotonic state', `member ${member.id} went back from ${previousLength} to ${recs.length} applied txns`);
    }
    for (let i = 0; i < recs.length; i++) {
      const c = this.committed[i];
      if (!c || c.id !== recs[i]!.id) {
        throw new Violation('agreement', `member ${member.id} restored a snapshot that disagrees at position ${i}`);
      }
    }
  }

  onEstablished(member: CheckedMember, epoch: number): void {
    this.checks++;
    const other = this.leaders.get(epoch);
    if (other !== undefined && other !== member.id) {
      throw new Violation('one leader per epoch', `members ${other} and ${member.id} both established epoch ${epoch}`);
    }
    this.leaders.set(epoch, member.id);
    // leaderLogCompleteness: everything committed in earlier epochs is in the new leader's history.
    // (A slow leader may establish after a later epoch committed: those txns are not its concern.)
    const base = member.logBase!;
    const entries = member.logEntries!;
    for (const rec of this.committed) {
      if (rec.zxid.epoch >= epoch) break;
      if (compareZxid(rec.zxid, base) <= 0) continue;
      const i = indexOfZxid(entries, rec.zxid);
      const txn = i >= 0 ? entries[i]!.txn : undefined;
      if (txn === undefined || this.idOf(txn) !== rec.id) {
        throw new Violation('leader completeness', `leader ${member.id} of epoch ${epoch} lacks committed ${rec.id}@${formatZxid(rec.zxid)}`);
      }
    }
  }

  /** Messages that promise durability may leave only once it is true. */
  onSend(member: CheckedMember, m: ZabMessage): void {
    const d = member.durable;
    switch (m.type) {
      case 'VOTE': {
        // Pitfall 7: a member votes for itself with its durable state, never with what memory only holds.
        if (m.state !== 'LOOKING' || m.leader !== member.id) return;
        this.checks++;
        const durableLast = d.log.length ? d.log[d.log.length - 1]!.zxid : d.logBase;
        if (!zxidEquals(durableLast, m.zxid) || d.currentEpoch !== m.epoch) {
          throw new Violation(
            'vote from durable state',
            `member ${member.id} votes with (${m.epoch}, ${formatZxid(m.zxid)}) but has durably (${d.currentEpoch}, ${formatZxid(durableLast)})`,
          );
        }
        return;
      }
      case 'ACKEPOCH':
        this.checks++;
        if (m.promised && d.acceptedEpoch < m.epoch) {
          throw new Violation('ack after persist', `member ${member.id} sent ACKEPOCH ${m.epoch} with durable acceptedEpoch ${d.acceptedEpoch}`);
        }
        return;
      case 'ACKNEWLEADER':
        this.checks++;
        if (d.currentEpoch !== m.epoch) {
          throw new Violation('ack after persist', `member ${member.id} sent ACK(NEWLEADER ${m.epoch}) with durable currentEpoch ${d.currentEpoch}`);
        }
        if (!durableLogReaches(d, m.zxid)) {
          throw new Violation('ack after persist', `member ${member.id} sent ACK(NEWLEADER) at ${formatZxid(m.zxid)} before its log was durable`);
        }
        return;
      case 'ACK':
        this.checks++;
        if (!durableLogReaches(d, m.zxid)) {
          throw new Violation('ack after persist', `member ${member.id} sent ACK ${formatZxid(m.zxid)} before it was durable`);
        }
        return;
      default:
        return;
    }
  }

  /** A zxid names one txn for ever: two leaders of one epoch would break this first. */
  onPropose(member: number, z: Zxid, id: string): void {
    this.checks++;
    // Pitfall 12: only the established leader of an epoch proposes in it.
    if (this.leaders.get(z.epoch) !== member) {
      throw new Violation('primary integrity', `member ${member} proposed ${formatZxid(z)} without having established epoch ${z.epoch}`);
    }
    const key = `${z.epoch}:${z.counter}`;
    const seen = this.proposals.get(key);
    if (seen !== undefined && seen !== id) {
      throw new Violation('one proposal per zxid', `member ${member} proposed ${id} at ${formatZxid(z)}, already used for ${seen}`);
    }
    this.proposals.set(key, id);
  }

  /** Logs agree wherever they overlap: same zxid, same txn (the log matching property). */
  checkLogMatching(members: readonly CheckedMember[]): void {
    this.checks++;
    const byZxid = this.proposals;
    for (const m of members) {
      for (const e of m.durable.log) {
        const key = `${e.zxid.epoch}:${e.zxid.counter}`;
        const id = this.idOf(e.txn) ?? '?';
        const seen = byZxid.get(key);
        if (seen !== undefined && seen !== id) {
          throw new Violation('log matching', `two txns (${seen}, ${id}) share zxid ${formatZxid(e.zxid)}`);
        }
        byZxid.set(key, id);
      }
    }
  }

  /** At the end, after healing: every member applied the same, complete sequence. */
  checkConverged(members: readonly CheckedMember[]): void {
    this.checks++;
    for (const m of members) {
      if (m.records.length !== this.committed.length) {
        throw new Violation('convergence', `member ${m.id} applied ${m.records.length} of ${this.committed.length} committed txns`);
      }
    }
    const ids = new Set(this.committed.map((r) => r.id));
    for (const id of this.ackedToClients) {
      if (!ids.has(id)) throw new Violation('durability', `txn ${id} was acknowledged to its client but is not committed`);
    }
  }
}

function durableLogReaches(d: Readonly<DurableState>, z: Zxid): boolean {
  if (d.snapshot && zxidEquals(d.snapshot.zxid, z)) return true;
  if (zxidEquals(d.logBase, z)) return true;
  return indexOfZxid(d.log, z) >= 0;
}
