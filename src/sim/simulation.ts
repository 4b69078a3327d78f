import { makeZabConfig, type ZabConfig } from '../zab/config.js';
import { InvariantError } from '../zab/context.js';
import type { MemberId, Snapshot, ZabMessage } from '../zab/messages.js';
import type { ZabMember } from '../zab/member.js';
import type { ZabEvent } from '../zab/output.js';
import type { DurableState } from '../zab/persistence.js';
import { formatZxid, type Zxid } from '../zab/zxid.js';
import { MemoryStorage } from '../storage/memory.js';
import { Checker, Violation, type CheckedMember } from './checker.js';
import { EventQueue } from './event-queue.js';
import { CALM_NETWORK, Network, type NetworkFaults } from './network.js';
import { isOutputEmpty, type NodeOutput, type SimNode } from './node.js';
import { drawProfile, type SimProfile } from './profile.js';
import { Rng } from './rng.js';
import type { AppliedRecord } from './state-machine.js';
import { emptyStats, type SimStats } from './stats.js';
import type { Workload, WorldApi } from './workload.js';
import type { NodeHost } from './runner-node.js';
import { ZabNode } from './zab-node.js';
import { ZabWorkload } from './zab-workload.js';

/**
 * Builds the node of a member (a bare Zab member, or a whole server in the real runner) from its
 * durable state. `nowMs`: the virtual time the node starts at (a restarted node may lead before its
 * first tick); `host`: the world's services to a node that runs its own I/O (runner-node.ts).
 */
export type NodeFactory = (config: ZabConfig, durable: DurableState, profile: SimProfile, rng: Rng, nowMs: number, host: NodeHost) => SimNode;

export const zabNodes: NodeFactory = (config, durable, profile) => new ZabNode(config, durable, profile.snapshotEvery);

export interface SimOptions {
  readonly seed: number;
  /** Fix the ensemble size instead of drawing it from the seed. */
  readonly members?: number;
  /** Called with a line per notable step when set (slows the run). */
  readonly trace?: (line: string) => void;
  /** Override parts of the drawn profile (the terminal demo turns random faults off). */
  readonly profile?: Partial<SimProfile>;
  /** What runs on each member (default: bare Zab) and who writes (default: Zab clients). */
  readonly nodes?: NodeFactory;
  readonly workload?: Workload;
  /** How a txn is named in the checker's records (default: the simulator's `{ id }` txns). */
  readonly txnId?: (txn: unknown) => string | undefined;
  /** Sees every peer message and Zab event (the classroom demo draws them); never changes the run. */
  readonly observer?: SimObserver;
}

/** One copy of a peer message on the simulated network. */
export interface WireMessage {
  /** Unique in the run, in send order: what `dropMessage` takes. */
  readonly id: number;
  readonly from: MemberId;
  readonly to: MemberId;
  readonly message: unknown;
  readonly zab: ZabMessage | null;
  readonly sentAt: number;
  /** When it is due, or null when the network lost it at once (why: `lost`). */
  readonly arriveAt: number | null;
  readonly lost?: 'no connection' | 'partitioned' | 'dropped';
}

/** What happened to a message in flight, when it left the network. */
export type WireOutcome = 'delivered' | 'dropped' | 'connection lost' | 'receiver down';

export interface SimObserver {
  sent?(m: WireMessage): void;
  /** A message in flight arrived (`delivered`), or was lost on the way. */
  left?(id: number, outcome: WireOutcome): void;
  zabEvent?(member: MemberId, ev: ZabEvent): void;
}

/** One member as an observer sees it: up or down, paused, what is durable and what is not yet. */
export interface MemberInfo {
  readonly id: MemberId;
  readonly alive: boolean;
  readonly pausedUntil: number;
  readonly durable: Readonly<DurableState>;
  /** Writes handed to storage and not yet durable: a crash now may lose them. */
  readonly pendingWrites: number;
}

export interface MemberView {
  readonly id: MemberId;
  readonly status: ReturnType<ZabMember['status']> | null;
  readonly applied: number;
}

export interface SimResult {
  readonly seed: number;
  readonly members: number;
  readonly ok: boolean;
  readonly violation?: { readonly invariant: string; readonly message: string };
  readonly stats: SimStats;
}

