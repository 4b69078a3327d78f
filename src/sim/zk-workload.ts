import { ZooKeeperClient } from '../client/client.js';
import { ErrorCode } from '../protocol/errors.js';
import type { ClientToMember, EventType, MemberToClient, MultiOp, Operation, OperationResult } from '../protocol/client.js';
import type { ServerTxn } from '../server/messages.js';
import type { TxnResult } from '../tree/index.js';
import type { MemberId } from '../zab/messages.js';
import { compareZxid, formatZxid, type Zxid } from '../zab/zxid.js';
import { Violation } from './checker.js';
import { ClientNet, type ClientNetWorld } from './client-net.js';
import { WatchChecker } from './watch-checker.js';
import { checkHistory } from './history/index.js';
import { callOperation, committedTruth, effectsOf, failedAnswer, indexBySessionXid, settle, toHistoryOp, type Answer, type AppliedTxn, type RecordedOp } from './history/recording.js';
import type { AppliedRecord } from './state-machine.js';
import type { Workload, WorldApi } from './workload.js';

/** Each key under its own parent, so the linearizability search splits into small partitions. */
const PARENTS = ['/p0', '/p1', '/p2', '/p3', '/q', '/eph'];
const KEYS = ['/p0/k', '/p1/k', '/p2/k', '/p3/k'];
const EPHEMERALS = ['/eph/e0', '/eph/e1'];

/** One ZooKeeperClient object; when its session expires a new one takes its slot, with a new tag. */
interface SimClient {
  readonly tag: number;
  readonly zk: ZooKeeperClient;
  /** Ops invoked through the API and not yet seen on the wire, oldest first (the client sends in call order). */
  unsent: RecordedOp[];
  /** Sent ops by xid, waiting for their response on the wire. */
  byXid: Map<number, RecordedOp>;
  /** Versions last seen per path, for compare-and-set. */
  versions: Map<string, number>;
  busy: number;
  /** The highest zxid stamped on anything this client object heard: it must never go back (across sessions too). */
  seen: Zxid;
  watches: WatchChecker;
  sessionId: number;
}

/** The world a ZooKeeper workload needs: the simulator's world plus client transport hooks. */
export type ZkWorld = WorldApi & ClientNetWorld;

/**
 * ZooKeeper clients — the real client library — running random operations (creates, CAS setData,
 * deletes, multi, sequential creates, ephemerals, sync + read, watched reads) through whichever
 * members they reach, while the world crashes, partitions and heals. Every operation is recorded from
 * invocation to answer, with the zxid stamped on the answer; at the end the history is checked for
 * linearizable writes and sequentially consistent reads against what the ensemble really committed.
 */
export class ZkWorkload implements Workload {
  private world!: ZkWorld;
  private net!: ClientNet;
  /** Every client object ever made, by tag (the wire tap names them by it). */
  private readonly clients: SimClient[] = [];
  /** The client object currently working in each slot. */
  private readonly slots: SimClient[] = [];
  private readonly history: RecordedOp[] = [];
  /** Each committed zxid once, with its txn and result, as first applied anywhere. */
  private readonly committed = new Map<string, AppliedTxn>();
  private nextOpId = 1;
  /** Per path, the committed changes a watch would report (shared by every client's watch checker). */
  private readonly changes = new Map<string, { zxid: Zxid; event: EventType }[]>();
  /** Sessions whose closeSession some leader has proposed (logged): only these may be reported expired. */
  private readonly closeLogged = new Set<number>();
  /** Negotiated timeouts, from the createSession txns. */
  private readonly sessionTimeouts = new Map<number, number>();
  /** When each member established each epoch it led (`member:epoch`). */
  private readonly establishedAt = new Map<string, number>();
  report = '';

  start(world: WorldApi): void {
    this.world = world as ZkWorld;
    this.net = new ClientNet(this.world, world.rng.fork(77), {
      sent: (tag, m) => this.onSent(tag, m),
      received: (tag, m) => this.onReceived(tag, m),
    });
    for (let i = 0; i < world.profile.clients; i++) {
      this.slots.push(this.newClient());
      world.schedule(world.rng.between(0, 30), () => this.next(i));
    }
  }

