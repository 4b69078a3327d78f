import { makeZabConfig } from '../zab/config.js';
import { InvariantError } from '../zab/context.js';
import { ZabMember } from '../zab/member.js';
import type { MemberId, Snapshot, ZabMessage } from '../zab/messages.js';
import type { Ready } from '../zab/output.js';
import { formatZxid } from '../zab/zxid.js';
import { validateZabMessage } from '../codec/zab-messages.js';
import { MemoryStorage } from '../storage/memory.js';
import { Checker, Violation, type CheckedMember } from './checker.js';
import { EventQueue } from './event-queue.js';
import { CALM_NETWORK, Network } from './network.js';
import { drawProfile, type SimProfile } from './profile.js';
import { Rng } from './rng.js';
import { SimStateMachine, type SimTxn } from './state-machine.js';
import { emptyStats, type SimStats } from './stats.js';

export interface SimOptions {
  readonly seed: number;
  /** Fix the ensemble size instead of drawing it from the seed. */
  readonly members?: number;
  /** Called with a line per notable step when set (slows the run). */
  readonly trace?: (line: string) => void;
  /** Override parts of the drawn profile (the terminal demo turns random faults off). */
  readonly profile?: Partial<SimProfile>;
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
  | { kind: 'deliver'; from: MemberId; to: MemberId; generation: number; message: ZabMessage }
  | { kind: 'flushDone'; member: MemberId; incarnation: number; seq: number }
  | { kind: 'fault' }
  | { kind: 'crash'; member: MemberId; incarnation: number; atSync: boolean }
  | { kind: 'restart'; member: MemberId }
  | { kind: 'reconnect'; a: MemberId; b: MemberId }
  | { kind: 'unblock'; pairs: [MemberId, MemberId][] }
  | { kind: 'unpause'; member: MemberId }
  | { kind: 'calm' }
  | { kind: 'client'; client: number }
  | { kind: 'snapshotDone'; member: MemberId; incarnation: number; snapshot: Snapshot }
  | { kind: 'heal' }
  | { kind: 'probe' };

interface SimMember {
  readonly id: MemberId;
  zab: ZabMember | null;
  readonly storage: MemoryStorage;
  sm: SimStateMachine;
  incarnation: number;
  readonly msPerTick: number;
  flushing: boolean;
  pausedUntil: number;
  /** Txns proposed through this member and waiting to be applied here, by txn id → client. */
  proposed: Map<string, number>;
  recordsAtLastSnapshot: number;
}

interface Client {
  readonly id: number;
  counter: number;
  /** Writes sent and not yet answered, by txn id → when sent. */
  readonly pending: Map<string, number>;
  preferred: MemberId | null;
}

/** A client stops waiting for an answer after this long (ConnectionLoss: the write may still commit). */
const CLIENT_GIVE_UP_MS = 400;

const SYNC_CRASH_TRIGGERS = new Set(['SNAP', 'TRUNC', 'DIFF', 'NEWLEADER', 'ACKEPOCH', 'ACKNEWLEADER', 'UPTODATE', 'NEWEPOCH']);

/**
 * One seeded world: N members with memory storage that can lose unsynced writes, a network that
 * delays, drops, duplicates, reorders, partitions and cuts connections, clients writing through
 * whichever member they pick, and a checker that stops the run at the first broken invariant.
 * After the chaos everything heals and the run must converge within a bounded time (liveness).
 */
export class Simulation {
  readonly profile: SimProfile;
  readonly stats = emptyStats();
  private readonly rng: Rng;
  private readonly faultRng: Rng;
  private readonly netRng: Rng;
  private readonly queue = new EventQueue<SimEvent>();
  private readonly network: Network;
  private readonly members: SimMember[] = [];
  private readonly clients: Client[] = [];
  private readonly checker: Checker;
  private readonly ids: MemberId[];
  private now = 0;
  private healing = false;
  private probeId: string | null = null;
  private probeSentAt = 0;
  private probes = 0;
  private probeDone = false;
  private lastLeader: MemberId | null = null;
  private readonly trace?: (line: string) => void;

