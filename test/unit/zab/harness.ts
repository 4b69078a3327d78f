/**
 * A small, fully controlled ensemble for message-by-message Zab tests (in the style of etcd-raft's
 * interaction tests). Nothing happens unless the test says so: messages wait in per-link FIFO queues
 * until delivered, durable writes wait in a per-member queue until persisted, time moves only on tick.
 */
import { makeZabConfig, type ZabConfig } from '../../../src/zab/config.js';
import { ZabMember, type ZabStatus } from '../../../src/zab/member.js';
import type { LogEntry, MemberId, Snapshot, ZabMessage, ZabMessageType } from '../../../src/zab/messages.js';
import type { Delivery, ZabEvent } from '../../../src/zab/output.js';
import {
  applyWrite,
  cloneDurableState,
  emptyDurableState,
  type DurableState,
  type SequencedWrite,
} from '../../../src/zab/persistence.js';
import { formatZxid, zxid, type Zxid } from '../../../src/zab/zxid.js';

export type MessageOf<T extends ZabMessageType> = Extract<ZabMessage, { type: T }>;

export interface Envelope {
  readonly from: MemberId;
  readonly to: MemberId;
  readonly message: ZabMessage;
}

export interface ClusterOptions {
  /** Member ids; default [1, 2, 3]. */
  readonly ids?: readonly MemberId[];
  /** Config overrides applied to every member. */
  readonly config?: Partial<ZabConfig>;
  /** Initial durable image per member (default: empty). */
  readonly durable?: Readonly<Record<number, DurableState>>;
  /** Members that start crashed (restart them later with `restart`). */
  readonly down?: readonly MemberId[];
}

/** The txn payload the harness uses for a zxid: readable in failure output. */
export function txnFor(z: Zxid): string {
  return `t${z.epoch}.${z.counter}`;
}

export function entry(epoch: number, counter: number): LogEntry {
  return { zxid: zxid(epoch, counter), txn: txnFor(zxid(epoch, counter)) };
}

/** A durable image holding `log` (pairs of [epoch, counter]) and the given epochs. */
export function durableImage(opts: {
  log?: ReadonlyArray<readonly [number, number]>;
  acceptedEpoch?: number;
  currentEpoch?: number;
  commitHint?: Zxid;
  snapshot?: Snapshot;
}): DurableState {
  const s = emptyDurableState();
  if (opts.snapshot) {
    s.snapshot = opts.snapshot;
    s.logBase = opts.snapshot.zxid;
    s.commitHint = opts.snapshot.zxid;
  }
  for (const [e, c] of opts.log ?? []) s.log.push(entry(e, c));
  const lastEpoch = s.log.length ? s.log[s.log.length - 1]!.zxid.epoch : s.logBase.epoch;
  s.currentEpoch = opts.currentEpoch ?? lastEpoch;
  s.acceptedEpoch = opts.acceptedEpoch ?? s.currentEpoch;
  if (opts.commitHint) s.commitHint = opts.commitHint;
  return s;
}

export function fmt(z: Zxid): string {
  return formatZxid(z);
}

export class Cluster {
  readonly ids: readonly MemberId[];
  private readonly configOverrides: Partial<ZabConfig>;
  private readonly members = new Map<MemberId, ZabMember>();
  private readonly durableImages = new Map<MemberId, DurableState>();
  private readonly pending = new Map<MemberId, SequencedWrite[]>();
  private readonly incarnations = new Map<MemberId, number>();
  private readonly down = new Set<MemberId>();
  /** Messages sent and not yet delivered or dropped, in send order (FIFO per link). */
  private network: Envelope[] = [];
  /** Every message ever sent, in order. */
  readonly sent: Envelope[] = [];
  /** Every delivery each member handed to its state machine (since its last restart). */
  readonly deliveries = new Map<MemberId, Delivery[]>();
  /** Every event each member emitted (across restarts). */
  readonly events = new Map<MemberId, ZabEvent[]>();

