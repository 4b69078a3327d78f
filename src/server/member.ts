import type { ClientToMember, ConnectRequest, EventType, MemberToClient, Operation, OperationResult, SetWatchesRequest } from '../protocol/client.js';
import { negotiateTimeout } from '../session/timeouts.js';
import { DataTree, ErrorCode, type ApplyResult, type TreeState, type TxnResult } from '../tree/index.js';
import type { ZabConfig } from '../zab/config.js';
import { ZabMember, type ZabStatus } from '../zab/member.js';
import type { LogEntry, MemberId, Snapshot } from '../zab/messages.js';
import type { ZabEvent } from '../zab/output.js';
import type { DurableState, SequencedWrite } from '../zab/persistence.js';
import { compareZxid, formatZxid, type Zxid } from '../zab/zxid.js';
import { LeaderDuties } from './leader-duties.js';
import type { Forwarded, PeerMessage, ServerMessage, ServerTxn } from './messages.js';
import { serveLocally } from './reads.js';
import { isWriteOperation, toWriteRequest, writeOutcome } from './results.js';
import { checkClientMessage } from '../codec/client-messages.js';
import { snapshotThreshold } from './snapshot-schedule.js';
import { makeSnapshotData, readSnapshotData, type ServerSnapshotData } from './snapshot.js';
import { WatchManager } from './watches.js';
import { DEFAULT_MAX_REQUEST_BYTES, MAX_CLIENT_FRAME_BYTES, REQUEST_OVERHEAD_BYTES } from '../codec/limits.js';
import { oversizedReplyMessage, requestBytesBound, resultBytesBound } from '../codec/reply-size.js';

export interface ServerConfig {
  readonly zab: ZabConfig;
  readonly tickMs: number;
  readonly maxDataBytes?: number;
  /**
   * Take a snapshot of the tree after about this many applied txns: each member draws each interval
   * between half and one and a half times this (snapshot-schedule.ts), so members do not all
   * snapshot at the same zxid.
   */
  readonly snapshotEveryTxns: number;
  /** Secret bytes for session passwords (crypto in a runtime, a seeded source in the simulator). */
  readonly randomBytes: (n: number) => Uint8Array;
  /**
   * Bounds on negotiated session timeouts; ZooKeeper's defaults (2 and 20 ticks) unless given. A
   * short tick makes failure detection fast, and these keep sessions at the length clients ask for.
   */
  readonly minSessionTimeoutMs?: number;
  readonly maxSessionTimeoutMs?: number;
  /** A write forwarded to the leader and unanswered for this long drops its connection (CONNECTIONLOSS). */
  readonly forwardTimeoutTicks?: number;
  /**
   * The largest write a client may send, its data and paths together (a multi counts as one): larger
   * ones are refused with BADARGUMENTS before they are forwarded. DEFAULT_MAX_REQUEST_BYTES unless given.
   */
  readonly maxRequestBytes?: number;
  /**
   * The largest reply a client is sent: one that would be larger (the names of a huge child list) is
   * answered with MARSHALLINGERROR on its xid. The client frame limit (4 MiB) unless given.
   */
  readonly maxReplyBytes?: number;
}

/** Zab's status with what the member adds: its sessions, client connections and tree. */
export type ServerStatus = ZabStatus & { readonly sessions: number; readonly connections: number; readonly digest: string; readonly treeZxid: Zxid };

/** What the state machine did, for observers (simulator checks, the demo's log view, metrics). */
export type ServerDelivery =
  | { readonly kind: 'apply'; readonly zxid: Zxid; readonly txn: ServerTxn; readonly code: number; readonly result: TxnResult; readonly digest: string }
  | { readonly kind: 'restore'; readonly zxid: Zxid; readonly digest: string };

export interface ServerReady {
  readonly peer: { readonly to: MemberId; readonly message: PeerMessage }[];
  readonly deliveries: ServerDelivery[];
  readonly writes: SequencedWrite[];
  readonly clients: { readonly connection: number; readonly message: MemberToClient }[];
  /** Connections the member closes after sending what is queued for them. */
  readonly close: number[];
  readonly events: ZabEvent[];
}

interface Outcome {
  readonly err: number;
  readonly result?: OperationResult;
  readonly message?: string;
}

interface PendingRequest {
  readonly xid: number;
  /** null: the request had no readable operation; it is answered with its error in its turn. */
  readonly operation: Operation | null;
  readonly write: boolean;
  readonly sentAtMs: number;
  outcome?: Outcome;
}

