/**
 * The classroom engine: the deterministic simulator running real ServerMembers (Zab, tree, sessions,
 * watches) and real ZooKeeper clients in virtual time, plus everything the page shows about them —
 * messages in flight, a timeline, proposal metrics — and every action a person can take, recorded
 * with its virtual time so a trace replays exactly. No DOM here: the page and the tests drive the same
 * object (the page through window.peerkeeperDemo uses these very methods).
 */
import { InvariantError } from '../../../src/zab/context.js';
import type { LogEntry, MemberId } from '../../../src/zab/messages.js';
import type { ZabEvent } from '../../../src/zab/output.js';
import { compareZxid, ZXID_ZERO, type Zxid } from '../../../src/zab/zxid.js';
import type { ServerTxn } from '../../../src/server/messages.js';
import type { TxnResult } from '../../../src/tree/index.js';
import type { Stat } from '../../../src/protocol/client.js';
import { Violation } from '../../../src/sim/checker.js';
import type { NetworkFaults } from '../../../src/sim/network.js';
import { NO_RANDOM_FAULTS, type SimProfile } from '../../../src/sim/profile.js';
import { ServerNode } from '../../../src/sim/server-node.js';
import { serverTxnId } from '../../../src/sim/server-output.js';
import { Simulation, type WireMessage, type WireOutcome } from '../../../src/sim/simulation.js';
import type { AppliedRecord } from '../../../src/sim/state-machine.js';
import type { Workload, WorldApi } from '../../../src/sim/workload.js';
import { ClientNet, type ClientOp, type ClientSlot, type ClientWire, type ClientWorld } from './clients.js';
import { errorName, labelMemberToClient, labelClientToMember, labelPeerMessage, sessionName, txnSummary, z, zxidKey, type MessageLabel } from './describe.js';
import { ProposalTracker, type MetricsSummary } from './metrics.js';
import { actionProblem, describeAction, hash32, TRACE_FORMAT, TRACE_VERSION, type Action, type ClientName, type TimedAction, type Trace } from './trace.js';

/** Random faults off: the person at the controls makes the faults. */
export const DEMO_PROFILE: Partial<SimProfile> = {
  ...NO_RANDOM_FAULTS,
  tickMs: 10,
  maxDropRate: 0,
  maxDuplicateRate: 0,
  maxReorderRate: 0,
  // Slow enough disks that a crash can catch an entry in memory only.
  fsyncMinMs: 1.5,
  fsyncMaxMs: 4,
  snapshotEvery: 40,
  logRetentionEntries: 20,
  maxCounter: 0xffffffff,
  clients: 0,
};

/** Message delays long against the work a member does, so a message is something you can watch travel. */
export const NORMAL_NETWORK: NetworkFaults = { dropRate: 0, duplicateRate: 0, reorderRate: 0, minDelayMs: 3, maxDelayMs: 6 };
export const SLOW_NETWORK: NetworkFaults = { dropRate: 0, duplicateRate: 0, reorderRate: 0, minDelayMs: 9, maxDelayMs: 18 };

export type Endpoint = { readonly kind: 'member'; readonly id: MemberId } | { readonly kind: 'client'; readonly name: ClientName };

export interface Flight {
  /** 'p<id>' for a peer message (droppable by its id), 'c<id>' for a client one. */
  readonly key: string;
  readonly id: number;
  readonly peer: boolean;
  readonly from: Endpoint;
  readonly to: Endpoint;
  readonly label: MessageLabel;
  readonly sentAt: number;
  readonly arriveAt: number;
  /** For a PROPOSAL: its zxid, for the quorum counter, and what its txn does. */
  readonly proposal: Zxid | null;
  readonly txn: string | null;
}

export type FlightEnd = WireOutcome | 'partitioned' | 'no connection' | 'lost';

export interface EndedFlight {
  readonly flight: Flight;
  readonly at: number;
  readonly outcome: FlightEnd;
}

export type Tone = 'info' | 'good' | 'bad' | 'warn' | 'action' | 'watch' | 'sync';

export interface TimelineEntry {
  readonly seq: number;
  readonly at: number;
  readonly text: string;
  readonly tone: Tone;
  readonly member?: MemberId;
}

export interface LogRow {
  readonly zxid: Zxid;
  readonly summary: string;
  readonly committed: boolean;
  readonly durable: boolean;
}

export type RoleName = 'LOOKING' | 'FOLLOWING' | 'LEADING' | 'DOWN';

