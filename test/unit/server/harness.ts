/**
 * A small deterministic ensemble of ServerMembers for unit tests of the member side of the client
 * protocol. No ZooKeeperClient: tests speak ClientToMember to a connection and read the
 * MemberToClient messages it gets back, in order.
 *
 * - Network: one FIFO queue of peer messages; `pump()` delivers until nothing moves. Links can be
 *   held (messages wait, in order, until released) or cut (messages are dropped, both ends are told
 *   the peer went away). A drop filter can lose chosen messages (e.g. TOUCH).
 * - Storage: every drained write is applied to the member's durable image at once and the member is
 *   told `persisted(seq)` of the last write of the batch.
 * - Time: a virtual clock advanced by `tick(n)`, `tickMs` per tick, every member ticked at the same time.
 * - Clients: raw connections; by default each open connection pings its member once per tick (so it
 *   stays alive); `conn.keepAlive = false` makes it go quiet.
 */
import assert from 'node:assert/strict';
import type {
  ClientToMember,
  Connected,
  ConnectRefused,
  CreateMode,
  Disconnect,
  MemberToClient,
  MultiOp,
  Operation,
  OperationResponse,
  WatchEvent,
  WatcherType,
  WatchMode,
} from '../../../src/protocol/client.js';
import { validatePeerMessage } from '../../../src/codec/peer-messages.js';
import { ServerMember, type ServerDelivery } from '../../../src/server/member.js';
import type { PeerMessage, ServerMessage } from '../../../src/server/messages.js';
import { errorCodeName, type ErrorCode } from '../../../src/tree/index.js';
import { makeZabConfig, type ZabConfig } from '../../../src/zab/config.js';
import type { MemberId } from '../../../src/zab/messages.js';
import { applyWrite, emptyDurableState, type DurableState, type SequencedWrite } from '../../../src/zab/persistence.js';
import { compareZxid, formatZxid, ZXID_ZERO, type Zxid } from '../../../src/zab/zxid.js';

export const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
export const dec = (b: Uint8Array): string => new TextDecoder().decode(b);

/** The name of an error code, for readable assertion messages. */
export function codeName(code: number): string {
  try {
    return errorCodeName(code as ErrorCode);
  } catch {
    return String(code);
  }
}

// ---- operations, as a client would send them ---------------------------------------------------

export const op = {
  create: (path: string, data = '', mode: CreateMode = 'PERSISTENT'): Operation => ({ op: 'create', path, data: enc(data), mode }),
  createBytes: (path: string, data: Uint8Array, mode: CreateMode = 'PERSISTENT'): Operation => ({ op: 'create', path, data, mode }),
  delete: (path: string, version = -1): Operation => ({ op: 'delete', path, version }),
  setData: (path: string, data: string, version = -1): Operation => ({ op: 'setData', path, data: enc(data), version }),
  setBytes: (path: string, data: Uint8Array, version = -1): Operation => ({ op: 'setData', path, data, version }),
  check: (path: string, version: number): Operation => ({ op: 'check', path, version }),
  getData: (path: string, watch = false): Operation => ({ op: 'getData', path, watch }),
  exists: (path: string, watch = false): Operation => ({ op: 'exists', path, watch }),
  getChildren: (path: string, watch = false, withStat = false): Operation => ({ op: 'getChildren', path, watch, withStat }),
  getEphemerals: (prefix = '/'): Operation => ({ op: 'getEphemerals', prefix }),
  multi: (...ops: MultiOp[]): Operation => ({ op: 'multi', ops }),
  sync: (path = '/'): Operation => ({ op: 'sync', path }),
  addWatch: (path: string, mode: WatchMode): Operation => ({ op: 'addWatch', path, mode }),
  removeWatches: (path: string, type: WatcherType): Operation => ({ op: 'removeWatches', path, type }),
  checkWatches: (path: string, type: WatcherType): Operation => ({ op: 'checkWatches', path, type }),
  getAllChildrenNumber: (path: string): Operation => ({ op: 'getAllChildrenNumber', path }),
  closeSession: (): Operation => ({ op: 'closeSession' }),
};

/** Multi ops (same shapes, typed as MultiOp). */
export const mop = {
  create: (path: string, data = '', mode: CreateMode = 'PERSISTENT'): MultiOp => ({ op: 'create', path, data: enc(data), mode }),
  delete: (path: string, version = -1): MultiOp => ({ op: 'delete', path, version }),
  setData: (path: string, data: string, version = -1): MultiOp => ({ op: 'setData', path, data: enc(data), version }),
  check: (path: string, version: number): MultiOp => ({ op: 'check', path, version }),
};