interface Connection {
  readonly id: number;
  /** parked: connected while this member was out of a quorum; served once it is back in one. */
  state: 'new' | 'parked' | 'connecting' | 'open';
  sessionId: number;
  readOnly: boolean;
  timeoutMs: number;
  lastHeardMs: number;
  queue: PendingRequest[];
  /** Xids only grow on a connection (the client keeps counting across reconnects). */
  lastXid: number;
  /** When a parked connect started waiting for a quorum. */
  parkedAtMs?: number;
  /** The connect request while the session is being created or revalidated (or parked). */
  connect?: ConnectRequest;
}


function emptyReady(): ServerReady {
  return { peer: [], deliveries: [], writes: [], clients: [], close: [], events: [] };
}

/**
 * One ensemble member above Zab, as a deterministic state machine like Zab itself: the request
 * pipeline (prepare on the leader → propose → apply on every member → reply and fire watches on the
 * member the client is attached to), local reads, sessions and watches. Inputs are method calls,
 * outputs come out of `drain()`. Time comes in with `tick(nowMs)`.
 */
export class ServerMember {
  readonly zab: ZabMember;
  private tree = new DataTree();
  private passwords = new Map<number, Uint8Array>();
  private readonly watches = new WatchManager();
  private readonly connections = new Map<number, Connection>();
  private readonly sessionConnection = new Map<number, number>();
  private leader: LeaderDuties | null = null;
  private touched = new Set<number>();
  private appliedSinceSnapshot = 0;
  private snapshotsTaken = 0;
  private snapshotAfter: number;
  private nowMs = 0;
  private serving = false;
  private out: ServerReady = emptyReady();
  private readonly forwardTimeoutMs: number;
  /**
   * Sessions of read-only connections are local, never committed: negative ids keep them apart from
   * real ones, and the member id in them keeps two members' local sessions apart.
   */
  private readOnlySessions = 0;
  private readonly maxRequestBytes: number;
  private readonly maxReplyBytes: number;
  private coreChangeCount = 0;
  private rejectedCount = 0;
  private oversizedReplyCount = 0;

  /** `nowMs`: the time at start (see observeTime; a member may lead before any input). */
  constructor(
    private readonly config: ServerConfig,
    durable: DurableState,
    nowMs: number,
  ) {
    this.nowMs = Math.floor(nowMs);
    this.snapshotAfter = snapshotThreshold(config.snapshotEveryTxns, config.zab.id, 0);
    this.zab = new ZabMember(config.zab, durable);
    this.forwardTimeoutMs = (config.forwardTimeoutTicks ?? config.zab.initLimitTicks * 2) * config.tickMs;
    // A member configured for larger znodes takes writes of that size without being told twice.
    this.maxRequestBytes = config.maxRequestBytes ?? Math.max(DEFAULT_MAX_REQUEST_BYTES, (config.maxDataBytes ?? 0) + REQUEST_OVERHEAD_BYTES);
    this.maxReplyBytes = config.maxReplyBytes ?? MAX_CLIENT_FRAME_BYTES;
    this.pumpZab();
  }

  get id(): MemberId {
    return this.config.zab.id;
  }

  /** The member's clock, as observeTime keeps it: whole milliseconds, never back. */
  get clockMs(): number {
    return this.nowMs;
  }

  /**
   * Proposes a no-op through Zab if this member leads and serves (the simulator's probe that the
   * ensemble still commits). Returns the zxid it took.
   */
  proposeNoop(tag: string): Zxid | null {
    if (!this.leader) return null;
    const r = this.zab.propose({ origin: this.id, sessionId: 0, xid: -2, body: { type: 'error', code: ErrorCode.OK, time: this.nowMs }, sync: true, message: tag } satisfies ServerTxn);
    this.pumpZab();
    return r.ok ? r.zxid : null;
  }

  /** Read-only access for checks, status pages and the demo. */
  get dataTree(): DataTree {
    return this.tree;
  }

  /**
   * What the member's snapshot would hold now, at the zxid the tree last applied — the tree's state
   * (node data by reference, never changed in place: `DataTree.captureState`) and the session
   * passwords — captured in one synchronous step so it is one applied zxid and nothing else, and
   * cheap enough (no data copied) not to stall the member. For backups (`GET /backup`, which encodes
   * it afterwards); Zab does not see it.
   */
  captureForBackup(): { readonly zxid: Zxid; readonly digest: string; readonly tree: TreeState; readonly passwords: ServerSnapshotData['passwords'] } {
    return {
      zxid: this.tree.lastZxid,
      digest: this.tree.digest,
      tree: this.tree.captureState(),
      passwords: [...this.passwords].sort((a, b) => a[0] - b[0]),
    };
  }