export interface MemberCard {
  readonly id: MemberId;
  readonly alive: boolean;
  readonly paused: boolean;
  readonly pausedUntil: number;
  readonly role: RoleName;
  readonly phase: 'election' | 'discovery' | 'synchronization' | 'broadcast' | 'down';
  readonly leader: MemberId | null;
  readonly epoch: number | null;
  readonly serving: boolean;
  readonly acceptedEpoch: number;
  readonly currentEpoch: number;
  readonly lastZxid: Zxid;
  readonly committedZxid: Zxid;
  readonly appliedZxid: Zxid;
  readonly durableZxid: Zxid;
  readonly logBase: Zxid;
  readonly digest: string | null;
  readonly sessions: number;
  readonly electionRound: number;
  /** The newest log entries, oldest first; `hidden` older ones are not listed. */
  readonly log: readonly LogRow[];
  readonly hidden: number;
  /** Writes handed to the disk and not yet durable: a crash now may lose them. */
  readonly pendingWrites: number;
}

export interface ZNodeRow {
  readonly path: string;
  readonly name: string;
  readonly depth: number;
  readonly data: string;
  readonly stat: Stat;
  readonly ephemeral: boolean;
}

export interface ClientCard {
  readonly name: ClientName;
  readonly home: MemberId;
  readonly attachedTo: MemberId | null;
  readonly state: string;
  readonly reason: string;
  readonly session: string;
  readonly generation: number;
  readonly ops: readonly ClientOp[];
  readonly watches: ClientSlot['watches'];
}

export interface ClassroomConfig {
  readonly seed: number;
  readonly members: number;
}

export interface DemoState {
  readonly seed: number;
  readonly members: number;
  readonly now: number;
  readonly leader: MemberId | null;
  readonly cards: readonly MemberCard[];
  readonly clients: readonly ClientCard[];
  readonly flights: readonly { key: string; type: string; detail: string; from: string; to: string; sentAt: number; arriveAt: number }[];
  readonly cutLinks: readonly [MemberId, MemberId][];
  readonly metrics: MetricsSummary & { readonly messages: number; readonly elections: number; readonly leaderChanges: number; readonly checks: number };
  readonly consistent: boolean;
  readonly timeline: readonly TimelineEntry[];
  readonly violation: string | null;
  readonly actions: number;
}

const TIMELINE_KEEP = 600;

/** Lets promise continuations of client code run before the next event (a macrotask drains them all). */
const settle: () => Promise<void> = (() => {
  const g = globalThis as { setImmediate?: (fn: () => void) => void };
  if (typeof g.setImmediate === 'function') {
    const immediate = g.setImmediate;
    return () => new Promise<void>((resolve) => immediate(resolve));
  }
  const channel = new MessageChannel();
  const waiting: (() => void)[] = [];
  channel.port1.onmessage = () => waiting.shift()?.();
  return () =>
    new Promise<void>((resolve) => {
      waiting.push(resolve);
      channel.port2.postMessage(0);
    });
})();

export class Classroom {
  readonly seed: number;
  readonly ids: readonly MemberId[];
  readonly sim: Simulation;
  readonly tracker = new ProposalTracker();
  readonly flights = new Map<string, Flight>();
  /** Messages that just left the network (drawn as landings and bursts); the page takes them. */
  ended: EndedFlight[] = [];
  readonly timeline: TimelineEntry[] = [];
  readonly recorded: TimedAction[] = [];
  violation: string | null = null;
  /** Counts everything a person would notice: `step` runs until it moves. */
  private visible = 0;
  private timelineSeq = 0;
  private readonly workload: ClassroomWorkload;
  private script: TimedAction[] = [];
  private busy = false;
  private readonly lastState = new Map<MemberId, string>();
  private slow = false;
  /** When each member (re)started: it speaks before the simulator wires its links, and those first words are re-sent. */
  private readonly startedAt = new Map<MemberId, number>();
  /** Listeners for things the page highlights (a refused write on the minority side, a fired watch). */
  onOpDone: ((op: ClientOp) => void) | null = null;
  /**
   * Consulted after every event while set: actions to take at that instant (the guided tour uses it
   * to drop a PROPOSAL half-way, or to crash the leader right when its log entry is durable). What it
   * returns is performed and recorded like any action, so a replay needs no director.
   */
  director: (() => Action[]) | null = null;
  /** The last sync each member got from a leader: DIFF, TRUNC or SNAP, from where. */
  readonly syncs = new Map<MemberId, { leader: MemberId; mode: 'DIFF' | 'TRUNC' | 'SNAP'; point: Zxid; entries: number; at: number }>();

  constructor(config: ClassroomConfig) {
    if (config.members !== 3 && config.members !== 5) throw new RangeError('the classroom runs 3 or 5 members');
    this.seed = config.seed;
    this.workload = new ClassroomWorkload(this);
    this.sim = new Simulation({
      seed: config.seed,
      members: config.members,
      profile: DEMO_PROFILE,
      nodes: (zc, durable, profile, rng, nowMs) => new ServerNode(zc, durable, profile.tickMs, profile.snapshotEvery, rng, nowMs),
      workload: this.workload,
      txnId: serverTxnId,
      observer: {
        sent: (m) => this.onSent(m),
        left: (id, outcome) => this.onLeft(id, outcome),
        zabEvent: (member, ev) => this.onZabEvent(member, ev),
      },
    });
    this.ids = this.sim.ids;
    for (const id of this.ids) this.startedAt.set(id, 0);
    this.sim.setNetworkFaults(NORMAL_NETWORK);
    this.sim.boot();
    this.note(0, `${this.ids.length} members start, all LOOKING: nobody knows who leads yet`, 'info');
  }