  private newClient(): SimClient {
    const w = this.world;
    const tag = this.clients.length;
    const sessionTimeoutMs = w.profile.tickMs * w.rng.int(8, 20);
    const zk = new ZooKeeperClient({
      connector: this.net.connector(tag),
      members: w.ids.length,
      sessionTimeoutMs,
      // ZooKeeper's default (timeout / members) is too short for a session created through a busy leader in 20 ms ticks.
      connectTimeoutMs: sessionTimeoutMs / 2,
      scheduler: this.net.scheduler,
      random: () => w.rng.float(),
      canBeReadOnly: w.rng.chance(0.3),
    });
    zk.on('error', () => {});
    const client: SimClient = { tag, zk, unsent: [], byXid: new Map(), versions: new Map(), busy: 0, seen: { epoch: 0, counter: 0 }, watches: new WatchChecker(this.changes), sessionId: 0 };
    this.clients.push(client);
    return client;
  }

  // ---- the wire tap: xids and the zxid stamped on each answer -------------------------------

  private onSent(tag: number, m: ClientToMember): void {
    const c = this.clients[tag]!;
    // Whatever session it got (resumed, or a new one after read-only), the client re-registers its
    // watches as of the zxid it names here; only expiry ends them.
    if (m.type === 'setWatches') c.watches.reconnected(m.lastZxid);
    if (m.type !== 'request') return;
    const rec = c.unsent.shift();
    if (!rec) return; // the client's own requests (closeSession)
    if (rec.op.op !== m.operation.op || ('path' in rec.op && 'path' in m.operation && rec.op.path !== m.operation.path)) {
      throw new Error(`recorder out of step: client ${tag} sent ${m.operation.op} for op #${rec.id} (${rec.op.op})`);
    }
    rec.xid = m.xid;
    // The session the request really runs in (a read-only session is replaced by a real one).
    rec.session = c.zk.sessionId;
    c.byXid.set(m.xid, rec);
  }

  private onReceived(tag: number, m: MemberToClient): void {
    const c = this.clients[tag]!;
    // ZooKeeper's promise to a client, not only to a session: it never sees an older view, even after
    // it reconnects elsewhere (pitfall 17).
    const stamp = m.type === 'response' || m.type === 'pong' || m.type === 'watch' || m.type === 'connected' ? m.zxid : null;
    if (stamp) {
      if (compareZxid(stamp, c.seen) < 0) {
        throw new Violation('monotonic reads', `client ${tag} heard ${m.type} stamped ${formatZxid(stamp)} after it had seen ${formatZxid(c.seen)}`);
      }
      c.seen = stamp;
    }
    if (m.type === 'connected') c.sessionId = m.sessionId;
    this.checkExpiry(c, m);
    if (m.type === 'watch') c.watches.fired(m.event, m.path, tag);
    if (m.type === 'disconnect' && m.err === -112) c.watches.clear();
    if (m.type !== 'response') return;
    c.watches.answered(m.zxid, tag);
    const rec = c.byXid.get(m.xid);
    if (!rec) return;
    c.byXid.delete(m.xid);
    rec.zxid = m.zxid;
    if (m.readOnly) rec.readOnly = true;
    const found = m.result !== undefined && (m.result.op !== 'exists' || m.result.stat !== null);
    c.watches.registered(rec.op, m.err, found, m.zxid);
  }

  // ---- the random operations ----------------------------------------------------------------

  private next(slot: number): void {
    const w = this.world;
    if (w.healing) return;
    if (this.slots[slot]!.zk.state === 'EXPIRED' || this.slots[slot]!.zk.state === 'CLOSED') this.slots[slot] = this.newClient();
    const c = this.slots[slot]!;
    if (c.busy < 2) this.invoke(c, this.setupDone ? this.randomOp(c) : this.setupOp());
    w.schedule(w.now + w.rng.between(1, w.profile.clientThinkMs * 2), () => this.next(slot));
  }