  constructor(private readonly options: SimOptions) {
    const root = new Rng(options.seed);
    this.profile = { ...drawProfile(root.fork(1), options.members), ...options.profile };
    this.rng = root.fork(2);
    this.faultRng = root.fork(3);
    this.netRng = root.fork(4);
    this.network = new Network(this.netRng);
    this.trace = options.trace;
    this.ids = Array.from({ length: this.profile.members }, (_, i) => i + 1);
    this.checker = new Checker(Math.floor(this.profile.members / 2) + 1);
    for (const id of this.ids) {
      this.members.push({
        id,
        zab: null,
        storage: new MemoryStorage(),
        sm: new SimStateMachine(),
        incarnation: 0,
        msPerTick: this.profile.tickMs * this.rng.between(0.9, 1.1),
        flushing: false,
        pausedUntil: 0,
        proposed: new Map(),
        recordsAtLastSnapshot: 0,
      });
    }
    for (let c = 0; c < this.profile.clients; c++) this.clients.push({ id: c, counter: 0, pending: new Map(), preferred: null });
  }

  private booted = false;

  /** Starts the members, clients and the fault schedule. */
  boot(): void {
    if (this.booted) return;
    this.booted = true;
    for (const m of this.members) this.start(m);
    for (const a of this.ids) for (const b of this.ids) if (a < b) this.network.connect(a, b);
    for (const c of this.clients) this.queue.push(this.rng.between(0, 50), { kind: 'client', client: c.id });
    this.queue.push(this.faultDelay(), { kind: 'fault' });
    if (Number.isFinite(this.profile.chaosMs)) this.queue.push(this.profile.chaosMs, { kind: 'heal' });
  }

  /** Processes every event up to virtual time `ms`; throws a Violation at the first broken invariant. */
  advanceTo(ms: number): void {
    this.boot();
    for (let t = this.queue.peekTime(); t !== undefined && t <= ms; t = this.queue.peekTime()) {
      const next = this.queue.pop()!;
      this.now = next.at;
      this.stats.events++;
      this.handle(next.item);
    }
    this.now = Math.max(this.now, ms);
  }

  get virtualMs(): number {
    return this.now;
  }

  view(): MemberView[] {
    return this.members.map((m) => ({ id: m.id, status: m.zab ? m.zab.status() : null, applied: m.sm.records.length }));
  }

  crashMember(id: MemberId): void {
    this.crash(this.member(id), false);
  }

  restartMember(id: MemberId): void {
    this.restart(this.member(id));
  }

  run(): SimResult {
    try {
      this.boot();
      const deadline = this.profile.chaosMs + this.profile.healBudgetMs;
      while (!this.probeDone) {
        const next = this.queue.pop();
        if (!next) throw new Violation('liveness', 'the world ran out of events');
        if (next.at > deadline) throw new Violation('liveness', `no convergence within ${this.profile.healBudgetMs} ms of healing: ${this.describe()}`);
        this.now = next.at;
        this.stats.events++;
        this.handle(next.item);
      }
      this.checker.checkLogMatching(this.checkedMembers());
      this.checker.checkConverged(this.checkedMembers());
      return this.result(true);
    } catch (e) {
      if (e instanceof Violation) return this.result(false, e.invariant, e.message);
      if (e instanceof InvariantError) return this.result(false, 'core assertion', e.message);
      const err = e as Error;
      return this.result(false, 'crash', `${err.message}\n${err.stack ?? ''}`);
    }
  }

  private result(ok: boolean, invariant?: string, message?: string): SimResult {
    this.stats.virtualMs = Math.round(this.now);
    this.stats.checks = this.checker.checks;
    const base = { seed: this.options.seed, members: this.profile.members, ok, stats: this.stats };
    return invariant ? { ...base, violation: { invariant, message: message ?? '' } } : base;
  }

  // ---- members ------------------------------------------------------------------------------

  private start(m: SimMember): void {
    m.incarnation = this.rng.int(1, 0x7fffffff);
    m.sm = new SimStateMachine();
    m.proposed = new Map();
    m.recordsAtLastSnapshot = 0;
    m.flushing = false;
    const config = makeZabConfig(m.id, this.ids, m.incarnation, {
      logRetentionEntries: this.profile.logRetentionEntries,
      maxCounter: this.profile.maxCounter,
    });
    m.zab = new ZabMember(config, m.storage.load());
    this.pump(m);
    this.queue.push(this.now + m.msPerTick, { kind: 'tick', member: m.id, incarnation: m.incarnation });
  }