  status(): ServerStatus {
    return {
      ...this.zab.status(),
      sessions: this.tree.sessions().length,
      connections: this.connections.size,
      digest: this.tree.digest,
      treeZxid: this.tree.lastZxid,
    };
  }

  /** Counts for metrics: cheap enough for every scrape, not meant for the hot path. */
  gauges(): { readonly outstandingRequests: number; readonly watchCount: number; readonly znodeCount: number } {
    let outstandingRequests = 0;
    for (const c of this.connections.values()) outstandingRequests += c.queue.length;
    return { outstandingRequests, watchCount: this.watches.count(), znodeCount: this.tree.nodeCount };
  }

  drain(): ServerReady {
    const r = this.out;
    this.out = emptyReady();
    return r;
  }

  // ---- inputs -------------------------------------------------------------------------------

  /**
   * The time now, as the runtime reads it before every input (ticks bring it too). Between ticks
   * the member would otherwise work with the last tick's time, and after a pause (no ticks, its
   * messages waiting at the door) that time is as old as the pause: touches would not extend a
   * session, a new leader would start its sessions' clocks in the past. Never moves back.
   */
  observeTime(nowMs: number): void {
    const t = Math.floor(nowMs); // txn times are whole milliseconds
    if (t > this.nowMs) this.nowMs = t;
  }

  tick(nowMs: number): void {
    this.observeTime(nowMs);
    this.zab.step({ type: 'tick' });
    this.pumpZab();
    // Touches first: a leader counts what its own clients sent since the last tick before it judges
    // any session, so a ping that came before a deadline is never too late for it.
    this.sendTouches();
    this.leader?.tick(this.nowMs);
    this.pumpZab();
    this.checkConnections();
  }

  persisted(seq: number): void {
    this.zab.step({ type: 'persisted', seq });
    this.pumpZab();
  }

  peerConnected(peer: MemberId): void {
    this.zab.step({ type: 'peerConnected', peer });
    this.pumpZab();
  }

  peerDisconnected(peer: MemberId): void {
    this.zab.step({ type: 'peerDisconnected', peer });
    this.pumpZab();
  }

  /** Part of a large message from `peer` arrived; the rest is on its way. */
  heardFrom(peer: MemberId): void {
    this.zab.step({ type: 'heard', peer });
    this.pumpZab();
  }

  fromPeer(from: MemberId, message: PeerMessage): void {
    if (message.layer === 'zab') {
      this.zab.step({ type: 'message', from, message: message.message });
      this.pumpZab();
      return;
    }
    this.onServerMessage(from, message.message);
    this.pumpZab();
  }

  clientConnected(connection: number): void {
    this.pumpZab();
    this.connections.set(connection, { id: connection, state: 'new', sessionId: 0, readOnly: false, timeoutMs: 0, lastHeardMs: this.nowMs, queue: [], lastXid: -1 });
  }

  clientDisconnected(connection: number): void {
    const c = this.connections.get(connection);
    if (!c) return;
    this.connections.delete(connection);
    if (c.sessionId !== 0 && this.sessionConnection.get(c.sessionId) === connection) {
      this.sessionConnection.delete(c.sessionId);
      this.watches.removeSession(c.sessionId);
    }
  }

  /**
   * A message from a client, as decoded: any value at all (the type says what a well-behaved client
   * sends). It is checked in full before anything else reads it (codec/client-messages.ts).
   */
  fromClient(connection: number, message: ClientToMember | unknown): void {
    this.onClientMessage(connection, message);
    this.pumpZab();
  }

  /**
   * Everything that ever reached the replicated core (Zab, the leader's duties, the tree) counts one
   * more. The runner's guard reads it around one client's input: an exception that left it unchanged
   * cannot have left the core half-done (runner.ts).
   */
  get coreChanges(): number {
    return this.coreChangeCount;
  }

  /** Client messages this member refused as malformed or over its limits (dropped or answered with an error). */
  get rejectedClientMessages(): number {
    return this.rejectedCount;
  }

  /** Replies that would have exceeded the reply limit and were answered with MARSHALLINGERROR instead. */
  get oversizedReplies(): number {
    return this.oversizedReplyCount;
  }