  private setupDone = false;

  /** Until the parents exist, clients create them (a create of an existing parent just fails). */
  private setupOp(): Operation {
    const missing = PARENTS.filter((p) => !this.parentsSeen.has(p));
    if (!missing.length) {
      this.setupDone = true;
      return { op: 'sync', path: '/' };
    }
    return { op: 'create', path: this.world.rng.pick(missing), data: new Uint8Array(0), mode: 'PERSISTENT' };
  }

  private readonly parentsSeen = new Set<string>();

  private randomOp(c: SimClient): Operation {
    const rng = this.world.rng;
    const key = rng.pick(KEYS);
    const data = new TextEncoder().encode(`c${c.tag}-${this.nextOpId}`);
    const version = rng.chance(0.5) ? (c.versions.get(key) ?? -1) : -1;
    const roll = rng.float();
    if (roll < 0.14) return { op: 'create', path: key, data, mode: 'PERSISTENT' };
    if (roll < 0.32) return { op: 'setData', path: key, data, version };
    if (roll < 0.38) return { op: 'delete', path: key, version };
    if (roll < 0.52) return { op: 'getData', path: key, watch: rng.chance(0.3) };
    if (roll < 0.58) return { op: 'exists', path: key, watch: rng.chance(0.3) };
    if (roll < 0.62) return { op: 'getChildren', path: '/', watch: false, withStat: false };
    if (roll < 0.68) return { op: 'create', path: '/q/s-', data, mode: 'PERSISTENT_SEQUENTIAL' };
    if (roll < 0.74) return { op: 'create', path: rng.pick(EPHEMERALS), data, mode: 'EPHEMERAL' };
    if (roll < 0.84) {
      // Mostly on one key (a CAS pair); sometimes across two, which joins their partitions.
      const other = rng.chance(0.2) ? rng.pick(KEYS) : key;
      const ops: MultiOp[] = [
        { op: 'check', path: other, version: c.versions.get(other) ?? 0 },
        { op: 'setData', path: key, data, version: -1 },
      ];
      return { op: 'multi', ops };
    }
    return { op: 'sync', path: '/' };
  }

  private invoke(c: SimClient, op: Operation): void {
    const w = this.world;
    const rec: RecordedOp = { id: this.nextOpId++, session: c.zk.sessionId, op, invokeMs: w.now, completeMs: null, outcome: 'unknown' };
    this.history.push(rec);
    c.unsent.push(rec);
    c.busy++;
    const done = (answer: Answer): void => {
      c.busy--;
      settle(rec, w.now, answer);
      // An op that never reached the wire must not take the xid of the next one.
      const i = c.unsent.indexOf(rec);
      if (i >= 0) c.unsent.splice(i, 1);
      if (rec.session === 0) rec.session = c.zk.sessionId;
    };
    callOperation(c.zk, op).then(
      (result) => {
        done({ outcome: 'ok', result });
        this.learnVersions(c, op, result);
        if (op.op === 'create' && PARENTS.includes(op.path)) this.parentsSeen.add(op.path);
        // A sync is answered, then the read it is there for.
        if (op.op === 'sync' && !w.healing) this.invoke(c, { op: 'getData', path: w.rng.pick(KEYS), watch: false });
      },
      (e: unknown) => {
        const answer = failedAnswer(e);
        if (op.op === 'create' && answer.err === -110 && PARENTS.includes(op.path)) this.parentsSeen.add(op.path);
        done(answer);
      },
    );
  }

  private learnVersions(c: SimClient, op: Operation, r: OperationResult): void {
    const path = 'path' in op ? op.path : undefined;
    if (!path) return;
    if ((r.op === 'getData' || r.op === 'setData' || r.op === 'create') && r.stat) c.versions.set(path, r.stat.version);
    if (r.op === 'exists') r.stat ? c.versions.set(path, r.stat.version) : c.versions.delete(path);
    if (r.op === 'delete') c.versions.delete(path);
  }