  constructor(opts: ClusterOptions = {}) {
    this.ids = opts.ids ?? [1, 2, 3];
    this.configOverrides = opts.config ?? {};
    for (const id of this.ids) {
      this.durableImages.set(id, cloneDurableState(opts.durable?.[id] ?? emptyDurableState()));
      this.pending.set(id, []);
      this.events.set(id, []);
      this.deliveries.set(id, []);
      this.incarnations.set(id, 0);
    }
    for (const id of this.ids) {
      if (opts.down?.includes(id)) this.down.add(id);
      else this.start(id);
    }
  }

  // ---- members ------------------------------------------------------------------------------

  member(id: MemberId): ZabMember {
    const m = this.members.get(id);
    if (!m || this.down.has(id)) throw new Error(`member ${id} is down`);
    return m;
  }

  status(id: MemberId): ZabStatus {
    return this.member(id).status();
  }

  isUp(id: MemberId): boolean {
    return !this.down.has(id);
  }

  /** The member's durable image: what survives a crash. */
  durable(id: MemberId): DurableState {
    return this.durableImages.get(id)!;
  }

  /** The current leader among up members in broadcast phase, if exactly one. */
  leader(): MemberId | undefined {
    const leaders = this.ids.filter((id) => this.isUp(id) && this.status(id).role === 'LEADING');
    return leaders.length === 1 ? leaders[0] : undefined;
  }

  /** Loses everything not durable: in-memory state, unpersisted writes, messages in flight to and from it. */
  crash(id: MemberId): void {
    this.member(id);
    this.down.add(id);
    this.pending.set(id, []);
    this.network = this.network.filter((e) => e.from !== id && e.to !== id);
  }

  /** Starts the member again from its durable image, with a new incarnation. */
  restart(id: MemberId): void {
    if (!this.down.has(id)) throw new Error(`member ${id} is not down`);
    this.down.delete(id);
    this.incarnations.set(id, this.incarnations.get(id)! + 1);
    this.deliveries.set(id, []);
    this.start(id);
  }

  private start(id: MemberId): void {
    const config = makeZabConfig(id, this.ids, this.incarnations.get(id)!, this.configOverrides);
    const m = new ZabMember(config, cloneDurableState(this.durableImages.get(id)!));
    this.members.set(id, m);
    this.collect(id);
  }

  /** Moves everything the member wants done into the harness's queues. */
  private collect(id: MemberId): void {
    const ready = this.members.get(id)!.drain();
    for (const { to, message } of ready.messages) {
      const env = { from: id, to, message };
      this.sent.push(env);
      this.network.push(env);
    }
    this.pending.get(id)!.push(...ready.writes);
    this.deliveries.get(id)!.push(...ready.deliveries);
    this.events.get(id)!.push(...ready.events);
  }

  // ---- inputs -------------------------------------------------------------------------------

  /** Steps a message straight into `to`, as if `from` had sent it (for crafted or forged messages). */
  inject(from: MemberId, to: MemberId, message: ZabMessage): void {
    this.member(to).step({ type: 'message', from, message });
    this.collect(to);
  }

  /** Tells `id` that part of a large message from `peer` arrived (the runner's fragment reassembly does). */
  heard(id: MemberId, peer: MemberId): void {
    this.member(id).step({ type: 'heard', peer });
    this.collect(id);
  }

  tick(id: MemberId, times = 1): void {
    for (let i = 0; i < times; i++) {
      this.member(id).step({ type: 'tick' });
      this.collect(id);
    }
  }

  tickAll(times = 1): void {
    for (let i = 0; i < times; i++) for (const id of this.ids) if (this.isUp(id)) this.tick(id);
  }

  propose(id: MemberId, txn: unknown): ReturnType<ZabMember['propose']> {
    const r = this.member(id).propose(txn);
    this.collect(id);
    return r;
  }

  snapshotTaken(id: MemberId, snapshot: Snapshot): void {
    this.member(id).snapshotTaken(snapshot);
    this.collect(id);
  }