  private onClientMessage(connection: number, raw: unknown): void {
    const c = this.connections.get(connection);
    if (!c) return;
    // Bytes from a client are untrusted: a malformed message ends the connection (or, for a request
    // with a readable xid, is answered with an error on it), never the member.
    const checked = checkClientMessage(raw);
    if (checked.kind === 'unknown') return; // a newer client's message: skipped
    if (checked.kind === 'malformed') {
      this.rejectedCount++;
      return this.dropClient(c, ErrorCode.MARSHALLINGERROR, checked.problem);
    }
    c.lastHeardMs = this.nowMs;
    if (c.sessionId > 0) this.touched.add(c.sessionId);
    if (checked.kind === 'badRequest') {
      if (c.state !== 'open') return this.dropClient(c, ErrorCode.CONNECTIONLOSS, 'request before the session was established');
      this.rejectedCount++;
      return this.onRequest(c, checked.xid, null, { err: checked.code, message: checked.problem });
    }
    const message = checked.message;
    switch (message.type) {
      case 'connect':
        if (c.state !== 'new') return this.dropClient(c, ErrorCode.CONNECTIONLOSS, 'connect sent twice');
        return this.onConnect(c, message);
      case 'ping':
        if (c.state === 'open') this.toClient(c.id, { type: 'pong', zxid: this.tree.lastZxid });
        return;
      case 'setWatches':
        if (c.state === 'open') this.onSetWatches(c, message);
        return;
      case 'request':
        if (c.state !== 'open') return this.dropClient(c, ErrorCode.CONNECTIONLOSS, 'request before the session was established');
        return this.onRequest(c, message.xid, message.operation, this.requestLimitOutcome(message.operation));
    }
  }

  // ---- client requests ----------------------------------------------------------------------

  private onConnect(c: Connection, req: ConnectRequest): void {
    // Pitfall 17: a member behind what the client has seen must not serve it (reads would go back).
    if (compareZxid(req.lastZxidSeen, this.tree.lastZxid) > 0) {
      return this.refuse(c, ErrorCode.CONNECTIONLOSS, `member ${this.id} has applied ${formatZxid(this.tree.lastZxid)}, behind the client's ${formatZxid(req.lastZxidSeen)}: try another member`);
    }
    const timeoutMs = this.negotiate(req.timeoutMs);
    c.timeoutMs = timeoutMs;
    if (!this.serving) {
      if (!req.canBeReadOnly) {
        // Most often an election is under way and ends in a few ticks: hold the connect rather than
        // send the client round every member with a growing backoff (ZooKeeper refuses at once).
        c.state = 'parked';
        c.connect = req;
        c.parkedAtMs = this.nowMs;
        return;
      }
      // Read-only: an existing session keeps its id (if its password checks out), a new one gets a local id.
      if (req.sessionId > 0 && !this.passwordMatches(req.sessionId, req.password)) {
        return this.refuse(c, ErrorCode.SESSIONEXPIRED, `session 0x${req.sessionId.toString(16)} is unknown here`);
      }
      const sessionId = req.sessionId > 0 ? req.sessionId : -(++this.readOnlySessions * 256 + (this.id % 256));
      return this.open(c, sessionId, req.sessionId > 0 ? this.passwords.get(sessionId)! : new Uint8Array(0), true);
    }
    if (req.sessionId === 0) {
      c.state = 'connecting';
      c.connect = req;
      const password = this.config.randomBytes(16);
      this.forward(0, -1, { kind: 'createSession', timeoutMs, password, connection: c.id });
      return;
    }
    if (!this.passwordMatches(req.sessionId, req.password)) {
      return this.refuse(c, ErrorCode.SESSIONEXPIRED, `session 0x${req.sessionId.toString(16)} has expired or its password does not match`);
    }
    const committedTimeout = this.tree.sessionTimeoutMs(req.sessionId);
    if (committedTimeout !== undefined) c.timeoutMs = committedTimeout;
    c.state = 'connecting';
    c.connect = req;
    c.sessionId = req.sessionId;
    this.sendServer({ type: 'REVALIDATE', sessionId: req.sessionId, connection: c.id });
  }

  private unpark(c: Connection): void {
    const req = c.connect!;
    c.state = 'new';
    c.connect = undefined;
    this.onConnect(c, req);
  }

  private passwordMatches(sessionId: number, password: Uint8Array): boolean {
    const expected = this.passwords.get(sessionId);
    if (!expected || !this.tree.sessionOpen(sessionId) || expected.length !== password.length) return false;
    let diff = 0;
    for (let i = 0; i < expected.length; i++) diff |= expected[i]! ^ password[i]!;
    return diff === 0;
  }