  get now(): number {
    return this.sim.virtualMs;
  }

  get net(): ClientNet {
    return this.workload.net;
  }

  get slowNetwork(): boolean {
    return this.slow;
  }

  // ---- time ---------------------------------------------------------------------------------

  /** Runs every event due up to `ms`, one at a time, letting client code settle after each. */
  async advanceTo(ms: number): Promise<void> {
    this.enter();
    try {
      await this.runTo(ms);
    } finally {
      this.busy = false;
    }
  }

  async advanceBy(ms: number): Promise<void> {
    await this.advanceTo(this.now + ms);
  }

  /** Runs until something a person would notice happens (a message leaves or lands, a state changes). */
  async step(maxMs = 200): Promise<void> {
    this.enter();
    try {
      const before = this.visible;
      const limit = this.now + maxMs;
      while (this.visible === before && !this.violation) {
        const next = this.sim.nextEventAt();
        if (next === undefined || next > limit) {
          await this.runTo(limit);
          break;
        }
        await this.runTo(next);
      }
    } finally {
      this.busy = false;
    }
  }

  /** Runs until `done()` holds, checking after every event; false if `maxMs` of virtual time passed first. */
  async runUntil(done: () => boolean, maxMs: number): Promise<boolean> {
    this.enter();
    try {
      const limit = this.now + maxMs;
      while (!done()) {
        if (this.violation) return false;
        const next = this.sim.nextEventAt();
        if (next === undefined || next > limit) {
          await this.runTo(limit);
          return done();
        }
        await this.runTo(next);
      }
      return true;
    } finally {
      this.busy = false;
    }
  }

  private enter(): void {
    if (this.busy) throw new Error('the classroom is already running: one call at a time');
    this.busy = true;
  }

  /** The heart of determinism: events one by one, scripted actions at their exact instants. */
  private async runTo(ms: number): Promise<void> {
    for (;;) {
      if (this.violation) return;
      const next = this.sim.nextEventAt();
      const scripted = this.script[0];
      if (scripted && scripted.at <= ms && this.due(scripted, next)) {
        this.script.shift();
        // No event is due before it any more: this only moves the clock to the action's instant.
        if (this.now < scripted.at) this.sim.advanceTo(scripted.at);
        await this.apply(scripted.action);
        this.visible++;
        continue;
      }
      if (next === undefined || next > ms) break;
      try {
        this.sim.stepEvent();
      } catch (e) {
        this.fail(e);
        return;
      }
      if (this.sim.takeClientActivity()) await settle();
      this.pollPhases();
      if (this.director) for (const action of this.director()) await this.apply(action);
    }
    this.sim.advanceTo(ms);
  }

  /** Role and phase changes (Zab reports role changes; the phases within a role are read off its status). */
  private pollPhases(): void {
    for (const id of this.ids) {
      const s = this.sim.node(id)?.zab.status();
      const key = s ? `${s.role}/${s.phase}/${s.leader}` : 'DOWN';
      const before = this.lastState.get(id);
      if (before === key) continue;
      this.lastState.set(id, key);
      if (!s || s.role === 'LOOKING') continue; // crashes and elections have their own lines
      const text =
        s.role === 'LEADING'
          ? `m${id} is LEADING${s.phase === 'discovery' ? '' : `, epoch ${s.epoch}`}: ${PHASE_WORDS[s.phase]}`
          : `m${id} is FOLLOWING m${s.leader}: ${PHASE_WORDS[s.phase]}`;
      this.note(this.now, text, s.phase === 'broadcast' ? 'good' : 'info', id);
    }
  }

  /** A scripted action is due after the number of events it was taken after (or, lacking that, before the next later event). */
  private due(scripted: TimedAction, next: number | undefined): boolean {
    if (scripted.events !== undefined) return this.sim.stats.events >= scripted.events;
    return next === undefined || scripted.at < next;
  }

  private fail(e: unknown): void {
    if (e instanceof Violation) this.violation = `${e.invariant}: ${e.message}`;
    else if (e instanceof InvariantError) this.violation = `core assertion: ${e.message}`;
    else this.violation = `crash: ${(e as Error).message ?? String(e)}`;
    this.note(this.now, `THE LIVE CHECKER STOPPED THE WORLD — ${this.violation}`, 'bad');
  }

  // ---- actions ------------------------------------------------------------------------------

  /** Does what a person asked, now, and records it with the virtual time for replay. */
  async perform(action: Action): Promise<ClientOp | null> {
    this.enter();
    try {
      return await this.apply(action);
    } finally {
      this.busy = false;
    }
  }