type SimEvent =
  | { kind: 'tick'; member: MemberId; incarnation: number }
  | { kind: 'deliver'; from: MemberId; to: MemberId; generation: number; message: unknown; id: number }
  | { kind: 'flushDone'; member: MemberId; incarnation: number; seq: number }
  | { kind: 'fault' }
  | { kind: 'crash'; member: MemberId; incarnation: number; atSync: boolean }
  | { kind: 'restart'; member: MemberId }
  | { kind: 'reconnect'; a: MemberId; b: MemberId }
  | { kind: 'unblock'; pairs: [MemberId, MemberId][] }
  | { kind: 'calm' }
  | { kind: 'call'; fn: () => void }
  | { kind: 'snapshotDone'; member: MemberId; incarnation: number; snapshot: Snapshot }
  | { kind: 'heal' }
  | { kind: 'probe' };

interface SimMember {
  readonly id: MemberId;
  node: SimNode | null;
  readonly storage: MemoryStorage;
  incarnation: number;
  readonly msPerTick: number;
  flushing: boolean;
  pausedUntil: number;
  /** What this member applied, in order: the checker compares it with the committed sequence. */
  records: AppliedRecord[];
}

type LiveMember = SimMember & { node: SimNode };

const SYNC_CRASH_TRIGGERS = new Set(['SNAP', 'TRUNC', 'DIFF', 'NEWLEADER', 'ACKEPOCH', 'ACKNEWLEADER', 'UPTODATE', 'NEWEPOCH']);

/**
 * One seeded world: N members with memory storage that can lose unsynced writes, a network that
 * delays, drops, duplicates, reorders, partitions and cuts connections, clients writing through
 * whichever member they pick, and a checker that stops the run at the first broken invariant.
 * After the chaos everything heals and the run must converge within a bounded time (liveness).
 * What runs on a member (bare Zab or a whole server) and who writes are pluggable.
 */
export class Simulation implements WorldApi {
  readonly profile: SimProfile;
  readonly stats = emptyStats();
  readonly rng: Rng;
  readonly checker: Checker;
  readonly ids: MemberId[];
  private readonly faultRng: Rng;
  private readonly nodeRng: Rng;
  private readonly queue = new EventQueue<SimEvent>();
  private readonly network: Network;
  private readonly members: SimMember[] = [];
  private readonly workload: Workload;
  private readonly nodes: NodeFactory;
  private readonly txnId: (txn: unknown) => string | undefined;
  private clock = 0;
  private healingStarted = false;
  private probe: { zxid: Zxid; id: string; sentAt: number } | null = null;
  private probes = 0;
  private probeDone = false;
  private lastLeader: MemberId | null = null;
  private booted = false;
  private microtasksPending = false;
  /** What a node's runner failed with outside an event (a promise continuation): the run fails with it. */
  private fatal: unknown = undefined;
  private readonly trace?: (line: string) => void;
  private readonly observer: SimObserver | undefined;
  private messageSeq = 0;
  /** Messages in flight that must vanish instead of arriving (`dropMessage`). */
  private readonly doomed = new Set<number>();

  constructor(private readonly options: SimOptions) {
    const root = new Rng(options.seed);
    this.profile = { ...drawProfile(root.fork(1), options.members), ...options.profile };
    this.rng = root.fork(2);
    this.faultRng = root.fork(3);
    this.network = new Network(root.fork(4));
    this.nodeRng = root.fork(5);
    this.trace = options.trace;
    this.observer = options.observer;
    this.nodes = options.nodes ?? zabNodes;
    this.workload = options.workload ?? new ZabWorkload();
    this.txnId = options.txnId ?? ((txn) => (typeof txn === 'object' && txn !== null && typeof (txn as { id?: unknown }).id === 'string' ? (txn as { id: string }).id : undefined));
    this.ids = Array.from({ length: this.profile.members }, (_, i) => i + 1);
    this.checker = new Checker(Math.floor(this.profile.members / 2) + 1, this.txnId);
    for (const id of this.ids) {
      this.members.push({
        id,
        node: null,
        storage: new MemoryStorage(),
        incarnation: 0,
        msPerTick: this.profile.tickMs * this.rng.between(0.9, 1.1),
        flushing: false,
        pausedUntil: 0,
        records: [],
      });
    }
  }

  // ---- the world as workloads see it --------------------------------------------------------

  get now(): number {
    return this.clock;
  }

  get healing(): boolean {
    return this.healingStarted;
  }

  schedule(atMs: number, fn: () => void): void {
    this.queue.push(Math.max(atMs, this.clock), { kind: 'call', fn });
  }

  node(id: MemberId): SimNode | null {
    return this.members[id - 1]?.node ?? null;
  }

  pump(id: MemberId): void {
    this.pumpMember(this.member(id));
  }

  proposed(member: MemberId, zxid: Zxid, id: string): void {
    this.checker.onPropose(member, zxid, id);
  }