  private open(c: Connection, sessionId: number, password: Uint8Array, readOnly: boolean, lastXid?: number): void {
    const previous = this.sessionConnection.get(sessionId);
    if (previous !== undefined && previous !== c.id) {
      const old = this.connections.get(previous);
      if (old) this.dropClient(old, ErrorCode.SESSIONMOVED, 'the session reconnected on another connection');
    }
    c.state = 'open';
    c.sessionId = sessionId;
    c.readOnly = readOnly;
    delete c.connect;
    this.sessionConnection.set(sessionId, c.id);
    this.toClient(c.id, { type: 'connected', sessionId, password, timeoutMs: c.timeoutMs, readOnly, memberId: this.id, zxid: this.tree.lastZxid, ...(lastXid === undefined ? {} : { lastXid }) });
  }

  private refuse(c: Connection, err: number, reason: string): void {
    this.toClient(c.id, { type: 'connectRefused', err, reason });
    this.closeConnection(c);
  }

  /**
   * `refused`: the request is answered with this error in its turn, and never goes further (a
   * malformed operation, or one over the request limit).
   */
  private onRequest(c: Connection, xid: number, operation: Operation | null, refused: Outcome | null): void {
    if (xid <= c.lastXid) return this.dropClient(c, ErrorCode.CONNECTIONLOSS, `xid ${xid} after ${c.lastXid}: requests must come in order`);
    c.lastXid = xid;
    // A refused request is answered from its outcome in its turn, like a write: replies keep their order.
    const write = refused !== null || operation === null || isWriteOperation(operation);
    const pending: PendingRequest = { xid, operation, write, sentAtMs: this.nowMs };
    c.queue.push(pending);
    if (refused !== null || operation === null) {
      pending.outcome = refused ?? { err: ErrorCode.MARSHALLINGERROR, message: 'no operation' };
    } else if (write) {
      if (c.readOnly) pending.outcome = { err: ErrorCode.NOTREADONLY, message: `member ${this.id} is read-only: it is not in a quorum` };
      else this.forward(c.sessionId, xid, this.toForwarded(operation, pending));
    }
    this.pumpQueue(c);
  }

  /**
   * A write whose data and paths together exceed the request limit is refused before it is forwarded:
   * a multi of many ops each under the per-node limit could otherwise be a proposal of several MiB,
   * which stalls the links that carry it (ZooKeeper refuses any packet over jute.maxbuffer).
   */
  private requestLimitOutcome(op: Operation): Outcome | null {
    if (op.op !== 'multi') return null; // a single write's data is checked against maxDataBytes by the leader
    const bytes = requestBytesBound(op);
    if (bytes <= this.maxRequestBytes) return null;
    this.rejectedCount++;
    return { err: ErrorCode.BADARGUMENTS, message: `${op.op} of about ${bytes} bytes exceeds the ${this.maxRequestBytes}-byte request limit` };
  }

  private toForwarded(op: Operation, pending: PendingRequest): Forwarded {
    switch (op.op) {
      case 'sync':
        return { kind: 'sync' };
      case 'closeSession':
        return { kind: 'closeSession' };
      case 'create':
      case 'delete':
      case 'setData':
      case 'check':
      case 'multi':
        return { kind: 'write', request: toWriteRequest(op) };
      default:
        pending.outcome = { err: ErrorCode.BADARGUMENTS, message: `${op.op} is not a write` };
        return { kind: 'sync' };
    }
  }

  /** Answers a session's requests in the order it sent them: a read waits behind the writes before it. */
  private pumpQueue(c: Connection): void {
    while (c.queue.length) {
      const head = c.queue[0]!;
      if (head.write) {
        if (!head.outcome) return;
        this.reply(c, head.xid, head.outcome);
        c.queue.shift();
        if (head.operation?.op === 'closeSession' && head.outcome.err === 0) return this.dropClient(c, ErrorCode.SESSIONEXPIRED, 'session closed');
        continue;
      }
      // Only a request with an operation is ever queued as a read (onRequest).
      this.reply(c, head.xid, serveLocally(this.tree, this.watches, c.sessionId, head.operation!));
      c.queue.shift();
    }
  }

