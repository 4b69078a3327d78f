/**
 * A fake ensemble for client tests: N "members" that share one FakeTree (as if every write were
 * committed everywhere at once) and implement the member side of protocol/client.ts — sessions with
 * passwords, negotiated timeouts, expiry when nothing is heard, moves between members, per-connection
 * watches (one-shot, persistent, recursive) fired before the reply of the write that caused them,
 * setWatches with catch-up events, read-only members, and knobs for faults: kill, silence, freeze a
 * member's zxid, isolate one client. Messages take `latencyMs` of virtual time each way, in order.
 */
import type {
  ClientToMember,
  ConnectRequest,
  ConnectionHandlers,
  Connector,
  MemberConnection,
  MemberToClient,
  MultiOp,
  OperationRequest,
  OperationResult,
  Scheduler,
  SetWatchesRequest,
} from '../../../src/protocol/client.js';
import { ErrorCode } from '../../../src/client/errors.js';
import { compareZxid, type Zxid } from '../../../src/zab/zxid.js';
import { FakeTree, TreeError, parentOf, type TreeEvent } from './fake-tree.js';

export interface FakeMember {
  up: boolean;
  /** Cut off from its quorum: only canBeReadOnly clients, reads only. */
  readOnly: boolean;
  /** Hung: takes messages and never answers (the connection stays open). */
  silent: boolean;
  /** A member stuck at this zxid refuses clients that have seen later ones. */
  frozenAt: Zxid | null;
  /** Answers a connect only after this long (an election under way: the member holds it). */
  connectDelayMs: number;
}

interface FakeSession {
  readonly id: number;
  readonly password: Uint8Array;
  timeoutMs: number;
  /** Created by a read-only member: unknown to the (imaginary) quorum. */
  readonly local: boolean;
  ended: boolean;
  connection: FakeConnection | null;
  expiryTimer: unknown;
}

interface Watches {
  data: Set<string>;
  exist: Set<string>;
  child: Set<string>;
  persistent: Set<string>;
  recursive: Set<string>;
}

export class FakeConnection implements MemberConnection {
  open = true;
  /** The member crashed: what it had not yet sent is lost. */
  severed = false;
  session: FakeSession | null = null;
  /** What the client's side reports as not yet sent (a large request leaving over a slow link). */
  unsent = 0;
  readonly watches: Watches = { data: new Set(), exist: new Set(), child: new Set(), persistent: new Set(), recursive: new Set() };

  constructor(
    readonly ensemble: FakeEnsemble,
    readonly member: number,
    readonly tag: string,
    readonly handlers: ConnectionHandlers,
  ) {}

  send(message: ClientToMember): void {
    if (!this.open) return;
    this.ensemble.log.push({ at: this.ensemble.scheduler.now(), member: this.member, tag: this.tag, message });
    this.ensemble.scheduler.setTimeout(() => this.ensemble.receive(this, message), this.ensemble.latencyMs);
  }

  close(): void {
    this.open = false;
    this.ensemble.forget(this);
  }

  unsentBytes(): number {
    return this.unsent;
  }
}

export interface LoggedMessage {
  readonly at: number;
  readonly member: number;
  readonly tag: string;
  readonly message: ClientToMember;
}

export interface FakeEnsembleOptions {
  readonly members?: number;
  readonly tickMs?: number;
  readonly latencyMs?: number;
}

export class FakeEnsemble {
  readonly tree = new FakeTree();
  readonly members: FakeMember[];
  readonly tickMs: number;
  readonly latencyMs: number;
  /** Every message a client sent, in order. */
  readonly log: LoggedMessage[] = [];
  readonly sessions = new Map<number, FakeSession>();
  /** Connection attempts per member index (reachable or not). */
  readonly attempts: number[];
  private readonly connections = new Set<FakeConnection>();
  private readonly isolated = new Set<string>();
  private nextSessionId = 0x1000;
  /** Test hook: return true to swallow a request (the test answers, or not, by itself). */
  onRequest: ((connection: FakeConnection, request: OperationRequest) => boolean) | null = null;