  private member(id: MemberId): SimMember {
    return this.members[id - 1]!;
  }

  private alive(m: SimMember): m is SimMember & { zab: ZabMember } {
    return m.zab !== null;
  }

  private crash(m: SimMember, atSync: boolean): void {
    if (m.zab === null) return;
    const pending = m.storage.pendingCount;
    const surviving = this.faultRng.int(0, pending);
    const torn = this.faultRng.int(0, 3);
    if (surviving < pending && torn > 0) this.stats.tornWrites++;
    m.storage.crash(surviving, torn);
    m.zab = null;
    m.proposed.clear();
    this.stats.crashes++;
    if (atSync) this.stats.syncCrashes++;
    this.log(`m${m.id} CRASH (kept ${surviving}/${pending} unsynced writes)${atSync ? ' at a sync step' : ''}`);
    for (const other of this.ids) if (other !== m.id && this.network.isConnected(m.id, other)) this.cut(m.id, other);
    if (!this.healing && this.profile.crashWeight + this.profile.syncCrashRate > 0) {
      this.queue.push(this.now + this.faultRng.between(10, 600), { kind: 'restart', member: m.id });
    }
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
      if (this.alive(m)) this.input(m, () => m.zab.step({ type: 'peerDisconnected', peer: y }));
    }
  }

  private join(a: MemberId, b: MemberId): void {
    if (this.network.isConnected(a, b)) return;
    const ma = this.member(a);
    const mb = this.member(b);
    if (!this.alive(ma) || !this.alive(mb)) return;
    this.network.connect(a, b);
    this.input(ma, () => ma.zab.step({ type: 'peerConnected', peer: b }));
    this.input(mb, () => mb.zab.step({ type: 'peerConnected', peer: a }));
  }

  /** Runs one input against a member and routes everything it wants done. */
  private input(m: SimMember & { zab: ZabMember }, fn: () => void): void {
    fn();
    this.pump(m);
  }

  private pump(m: SimMember): void {
    for (let guard = 0; guard < 1000; guard++) {
      if (!this.alive(m)) return;
      const ready = m.zab.drain();
      if (ready.messages.length + ready.writes.length + ready.deliveries.length + ready.events.length === 0) return;
      this.route(m, ready);
    }
    throw new Error(`member ${m.id} keeps producing output`);
  }

  private route(m: SimMember & { zab: ZabMember }, ready: Ready): void {
    if (ready.writes.length) {
      m.storage.submit(ready.writes);
      if (!m.flushing) this.startFlush(m);
    }
    for (const d of ready.deliveries) {
      if (d.kind === 'restore') {
        const before = m.sm.records.length;
        m.sm.restore(d.snapshot);
        this.checker.onRestore(this.checked(m), before);
        m.recordsAtLastSnapshot = m.sm.records.length;
        continue;
      }
      const position = m.sm.records.length;
      const rec = m.sm.apply(d.entry);
      const before = this.checker.committed.length;
      this.checker.onApply(this.checked(m), position, rec, this.checkedMembers());
      if (this.checker.committed.length > before) this.stats.commits++;
      const client = m.proposed.get(rec.id);
      if (client !== undefined) {
        m.proposed.delete(rec.id);
        this.checker.ackedToClients.add(rec.id);
        this.stats.clientAcks++;
        this.clients[client]?.pending.delete(rec.id);
      }
      if (rec.id === this.probeId) this.checkProbe();
    }
    if (m.sm.records.length - m.recordsAtLastSnapshot >= this.profile.snapshotEvery) {
      // Snapshots are serialized in the background: Zab hears of one a while after it was cut,
      // by which time a SNAP from the leader may be installing.
      m.recordsAtLastSnapshot = m.sm.records.length;
      const snapshot = m.sm.snapshot();
      this.queue.push(this.now + this.rng.between(0, 10), { kind: 'snapshotDone', member: m.id, incarnation: m.incarnation, snapshot });
    }
    for (const out of ready.messages) {
      this.checker.onSend(this.checked(m), out.message);
      this.stats.messages++;
      if (this.trace && out.message.type !== 'PING') this.log(`m${m.id} → m${out.to} ${describeMessage(out.message)}`);
      for (const p of this.network.plan(this.now, m.id, out.to)) {
        this.queue.push(p.at, { kind: 'deliver', from: m.id, to: out.to, generation: p.generation, message: out.message });
      }
      if (SYNC_CRASH_TRIGGERS.has(out.message.type) && !this.healing && this.faultRng.chance(this.profile.syncCrashRate)) {
        // Crash the sender or the receiver a moment later, while the sync is half done.
        const victim = this.faultRng.chance(0.5) ? m.id : out.to;
        const vm = this.member(victim);
        this.queue.push(this.now + this.faultRng.between(0, 3), { kind: 'crash', member: victim, incarnation: vm.incarnation, atSync: true });
      }
    }
    for (const ev of ready.events) this.onZabEvent(m, ev);
  }