  /** Replays: these actions happen at their recorded times as the world runs (advanceTo, step, runUntil). */
  loadScript(actions: readonly TimedAction[]): void {
    let last = this.now;
    for (const a of actions) {
      if (a.at < last) throw new RangeError(`scripted action at ${a.at} is in the past (${last})`);
      last = a.at;
    }
    this.script = actions.slice();
  }

  get scriptLeft(): number {
    return this.script.length;
  }

  private async apply(action: Action): Promise<ClientOp | null> {
    const problem = actionProblem(action, this.ids.length);
    if (problem) throw new RangeError(`bad action: ${problem}`);
    const at = this.now;
    this.recorded.push({ at, events: this.sim.stats.events, action });
    this.note(at, describeAction(action), 'action', 'member' in action ? action.member : undefined);
    let op: ClientOp | null = null;
    const sim = this.sim;
    switch (action.kind) {
      case 'create':
      case 'setData':
      case 'delete':
      case 'read':
        op = this.clientCall(action);
        break;
      case 'kill': {
        if (!sim.memberInfo(action.member).alive) break;
        const { pending, surviving } = sim.crashMember(action.member);
        this.note(
          at,
          pending
            ? `m${action.member} crashed with ${pending} write${pending > 1 ? 's' : ''} still in memory; ${surviving === pending ? 'all made it to disk anyway' : surviving ? `only ${surviving} reached the disk` : 'the crash lost them'}`
            : `m${action.member} crashed; everything it had written was already on disk`,
          'bad',
          action.member,
        );
        break;
      }
      case 'restart':
        if (sim.memberInfo(action.member).alive) break;
        sim.restartMember(action.member);
        this.startedAt.set(action.member, at);
        this.note(at, `m${action.member} restarts from what its disk kept, LOOKING`, 'info', action.member);
        break;
      case 'pause':
        sim.pauseMember(action.member, at + action.ms);
        break;
      case 'link':
        sim.setLinkBlocked(action.a, action.b, action.cut);
        break;
      case 'partition':
        for (const a of this.ids) {
          for (const b of this.ids) {
            if (a < b && action.side.includes(a) !== action.side.includes(b)) {
              sim.setLinkBlocked(a, b, true);
            }
          }
        }
        break;
      case 'heal':
        for (const a of this.ids) {
          for (const b of this.ids) {
            if (a < b) {
              sim.setLinkBlocked(a, b, false);
            }
          }
        }
        break;
      case 'drop':
        sim.dropMessage(action.message);
        break;
      case 'network':
        this.slow = action.slow;
        sim.setNetworkFaults(action.slow ? SLOW_NETWORK : NORMAL_NETWORK);
        break;
      case 'home':
        this.net.moveHome(this.net.slot(action.client), action.member);
        break;
      case 'crashClient':
        this.net.kill(this.net.slot(action.client));
        break;
      case 'newClient':
        this.net.start(this.net.slot(action.client));
        break;
    }
    this.visible++;
    sim.takeClientActivity();
    await settle();
    return op;
  }

  /** A client request through the real client library; its record settles when the answer comes. */
  private clientCall(action: Extract<Action, { kind: 'create' | 'setData' | 'delete' | 'read' }>): ClientOp {
    const slot = this.net.slot(action.client);
    switch (action.kind) {
      case 'create':
        return this.net.invoke(slot, `create ${action.path}${action.mode === 'PERSISTENT' ? '' : ` ${action.mode.toLowerCase()}`}`, true, async (zk) => {
          const r = await zk.create2(action.path, action.data, { mode: action.mode });
          return `created ${r.path} at ${z(r.stat.czxid)}`;
        });
      case 'setData':
        return this.net.invoke(slot, `set ${action.path}`, true, async (zk) => {
          const stat = await zk.setData(action.path, action.data);
          return `version ${stat.version} at ${z(stat.mzxid)}`;
        });
      case 'delete':
        return this.net.invoke(slot, `delete ${action.path}`, true, async (zk) => {
          await zk.delete(action.path);
          return 'deleted';
        });
      case 'read':
        return this.net.invoke(slot, `read ${action.path}${action.watch ? ' + watch' : ''}`, false, async (zk) => {
          if (action.watch) {
            const stat = await zk.exists(action.path, { watch: true });
            if (!stat) return 'no such node (a watch waits for its creation)';
          }
          const r = await zk.getData(action.path);
          return `"${new TextDecoder().decode(r.data)}" v${r.stat.version}, last changed at ${z(r.stat.mzxid)}`;
        });
    }
  }

  isCut(a: MemberId, b: MemberId): boolean {
    return this.sim.isLinkBlocked(a, b);
  }

  cutLinks(): [MemberId, MemberId][] {
    const out: [MemberId, MemberId][] = [];
    for (const a of this.ids) for (const b of this.ids) if (a < b && this.isCut(a, b)) out.push([a, b]);
    return out;
  }

  // ---- what the observers saw ---------------------------------------------------------------