  constructor(
    readonly scheduler: Scheduler,
    options: FakeEnsembleOptions = {},
  ) {
    const n = options.members ?? 3;
    this.members = Array.from({ length: n }, () => ({ up: true, readOnly: false, silent: false, frozenAt: null, connectDelayMs: 0 }));
    this.attempts = Array.from({ length: n }, () => 0);
    this.tickMs = options.tickMs ?? 100;
    this.latencyMs = options.latencyMs ?? 1;
  }

  /** The connector for one client; `tag` names it in the log and for `isolate`. */
  connectorFor(tag: string): Connector {
    return (index, handlers) => {
      this.attempts[index] = (this.attempts[index] ?? 0) + 1;
      const member = this.members[index];
      if (member === undefined || !member.up || this.isolated.has(tag)) return null;
      const connection = new FakeConnection(this, index, tag, handlers);
      this.connections.add(connection);
      return connection;
    };
  }

  get connector(): Connector {
    return this.connectorFor('client');
  }

  // ---- faults ---------------------------------------------------------------------------

  kill(index: number): void {
    this.members[index]!.up = false;
    for (const c of [...this.connections]) {
      if (c.member !== index) continue;
      c.severed = true;
      this.hangUp(c, 'member crashed');
    }
  }

  /** Like ZooKeeper, a member that changes mode restarts its client connections. */
  setReadOnly(index: number, readOnly: boolean): void {
    const member = this.members[index]!;
    if (member.readOnly === readOnly) return;
    member.readOnly = readOnly;
    for (const c of [...this.connections]) if (c.member === index) this.hangUp(c, readOnly ? 'lost quorum' : 'rejoined quorum');
  }

  revive(index: number): void {
    this.members[index]!.up = true;
  }

  /** A crashed client process: its connections go dead both ways and it cannot open new ones. */
  isolate(tag: string): void {
    this.isolated.add(tag);
    for (const c of [...this.connections]) if (c.tag === tag) c.open = false;
  }

  /** Ends a session now, as the leader's expiry tracker would. */
  expire(sessionId: number): void {
    const session = this.sessions.get(sessionId);
    if (session !== undefined) this.endSession(session, true);
  }

  // ---- inspection -----------------------------------------------------------------------

  sent(type: ClientToMember['type'], tag?: string): LoggedMessage[] {
    return this.log.filter((m) => m.message.type === type && (tag === undefined || m.tag === tag));
  }

  /** The open connections of client `tag`. */
  connectionsFor(tag: string): FakeConnection[] {
    return [...this.connections].filter((c) => c.tag === tag && c.open);
  }

  connectionsOf(member: number): number {
    return [...this.connections].filter((c) => c.member === member && c.open).length;
  }

  /** Sends a message to a client connection as-is (tests of protocol errors). */
  inject(tag: string, message: MemberToClient): void {
    for (const c of this.connections) if (c.tag === tag && c.open) this.deliver(c, message);
  }

  // ---- the member side ------------------------------------------------------------------

  receive(connection: FakeConnection, message: ClientToMember): void {
    const member = this.members[connection.member]!;
    if (!connection.open || !member.up || member.silent) return;
    if (message.type === 'connect') {
      if (member.connectDelayMs <= 0) return this.connect(connection, member, message);
      this.scheduler.setTimeout(() => {
        if (connection.open && member.up && !member.silent) this.connect(connection, member, message);
      }, member.connectDelayMs);
      return;
    }
    const session = connection.session;
    if (session === null || session.ended) return;
    this.touch(session);
    switch (message.type) {
      case 'ping':
        return this.deliver(connection, { type: 'pong', zxid: this.tree.lastZxid });
      case 'setWatches':
        return this.setWatches(connection, message);
      case 'request':
        if (this.onRequest?.(connection, message) === true) return;
        return this.request(connection, member, session, message);
    }
  }

  forget(connection: FakeConnection): void {
    this.connections.delete(connection);
    if (connection.session?.connection === connection) connection.session.connection = null;
  }