// ---- client connections ------------------------------------------------------------------------

export interface ConnectOptions {
  readonly sessionId?: number;
  readonly password?: Uint8Array;
  readonly timeoutMs?: number;
  readonly lastZxidSeen?: Zxid;
  readonly canBeReadOnly?: boolean;
  /** Ticks to wait for `connected` / `connectRefused` after pumping (default 3; 0: pump only). */
  readonly maxTicks?: number;
}

/** One raw client connection to one member. */
export class ClientConn {
  /** Everything the member sent, in order, pongs left out (they are counted). */
  readonly inbox: MemberToClient[] = [];
  pongs = 0;
  /** The member closed the connection (it sends nothing more). */
  closedByMember = false;
  /** The client closed it. */
  closedByClient = false;
  /** Ping the member every tick while open. */
  keepAlive = true;
  /** The next xid `send` uses. */
  nextXid = 1;
  private cursor = 0;

  constructor(
    private readonly ensemble: Ensemble,
    readonly id: number,
    readonly member: MemberId,
  ) {}

  get open(): boolean {
    return !this.closedByMember && !this.closedByClient;
  }

  /** The `connected` message, if the member accepted the connect. */
  get connected(): Connected | undefined {
    return this.inbox.find((m): m is Connected => m.type === 'connected');
  }

  get refused(): ConnectRefused | undefined {
    return this.inbox.find((m): m is ConnectRefused => m.type === 'connectRefused');
  }

  get disconnect(): Disconnect | undefined {
    return this.inbox.find((m): m is Disconnect => m.type === 'disconnect');
  }

  get sessionId(): number {
    const c = this.connected;
    if (!c) assert.fail(`connection ${this.id} to m${this.member} is not connected: ${JSON.stringify(this.inbox.map(show))}`);
    return c.sessionId;
  }

  get password(): Uint8Array {
    const c = this.connected;
    if (!c) assert.fail(`connection ${this.id} to m${this.member} is not connected`);
    return c.password;
  }

  /** Sends a raw message (no pump). */
  sendRaw(message: ClientToMember): void {
    this.ensemble.fromClient(this, message);
  }

  /** Sends a request with the next xid (or the given one); does not pump. Returns the xid. */
  send(operation: Operation, xid = this.nextXid): number {
    this.nextXid = Math.max(this.nextXid, xid + 1);
    this.sendRaw({ type: 'request', xid, operation });
    return xid;
  }

  /**
   * Sends a request and returns its response, pumping the ensemble until quiet and, while no
   * response has come, ticking (at most `maxTicks` times): a real runner ticks every tickMs, and a
   * request through the leader waits for its next tick (see requests.test.ts).
   */
  request(operation: Operation, maxTicks = 3): OperationResponse {
    const xid = this.send(operation);
    this.ensemble.pump();
    for (let t = 0; t < maxTicks && !this.response(xid) && this.open; t++) this.ensemble.tick();
    const r = this.response(xid);
    if (!r) assert.fail(`no response to xid ${xid} (${operation.op}) on connection ${this.id} to m${this.member}; inbox: ${JSON.stringify(this.inbox.map(show))}`);
    return r;
  }

  /** Pumps, then ticks (at most `maxTicks` times) until the response to `xid` has come; returns it if it did. */
  wait(xid: number, maxTicks = 3): OperationResponse | undefined {
    this.ensemble.pump();
    for (let t = 0; t < maxTicks && !this.response(xid) && this.open; t++) this.ensemble.tick();
    return this.response(xid);
  }

  /** A request that must succeed: returns its result. */
  ok(operation: Operation): OperationResponse {
    const r = this.request(operation);
    assert.equal(r.err, 0, `${operation.op} ${'path' in operation ? operation.path : ''} failed: ${codeName(r.err)} ${r.message ?? ''}`);
    return r;
  }

  /** A request that must fail with `code`. */
  fails(operation: Operation, code: number): OperationResponse {
    const r = this.request(operation);
    assert.equal(codeName(r.err), codeName(code), `${operation.op} ${'path' in operation ? operation.path : ''}: ${r.message ?? ''}`);
    return r;
  }

