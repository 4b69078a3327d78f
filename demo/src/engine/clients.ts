/**
 * The classroom's two clients (A and B): real ZooKeeperClient objects talking to the simulated
 * members over a simulated client network, in virtual time. Each client is pinned to one member (its
 * "home"), so a student decides where a request enters the ensemble; it may accept a read-only
 * session, so a member cut off from its quorum answers reads and refuses writes at once (NOTREADONLY).
 * A client process can die silently: no more heartbeats, and its session expires on the leader.
 */
import { ZooKeeperClient } from '../../../src/client/client.js';
import { ZooKeeperError } from '../../../src/client/errors.js';
import type { ConnectionState } from '../../../src/client/types.js';
import type { ClientToMember, ConnectionHandlers, Connector, MemberConnection, MemberToClient, Scheduler } from '../../../src/protocol/client.js';
import type { Rng } from '../../../src/sim/rng.js';
import type { ServerNode } from '../../../src/sim/server-node.js';
import type { MemberId } from '../../../src/zab/messages.js';
import type { Zxid } from '../../../src/zab/zxid.js';
import type { ClientName } from './trace.js';

/** What the client network needs of the world: virtual time and a way into a member. */
export interface ClientWorld {
  readonly now: number;
  schedule(atMs: number, fn: () => void): void;
  deliverToMember(id: MemberId, fn: (node: ServerNode) => void): boolean;
  clientActivity(): void;
}

/** One message between a client and its member, for the stage. */
export interface ClientWire {
  readonly id: number;
  readonly client: ClientName;
  readonly member: MemberId;
  /** up: client → member; down: member → client. */
  readonly direction: 'up' | 'down';
  readonly message: ClientToMember | MemberToClient;
  readonly sentAt: number;
  readonly arriveAt: number;
}

export interface ClientTap {
  sent(w: ClientWire): void;
  left(id: number, delivered: boolean): void;
}

/** A client process: dead ones stay silent forever. */
interface Proc {
  readonly zk: ZooKeeperClient;
  readonly generation: number;
  dead: boolean;
}

interface Conn {
  readonly id: number;
  readonly member: MemberId;
  readonly proc: Proc;
  readonly slot: ClientSlot;
  readonly handlers: ConnectionHandlers;
  open: boolean;
  lastToMemberAt: number;
  lastToClientAt: number;
}

export type OpStatus = 'pending' | 'ok' | 'error';

export interface ClientOp {
  readonly id: number;
  readonly client: ClientName;
  readonly text: string;
  readonly write: boolean;
  readonly issuedAt: number;
  /** The member the client was pinned to when it asked. */
  readonly member: MemberId;
  status: OpStatus;
  doneAt: number | null;
  result: string;
  err: number | null;
  /** A write refused because its member is cut off from a quorum. */
  minority: boolean;
  /** Whether the client's member was serving (in a quorum, broadcast phase) when the call was made. */
  servingAtIssue: boolean;
}

export interface FiredWatch {
  readonly at: number;
  readonly client: ClientName;
  readonly type: string;
  readonly path: string | null;
  readonly zxid: Zxid | null;
}

export const SESSION_TIMEOUT_MS = 160;

export class ClientSlot {
  home: MemberId;
  proc: Proc | null = null;
  generation = 0;
  state: ConnectionState | 'NOT STARTED' | 'DEAD' = 'NOT STARTED';
  /** Why the last state change happened, as the client library put it. */
  reason = '';
  readonly ops: ClientOp[] = [];
  readonly watches: FiredWatch[] = [];

  constructor(
    readonly name: ClientName,
    home: MemberId,
  ) {
    this.home = home;
  }

  get zk(): ZooKeeperClient | null {
    return this.proc && !this.proc.dead ? this.proc.zk : null;
  }

  get sessionId(): number {
    return this.proc?.zk.sessionId ?? 0;
  }
}

export interface ClientEvents {
  stateChanged(slot: ClientSlot, state: ConnectionState, reason: string | undefined): void;
  watchFired(w: FiredWatch): void;
  opDone(op: ClientOp): void;
}

/**
 * Connections between the simulated clients and members, with latency and FIFO order each way, that
 * break when a member crashes, closes them, or a client moves. Modelled on sim/client-net.ts, plus
 * the wire tap the stage draws from and clients that can die.
 */
export class ClientNet {
  private readonly conns = new Map<number, Conn>();
  private nextConn = 1;
  private nextWire = 1;
  private nextOp = 1;
  readonly slots: ClientSlot[];