  /** Runs client-side traffic against a member's node (the caller knows what kind of node it is). */
  deliverToMember<N>(id: MemberId, fn: (node: N) => void): boolean {
    const m = this.member(id);
    if (!this.alive(m)) return false;
    m.node.observeTime?.(this.clock);
    fn(m.node as unknown as N);
    this.pumpMember(m);
    return true;
  }

  /** Client code (promises) ran: its continuations must run before the next event (see runAsync). */
  clientActivity(): void {
    this.microtasksPending = true;
  }

  // ---- running ------------------------------------------------------------------------------

  /** Starts the members, the workload and the fault schedule. */
  boot(): void {
    if (this.booted) return;
    this.booted = true;
    for (const m of this.members) this.start(m);
    for (const a of this.ids) for (const b of this.ids) if (a < b) this.network.connect(a, b);
    this.workload.start(this);
    this.queue.push(this.faultDelay(), { kind: 'fault' });
    if (Number.isFinite(this.profile.chaosMs)) this.queue.push(this.profile.chaosMs, { kind: 'heal' });
  }

  /** Processes every event up to virtual time `ms`; throws a Violation at the first broken invariant. */
  advanceTo(ms: number): void {
    this.boot();
    for (let t = this.queue.peekTime(); t !== undefined && t <= ms; t = this.queue.peekTime()) {
      const next = this.queue.pop()!;
      this.clock = next.at;
      this.stats.events++;
      this.handle(next.item);
    }
    this.clock = Math.max(this.clock, ms);
  }

  get virtualMs(): number {
    return this.clock;
  }

  view(): MemberView[] {
    return this.members.map((m) => ({ id: m.id, status: m.node ? m.node.zab.status() : null, applied: m.records.length }));
  }

  /** Crashes a member now; says how many not-yet-durable writes it had and how many reached the disk anyway. */
  crashMember(id: MemberId): { pending: number; surviving: number } {
    return this.crash(this.member(id), false);
  }

  restartMember(id: MemberId): void {
    this.restart(this.member(id));
  }

  // ---- hooks for a person at the controls (the classroom demo) -------------------------------

  /**
   * Processes the next event alone and returns its time (undefined if there is none), so a driver
   * can let client promise continuations settle between any two events, as runAsync does.
   */
  stepEvent(): number | undefined {
    this.throwIfFailed();
    this.boot();
    const next = this.queue.pop();
    if (!next) return undefined;
    this.clock = next.at;
    this.stats.events++;
    this.handle(next.item);
    return next.at;
  }

  /** When the next event is due (undefined once the world has nothing left to do). */
  nextEventAt(): number | undefined {
    return this.queue.peekTime();
  }

  /** Whether client code ran since the last call: its promise continuations must settle first. */
  takeClientActivity(): boolean {
    const pending = this.microtasksPending;
    this.microtasksPending = false;
    return pending;
  }

  /** The message in flight with this id vanishes instead of arriving (a black-holed packet). */
  dropMessage(id: number): void {
    if (id > 0 && id <= this.messageSeq) this.doomed.add(id);
  }

  /** Blocks or unblocks the link between two members in both directions (a silent partition). */
  setLinkBlocked(a: MemberId, b: MemberId, blocked: boolean): void {
    this.network.setBlocked(a, b, blocked);
    this.network.setBlocked(b, a, blocked);
    this.log(`LINK m${a}-m${b} ${blocked ? 'blocked' : 'unblocked'}`);
  }

  isLinkBlocked(a: MemberId, b: MemberId): boolean {
    return this.network.isBlocked(a, b) || this.network.isBlocked(b, a);
  }

  /** Freezes a member (a long GC pause): no ticks, messages wait at its door, until `untilMs`. */
  pauseMember(id: MemberId, untilMs: number): void {
    const m = this.member(id);
    m.pausedUntil = Math.max(m.pausedUntil, untilMs);
    this.log(`PAUSE m${id} until ${m.pausedUntil.toFixed(1)}`);
  }

  /** Delays, loss, duplication and reordering for messages sent from now on. */
  setNetworkFaults(faults: NetworkFaults): void {
    this.network.faults = faults;
  }

  memberInfo(id: MemberId): MemberInfo {
    const m = this.member(id);
    return { id, alive: m.node !== null, pausedUntil: m.pausedUntil, durable: m.storage.durable, pendingWrites: m.storage.pendingCount };
  }

  /** Runs to convergence; for worlds whose clients are plain callbacks. */
  run(): SimResult {
    try {
      this.boot();
      while (!this.probeDone) this.nextEvent();
      return this.finishRun();
    } catch (e) {
      return this.failure(e);
    }
  }

