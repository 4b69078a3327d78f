import type { ClientToMember, ConnectionHandlers, Connector, MemberConnection, MemberToClient, Scheduler } from '../protocol/client.js';
import type { MemberId } from '../zab/messages.js';
import type { Rng } from './rng.js';
import type { ServerNode } from './server-node.js';

/** What the client network needs of the world: virtual time, and a way into a member. */
export interface ClientNetWorld {
  readonly now: number;
  schedule(atMs: number, fn: () => void): void;
  /** Runs `fn` against the member's server node if it is up, routes its output; false if it is down. */
  deliverToMember(id: MemberId, fn: (node: ServerNode) => void): boolean;
  /** Client code ran: let its promise continuations run before the next event. */
  clientActivity(): void;
}

/** Taps on the wire, for the history recorder: every request sent and every message received. */
export interface ClientWireTap {
  sent(clientTag: number, message: ClientToMember): void;
  received(clientTag: number, message: MemberToClient): void;
}

interface SimConnection {
  readonly id: number;
  readonly member: MemberId;
  readonly clientTag: number;
  readonly handlers: ConnectionHandlers;
  open: boolean;
  /** FIFO in each direction, like a TCP or WebSocket connection. */
  lastToMemberAt: number;
  lastToClientAt: number;
}

/**
 * Connections between simulated clients and members, with latency and FIFO order, that break when a
 * member crashes or closes them. Clients get a virtual-time `Scheduler` from here too.
 */
export class ClientNet {
  private readonly connections = new Map<number, SimConnection>();
  private nextId = 1;

  constructor(
    private readonly world: ClientNetWorld,
    private readonly rng: Rng,
    private readonly tap: ClientWireTap,
  ) {}

  private latency(): number {
    return this.rng.between(0.2, 2);
  }

  readonly scheduler: Scheduler = {
    now: () => this.world.now,
    setTimeout: (fn: () => void, ms: number): unknown => {
      const handle = { cancelled: false };
      this.world.schedule(this.world.now + Math.max(0, ms), () => {
        if (handle.cancelled) return;
        fn();
        this.world.clientActivity();
      });
      return handle;
    },
    clearTimeout: (handle: unknown): void => {
      if (handle && typeof handle === 'object') (handle as { cancelled: boolean }).cancelled = true;
    },
  };

  /** A connector for one client: index i reaches member i + 1. */
  connector(clientTag: number): Connector {
    return (index: number, handlers: ConnectionHandlers): MemberConnection | null => {
      const member = index + 1;
      const id = this.nextId++;
      const conn: SimConnection = { id, member, clientTag, handlers, open: true, lastToMemberAt: 0, lastToClientAt: 0 };
      if (!this.world.deliverToMember(member, (node) => node.clientConnected(id))) return null;
      this.connections.set(id, conn);
      return {
        send: (message: ClientToMember) => {
          if (!conn.open) return;
          this.tap.sent(clientTag, message);
          const at = Math.max(this.world.now + this.latency(), conn.lastToMemberAt);
          conn.lastToMemberAt = at;
          this.world.schedule(at, () => {
            if (conn.open) this.world.deliverToMember(member, (node) => node.fromClient(id, message));
          });
        },
        close: () => {
          if (!conn.open) return;
          conn.open = false;
          this.connections.delete(id);
          this.world.schedule(this.world.now + this.latency(), () => this.world.deliverToMember(member, (node) => node.clientDisconnected(id)));
        },
      };
    };
  }

  /** A member sent something to a client connection. */
  fromMember(connection: number, message: unknown): void {
    const conn = this.connections.get(connection);
    if (!conn) return;
    const at = Math.max(this.world.now + this.latency(), conn.lastToClientAt);
    conn.lastToClientAt = at;
    this.world.schedule(at, () => {
      if (!conn.open) return;
      this.tap.received(conn.clientTag, message as MemberToClient);
      conn.handlers.onMessage(message as MemberToClient);
      this.world.clientActivity();
    });
  }

  /** A member closed a connection: the client hears of it after whatever was already on the way. */
  closedByMember(connection: number, reason: string): void {
    const conn = this.connections.get(connection);
    if (!conn) return;
    this.connections.delete(connection);
    const at = Math.max(this.world.now + this.latency(), conn.lastToClientAt);
    this.world.schedule(at, () => this.drop(conn, reason));
  }

  /** A member crashed: every connection to it breaks. */
  memberCrashed(member: MemberId): void {
    for (const conn of [...this.connections.values()]) {
      if (conn.member !== member) continue;
      this.connections.delete(conn.id);
      this.world.schedule(this.world.now + this.latency(), () => this.drop(conn, `member ${member} crashed`));
    }
  }

  private drop(conn: SimConnection, reason: string): void {
    if (!conn.open) return;
    conn.open = false;
    conn.handlers.onClose(reason);
    this.world.clientActivity();
  }
}