  peerDisconnected(id: MemberId, peer: MemberId): void {
    this.member(id).step({ type: 'peerDisconnected', peer });
    this.collect(id);
  }

  // ---- network ------------------------------------------------------------------------------

  /** Types of the messages waiting on the link from → to, in order. */
  queued(from: MemberId, to: MemberId): ZabMessageType[] {
    return this.network.filter((e) => e.from === from && e.to === to).map((e) => e.message.type);
  }

  /** Every message waiting anywhere. */
  inFlight(): readonly Envelope[] {
    return this.network;
  }

  /**
   * Delivers the next message on the link from → to (links are FIFO). With `type`, the next message
   * must be of that type, so a test reads as a script of the protocol.
   */
  deliver<T extends ZabMessageType>(from: MemberId, to: MemberId, type?: T): MessageOf<T> {
    const i = this.network.findIndex((e) => e.from === from && e.to === to);
    if (i < 0) throw new Error(`nothing queued ${from}→${to}${type ? ` (wanted ${type})` : ''}`);
    const env = this.network[i]!;
    if (type && env.message.type !== type) {
      throw new Error(`next ${from}→${to} is ${env.message.type}, not ${type}; queue: ${this.queued(from, to).join(',')}`);
    }
    this.network.splice(i, 1);
    if (this.isUp(to)) this.inject(from, to, env.message);
    return env.message as MessageOf<T>;
  }

  /** Delivers every message queued on the link from → to, in order (including ones sent meanwhile). */
  deliverLink(from: MemberId, to: MemberId): ZabMessage[] {
    const out: ZabMessage[] = [];
    while (this.queued(from, to).length) out.push(this.deliver(from, to));
    return out;
  }

  /** Removes queued messages (all, or those matching from / to / type); returns how many. */
  drop(filter: { from?: MemberId; to?: MemberId; type?: ZabMessageType } = {}): number {
    const keep = (e: Envelope): boolean =>
      !(
        (filter.from === undefined || e.from === filter.from) &&
        (filter.to === undefined || e.to === filter.to) &&
        (filter.type === undefined || e.message.type === filter.type)
      );
    const before = this.network.length;
    this.network = this.network.filter(keep);
    return before - this.network.length;
  }

  /**
   * Delivers, in send order, messages of the given types that are at the head of their link (so FIFO
   * holds), until none is left. Messages of other types stay queued.
   */
  deliverAllOf(types: readonly ZabMessageType[], maxMessages = 10_000): number {
    let n = 0;
    for (;;) {
      const seen = new Set<string>();
      const next = this.network.find((e) => {
        const link = `${e.from}>${e.to}`;
        if (seen.has(link)) return false;
        seen.add(link);
        return types.includes(e.message.type);
      });
      if (!next) return n;
      if (++n > maxMessages) throw new Error(`deliverAllOf: more than ${maxMessages} messages, a loop?`);
      this.deliver(next.from, next.to);
    }
  }

  /** Runs the election only (VOTEs, no persistence, no ticks); returns the member that now leads. */
  elect(): MemberId {
    this.deliverAllOf(['VOTE']);
    const l = this.leader();
    if (l === undefined) throw new Error(`no single leader after the votes: ${this.ids.map((id) => this.isUp(id) ? this.status(id).role : 'down').join(',')}`);
    return l;
  }

  /** Delivers messages in send order until the network is empty. Does not persist or tick. */
  deliverAll(maxMessages = 10_000): number {
    let n = 0;
    while (this.network.length) {
      if (++n > maxMessages) throw new Error(`deliverAll: more than ${maxMessages} messages, a loop?`);
      const env = this.network[0]!;
      this.deliver(env.from, env.to);
    }
    return n;
  }

  // ---- storage ------------------------------------------------------------------------------

  /** Writes issued by `id` and not yet durable. */
  pendingWrites(id: MemberId): readonly SequencedWrite[] {
    return this.pending.get(id)!;
  }