  /**
   * Runs to convergence letting promise-based clients (the real client library) take their turns:
   * after any event that ran client code, every promise continuation settles before the next event.
   * Deterministic, since nothing else runs in between.
   */
  async runAsync(): Promise<SimResult> {
    try {
      this.boot();
      for (;;) {
        while (!this.probeDone) {
          this.nextEvent();
          if (this.microtasksPending) {
            this.microtasksPending = false;
            await new Promise<void>((resolve) => setImmediate(resolve));
            this.throwIfFailed();
          }
        }
        // The continuations that ran after the probe's last check may have moved the world on (a
        // member applies in one): judge convergence only once they have all settled.
        while (this.microtasksPending) {
          this.microtasksPending = false;
          await new Promise<void>((resolve) => setImmediate(resolve));
          this.throwIfFailed();
        }
        if (this.members.every((m) => m.records.length === this.checker.committed.length)) break;
        this.probeDone = false;
        this.queue.push(this.clock + 20, { kind: 'probe' });
      }
      return this.finishRun();
    } catch (e) {
      return this.failure(e);
    }
  }

  private nextEvent(): void {
    const next = this.queue.pop();
    if (!next) throw new Violation('liveness', 'the world ran out of events');
    if (next.at > this.profile.chaosMs + this.profile.healBudgetMs) {
      throw new Violation('liveness', `no convergence within ${this.profile.healBudgetMs} ms of healing: ${this.describe()}`);
    }
    this.clock = next.at;
    this.stats.events++;
    this.handle(next.item);
  }

  private finishRun(): SimResult {
    this.checker.checkLogMatching(this.checkedMembers());
    this.checker.checkConverged(this.checkedMembers());
    this.workload.finish();
    return this.result(true);
  }

  private failure(e: unknown): SimResult {
    if (e instanceof Violation) return this.result(false, e.invariant, e.message);
    if (e instanceof InvariantError) return this.result(false, 'core assertion', e.message);
    const err = e as Error;
    return this.result(false, 'crash', `${err.message}\n${err.stack ?? ''}`);
  }

  private result(ok: boolean, invariant?: string, message?: string): SimResult {
    this.stats.virtualMs = Math.round(this.clock);
    this.stats.checks = this.checker.checks;
    const base = { seed: this.options.seed, members: this.profile.members, ok, stats: this.stats };
    return invariant ? { ...base, violation: { invariant, message: message ?? '' } } : base;
  }

  // ---- members ------------------------------------------------------------------------------

  private start(m: SimMember): void {
    m.incarnation = this.rng.int(1, 0x7fffffff);
    m.records = [];
    m.flushing = false;
    const config = makeZabConfig(m.id, this.ids, m.incarnation, {
      logRetentionEntries: this.profile.logRetentionEntries,
      maxCounter: this.profile.maxCounter,
    });
    m.node = this.nodes(config, m.storage.load(), this.profile, this.nodeRng.fork(m.incarnation), this.clock, this.hostFor(m));
    this.pumpMember(m);
    this.queue.push(this.clock + m.msPerTick, { kind: 'tick', member: m.id, incarnation: m.incarnation });
  }

  /** The world's services to one incarnation of a member whose node runs its own I/O (the real runner). */
  private hostFor(m: SimMember): NodeHost {
    const incarnation = m.incarnation;
    const current = (): boolean => m.incarnation === incarnation && this.alive(m);
    let pumpQueued = false;
    const host: NodeHost = {
      now: () => this.clock,
      schedule: (atMs, fn) => {
        this.queue.push(Math.max(atMs, this.clock), {
          kind: 'call',
          fn: () => {
            if (!current()) return;
            if (m.pausedUntil > this.clock) host.schedule(m.pausedUntil, fn);
            else fn();
          },
        });
      },
      wake: () => {
        // Promise continuations run after the current event: the driver settles them (runAsync,
        // takeClientActivity) before the next one, and whatever they produced is routed here.
        this.microtasksPending = true;
        if (pumpQueued) return;
        pumpQueued = true;
        queueMicrotask(() => {
          pumpQueued = false;
          try {
            if (current()) this.pumpMember(m);
          } catch (e) {
            this.fatal ??= e;
          }
        });
      },
      disconnect: (peer) => {
        if (!current() || !this.network.isConnected(m.id, peer)) return;
        this.log(`m${m.id} drops its link to m${peer}`);
        this.dropLink(m.id, peer);
      },
      fatal: (error) => {
        this.fatal ??= error;
      },
    };
    return host;
  }