  // ---- ground truth -------------------------------------------------------------------------

  onApplied(_member: MemberId, record: AppliedRecord, detail?: { txn: unknown; result: unknown }): void {
    const key = `${record.zxid.epoch}:${record.zxid.counter}`;
    if (this.committed.has(key) || !detail) return;
    const txn = detail.txn as ServerTxn;
    const result = detail.result as TxnResult | undefined;
    this.committed.set(key, { zxid: record.zxid, txn, result, atMs: this.world.now });
    WatchChecker.record(this.changes, record.zxid, effectsOf(txn, result));
  }

  onEstablished(member: MemberId, epoch: number): void {
    this.establishedAt.set(`${member}:${epoch}`, this.world.now);
  }

  onLogged(member: MemberId, entries: readonly { readonly zxid: Zxid; readonly txn: unknown }[]): void {
    for (const e of entries) {
      const txn = e.txn as ServerTxn;
      const body = txn.body;
      if (body.type === 'createSession' && !this.sessionTimeouts.has(body.sessionId)) this.sessionTimeouts.set(body.sessionId, body.timeoutMs);
      if (body.type !== 'closeSession') continue;
      if (!this.closeLogged.has(body.sessionId) && txn.origin === member && txn.xid === -1) this.checkExpiryClock(member, e.zxid, body.sessionId);
      this.closeLogged.add(body.sessionId);
    }
  }

  /**
   * Pitfall 18: a new leader restarts every session's clock, so none of its expiries comes sooner than
   * a full timeout after it established (one tick of slack: the leader's clock reads the last tick).
   */
  private checkExpiryClock(leader: MemberId, zxid: Zxid, sessionId: number): void {
    const since = this.establishedAt.get(`${leader}:${zxid.epoch}`);
    const timeoutMs = this.sessionTimeouts.get(sessionId);
    if (since === undefined || timeoutMs === undefined) return;
    const earliest = since + timeoutMs - this.world.profile.tickMs;
    if (this.world.now < earliest) {
      throw new Violation(
        'session clocks restart with a new leader',
        `member ${leader} expired session 0x${sessionId.toString(16)} (timeout ${timeoutMs} ms) ${this.world.now - since} ms after it established epoch ${zxid.epoch}`,
      );
    }
  }

  /**
   * No false expiry: a client is told its session expired only once a leader has decided so (proposed
   * its closeSession, which ZooKeeper too reports before it commits). A member that merely does not
   * know the session yet — it has not applied the createSession — must send the client elsewhere.
   */
  private checkExpiry(c: SimClient, m: MemberToClient): void {
    const err = m.type === 'connectRefused' || m.type === 'disconnect' || m.type === 'response' ? m.err : 0;
    if (err !== ErrorCode.SESSIONEXPIRED || c.sessionId <= 0 || this.closeLogged.has(c.sessionId)) return;
    const why = m.type === 'response' ? (m.message ?? '') : (m as { reason: string }).reason;
    throw new Violation('no false expiry', `client ${c.tag} was told session 0x${c.sessionId.toString(16)} expired (${m.type}: ${why}) but no leader has proposed its closeSession`);
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

  /** Matches committed txns to the ops that asked for them, then runs the history checkers. */
  finish(): void {
    const truth = committedTruth(this.committed.values(), indexBySessionXid(this.history));
    const ops = this.history.map(toHistoryOp);
    // The ground truth settles which writes of unknown outcome happened, so the search need not try both ways.
    const report = checkHistory(ops, truth, { initial: [{ path: '/zookeeper' }], fifo: true, unknownFromTruth: 'always', maxStatesPerPartition: 100_000 });
    if (report.verdict === 'inconclusive') this.world.stats.historyInconclusive++;
    this.world.stats.historyOps += ops.length;
    this.world.stats.historiesChecked++;
    this.report = report.summary;
    if (report.verdict === 'violation') {
      throw new Violation('history', `${report.summary}\n${report.violations.map((v) => v.message).join('\n')}`);
    }
  }
}