  /** Makes the member's writes durable (all, or up to `upToSeq`) and tells the member. Returns the writes. */
  persist(id: MemberId, upToSeq?: number): SequencedWrite[] {
    const queue = this.pending.get(id)!;
    const limit = upToSeq ?? Infinity;
    const done: SequencedWrite[] = [];
    while (queue.length && queue[0]!.seq <= limit) {
      const w = queue.shift()!;
      applyWrite(this.durableImages.get(id)!, w.write);
      done.push(w);
    }
    if (done.length) {
      this.member(id).step({ type: 'persisted', seq: done[done.length - 1]!.seq });
      this.collect(id);
    }
    return done;
  }

  persistAll(): void {
    for (const id of this.ids) if (this.isUp(id)) this.persist(id);
  }

  /** Delivers and persists until nothing moves (no ticks: timeouts never fire). */
  settle(maxRounds = 1_000): void {
    for (let round = 0; round < maxRounds; round++) {
      const anyWrites = this.ids.some((id) => this.isUp(id) && this.pending.get(id)!.length > 0);
      if (!this.network.length && !anyWrites) return;
      this.deliverAll();
      this.persistAll();
    }
    throw new Error(`settle: still busy after ${maxRounds} rounds`);
  }

  /** Fresh start to an established leader with every up member synced; returns the leader. */
  establish(): MemberId {
    this.settle();
    const l = this.leader();
    if (l === undefined || !this.status(l).serving) throw new Error('no established leader after settle');
    return l;
  }

  /**
   * Settles, ticking every member between rounds, until one leader is established and every up member
   * serves (elections after a failure may need vote re-sends and finalize waits, which take ticks).
   */
  stabilize(maxTicks = 200): MemberId {
    for (let t = 0; t <= maxTicks; t++) {
      this.settle();
      const l = this.leader();
      if (l !== undefined && this.ids.every((id) => !this.isUp(id) || this.status(id).serving)) return l;
      this.tickAll(1);
    }
    throw new Error(`stabilize: no established ensemble after ${maxTicks} ticks`);
  }

  // ---- observation --------------------------------------------------------------------------

  /** Index into `sent`, to look only at messages sent after this point. */
  mark(): number {
    return this.sent.length;
  }

  /** Messages sent (since `since`), filtered by sender, receiver, type. VOTE and PING are left out unless asked for. */
  sentMessages(filter: { from?: MemberId; to?: MemberId; type?: ZabMessageType; since?: number; withVotesAndPings?: boolean } = {}): Envelope[] {
    return this.sent
      .slice(filter.since ?? 0)
      .filter(
        (e) =>
          (filter.from === undefined || e.from === filter.from) &&
          (filter.to === undefined || e.to === filter.to) &&
          (filter.type === undefined || e.message.type === filter.type) &&
          (filter.withVotesAndPings || filter.type !== undefined || (e.message.type !== 'VOTE' && e.message.type !== 'PING')),
      );
  }

  /** The types of `sentMessages(filter)`, the usual thing to assert on. */
  sentTypes(filter: Parameters<Cluster['sentMessages']>[0] = {}): ZabMessageType[] {
    return this.sentMessages(filter).map((e) => e.message.type);
  }

  /** Zxids (formatted) of the txns the member applied, in order (since its last restart). */
  applied(id: MemberId): string[] {
    return this.deliveries
      .get(id)!
      .map((d) => (d.kind === 'apply' ? fmt(d.entry.zxid) : `restore${fmt(d.snapshot.zxid)}`));
  }

  /** The member's in-memory log, formatted. */
  log(id: MemberId): string[] {
    return this.member(id).logEntries().map((e) => fmt(e.zxid));
  }

  /** The member's durable log, formatted. */
  durableLog(id: MemberId): string[] {
    return this.durableImages.get(id)!.log.map((e) => fmt(e.zxid));
  }

  eventsOf<T extends ZabEvent['type']>(id: MemberId, type: T): Extract<ZabEvent, { type: T }>[] {
    return this.events.get(id)!.filter((e): e is Extract<ZabEvent, { type: T }> => e.type === type);
  }
}