  private onSent(m: WireMessage): void {
    const label = labelPeerMessage(m.message);
    const zab = m.zab;
    if (zab?.type === 'PROPOSAL') this.tracker.proposalSent(m.from, zab.zxid, m.sentAt, txnSummary(zab.txn));
    if (zab?.type === 'COMMIT') this.tracker.committed(m.from, zab.zxid, m.sentAt);
    const flight: Flight = {
      key: `p${m.id}`,
      id: m.id,
      peer: true,
      from: { kind: 'member', id: m.from },
      to: { kind: 'member', id: m.to },
      label,
      sentAt: m.sentAt,
      arriveAt: m.arriveAt ?? m.sentAt,
      proposal: zab?.type === 'PROPOSAL' ? zab.zxid : null,
      txn: zab?.type === 'PROPOSAL' ? txnSummary(zab.txn) : null,
    };
    if (!label.quiet) this.visible++;
    if (m.arriveAt === null) {
      this.pushEnded({ flight, at: m.sentAt, outcome: m.lost ?? 'lost' });
      return;
    }
    this.flights.set(flight.key, flight);
  }

  private onLeft(id: number, outcome: WireOutcome): void {
    const key = `p${id}`;
    const flight = this.flights.get(key);
    if (!flight) return;
    this.flights.delete(key);
    if (!flight.label.quiet) this.visible++;
    const now = this.now;
    if (outcome === 'delivered') {
      if (flight.label.type === 'ACK' && flight.to.kind === 'member' && flight.from.kind === 'member') {
        const node = this.sim.node(flight.to.id);
        const s = node?.zab.status();
        if (s?.role === 'LEADING') {
          const zx = parseZxid(flight.label.detail);
          if (zx) this.tracker.ackDelivered(flight.to.id, flight.from.id, zx, now);
        }
      }
    } else if (outcome === 'dropped') {
      this.note(now, `${flight.label.type} ${flight.label.detail} from m${(flight.from as { id: number }).id} to m${(flight.to as { id: number }).id} was dropped on the way`, 'warn');
    }
    this.pushEnded({ flight, at: now, outcome });
  }

  onClientWire(w: ClientWire): void {
    const label = w.direction === 'up' ? labelClientToMember(w.message as never) : labelMemberToClient(w.message as never);
    const client: Endpoint = { kind: 'client', name: w.client };
    const member: Endpoint = { kind: 'member', id: w.member };
    const flight: Flight = {
      key: `c${w.id}`,
      id: w.id,
      peer: false,
      from: w.direction === 'up' ? client : member,
      to: w.direction === 'up' ? member : client,
      label,
      sentAt: w.sentAt,
      arriveAt: w.arriveAt,
      proposal: null,
      txn: null,
    };
    if (!label.quiet) this.visible++;
    this.flights.set(flight.key, flight);
  }

  onClientWireLeft(id: number, delivered: boolean): void {
    const key = `c${id}`;
    const flight = this.flights.get(key);
    if (!flight) return;
    this.flights.delete(key);
    if (!flight.label.quiet) this.visible++;
    this.pushEnded({ flight, at: this.now, outcome: delivered ? 'delivered' : 'lost' });
  }

  /** A message lost for want of a link, sent by a member in the instant it started: not news. */
  startupNoise(e: EndedFlight): boolean {
    return e.outcome === 'no connection' && e.flight.from.kind === 'member' && this.startedAt.get(e.flight.from.id) === e.at;
  }

  private pushEnded(e: EndedFlight): void {
    this.ended.push(e);
    if (this.ended.length > 400) this.ended.splice(0, this.ended.length - 400);
  }

  private onZabEvent(member: MemberId, ev: ZabEvent): void {
    const at = this.now;
    switch (ev.type) {
      case 'state':
        return;
      case 'electionStarted':
        this.note(at, `m${member} is LOOKING: it starts an election (round ${ev.round}) — ${ev.reason}`, 'info', member);
        return;
      case 'elected':
        this.note(at, `m${member}'s votes settle on m${ev.leader} (round ${ev.round})`, 'info', member);
        return;
      case 'established':
        this.note(at, `m${member} established epoch ${ev.epoch} with the quorum {${ev.quorum.map((q) => `m${q}`).join(', ')}}; history up to ${z(ev.history)}`, 'good', member);
        this.workload.leaderEstablished(member);
        return;
      case 'syncSent':
        this.syncs.set(ev.peer, { leader: member, mode: ev.mode, point: ev.point, entries: ev.entries, at });
        this.note(
          at,
          ev.mode === 'DIFF'
            ? `m${member} syncs m${ev.peer} with a DIFF after ${z(ev.point)}: ${ev.entries} entr${ev.entries === 1 ? 'y' : 'ies'} to send`
            : ev.mode === 'TRUNC'
              ? `m${member} tells m${ev.peer} to TRUNC back to ${z(ev.point)} (it has entries no quorum accepted), then ${ev.entries} entr${ev.entries === 1 ? 'y' : 'ies'}`
              : `m${member} sends m${ev.peer} a SNAP (the whole tree at ${z(ev.point)}): it is too far behind for a DIFF`,
          'sync',
          member,
        );
        return;
      case 'truncated':
        this.note(at, `m${member} truncated its log to ${z(ev.to)}, dropping ${ev.dropped} entr${ev.dropped === 1 ? 'y' : 'ies'} that never committed`, 'warn', member);
        return;
      case 'snapshotInstalled':
        this.note(at, `m${member} installed the leader's snapshot at ${z(ev.zxid)}`, 'sync', member);
        return;
      case 'steppedDown':
        // The LOOKING line that follows gives the same reason; only a spent zxid counter is news.
        if (ev.reason !== 'zxid counter exhausted') return;
        this.note(at, `m${member} steps down: ${ev.reason}`, 'warn', member);
        return;
      case 'followerLost':
        this.note(at, `m${member} lost its follower m${ev.peer}: ${ev.reason}`, 'warn', member);
        return;
      case 'rejected':
        return;
    }
  }