  private reply(c: Connection, xid: number, outcome: Outcome): void {
    if (outcome.result !== undefined) {
      // A reply the client could not receive (over the frame limit) would end its connection, and
      // every retry would end the same way: it gets an error on its xid instead (see codec/reply-size.ts).
      // A failed multi carries a message beside its results (a path or two: three bytes a unit at most).
      const bytes = resultBytesBound(outcome.result, this.maxReplyBytes) + (outcome.message?.length ?? 0) * 3;
      if (bytes > this.maxReplyBytes) {
        this.oversizedReplyCount++;
        outcome = { err: ErrorCode.MARSHALLINGERROR, message: oversizedReplyMessage(outcome.result, bytes, this.maxReplyBytes) };
      }
    }
    this.toClient(c.id, {
      type: 'response',
      xid,
      zxid: this.tree.lastZxid,
      err: outcome.err,
      ...(outcome.result ? { result: outcome.result } : {}),
      ...(outcome.message ? { message: outcome.message } : {}),
      ...(c.readOnly ? { readOnly: true } : {}),
    });
  }

  /** Pitfall 19: after a reconnect, fire what changed since the client's last zxid, then re-register. */
  private onSetWatches(c: Connection, req: SetWatchesRequest): void {
    const sid = c.sessionId;
    const since = req.lastZxid;
    const after = (z: Zxid): boolean => compareZxid(z, since) > 0;
    for (const path of req.data) {
      const stat = this.tree.exists(path);
      if (!stat) this.watchEvent(c, 'NodeDeleted', path);
      else if (after(stat.mzxid)) this.watchEvent(c, 'NodeDataChanged', path);
      else this.watches.addData(path, sid);
    }
    // The client lists here only exists-watches set on a missing node: if it exists now, it was created since.
    for (const path of req.exist) {
      if (this.tree.exists(path)) this.watchEvent(c, 'NodeCreated', path);
      else this.watches.addData(path, sid);
    }
    for (const path of req.children) {
      const stat = this.tree.exists(path);
      if (!stat) this.watchEvent(c, 'NodeDeleted', path);
      else if (after(stat.pzxid)) this.watchEvent(c, 'NodeChildrenChanged', path);
      else this.watches.addChild(path, sid);
    }
    for (const path of req.persistent) this.watches.addPersistent(path, sid, false);
    for (const path of req.persistentRecursive) this.watches.addPersistent(path, sid, true);
  }

  private watchEvent(c: Connection, event: EventType, path: string): void {
    this.toClient(c.id, { type: 'watch', event, path, zxid: this.tree.lastZxid });
  }

  // ---- forwarding and the leader ------------------------------------------------------------

  private forward(sessionId: number, xid: number, request: Forwarded): void {
    this.coreChangeCount++;
    if (this.leader) {
      this.leader.handle(this.id, sessionId, xid, request, this.nowMs);
      return;
    }
    this.sendServer({ type: 'FORWARD', sessionId, xid, request });
  }

  /** To the leader, if we know one; a lost forward ends in a timeout that drops the connection. */
  private sendServer(message: ServerMessage): void {
    this.coreChangeCount++;
    const leader = this.zab.status().leader;
    if (leader === null) return;
    if (leader === this.id) {
      this.onServerMessage(this.id, message);
      return;
    }
    this.out.peer.push({ to: leader, message: { layer: 'server', message } });
  }

  private onServerMessage(from: MemberId, m: ServerMessage): void {
    switch (m.type) {
      case 'FORWARD':
        this.leader?.handle(from, m.sessionId, m.xid, m.request, this.nowMs);
        return;
      case 'TOUCH': {
        if (!this.leader) return;
        const gone = this.leader.touch(from, m.sessions, this.nowMs);
        if (gone.length) this.toMember(from, { type: 'EXPIRED', sessions: gone });
        return;
      }
      case 'REVALIDATE': {
        if (!this.leader) return;
        const valid = this.leader.revalidate(from, m.sessionId, this.nowMs);
        const lastXid = this.leader.lastXidOf(m.sessionId);
        this.toMember(from, { type: 'REVALIDATED', sessionId: m.sessionId, connection: m.connection, valid, ...(lastXid === undefined ? {} : { lastXid }) });
        return;
      }
      case 'REVALIDATED': {
        // Only the leader speaks for sessions: another member's word could drop or admit our clients.
        if (from !== this.zab.status().leader) return;
        const c = this.connections.get(m.connection);
        if (!c || c.state !== 'connecting' || c.sessionId !== m.sessionId) return;
        if (!m.valid) return this.refuse(c, ErrorCode.SESSIONEXPIRED, `session 0x${m.sessionId.toString(16)} has expired`);
        this.open(c, m.sessionId, this.passwords.get(m.sessionId) ?? new Uint8Array(0), false, m.lastXid);
        return;
      }
      case 'EXPIRED':
        if (from !== this.zab.status().leader) return;
        for (const id of m.sessions) {
          const conn = this.connections.get(this.sessionConnection.get(id) ?? -1);
          // A close the client asked for is answered when it commits, like onSessionClosed does.
          if (conn && !conn.queue.some((p) => p.operation?.op === 'closeSession')) this.dropClient(conn, ErrorCode.SESSIONEXPIRED, 'session expired');
        }
        return;
    }
  }