  constructor(
    private readonly world: ClientWorld,
    private readonly rng: Rng,
    private readonly tap: ClientTap,
    private readonly events: ClientEvents,
    homes: readonly [MemberId, MemberId],
    private readonly isServing: (member: MemberId) => boolean,
  ) {
    this.slots = [new ClientSlot('A', homes[0]), new ClientSlot('B', homes[1])];
  }

  slot(name: ClientName): ClientSlot {
    return this.slots[name === 'A' ? 0 : 1]!;
  }

  private latency(): number {
    return this.rng.between(2, 4);
  }

  // ---- processes ----------------------------------------------------------------------------

  /** Starts a client process in the slot (a new session); an old one, if any, dies first. */
  start(slot: ClientSlot): void {
    if (slot.proc) this.kill(slot);
    const generation = ++slot.generation;
    const procRef: { proc: Proc | null } = { proc: null };
    const zk = new ZooKeeperClient({
      connector: this.connector(slot, procRef),
      members: 1,
      sessionTimeoutMs: SESSION_TIMEOUT_MS,
      connectTimeoutMs: 60,
      canBeReadOnly: true,
      scheduler: this.scheduler(procRef),
      random: () => this.rng.float(),
      readWriteProbeMs: { initial: 40, max: 200 },
    });
    const proc: Proc = { zk, generation, dead: false };
    procRef.proc = proc;
    slot.proc = proc;
    slot.state = zk.state;
    slot.reason = '';
    zk.on('error', () => {});
    zk.on('state', (change) => {
      if (proc.dead) return;
      slot.state = change.state;
      slot.reason = change.reason ?? '';
      this.events.stateChanged(slot, change.state, change.reason);
    });
    zk.on('watch', (event) => {
      if (proc.dead) return;
      const w: FiredWatch = { at: this.world.now, client: slot.name, type: event.type, path: event.path, zxid: event.zxid };
      slot.watches.push(w);
      if (slot.watches.length > 50) slot.watches.shift();
      this.events.watchFired(w);
    });
  }

  /** The process dies at once, silently: no close, no heartbeat; the member times the connection out. */
  kill(slot: ClientSlot): void {
    if (!slot.proc || slot.proc.dead) return;
    slot.proc.dead = true;
    slot.state = 'DEAD';
    slot.reason = 'the client process died (no more heartbeats)';
    for (const op of slot.ops) {
      if (op.status === 'pending') this.finish(op, 'error', 'the client died before the answer', null);
    }
  }

  /** The client moves to another member: its connection drops and it reconnects there. */
  moveHome(slot: ClientSlot, member: MemberId): void {
    slot.home = member;
    for (const c of [...this.conns.values()]) {
      if (c.slot === slot && c.open) {
        this.conns.delete(c.id);
        this.world.schedule(this.world.now + this.latency(), () => this.world.deliverToMember(c.member, (n) => n.clientDisconnected(c.id)));
        this.closeForClient(c, `the client moves to m${member}`);
      }
    }
  }

  // ---- operations ---------------------------------------------------------------------------

  /** Runs one call of the client library; the op record settles when the answer (or failure) comes. */
  invoke(slot: ClientSlot, text: string, write: boolean, call: (zk: ZooKeeperClient) => Promise<string>): ClientOp {
    const op: ClientOp = {
      id: this.nextOp++,
      client: slot.name,
      text,
      write,
      issuedAt: this.world.now,
      member: slot.home,
      status: 'pending',
      doneAt: null,
      result: '',
      err: null,
      minority: false,
      servingAtIssue: this.isServing(slot.home),
    };
    slot.ops.push(op);
    if (slot.ops.length > 40) slot.ops.shift();
    const zk = slot.zk;
    if (!zk) {
      this.finish(op, 'error', slot.proc ? 'the client is dead: start a new one' : 'the client has not started yet', null);
      return op;
    }
    const proc = slot.proc!;
    call(zk).then(
      (result) => {
        if (!proc.dead) this.finish(op, 'ok', result, null);
      },
      (e: unknown) => {
        if (proc.dead) return;
        const err = e instanceof ZooKeeperError ? e.code : null;
        this.finish(op, 'error', e instanceof ZooKeeperError ? tidyError(e, op.member) : String(e), err);
      },
    );
    this.world.clientActivity();
    return op;
  }

  private finish(op: ClientOp, status: OpStatus, result: string, err: number | null): void {
    op.status = status;
    op.result = result;
    op.err = err;
    op.doneAt = this.world.now;
    this.events.opDone(op);
  }

  // ---- the network --------------------------------------------------------------------------