  note(at: number, text: string, tone: Tone, member?: MemberId): void {
    this.timeline.push({ seq: ++this.timelineSeq, at, text, tone, ...(member !== undefined ? { member } : {}) });
    if (this.timeline.length > TIMELINE_KEEP) this.timeline.splice(0, this.timeline.length - TIMELINE_KEEP);
    this.visible++;
  }

  clientOpDone(op: ClientOp): void {
    // Refused for want of a quorum: NOTREADONLY from a member cut off, or no connection at all while
    // the member was already without a quorum when the write was made (not a leader that died mid-write).
    if (op.status === 'error' && op.write && (op.err === -119 || (!op.servingAtIssue && (op.err === -4 || op.err === -7)))) op.minority = true;
    const tone: Tone = op.status === 'ok' ? 'good' : op.minority ? 'bad' : 'warn';
    const unknown = op.status === 'error' && op.write && !op.minority && op.err === -4 ? ' — the write may or may not have happened: read before retrying' : '';
    this.note(this.now, `client ${op.client}: ${op.text} → ${op.result}${op.minority ? ` — refused: m${op.member} is cut off from a quorum` : unknown}`, tone);
    this.onOpDone?.(op);
  }

  // ---- views --------------------------------------------------------------------------------

  leader(): MemberId | null {
    for (const id of this.ids) {
      const s = this.sim.node(id)?.zab.status();
      if (s && s.role === 'LEADING' && s.serving) return id;
    }
    return null;
  }

  server(id: MemberId): ServerNode | null {
    return (this.sim.node(id) as ServerNode | null) ?? null;
  }

  card(id: MemberId, logRows = 12): MemberCard {
    const info = this.sim.memberInfo(id);
    const node = this.server(id);
    if (!node) {
      const d = info.durable;
      const entries = d.log;
      const last = entries.length ? entries[entries.length - 1]!.zxid : d.logBase;
      const rows = entries.slice(-logRows).map((e) => ({ zxid: e.zxid, summary: txnSummary(e.txn), committed: compareZxid(e.zxid, d.commitHint) <= 0, durable: true }));
      return {
        id,
        alive: false,
        paused: false,
        pausedUntil: 0,
        role: 'DOWN',
        phase: 'down',
        leader: null,
        epoch: null,
        serving: false,
        acceptedEpoch: d.acceptedEpoch,
        currentEpoch: d.currentEpoch,
        lastZxid: last,
        committedZxid: d.commitHint,
        appliedZxid: ZXID_ZERO,
        durableZxid: last,
        logBase: d.logBase,
        digest: null,
        sessions: 0,
        electionRound: 0,
        log: rows,
        hidden: Math.max(0, entries.length - logRows),
        pendingWrites: 0,
      };
    }
    const s = node.server.status();
    const entries: readonly LogEntry[] = node.zab.logEntries();
    const rows = entries.slice(-logRows).map((e) => ({
      zxid: e.zxid,
      summary: txnSummary(e.txn),
      committed: compareZxid(e.zxid, s.committedZxid) <= 0,
      durable: compareZxid(e.zxid, s.durableZxid) <= 0,
    }));
    return {
      id,
      alive: true,
      paused: info.pausedUntil > this.now,
      pausedUntil: info.pausedUntil,
      role: s.role,
      phase: s.phase,
      leader: s.leader,
      epoch: s.epoch,
      serving: s.serving,
      acceptedEpoch: s.acceptedEpoch,
      currentEpoch: s.currentEpoch,
      lastZxid: s.lastZxid,
      committedZxid: s.committedZxid,
      appliedZxid: s.treeZxid,
      durableZxid: s.durableZxid,
      logBase: s.logBase,
      digest: s.digest,
      sessions: s.sessions,
      electionRound: s.electionRound,
      log: rows,
      hidden: Math.max(0, entries.length - logRows),
      pendingWrites: info.pendingWrites,
    };
  }