  private toMember(to: MemberId, message: ServerMessage): void {
    if (to === this.id) this.onServerMessage(this.id, message);
    else this.out.peer.push({ to, message: { layer: 'server', message } });
  }

  private sendTouches(): void {
    for (const c of this.connections.values()) if (c.state === 'open' && !c.readOnly && this.nowMs - c.lastHeardMs <= this.config.tickMs) this.touched.add(c.sessionId);
    if (!this.touched.size || !this.serving) {
      this.touched.clear();
      return;
    }
    const sessions = [...this.touched].filter((id) => id > 0).sort((a, b) => a - b);
    this.touched.clear();
    if (sessions.length) this.sendServer({ type: 'TOUCH', sessions });
  }

  /** Drops connections gone quiet past their timeout, and those whose forwarded write was lost. */
  private checkConnections(): void {
    for (const c of [...this.connections.values()]) {
      const limit = c.state === 'open' ? c.timeoutMs : this.forwardTimeoutMs;
      if (c.state === 'parked' && this.nowMs - c.parkedAtMs! > this.forwardTimeoutMs) {
        this.refuse(c, ErrorCode.CONNECTIONLOSS, `member ${this.id} is not in a quorum`);
        continue;
      }
      if (this.nowMs - c.lastHeardMs > limit) {
        this.dropClient(c, ErrorCode.CONNECTIONLOSS, 'client silent past its session timeout');
        continue;
      }
      const head = c.queue.find((p) => p.write && !p.outcome);
      if (head && this.nowMs - head.sentAtMs > this.forwardTimeoutMs) {
        this.dropClient(c, ErrorCode.CONNECTIONLOSS, `no answer from the leader for xid ${head.xid}`);
      }
    }
  }

  private dropClient(c: Connection, err: number, reason: string): void {
    this.toClient(c.id, { type: 'disconnect', err, reason });
    this.closeConnection(c);
  }

  private closeConnection(c: Connection): void {
    this.clientDisconnected(c.id);
    this.out.close.push(c.id);
  }

  private toClient(connection: number, message: MemberToClient): void {
    this.out.clients.push({ connection, message });
  }

  // ---- Zab's output -------------------------------------------------------------------------

  /** Routes everything Zab wants done, applies what it delivers, and follows role changes. */
  private pumpZab(): void {
    for (let guard = 0; guard < 10_000; guard++) {
      const ready = this.zab.drain();
      if (!ready.messages.length && !ready.writes.length && !ready.deliveries.length && !ready.events.length) break;
      this.coreChangeCount++;
      // One envelope per distinct message (a PROPOSAL to every follower is one object), so the
      // transport can encode it once for all of them.
      let last: { inner: unknown; envelope: PeerMessage } | undefined;
      for (const m of ready.messages) {
        if (last?.inner !== m.message) last = { inner: m.message, envelope: { layer: 'zab', message: m.message } };
        this.out.peer.push({ to: m.to, message: last.envelope });
      }
      this.out.writes.push(...ready.writes);
      this.out.events.push(...ready.events);
      for (const d of ready.deliveries) {
        if (d.kind === 'restore') this.restore(d.snapshot);
        else this.apply(d.entry);
      }
      this.followRole();
    }
    this.followRole();
  }

  private restore(snapshot: Snapshot): void {
    // A snapshot replaces the tree without firing a single watch: whoever is still attached (read-only
    // clients during a sync) must reconnect, re-register and get the catch-up events (pitfall 19).
    for (const c of [...this.connections.values()]) this.dropClient(c, ErrorCode.CONNECTIONLOSS, `member ${this.id} is installing a snapshot`);
    const { tree, passwords } = readSnapshotData(snapshot.data);
    this.tree = tree;
    this.passwords = passwords;
    this.appliedSinceSnapshot = 0;
    this.out.deliveries.push({ kind: 'restore', zxid: snapshot.zxid, digest: tree.digest });
  }