  private scheduler(ref: { proc: Proc | null }): Scheduler {
    return {
      now: () => this.world.now,
      setTimeout: (fn: () => void, ms: number): unknown => {
        const handle = { cancelled: false };
        this.world.schedule(this.world.now + Math.max(0, ms), () => {
          if (handle.cancelled || ref.proc?.dead) return;
          fn();
          this.world.clientActivity();
        });
        return handle;
      },
      clearTimeout: (handle: unknown): void => {
        if (handle && typeof handle === 'object') (handle as { cancelled: boolean }).cancelled = true;
      },
    };
  }

  private connector(slot: ClientSlot, ref: { proc: Proc | null }): Connector {
    return (_index: number, handlers: ConnectionHandlers): MemberConnection | null => {
      const proc = ref.proc;
      if (proc === null || proc.dead) return null;
      const member = slot.home;
      const id = this.nextConn++;
      const conn: Conn = { id, member, proc, slot, handlers, open: true, lastToMemberAt: 0, lastToClientAt: 0 };
      if (!this.world.deliverToMember(member, (node) => node.clientConnected(id))) return null;
      this.conns.set(id, conn);
      return {
        send: (message: ClientToMember) => {
          if (!conn.open || proc.dead) return;
          const at = Math.max(this.world.now + this.latency(), conn.lastToMemberAt);
          conn.lastToMemberAt = at;
          const wire = this.nextWire++;
          this.tap.sent({ id: wire, client: slot.name, member, direction: 'up', message, sentAt: this.world.now, arriveAt: at });
          this.world.schedule(at, () => {
            const ok = conn.open && this.world.deliverToMember(member, (node) => node.fromClient(id, message));
            this.tap.left(wire, ok);
          });
        },
        close: () => {
          if (!conn.open) return;
          conn.open = false;
          this.conns.delete(id);
          this.world.schedule(this.world.now + this.latency(), () => this.world.deliverToMember(member, (node) => node.clientDisconnected(id)));
        },
      };
    };
  }

  /** A member sent something to a client connection. */
  fromMember(connection: number, message: unknown): void {
    const conn = this.conns.get(connection);
    if (!conn) return;
    const at = Math.max(this.world.now + this.latency(), conn.lastToClientAt);
    conn.lastToClientAt = at;
    const wire = this.nextWire++;
    this.tap.sent({ id: wire, client: conn.slot.name, member: conn.member, direction: 'down', message: message as MemberToClient, sentAt: this.world.now, arriveAt: at });
    this.world.schedule(at, () => {
      const ok = conn.open && !conn.proc.dead;
      this.tap.left(wire, ok);
      if (!ok) return;
      conn.handlers.onMessage(message as MemberToClient);
      this.world.clientActivity();
    });
  }

  /** A member closed a connection: the client hears of it after whatever was already on the way. */
  closedByMember(connection: number, reason: string): void {
    const conn = this.conns.get(connection);
    if (!conn) return;
    this.conns.delete(connection);
    const at = Math.max(this.world.now + this.latency(), conn.lastToClientAt);
    this.world.schedule(at, () => this.closeForClient(conn, reason));
  }

  /** A member crashed: every connection to it breaks. */
  memberCrashed(member: MemberId): void {
    for (const conn of [...this.conns.values()]) {
      if (conn.member !== member) continue;
      this.conns.delete(conn.id);
      this.world.schedule(this.world.now + this.latency(), () => this.closeForClient(conn, `member ${member} crashed`));
    }
  }

  /** The member a client is attached to right now, if any. */
  attachedMember(slot: ClientSlot): MemberId | null {
    for (const c of this.conns.values()) if (c.slot === slot && c.open && c.proc === slot.proc) return c.member;
    return null;
  }

  private closeForClient(conn: Conn, reason: string): void {
    if (!conn.open) return;
    conn.open = false;
    if (conn.proc.dead) return;
    conn.handlers.onClose(reason);
    this.world.clientActivity();
  }
}

/**
 * "NOTREADONLY: member 3 is read-only…" from the library's message, without the repeated code and
 * path, and with the pinned client's member index 0 named as the member it is.
 */
export function tidyError(e: ZooKeeperError, member: MemberId): string {
  let detail = e.message.replace(new RegExp(`^${e.codeName}( for \\S+)?: `), '');
  detail = detail.replace(/member 0 disconnected \([A-Z]+\): /g, '').replace(/\bmember 0\b/g, `m${member}`);
  detail = detail.replace(/; the operation may or may not have been applied$/, '');
  return detail ? `${e.codeName}: ${detail}` : e.codeName;
}