  response(xid: number): OperationResponse | undefined {
    return this.inbox.find((m): m is OperationResponse => m.type === 'response' && m.xid === xid);
  }

  responses(): OperationResponse[] {
    return this.inbox.filter((m): m is OperationResponse => m.type === 'response');
  }

  events(): WatchEvent[] {
    return this.inbox.filter((m): m is WatchEvent => m.type === 'watch');
  }

  /** Messages received since the last call to `take` (or since the connection opened). */
  take(): MemberToClient[] {
    const out = this.inbox.slice(this.cursor);
    this.cursor = this.inbox.length;
    return out;
  }

  /** Watch events received since the last `take`, as "Event path" strings; moves the cursor. */
  takeEvents(): string[] {
    return this.take()
      .filter((m): m is WatchEvent => m.type === 'watch')
      .map((e) => `${e.event} ${e.path}`);
  }

  ping(): void {
    this.sendRaw({ type: 'ping' });
  }

  /** The client closes the connection (the session lives on until it expires). */
  close(): void {
    this.ensemble.clientClosed(this);
  }
}

/** A compact rendering of a member → client message for failure output. */
export function show(m: MemberToClient): string {
  switch (m.type) {
    case 'connected':
      return `connected(0x${m.sessionId.toString(16)}${m.readOnly ? ',ro' : ''})`;
    case 'connectRefused':
      return `refused(${codeName(m.err)}: ${m.reason})`;
    case 'response':
      return `response(x${m.xid},${codeName(m.err)},${formatZxid(m.zxid)}${m.result ? ',' + m.result.op : ''})`;
    case 'watch':
      return `watch(${m.event} ${m.path})`;
    case 'pong':
      return 'pong';
    case 'disconnect':
      return `disconnect(${codeName(m.err)}: ${m.reason})`;
  }
}

// ---- the ensemble ------------------------------------------------------------------------------

export interface Envelope {
  readonly from: MemberId;
  readonly to: MemberId;
  readonly message: PeerMessage;
}

export interface EnsembleOptions {
  readonly ids?: readonly MemberId[];
  readonly tickMs?: number;
  readonly maxDataBytes?: number;
  readonly snapshotEveryTxns?: number;
  readonly forwardTimeoutTicks?: number;
  readonly maxRequestBytes?: number;
  readonly maxReplyBytes?: number;
  readonly minSessionTimeoutMs?: number;
  readonly maxSessionTimeoutMs?: number;
  readonly zab?: Partial<ZabConfig>;
  /** The virtual clock's reading when the members start (default 0). */
  readonly startMs?: number;
}

type LinkState = 'up' | 'held' | 'cut';

export class Ensemble {
  readonly ids: readonly MemberId[];
  readonly tickMs: number;
  nowMs = 0;
  private readonly members = new Map<MemberId, ServerMember>();
  readonly durable = new Map<MemberId, DurableState>();
  readonly deliveries = new Map<MemberId, ServerDelivery[]>();
  /** Every peer message ever sent (dropped ones included), in order. */
  readonly sent: Envelope[] = [];
  /** Messages lost to a cut link or the drop filter. */
  readonly dropped: Envelope[] = [];
  private network: Envelope[] = [];
  private readonly links = new Map<string, LinkState>();
  private readonly conns = new Map<number, ClientConn>();
  private nextConnection = 1;
  private randomCounter = 0;
  private readonly heldWrites = new Map<MemberId, SequencedWrite[]>();
  /** Peer messages for which this returns true are lost. */
  dropIf: ((e: Envelope) => boolean) | null = null;