  private connect(connection: FakeConnection, member: FakeMember, request: ConnectRequest): void {
    const refuse = (err: number, reason: string) => {
      this.deliver(connection, { type: 'connectRefused', err, reason });
      this.hangUp(connection, reason);
    };
    if (member.readOnly && !request.canBeReadOnly) return refuse(ErrorCode.CONNECTIONLOSS, 'read-only member');
    if (member.frozenAt !== null && compareZxid(request.lastZxidSeen, member.frozenAt) > 0) {
      return refuse(ErrorCode.CONNECTIONLOSS, 'member is behind the client');
    }
    const timeoutMs = Math.min(20 * this.tickMs, Math.max(2 * this.tickMs, request.timeoutMs));
    let session: FakeSession;
    if (request.sessionId !== 0) {
      const known = this.sessions.get(request.sessionId);
      if (known === undefined || known.ended || !sameBytes(known.password, request.password)) {
        return refuse(ErrorCode.SESSIONEXPIRED, `session ${request.sessionId} expired or unknown`);
      }
      session = known;
      session.timeoutMs = timeoutMs;
      const old = session.connection;
      if (old !== null && old !== connection && old.open) {
        this.deliver(old, { type: 'disconnect', err: ErrorCode.SESSIONMOVED, reason: 'session moved' });
        this.hangUp(old, 'session moved');
      }
    } else {
      const id = this.nextSessionId++;
      const password = new Uint8Array([id & 0xff, (id >> 8) & 0xff, 7, 7]);
      session = { id, password, timeoutMs, local: member.readOnly, ended: false, connection: null, expiryTimer: null };
      this.sessions.set(id, session);
    }
    session.connection = connection;
    connection.session = session;
    this.touch(session);
    this.deliver(connection, {
      type: 'connected',
      sessionId: session.id,
      password: session.password,
      timeoutMs,
      readOnly: member.readOnly,
      memberId: connection.member + 1,
      zxid: member.frozenAt ?? this.tree.lastZxid,
    });
  }

  private request(connection: FakeConnection, member: FakeMember, session: FakeSession, request: OperationRequest): void {
    const reply = (err: number, result?: OperationResult, message?: string) =>
      this.deliver(connection, {
        type: 'response',
        xid: request.xid,
        zxid: this.tree.lastZxid,
        err,
        ...(result !== undefined ? { result } : {}),
        ...(message !== undefined ? { message } : {}),
        ...(member.readOnly ? { readOnly: true } : {}),
      });
    const op = request.operation;
    try {
      switch (op.op) {
        case 'getData':
        case 'getChildren': {
          const result = this.tree.read(op.op, op.path, op.op === 'getChildren' && op.withStat);
          if (op.watch) (op.op === 'getData' ? connection.watches.data : connection.watches.child).add(op.path);
          return reply(ErrorCode.OK, result);
        }
        case 'exists': {
          const result = this.tree.read('exists', op.path);
          if (op.watch) (this.tree.get(op.path) ? connection.watches.data : connection.watches.exist).add(op.path);
          return reply(ErrorCode.OK, result);
        }
        case 'getEphemerals':
          return reply(ErrorCode.OK, { op: 'getEphemerals', paths: this.tree.ephemerals(session.id, op.prefix) });
        case 'sync':
          return reply(ErrorCode.OK, { op: 'sync', path: op.path });
        case 'addWatch':
          (op.mode === 'PERSISTENT' ? connection.watches.persistent : connection.watches.recursive).add(op.path);
          return reply(ErrorCode.OK, { op: 'addWatch' });
        case 'removeWatches':
          return removeWatches(connection.watches, op.path, op.type) ? reply(ErrorCode.OK, { op: 'removeWatches' }) : reply(ErrorCode.NOWATCHER);
        case 'getAllChildrenNumber':
        case 'checkWatches':
          return reply(ErrorCode.UNIMPLEMENTED, undefined, `${op.op} is not in the fake ensemble`);
        case 'closeSession':
          reply(ErrorCode.OK, { op: 'closeSession' });
          this.endSession(session, false);
          return;
        default:
          break;
      }
    } catch (err) {
      if (err instanceof TreeError) return reply(err.code, undefined, err.message);
      throw err;
    }
    if (member.readOnly) return reply(ErrorCode.NOTREADONLY, undefined, 'member is read-only');
    const ops: readonly MultiOp[] = op.op === 'multi' ? op.ops : [op];
    const outcome = this.tree.write(ops, session.id, this.scheduler.now());
    if ('err' in outcome) {
      return op.op === 'multi' ? reply(outcome.err, { op: 'multi', results: outcome.failed }, outcome.message) : reply(outcome.err, undefined, outcome.message);
    }
    this.fire(outcome.events);
    reply(ErrorCode.OK, op.op === 'multi' ? { op: 'multi', results: outcome.results } : (outcome.results[0] as OperationResult));
  }