  private apply(entry: LogEntry): void {
    const txn = entry.txn as ServerTxn;
    const applied = this.tree.apply(txn.body, entry.zxid);
    this.out.deliveries.push({ kind: 'apply', zxid: entry.zxid, txn, code: applied.code, result: applied.result, digest: this.tree.digest });
    if (txn.body.type === 'createSession' && applied.code === 0 && txn.password) this.passwords.set(txn.body.sessionId, txn.password);
    if (txn.body.type === 'closeSession') this.onSessionClosed(txn.body.sessionId);
    // Pitfall 19: watches fire as the change applies, before any reply that shows it.
    for (const t of applied.triggers) {
      for (const fired of this.watches.trigger(t.type, t.path)) {
        const conn = this.connections.get(this.sessionConnection.get(fired.sessionId) ?? -1);
        if (conn) this.toClient(conn.id, { type: 'watch', event: fired.event, path: fired.path, zxid: entry.zxid });
      }
    }
    this.leader?.onApplied(txn, this.nowMs);
    if (txn.origin === this.id) this.complete(txn, applied);
    if (++this.appliedSinceSnapshot >= this.snapshotAfter) {
      this.appliedSinceSnapshot = 0;
      this.snapshotAfter = snapshotThreshold(this.config.snapshotEveryTxns, this.id, ++this.snapshotsTaken);
      this.zab.snapshotTaken({ zxid: this.tree.lastZxid, data: makeSnapshotData(this.tree, this.passwords) });
    }
  }

  private onSessionClosed(sessionId: number): void {
    this.passwords.delete(sessionId);
    this.watches.removeSession(sessionId);
    const conn = this.connections.get(this.sessionConnection.get(sessionId) ?? -1);
    // A close the client asked for is answered in order by pumpQueue; an expiry drops the connection.
    if (conn && !conn.queue.some((p) => p.operation?.op === 'closeSession')) this.dropClient(conn, ErrorCode.SESSIONEXPIRED, 'session expired');
  }

  /** A txn that came through us is applied: answer the request it came from. */
  private complete(txn: ServerTxn, applied: ApplyResult): void {
    if (txn.body.type === 'createSession' && txn.connection !== undefined) {
      const c = this.connections.get(txn.connection);
      if (c && c.state === 'connecting') {
        if (applied.code === 0) this.open(c, txn.body.sessionId, txn.password ?? new Uint8Array(0), false);
        else this.refuse(c, applied.code, txn.message ?? 'session not created');
      }
      return;
    }
    const c = this.connections.get(this.sessionConnection.get(txn.sessionId) ?? -1);
    if (!c || txn.xid < 0) return;
    const pending = c.queue.find((p) => p.write && !p.outcome);
    if (!pending || pending.xid !== txn.xid) {
      // Its earlier write was lost on the way to the leader: the session's order is broken here.
      this.dropClient(c, ErrorCode.CONNECTIONLOSS, `reply for xid ${txn.xid} arrived out of order`);
      return;
    }
    const outcome: Outcome = txn.sync ? { err: 0, result: { op: 'sync', path: (pending.operation as { path: string }).path } } : writeOutcome(applied);
    pending.outcome = txn.message && outcome.err !== 0 ? { ...outcome, message: txn.message } : outcome;
    this.pumpQueue(c);
  }

  private negotiate(requestedMs: number): number {
    return negotiateTimeout(requestedMs, this.config.tickMs, this.config.minSessionTimeoutMs, this.config.maxSessionTimeoutMs);
  }

  /** Leadership and serving changes: leader duties come and go, clients of a member that stops serving reconnect. */
  private followRole(): void {
    const s = this.zab.status();
    const leading = s.role === 'LEADING' && s.serving && s.epoch !== null;
    if (leading && (!this.leader || this.leader.epoch !== s.epoch)) {
      this.leader = new LeaderDuties(this.id, s.epoch!, this.tree, this.zab, this.config.maxDataBytes, this.nowMs, (ms) => this.negotiate(ms));
    } else if (!leading && this.leader) {
      this.leader = null;
    }
    if (s.serving !== this.serving) {
      this.serving = s.serving;
      // ZooKeeper closes its clients when it leaves or joins the quorum; they reconnect to a member that fits.
      for (const c of [...this.connections.values()]) {
        if (c.state === 'parked') {
          if (s.serving) this.unpark(c);
          continue;
        }
        if (c.readOnly === !s.serving && c.state === 'open') continue;
        this.dropClient(c, ErrorCode.CONNECTIONLOSS, s.serving ? `member ${this.id} rejoined the quorum` : `member ${this.id} lost the quorum`);
      }
    }
  }
}