  private onZabEvent(m: SimMember & { zab: ZabMember }, ev: Ready['events'][number]): void {
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

  private startFlush(m: SimMember & { zab: ZabMember }): void {
    const seq = m.storage.lastPendingSeq;
    if (seq === null) return;
    m.flushing = true;
    const at = this.now + this.rng.between(this.profile.fsyncMinMs, this.profile.fsyncMaxMs);
    this.queue.push(at, { kind: 'flushDone', member: m.id, incarnation: m.incarnation, seq });
  }

  // ---- events -------------------------------------------------------------------------------

  private handle(ev: SimEvent): void {
    switch (ev.kind) {
      case 'tick': {
        const m = this.member(ev.member);
        if (!this.alive(m) || m.incarnation !== ev.incarnation) return;
        if (m.pausedUntil <= this.now) this.input(m, () => m.zab.step({ type: 'tick' }));
        this.queue.push(Math.max(this.now, m.pausedUntil) + m.msPerTick, ev);
        return;
      }
      case 'deliver': {
        if (!this.network.deliverable(ev.from, ev.to, ev.generation)) return;
        const m = this.member(ev.to);
        if (!this.alive(m)) return;
        if (m.pausedUntil > this.now) {
          this.queue.push(m.pausedUntil, ev);
          return;
        }
        // What a real runtime does with bytes from a peer: validate, rebuild, then hand to the core.
        const valid = validateZabMessage(ev.message);
        if (!valid.ok) throw new Violation('message legality', `m${ev.from} sent a malformed ${ev.message.type}: ${valid.error}`);
        this.input(m, () => m.zab.step({ type: 'message', from: ev.from, message: valid.message }));
        return;
      }
      case 'flushDone': {
        const m = this.member(ev.member);
        if (!this.alive(m) || m.incarnation !== ev.incarnation) return;
        m.storage.flushUpTo(ev.seq);
        m.flushing = false;
        this.input(m, () => m.zab.step({ type: 'persisted', seq: ev.seq }));
        if (this.alive(m) && !m.flushing && m.storage.pendingCount) this.startFlush(m);
        return;
      }
      case 'crash': {
        const m = this.member(ev.member);
        if (m.incarnation === ev.incarnation && !this.healing) this.crash(m, ev.atSync);
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
      case 'unpause':
        return;
      case 'calm':
        this.network.faults = CALM_NETWORK;
        return;
      case 'client':
        this.clientStep(this.clients[ev.client]!);
        return;
      case 'fault':
        if (this.healing) return;
        this.injectFault();
        this.queue.push(this.now + this.faultDelay(), { kind: 'fault' });
        return;
      case 'snapshotDone': {
        const m = this.member(ev.member);
        if (!this.alive(m) || m.incarnation !== ev.incarnation) return;
        this.stats.snapshots++;
        this.input(m, () => m.zab.snapshotTaken(ev.snapshot));
        return;
      }
      case 'heal':
        this.heal();
        return;
      case 'probe':
        this.probe();
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
          const ph = m.zab!.status().phase;
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
        this.queue.push(this.now + this.faultRng.between(30, 800), { kind: 'unblock', pairs });
        return;
      }
      case 'linkDrop': {
        const a = this.faultRng.pick(this.ids);
        const b = this.faultRng.pick(this.ids.filter((x) => x !== a));
        if (!this.network.isConnected(a, b)) return;
        this.stats.linkDrops++;
        this.log(`LINK DROP m${a}-m${b}`);
        this.cut(a, b);
        this.queue.push(this.now + this.faultRng.between(2, 150), { kind: 'reconnect', a, b });
        return;
      }
      case 'pause': {
        const m = this.faultRng.pick(this.members);
        m.pausedUntil = this.now + this.faultRng.between(20, 300);
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
        this.queue.push(this.now + this.faultRng.between(50, 500), { kind: 'calm' });
        return;
      }
    }
  }

  private heal(): void {
    this.healing = true;
    this.log('HEAL');
    this.network.faults = CALM_NETWORK;
    this.network.unblockAll();
    for (const m of this.members) m.pausedUntil = 0;
    for (const m of this.members) if (!this.alive(m)) this.restart(m);
    for (const a of this.ids) for (const b of this.ids) if (a < b) this.join(a, b);
    this.queue.push(this.now + 20, { kind: 'probe' });
  }

  /** After healing: once a leader serves with every member synced, one more write must reach everyone. */
  private probe(): void {
    // A probe proposed to a leader that then lost its quorum may be truncated away: try again.
    if (this.probeId !== null && this.now - this.probeSentAt > 500) this.probeId = null;
    if (this.probeId === null) {
      const leader = this.members.find((m) => this.alive(m) && m.zab.status().role === 'LEADING' && m.zab.status().serving);
      const allServing = this.members.every((m) => this.alive(m) && m.zab.status().serving);
      if (leader && allServing && this.alive(leader)) {
        const id = `probe-${++this.probes}`;
        const r = leader.zab.propose({ id } satisfies SimTxn);
        if (r.ok) {
          this.probeId = id;
          this.probeSentAt = this.now;
          this.checker.onPropose(leader.id, r.zxid, id);
          this.stats.proposals++;
          this.pump(leader);
        }
      }
    } else {
      this.checkProbe();
    }
    if (!this.probeDone) this.queue.push(this.now + 20, { kind: 'probe' });
  }

  private checkProbe(): void {
    if (this.probeId === null) return;
    const committed = this.checker.committed.length;
    const done = this.members.every((m) => this.alive(m) && m.sm.records.length === committed && m.sm.records.some((r) => r.id === this.probeId));
    if (done) this.probeDone = true;
  }

  private clientStep(c: Client): void {
    if (this.healing) return; // after healing only the pending writes and the probe remain
    for (const [id, sentAt] of c.pending) {
      if (this.now - sentAt > CLIENT_GIVE_UP_MS) {
        c.pending.delete(id);
        for (const m of this.members) m.proposed.delete(id);
      }
    }
    if (c.pending.size < this.profile.clientOutstanding) {
      const target =
        c.preferred !== null && this.faultRng.chance(0.8) ? this.member(c.preferred) : this.member(this.rng.pick(this.ids));
      if (this.alive(target)) {
        const id = `c${c.id}-${c.counter}`;
        const r = target.zab.propose({ id } satisfies SimTxn);
        if (r.ok) {
          c.counter++;
          c.pending.set(id, this.now);
          c.preferred = target.id;
          target.proposed.set(id, c.id);
          this.checker.onPropose(target.id, r.zxid, id);
          this.stats.proposals++;
          this.pump(target);
        } else {
          const leader = target.zab.status().leader;
          c.preferred = leader;
        }
      }
    }
    this.queue.push(this.now + this.rng.between(0.2, this.profile.clientThinkMs), { kind: 'client', client: c.id });
  }

  // ---- views for the checker ----------------------------------------------------------------

  private checked(m: SimMember): CheckedMember {
    const zab = m.zab;
    return {
      id: m.id,
      durable: m.storage.durable,
      records: m.sm.records,
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
        const s = m.zab.status();
        return `m${m.id}: ${s.role}/${s.phase} leader=${s.leader} epoch=${s.epoch} last=${formatZxid(s.lastZxid)} applied=${formatZxid(s.appliedZxid)}`;
      })
      .join('; ');
  }

  private log(line: string): void {
    this.trace?.(`${this.now.toFixed(2).padStart(9)} ${line}`);
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