  private setWatches(connection: FakeConnection, request: SetWatchesRequest): void {
    const after = (z: Zxid) => compareZxid(z, request.lastZxid) > 0;
    const w = connection.watches;
    const notify = (type: TreeEvent['type'], path: string) => this.deliver(connection, { type: 'watch', event: type, path, zxid: this.tree.lastZxid });
    for (const path of request.data) {
      const node = this.tree.get(path);
      if (node === undefined) notify('NodeDeleted', path);
      else if (after(node.stat.mzxid)) notify('NodeDataChanged', path);
      else w.data.add(path);
    }
    for (const path of request.exist) {
      if (this.tree.get(path) !== undefined) notify('NodeCreated', path);
      else w.exist.add(path);
    }
    for (const path of request.children) {
      const node = this.tree.get(path);
      if (node === undefined) notify('NodeDeleted', path);
      else if (after(node.stat.pzxid)) notify('NodeChildrenChanged', path);
      else w.child.add(path);
    }
    for (const path of request.persistent) w.persistent.add(path);
    for (const path of request.persistentRecursive) w.recursive.add(path);
  }

  /** Watch events of one transaction, to every connection they concern, before any later reply. */
  private fire(events: readonly TreeEvent[]): void {
    const zxid = this.tree.lastZxid;
    for (const connection of this.connections) {
      if (!connection.open) continue;
      for (const event of events) {
        if (consume(connection.watches, event)) this.deliver(connection, { type: 'watch', event: event.type, path: event.path, zxid });
      }
    }
  }

  private touch(session: FakeSession): void {
    if (session.expiryTimer !== null) this.scheduler.clearTimeout(session.expiryTimer);
    session.expiryTimer = this.scheduler.setTimeout(() => this.endSession(session, true), session.timeoutMs);
  }

  private endSession(session: FakeSession, expired: boolean): void {
    if (session.ended) return;
    session.ended = true;
    if (session.expiryTimer !== null) this.scheduler.clearTimeout(session.expiryTimer);
    this.fire(this.tree.closeSession(session.id));
    const connection = session.connection;
    if (connection !== null && connection.open) {
      if (expired) this.deliver(connection, { type: 'disconnect', err: ErrorCode.SESSIONEXPIRED, reason: 'session expired' });
      this.hangUp(connection, expired ? 'session expired' : 'session closed');
    }
  }

  /** Member → client, after the latency, in order. */
  deliver(connection: FakeConnection, message: MemberToClient): void {
    const member = this.members[connection.member]!;
    if (member.silent || !member.up) return;
    this.scheduler.setTimeout(() => {
      if (connection.open && !connection.severed) connection.handlers.onMessage(message);
    }, this.latencyMs);
  }

  /** The member closes the connection: the client hears it after what was already on the wire. */
  private hangUp(connection: FakeConnection, reason: string): void {
    this.forget(connection);
    this.scheduler.setTimeout(() => {
      if (!connection.open) return;
      connection.open = false;
      connection.handlers.onClose(reason);
    }, this.latencyMs);
  }
}

function consume(w: Watches, event: TreeEvent): boolean {
  const { type, path } = event;
  let hit = false;
  const take = (set: Set<string>) => {
    if (set.delete(path)) hit = true;
  };
  if (type === 'NodeCreated' || type === 'NodeDataChanged') [w.data, w.exist].forEach(take);
  if (type === 'NodeDeleted') [w.data, w.exist, w.child].forEach(take);
  if (type === 'NodeChildrenChanged') take(w.child);
  if (w.persistent.has(path)) hit = true;
  if (type !== 'NodeChildrenChanged') {
    for (let p = path; ; p = parentOf(p)) {
      if (w.recursive.has(p)) hit = true;
      if (p === '/') break;
    }
  }
  return hit;
}

function removeWatches(w: Watches, path: string, type: 'CHILDREN' | 'DATA' | 'ANY'): boolean {
  const sets = type === 'CHILDREN' ? [w.child] : type === 'DATA' ? [w.data, w.exist] : Object.values(w);
  let removed = false;
  for (const set of sets) if (set.delete(path)) removed = true;
  return removed;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