  cards(logRows = 12): MemberCard[] {
    return this.ids.map((id) => this.card(id, logRows));
  }

  /** The znode tree as one member has applied it, depth first. */
  tree(member: MemberId): ZNodeRow[] | null {
    const node = this.server(member);
    if (!node) return null;
    const tree = node.server.dataTree;
    const rows: ZNodeRow[] = [];
    const decoder = new TextDecoder();
    const walk = (path: string, depth: number): void => {
      const info = tree.node(path);
      if (!info) return;
      const data = path === '/' ? new Uint8Array(0) : tree.getData(path).data;
      const name = path === '/' ? '/' : path.slice(path.lastIndexOf('/') + 1);
      rows.push({ path, name, depth, data: decoder.decode(data).slice(0, 80), stat: info.stat, ephemeral: info.stat.ephemeralOwner !== 0 });
      const children = [...tree.getChildren(path).children].sort();
      for (const c of children) walk(path === '/' ? `/${c}` : `${path}/${c}`, depth + 1);
    };
    walk('/', 0);
    return rows;
  }

  clientCards(): ClientCard[] {
    return this.net.slots.map((s) => ({
      name: s.name,
      home: s.home,
      attachedTo: this.net.attachedMember(s),
      state: s.state,
      reason: s.reason,
      session: s.sessionId ? sessionName(s.sessionId) : '—',
      generation: s.generation,
      ops: s.ops,
      watches: s.watches,
    }));
  }

  /** Every live member that applied the same zxid has the same tree digest. */
  consistent(): boolean {
    const seen = new Map<string, string>();
    for (const c of this.cards(0)) {
      if (!c.alive || c.digest === null) continue;
      const key = zxidKey(c.appliedZxid);
      const other = seen.get(key);
      if (other !== undefined && other !== c.digest) return false;
      seen.set(key, c.digest);
    }
    return true;
  }

  /** The quorum counter drawn on a PROPOSAL: votes so far, votes needed, committed yet. */
  proposalVotes(zxid: Zxid): { votes: number; needed: number; committed: boolean } {
    const p = this.tracker.get(zxid);
    const leaderStatus = p ? this.sim.node(p.leader)?.zab.status() : undefined;
    const durable = leaderStatus ? leaderStatus.durableZxid : null;
    const { votes, committed } = this.tracker.votes(zxid, durable);
    return { votes, needed: Math.floor(this.ids.length / 2) + 1, committed };
  }

  metrics(): DemoState['metrics'] {
    const st = this.sim.stats;
    return { ...this.tracker.summary(), messages: st.messages, elections: st.elections, leaderChanges: st.leaderChanges, checks: this.sim.checker.checks };
  }

  state(): DemoState {
    return {
      seed: this.seed,
      members: this.ids.length,
      now: this.now,
      leader: this.leader(),
      cards: this.cards(),
      clients: this.clientCards(),
      flights: [...this.flights.values()].map((f) => ({
        key: f.key,
        type: f.label.type,
        detail: f.label.detail,
        from: endpointName(f.from),
        to: endpointName(f.to),
        sentAt: f.sentAt,
        arriveAt: f.arriveAt,
      })),
      cutLinks: this.cutLinks(),
      metrics: this.metrics(),
      consistent: this.consistent(),
      timeline: this.timeline.slice(-80),
      violation: this.violation,
      actions: this.recorded.length,
    };
  }

  /** A digest of the whole world, for "a replay ends exactly where the run did". */
  fingerprint(): string {
    const parts: string[] = [`t=${this.now.toFixed(6)}`];
    for (const c of this.cards(1000)) {
      parts.push(
        [c.id, c.role, c.phase, c.leader, c.epoch, c.acceptedEpoch, c.currentEpoch, z(c.lastZxid), z(c.committedZxid), z(c.appliedZxid), z(c.durableZxid), c.digest, c.log.map((r) => z(r.zxid)).join('')].join('|'),
      );
    }
    for (const s of this.net.slots) parts.push(`${s.name}:${s.state}:${s.sessionId}:${s.ops.map((o) => `${o.status}${o.err ?? ''}`).join(',')}`);
    parts.push(`flights=${[...this.flights.keys()].join(',')}`);
    parts.push(`msgs=${this.sim.stats.messages}`);
    return parts.join('\n');
  }

  trace(): Trace {
    return {
      format: TRACE_FORMAT,
      version: TRACE_VERSION,
      seed: this.seed,
      members: this.ids.length,
      endMs: this.now,
      actions: this.recorded.slice(),
      fingerprint: hash32(this.fingerprint()),
      events: this.timeline.map((e) => ({ at: e.at, text: e.text, ...(e.member !== undefined ? { member: e.member } : {}) })),
    };
  }
}