  constructor(opts: EnsembleOptions = {}) {
    this.ids = opts.ids ?? [1, 2, 3];
    this.tickMs = opts.tickMs ?? 10;
    this.nowMs = opts.startMs ?? 0;
    for (const id of this.ids) {
      const durable = emptyDurableState();
      this.durable.set(id, durable);
      this.deliveries.set(id, []);
      const member = new ServerMember(
        {
          zab: makeZabConfig(id, this.ids, 0, opts.zab ?? {}),
          tickMs: this.tickMs,
          snapshotEveryTxns: opts.snapshotEveryTxns ?? 100_000,
          randomBytes: (n) => Uint8Array.from({ length: n }, () => this.randomCounter++ & 0xff),
          ...(opts.maxDataBytes === undefined ? {} : { maxDataBytes: opts.maxDataBytes }),
          ...(opts.forwardTimeoutTicks === undefined ? {} : { forwardTimeoutTicks: opts.forwardTimeoutTicks }),
          ...(opts.maxRequestBytes === undefined ? {} : { maxRequestBytes: opts.maxRequestBytes }),
          ...(opts.maxReplyBytes === undefined ? {} : { maxReplyBytes: opts.maxReplyBytes }),
          ...(opts.minSessionTimeoutMs === undefined ? {} : { minSessionTimeoutMs: opts.minSessionTimeoutMs }),
          ...(opts.maxSessionTimeoutMs === undefined ? {} : { maxSessionTimeoutMs: opts.maxSessionTimeoutMs }),
        },
        // The member gets its own copy: the image here changes only through applyWrite.
        { ...durable, log: durable.log.slice() },
        this.nowMs,
      );
      this.members.set(id, member);
    }
    for (const a of this.ids) for (const b of this.ids) if (a !== b) this.links.set(`${a}>${b}`, 'up');
    for (const a of this.ids) for (const b of this.ids) if (a !== b) this.members.get(a)!.peerConnected(b);
    this.pump();
  }

  /** A started ensemble with an established leader and every member serving. */
  static started(opts: EnsembleOptions = {}): Ensemble {
    const e = new Ensemble(opts);
    e.stabilize();
    return e;
  }

  /** The member about to get an input, told the time first, as a runtime does before every input. */
  private inputTo(id: MemberId): ServerMember {
    const m = this.member(id);
    m.observeTime(this.nowMs);
    return m;
  }

  member(id: MemberId): ServerMember {
    const m = this.members.get(id);
    if (!m) throw new Error(`no member ${id}`);
    return m;
  }

  /** The established leader (LEADING and serving), if exactly one. */
  leader(): MemberId | undefined {
    const l = this.ids.filter((id) => {
      const s = this.member(id).zab.status();
      return s.role === 'LEADING' && s.serving;
    });
    return l.length === 1 ? l[0] : undefined;
  }

  mustLeader(): MemberId {
    const l = this.leader();
    if (l === undefined) assert.fail('no established leader');
    return l;
  }

  /** Serving followers, in id order. */
  followers(): MemberId[] {
    return this.ids.filter((id) => {
      const s = this.member(id).zab.status();
      return s.role === 'FOLLOWING' && s.serving;
    });
  }

  serving(id: MemberId): boolean {
    return this.member(id).zab.status().serving;
  }

  digest(id: MemberId): string {
    return this.member(id).dataTree.digest;
  }

  treeZxid(id: MemberId): Zxid {
    return this.member(id).dataTree.lastZxid;
  }

  /** Every member's (applied zxid, digest), e.g. to assert that they all agree. */
  states(ids: readonly MemberId[] = this.ids): string[] {
    return ids.map((id) => `${formatZxid(this.treeZxid(id))} ${this.digest(id)}`);
  }

  assertConverged(ids: readonly MemberId[] = this.ids): void {
    const states = this.states(ids);
    assert.ok(states.every((s) => s === states[0]), `members disagree: ${ids.map((id, i) => `m${id}: ${states[i]}`).join('; ')}`);
  }

  /** Applied txns of `id` whose body is of `type`. */
  applied(id: MemberId, type?: string): Extract<ServerDelivery, { kind: 'apply' }>[] {
    return this.deliveries
      .get(id)!
      .filter((d): d is Extract<ServerDelivery, { kind: 'apply' }> => d.kind === 'apply' && (type === undefined || d.txn.body.type === type));
  }

  /** Server-layer (non-Zab) messages sent, optionally of one type. */
  serverMessages(type?: ServerMessage['type']): { from: MemberId; to: MemberId; message: ServerMessage }[] {
    const out: { from: MemberId; to: MemberId; message: ServerMessage }[] = [];
    for (const e of this.sent) if (e.message.layer === 'server' && (type === undefined || e.message.message.type === type)) out.push({ from: e.from, to: e.to, message: e.message.message });
    return out;
  }

  // ---- time and delivery ----

  /** Members whose ticks are held (a paused process: its clock stands still, messages still arrive). */
  private readonly ticksHeld = new Set<MemberId>();

  holdTicks(id: MemberId): void {
    this.ticksHeld.add(id);
  }

  releaseTicks(id: MemberId): void {
    this.ticksHeld.delete(id);
  }