  /** A failure raised where no event could throw it (a runner's promise continuation) ends the run. */
  private throwIfFailed(): void {
    if (this.fatal !== undefined) throw this.fatal;
  }

  private member(id: MemberId): SimMember {
    return this.members[id - 1]!;
  }

  private alive(m: SimMember): m is LiveMember {
    return m.node !== null;
  }

  private crash(m: SimMember, atSync: boolean): { pending: number; surviving: number } {
    if (m.node === null) return { pending: 0, surviving: 0 };
    const pending = m.storage.pendingCount;
    const surviving = this.faultRng.int(0, pending);
    const torn = this.faultRng.int(0, 3);
    if (surviving < pending && torn > 0) this.stats.tornWrites++;
    m.storage.crash(surviving, torn);
    m.node.stop?.();
    m.node = null;
    this.workload.onCrash(m.id);
    this.stats.crashes++;
    if (atSync) this.stats.syncCrashes++;
    this.log(`m${m.id} CRASH (kept ${surviving}/${pending} unsynced writes)${atSync ? ' at a sync step' : ''}`);
    for (const other of this.ids) if (other !== m.id && this.network.isConnected(m.id, other)) this.cut(m.id, other);
    if (!this.healingStarted && this.profile.crashWeight + this.profile.syncCrashRate > 0) {
      this.queue.push(this.clock + this.faultRng.between(10, 600), { kind: 'restart', member: m.id });
    }
    return { pending, surviving };
  }

  private restart(m: SimMember): void {
    if (this.alive(m)) return;
    this.stats.restarts++;
    this.log(`m${m.id} RESTART`);
    this.start(m);
    for (const other of this.members) {
      if (other.id !== m.id && this.alive(other)) this.join(m.id, other.id);
    }
  }

  /** Drops a connection; both live ends notice. */
  private cut(a: MemberId, b: MemberId): void {
    this.network.disconnect(a, b);
    for (const [x, y] of [[a, b], [b, a]] as const) {
      const m = this.member(x);
      if (this.alive(m)) this.input(m, (n) => n.peerDisconnected(y));
    }
  }

  /** A dropped connection that comes back a moment later, as a WebRTC link redials. */
  private dropLink(a: MemberId, b: MemberId): void {
    this.cut(a, b);
    this.queue.push(this.clock + this.faultRng.between(2, 150), { kind: 'reconnect', a, b });
  }

  private join(a: MemberId, b: MemberId): void {
    if (this.network.isConnected(a, b)) return;
    const ma = this.member(a);
    const mb = this.member(b);
    if (!this.alive(ma) || !this.alive(mb)) return;
    this.network.connect(a, b);
    this.input(ma, (n) => n.peerConnected(b));
    this.input(mb, (n) => n.peerConnected(a));
  }

  /** Runs one input against a member and routes everything it wants done. */
  private input(m: LiveMember, fn: (node: SimNode) => void): void {
    m.node.observeTime?.(this.clock);
    fn(m.node);
    this.pumpMember(m);
  }

  private pumpMember(m: SimMember): void {
    for (let guard = 0; guard < 1000; guard++) {
      if (!this.alive(m)) return;
      const out = m.node.drain();
      if (isOutputEmpty(out)) return;
      this.route(m, out);
    }
    throw new Error(`member ${m.id} keeps producing output`);
  }