const PHASE_WORDS = {
  election: 'election',
  discovery: 'discovery (agreeing on a new epoch)',
  synchronization: 'synchronization (catching the followers up)',
  broadcast: 'broadcast (serving writes)',
} as const;

function endpointName(e: Endpoint): string {
  return e.kind === 'member' ? `m${e.id}` : `client ${e.name}`;
}

/** Reads "(e, c)" back from a label detail. */
function parseZxid(text: string): Zxid | null {
  const m = /\((\d+), (\d+)\)/.exec(text);
  return m ? { epoch: Number(m[1]), counter: Number(m[2]) } : null;
}

/**
 * Who writes in the classroom: the two clients, started once the first leader is established (each
 * pinned to a follower, so a write visibly travels FORWARD → PROPOSAL → ACK → COMMIT), and the
 * ground truth the timeline narrates (a session closing takes its ephemerals with it everywhere).
 */
class ClassroomWorkload implements Workload {
  net!: ClientNet;
  private world!: WorldApi;
  private started = false;
  private readonly committed = new Set<string>();

  constructor(private readonly room: Classroom) {}

  start(world: WorldApi): void {
    this.world = world;
    const ids = world.ids;
    this.net = new ClientNet(
      world as unknown as ClientWorld,
      world.rng.fork(77),
      { sent: (w) => this.room.onClientWire(w), left: (id, ok) => this.room.onClientWireLeft(id, ok) },
      {
        stateChanged: (slot, state, reason) => {
          if (state === 'CONNECTING') return;
          // The client knows one member, index 0: name it.
          const why = reason ? reason.replace(/member 0 disconnected \([A-Z]+\): /, '').replace(/member 0\b/g, `m${slot.home}`) : '';
          this.room.note(
            world.now,
            `client ${slot.name}: ${state}${state.startsWith('CONNECTED') ? ` to m${slot.home}` : ''}${why ? ` (${why})` : ''}`,
            state === 'CONNECTED' ? 'good' : state === 'EXPIRED' ? 'bad' : 'info',
          );
        },
        watchFired: (w) => this.room.note(world.now, `client ${w.client}: WATCH fired — ${w.type} ${w.path ?? ''}${w.zxid ? ` at ${z(w.zxid)}` : ''}`, 'watch'),
        opDone: (op) => this.room.clientOpDone(op),
      },
      [ids[0]!, ids[ids.length - 1]!],
      (member) => world.node(member)?.zab.status().serving ?? false,
    );
  }

  /** The first leader: clients start a moment later, each on a follower. */
  leaderEstablished(leader: MemberId): void {
    if (this.started) return;
    this.started = true;
    const followers = this.world.ids.filter((id) => id !== leader);
    const [a, b] = [this.net.slot('A'), this.net.slot('B')];
    a.home = followers[0]!;
    b.home = followers[followers.length - 1]!;
    this.world.schedule(this.world.now + 15, () => {
      for (const s of [a, b]) if (s.generation === 0) this.net.start(s);
      (this.world as unknown as ClientWorld).clientActivity();
    });
  }

  onApplied(_member: MemberId, record: AppliedRecord, detail?: { readonly txn: unknown; readonly result: unknown }): void {
    const key = zxidKey(record.zxid);
    if (this.committed.has(key) || !detail) return;
    this.committed.add(key);
    const txn = detail.txn as ServerTxn;
    const result = detail.result as TxnResult | undefined;
    if (txn.body.type === 'closeSession' && result?.type === 'closeSession') {
      const gone = result.deletedPaths;
      this.room.note(
        this.world.now,
        `session ${sessionName(txn.body.sessionId)} ${txn.xid >= 0 ? 'closed' : 'expired'} at ${z(record.zxid)}${gone.length ? `: its ephemeral${gone.length > 1 ? 's' : ''} ${gone.join(', ')} vanish${gone.length > 1 ? '' : 'es'} on every member at that zxid` : ''}`,
        'warn',
      );
    } else if (txn.body.type === 'createSession') {
      this.room.note(this.world.now, `committed ${z(record.zxid)}: session ${sessionName(txn.body.sessionId)} created — a session is itself a Zab transaction`, 'good');
    } else if (txn.xid >= 0 && txn.body.type === 'error' && !txn.sync) {
      this.room.note(this.world.now, `committed ${z(record.zxid)}: a refused request (${errorName(txn.body.code)}) — it still takes a zxid, so replies keep their order`, 'info');
    } else if (txn.xid >= 0) {
      this.room.note(this.world.now, `committed ${z(record.zxid)}: ${txnSummary(txn)}`, 'good');
    }
  }

  onCrash(member: MemberId): void {
    this.net.memberCrashed(member);
  }

  onClientMessage(_member: MemberId, connection: number, message: unknown): void {
    this.net.fromMember(connection, message);
  }

  onClientClosed(_member: MemberId, connection: number): void {
    this.net.closedByMember(connection, 'closed by the member');
  }

  finish(): void {}
}