  /** Moves the clock by `n` ticks: pings from live connections, a tick on every member, pump. */
  tick(n = 1): void {
    for (let i = 0; i < n; i++) {
      this.nowMs += this.tickMs;
      for (const id of this.ids) {
        if (this.ticksHeld.has(id)) continue;
        this.member(id).tick(this.nowMs);
        this.collect(id);
      }
      for (const c of this.conns.values()) if (c.open && c.keepAlive && c.connected) c.ping();
      this.pump();
    }
  }

  /** Ticks until a leader is established and every member with an uncut link to it serves. */
  stabilize(maxTicks = 300): MemberId {
    for (let t = 0; t <= maxTicks; t++) {
      this.pump();
      const l = this.leader();
      if (l !== undefined && this.ids.every((id) => id === l || this.linkState(l, id) === 'cut' || this.serving(id))) return l;
      this.tick();
    }
    assert.fail(`no established ensemble after ${maxTicks} ticks: ${this.ids.map((id) => `m${id} ${this.member(id).zab.status().role}`).join(', ')}`);
  }

  /** Delivers peer messages (FIFO, held links skipped) and persists writes until nothing moves. */
  pump(maxSteps = 100_000): void {
    for (let step = 0; step < maxSteps; step++) {
      let moved = false;
      for (const id of this.ids) moved = this.collect(id) || moved;
      const i = this.network.findIndex((e) => this.linkState(e.from, e.to) === 'up');
      if (i >= 0) {
        const env = this.network[i]!;
        this.network.splice(i, 1);
        // As a runtime does (server/runner.ts): only a validated, rebuilt message reaches the member.
        const valid = validatePeerMessage(env.message);
        if (!valid.ok) assert.fail(`m${env.from} sent m${env.to} a malformed message: ${valid.error}`);
        this.inputTo(env.to).fromPeer(env.from, valid.message);
        this.collect(env.to);
        moved = true;
      }
      if (!moved) return;
    }
    throw new Error(`pump: still busy after ${maxSteps} steps`);
  }

  /** Routes one member's output; returns whether there was any. */
  private collect(id: MemberId): boolean {
    const m = this.member(id);
    let any = false;
    for (;;) {
      const r = m.drain();
      if (!r.peer.length && !r.writes.length && !r.clients.length && !r.close.length && !r.deliveries.length && !r.events.length) return any;
      any = true;
      this.deliveries.get(id)!.push(...r.deliveries);
      for (const p of r.peer) {
        const env: Envelope = { from: id, to: p.to, message: p.message };
        this.sent.push(env);
        if (this.linkState(id, p.to) === 'cut' || this.dropIf?.(env)) this.dropped.push(env);
        else this.network.push(env);
      }
      for (const c of r.clients) {
        const conn = this.conns.get(c.connection);
        assert.ok(conn, `m${id} sent to unknown connection ${c.connection}`);
        assert.equal(conn.member, id, `m${id} sent to connection ${c.connection} of m${conn.member}`);
        assert.ok(!conn.closedByMember, `m${id} sent ${show(c.message)} on connection ${c.connection} after closing it`);
        if (conn.closedByClient) continue;
        if (c.message.type === 'pong') conn.pongs++;
        else conn.inbox.push(c.message);
      }
      for (const connection of r.close) {
        const conn = this.conns.get(connection);
        if (conn) conn.closedByMember = true;
      }
      if (r.writes.length) {
        const held = this.heldWrites.get(id);
        if (held) held.push(...r.writes);
        else this.persist(id, r.writes);
      }
    }
  }

  private persist(id: MemberId, writes: readonly SequencedWrite[]): void {
    const image = this.durable.get(id)!;
    for (const w of writes) applyWrite(image, w.write);
    this.inputTo(id).persisted(writes[writes.length - 1]!.seq);
  }

  /** A slow disk: the member's writes wait (in order) until `releaseDisk`. */
  holdDisk(id: MemberId): void {
    if (!this.heldWrites.has(id)) this.heldWrites.set(id, []);
  }

  releaseDisk(id: MemberId): void {
    const held = this.heldWrites.get(id);
    this.heldWrites.delete(id);
    if (held?.length) this.persist(id, held);
    this.pump();
  }

  // ---- faults ----

  linkState(from: MemberId, to: MemberId): LinkState {
    return this.links.get(`${from}>${to}`) ?? 'up';
  }