  private route(m: LiveMember, out: NodeOutput): void {
    if (this.workload.onEstablished) {
      for (const ev of out.events) if (ev.type === 'established') this.workload.onEstablished(m.id, ev.epoch);
    }
    if (out.writes.length) {
      if (this.workload.onLogged) {
        for (const w of out.writes) if (w.write.kind === 'append') this.workload.onLogged(m.id, w.write.entries);
      }
      m.storage.submit(out.writes);
      if (!m.flushing) this.startFlush(m);
    }
    for (const d of out.deliveries) {
      if (d.kind === 'restore') {
        const before = m.records.length;
        m.records = d.records ? d.records.slice() : this.checker.committedUpTo(d.zxid, m.id);
        this.checker.onRestore(this.checked(m), before, d.digest, d.zxid);
        continue;
      }
      const position = m.records.length;
      m.records.push(d.record);
      const before = this.checker.committed.length;
      // Every member's view is needed only when the txn is committed for the first time.
      this.checker.onApply(this.checked(m), position, d.record, () => this.checkedMembers(), d.digest);
      if (this.checker.committed.length > before) this.stats.commits++;
      this.workload.onApplied(m.id, d.record, d.detail);
      if (this.probe && d.record.id === this.probe.id) this.checkProbe();
    }
    for (const snapshot of out.snapshots) {
      // Snapshots are serialized in the background: Zab hears of one a while after it was cut,
      // by which time a SNAP from the leader may be installing.
      this.queue.push(this.clock + this.rng.between(0, 10), { kind: 'snapshotDone', member: m.id, incarnation: m.incarnation, snapshot });
    }
    for (const out1 of out.messages) {
      const zab = out1.zab;
      if (zab) this.checker.onSend(this.checked(m), zab);
      this.stats.messages++;
      if (this.trace && zab?.type !== 'PING') this.log(`m${m.id} → m${out1.to} ${zab ? describeMessage(zab) : JSON.stringify(out1.message).slice(0, 160)}`);
      const plan = this.network.plan(this.clock, m.id, out1.to);
      for (const p of plan) {
        const id = ++this.messageSeq;
        this.queue.push(p.at, { kind: 'deliver', from: m.id, to: out1.to, generation: p.generation, message: out1.message, id });
        this.observer?.sent?.({ id, from: m.id, to: out1.to, message: out1.message, zab, sentAt: this.clock, arriveAt: p.at });
      }
      if (!plan.length && this.observer?.sent) {
        const lost = !this.network.isConnected(m.id, out1.to) ? 'no connection' : this.network.isBlocked(m.id, out1.to) ? 'partitioned' : 'dropped';
        this.observer.sent({ id: ++this.messageSeq, from: m.id, to: out1.to, message: out1.message, zab, sentAt: this.clock, arriveAt: null, lost });
      }
      if (zab && SYNC_CRASH_TRIGGERS.has(zab.type) && !this.healingStarted && this.faultRng.chance(this.profile.syncCrashRate)) {
        // Crash the sender or the receiver a moment later, while the sync is half done.
        const victim = this.faultRng.chance(0.5) ? m.id : out1.to;
        const vm = this.member(victim);
        this.queue.push(this.clock + this.faultRng.between(0, 3), { kind: 'crash', member: victim, incarnation: vm.incarnation, atSync: true });
      }
    }
    for (const c of out.clients) this.workload.onClientMessage(m.id, c.connection, c.message);
    for (const c of out.close) this.workload.onClientClosed(m.id, c);
    for (const ev of out.events) this.onZabEvent(m, ev);
  }

  private onZabEvent(m: LiveMember, ev: ZabEvent): void {
    this.observer?.zabEvent?.(m.id, ev);
    switch (ev.type) {
      case 'electionStarted':
        this.stats.elections++;
        break;
      case 'established':
        this.stats.established++;
        if (this.lastLeader !== m.id) this.stats.leaderChanges++;
        this.lastLeader = m.id;
        this.checker.onEstablished(this.checked(m), ev.epoch);
        break;
      case 'syncSent':
        if (ev.mode === 'DIFF') this.stats.diffs++;
        else if (ev.mode === 'TRUNC') this.stats.truncs++;
        else this.stats.snaps++;
        break;
      case 'steppedDown':
        if (ev.reason === 'zxid counter exhausted') this.stats.epochRollovers++;
        break;
      default:
        break;
    }
    if (!this.trace) return;
    if (ev.type === 'state') this.log(`m${m.id} is ${ev.role} ${ev.phase} leader=${ev.leader} epoch=${ev.epoch}`);
    else this.log(`m${m.id} ${JSON.stringify(ev)}`);
  }

  private startFlush(m: LiveMember): void {
    const seq = m.storage.lastPendingSeq;
    if (seq === null) return;
    m.flushing = true;
    const at = this.clock + this.rng.between(this.profile.fsyncMinMs, this.profile.fsyncMaxMs);
    this.queue.push(at, { kind: 'flushDone', member: m.id, incarnation: m.incarnation, seq });
  }

  // ---- events -------------------------------------------------------------------------------

  private handle(ev: SimEvent): void {
    switch (ev.kind) {
      case 'tick': {
        const m = this.member(ev.member);
        if (!this.alive(m) || m.incarnation !== ev.incarnation) return;
        if (m.pausedUntil <= this.clock) this.input(m, (n) => n.tick(this.clock));
        this.queue.push(Math.max(this.clock, m.pausedUntil) + m.msPerTick, ev);
        return;
      }
      case 'deliver': {
        if (this.doomed.delete(ev.id)) return this.observer?.left?.(ev.id, 'dropped');
        if (!this.network.deliverable(ev.from, ev.to, ev.generation)) return this.observer?.left?.(ev.id, 'connection lost');
        const m = this.member(ev.to);
        if (!this.alive(m)) return this.observer?.left?.(ev.id, 'receiver down');
        if (m.pausedUntil > this.clock) {
          this.queue.push(m.pausedUntil, ev);
          return;
        }
        this.observer?.left?.(ev.id, 'delivered');
        this.input(m, (n) => n.message(ev.from, ev.message));
        return;
      }
      case 'flushDone': {
        const m = this.member(ev.member);
        if (!this.alive(m) || m.incarnation !== ev.incarnation) return;
        m.storage.flushUpTo(ev.seq);
        m.flushing = false;
        this.input(m, (n) => n.persisted(ev.seq));
        if (this.alive(m) && !m.flushing && m.storage.pendingCount) this.startFlush(m);
        return;
      }
      case 'crash': {
        const m = this.member(ev.member);
        if (m.incarnation === ev.incarnation && !this.healingStarted) this.crash(m, ev.atSync);
        return;
      }
      case 'restart':
        this.restart(this.member(ev.member));
        return;
      case 'reconnect':
        this.join(ev.a, ev.b);
        return;
      case 'unblock':
        for (const [a, b] of ev.pairs) this.network.setBlocked(a, b, false);
        return;
      case 'calm':
        this.network.faults = CALM_NETWORK;
        return;
      case 'call':
        ev.fn();
        return;
      case 'fault':
        if (this.healingStarted) return;
        this.injectFault();
        this.queue.push(this.clock + this.faultDelay(), { kind: 'fault' });
        return;
      case 'snapshotDone': {
        const m = this.member(ev.member);
        if (!this.alive(m) || m.incarnation !== ev.incarnation) return;
        this.stats.snapshots++;
        this.input(m, (n) => n.snapshotTaken(ev.snapshot));
        return;
      }
      case 'heal':
        this.heal();
        return;
      case 'probe':
        this.runProbe();
        return;
    }
  }

  private faultDelay(): number {
    return this.faultRng.between(0.5, 1.5) * this.profile.faultEveryMs;
  }

  private injectFault(): void {
    const p = this.profile;
    const weights: [string, number][] = [
      ['crash', p.crashWeight],
      ['partition', p.partitionWeight],
      ['linkDrop', p.linkDropWeight],
      ['pause', p.pauseWeight],
      ['noise', p.noiseWeight],
    ];
    const total = weights.reduce((s, [, w]) => s + w, 0);
    if (total === 0) return;
    let roll = this.faultRng.float() * total;
    let kind = weights[0]![0];
    for (const [k, w] of weights) {
      if (roll < w) {
        kind = k;
        break;
      }
      roll -= w;
    }
    switch (kind) {
      case 'crash': {
        // Bias towards members in discovery or synchronization: that is where Zab's real bugs were.
        const live = this.members.filter((m) => this.alive(m));
        if (!live.length) return;
        const syncing = live.filter((m) => {
          const ph = m.node!.zab.status().phase;
          return ph === 'discovery' || ph === 'synchronization';
        });
        const victim = syncing.length && this.faultRng.chance(0.6) ? this.faultRng.pick(syncing) : this.faultRng.pick(live);
        this.crash(victim, false);
        return;
      }
      case 'partition': {
        const shuffled = this.faultRng.shuffle(this.ids.slice());
        const cut = this.faultRng.int(1, Math.max(1, Math.floor(this.ids.length / 2)));
        const side = new Set(shuffled.slice(0, cut));
        const oneWay = this.faultRng.chance(0.3);
        const pairs: [MemberId, MemberId][] = [];
        for (const a of this.ids) {
          for (const b of this.ids) {
            if (side.has(a) && !side.has(b)) {
              pairs.push([a, b]);
              if (!oneWay) pairs.push([b, a]);
            }
          }
        }
        for (const [a, b] of pairs) this.network.setBlocked(a, b, true);
        this.stats.partitions++;
        this.log(`PARTITION ${oneWay ? 'one-way ' : ''}{${[...side].join(',')}} | rest`);
        this.queue.push(this.clock + this.faultRng.between(30, 800), { kind: 'unblock', pairs });
        return;
      }
      case 'linkDrop': {
        const a = this.faultRng.pick(this.ids);
        const b = this.faultRng.pick(this.ids.filter((x) => x !== a));
        if (!this.network.isConnected(a, b)) return;
        this.stats.linkDrops++;
        this.log(`LINK DROP m${a}-m${b}`);
        this.dropLink(a, b);
        return;
      }
      case 'pause': {
        const m = this.faultRng.pick(this.members);
        m.pausedUntil = this.clock + this.faultRng.between(20, 300);
        this.stats.pauses++;
        this.log(`PAUSE m${m.id} until ${m.pausedUntil.toFixed(1)}`);
        return;
      }
      case 'noise': {
        this.network.faults = {
          dropRate: this.faultRng.between(0, p.maxDropRate),
          duplicateRate: this.faultRng.between(0, p.maxDuplicateRate),
          reorderRate: this.faultRng.between(0, p.maxReorderRate),
          minDelayMs: 0.2,
          maxDelayMs: this.faultRng.pick([2, 5, 20]),
        };
        this.stats.noisyPeriods++;
        this.queue.push(this.clock + this.faultRng.between(50, 500), { kind: 'calm' });
        return;
      }
    }
  }