  /** Messages from → to wait (in order) until `release`. */
  hold(from: MemberId, to: MemberId): void {
    this.links.set(`${from}>${to}`, 'held');
  }

  release(from: MemberId, to: MemberId): void {
    this.links.set(`${from}>${to}`, 'up');
    this.pump();
  }

  /** Cuts every link of `id`: messages in flight are lost, both ends learn the peer is gone. */
  isolate(id: MemberId): void {
    for (const other of this.ids) {
      if (other === id) continue;
      this.links.set(`${id}>${other}`, 'cut');
      this.links.set(`${other}>${id}`, 'cut');
    }
    this.network = this.network.filter((e) => {
      const lost = e.from === id || e.to === id;
      if (lost) this.dropped.push(e);
      return !lost;
    });
    for (const other of this.ids) {
      if (other === id) continue;
      this.inputTo(id).peerDisconnected(other);
      this.collect(id);
      this.inputTo(other).peerDisconnected(id);
      this.collect(other);
    }
    this.pump();
  }

  /** Restores every link of `id`. */
  rejoin(id: MemberId): void {
    for (const other of this.ids) {
      if (other === id) continue;
      this.links.set(`${id}>${other}`, 'up');
      this.links.set(`${other}>${id}`, 'up');
    }
    for (const other of this.ids) {
      if (other === id) continue;
      this.inputTo(id).peerConnected(other);
      this.collect(id);
      this.inputTo(other).peerConnected(id);
      this.collect(other);
    }
    this.pump();
  }

  // ---- clients ----

  /** Opens a raw connection to `member` without sending anything. */
  open(member: MemberId): ClientConn {
    const conn = new ClientConn(this, this.nextConnection++, member);
    this.conns.set(conn.id, conn);
    this.inputTo(member).clientConnected(conn.id);
    this.collect(member);
    return conn;
  }

  /** Opens a connection and sends `connect`, then pumps. Look at `conn.connected` / `conn.refused`. */
  connect(member: MemberId, opts: ConnectOptions = {}): ClientConn {
    const conn = this.open(member);
    conn.sendRaw({
      type: 'connect',
      sessionId: opts.sessionId ?? 0,
      password: opts.password ?? new Uint8Array(0),
      timeoutMs: opts.timeoutMs ?? 100,
      lastZxidSeen: opts.lastZxidSeen ?? ZXID_ZERO,
      canBeReadOnly: opts.canBeReadOnly ?? false,
    });
    this.pump();
    // As for requests: a connect through the leader waits for its next tick.
    for (let t = 0; t < (opts.maxTicks ?? 3) && conn.open && !conn.connected; t++) this.tick();
    return conn;
  }

  /** A connection with an established session (new, or resumed with `opts.sessionId`). */
  session(member: MemberId, opts: ConnectOptions = {}): ClientConn {
    const conn = this.connect(member, opts);
    if (!conn.connected) assert.fail(`connect to m${member} failed: ${JSON.stringify(conn.inbox.map(show))}`);
    conn.take();
    return conn;
  }

  /** Resumes `old`'s session on `member` (the client carries over its highest seen zxid). */
  reconnect(old: ClientConn, member: MemberId, opts: ConnectOptions = {}): ClientConn {
    const conn = this.connect(member, { sessionId: old.sessionId, password: old.password, timeoutMs: old.connected!.timeoutMs, lastZxidSeen: highestZxid(old), ...opts });
    // Xids increase over the whole session, across connections (protocol/client.ts, client/session.ts).
    conn.nextXid = old.nextXid;
    return conn;
  }

  fromClient(conn: ClientConn, message: ClientToMember): void {
    if (!conn.open) return;
    this.inputTo(conn.member).fromClient(conn.id, message);
    this.collect(conn.member);
  }

  clientClosed(conn: ClientConn): void {
    if (!conn.open) return;
    conn.closedByClient = true;
    this.inputTo(conn.member).clientDisconnected(conn.id);
    this.collect(conn.member);
  }
}

/** The highest zxid a connection has seen in responses and events (what a client sends as lastZxidSeen). */
export function highestZxid(conn: ClientConn): Zxid {
  let z = ZXID_ZERO;
  for (const m of conn.inbox) if ((m.type === 'response' || m.type === 'watch') && compareZxid(m.zxid, z) > 0) z = m.zxid;
  return z;
}