  private heal(): void {
    this.healingStarted = true;
    this.log('HEAL');
    this.network.faults = CALM_NETWORK;
    this.network.unblockAll();
    for (const m of this.members) m.pausedUntil = 0;
    for (const m of this.members) if (!this.alive(m)) this.restart(m);
    for (const a of this.ids) for (const b of this.ids) if (a < b) this.join(a, b);
    this.queue.push(this.clock + 20, { kind: 'probe' });
  }


  /** After healing: once a leader serves with every member synced, one more write must reach everyone. */
  private runProbe(): void {
    // A probe proposed to a leader that then lost its quorum may be truncated away: try again.
    if (this.probe !== null && this.clock - this.probe.sentAt > 500) this.probe = null;
    if (this.probe === null) {
      const allServing = this.members.every((m) => this.alive(m) && m.node.zab.status().serving);
      const leader = this.members.find((m) => this.alive(m) && m.node.zab.status().role === 'LEADING');
      if (allServing && leader && this.alive(leader)) {
        const p = leader.node.proposeProbe(++this.probes);
        if (p) {
          this.probe = { ...p, sentAt: this.clock };
          this.checker.onPropose(leader.id, p.zxid, p.id);
          this.stats.proposals++;
          this.pumpMember(leader);
        }
      }
    } else {
      this.checkProbe();
    }
    if (!this.probeDone) this.queue.push(this.clock + 20, { kind: 'probe' });
  }

  private checkProbe(): void {
    if (this.probe === null) return;
    const committed = this.checker.committed.length;
    const id = this.probe.id;
    const done = this.members.every((m) => this.alive(m) && m.records.length === committed && m.records.some((r) => r.id === id));
    if (done) this.probeDone = true;
  }

  // ---- views for the checker ----------------------------------------------------------------

  private checked(m: SimMember): CheckedMember {
    const zab: ZabMember | undefined = m.node?.zab;
    return {
      id: m.id,
      durable: m.storage.durable,
      records: m.records,
      logBase: zab ? zab.status().logBase : null,
      logEntries: zab ? zab.logEntries() : null,
    };
  }

  private checkedMembers(): CheckedMember[] {
    return this.members.map((m) => this.checked(m));
  }

  private describe(): string {
    return this.members
      .map((m) => {
        if (!this.alive(m)) return `m${m.id}: down`;
        const s = m.node.zab.status();
        return `m${m.id}: ${s.role}/${s.phase} leader=${s.leader} epoch=${s.epoch} last=${formatZxid(s.lastZxid)} applied=${formatZxid(s.appliedZxid)}`;
      })
      .join('; ');
  }

  private log(line: string): void {
    this.trace?.(`${this.clock.toFixed(2).padStart(9)} ${line}`);
  }
}


function describeMessage(m: ZabMessage): string {
  switch (m.type) {
    case 'VOTE':
      return `VOTE r${m.round} for m${m.leader} ${formatZxid(m.zxid)} e${m.epoch} ${m.state}`;
    case 'PROPOSAL':
      return `PROPOSAL ${formatZxid(m.zxid)} prev ${formatZxid(m.prev)}`;
    case 'ACK':
    case 'COMMIT':
      return `${m.type} ${formatZxid(m.zxid)}`;
    case 'NEWEPOCH':
      return `NEWEPOCH ${m.epoch}`;
    case 'ACKEPOCH':
      return `ACKEPOCH ${m.epoch} promised=${m.promised} last=${formatZxid(m.lastZxid)}`;
    case 'TRUNC':
      return `TRUNC to ${formatZxid(m.to)}`;
    case 'DIFF':
      return `DIFF from ${formatZxid(m.from)}`;
    case 'SNAP':
      return `SNAP at ${formatZxid(m.snapshot.zxid)}`;
    case 'NEWLEADER':
    case 'ACKNEWLEADER':
      return `${m.type} e${m.epoch} ${formatZxid(m.zxid)}`;
    default:
      return m.type;
  }
}
