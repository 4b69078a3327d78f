/** Public types of the client that are not part of the wire protocol. */
import type { Connector, CreateMode, EventType, Scheduler, Stat } from '../protocol/client.js';
import type { Zxid } from '../zab/zxid.js';

/**
 * CONNECTING: looking for a member. CONNECTED / CONNECTED_READ_ONLY: attached to one (read-only: it
 * has no quorum; reads may be stale, writes fail with NOTREADONLY). DISCONNECTED: the connection just
 * broke, the session may live on (a reconnect follows). EXPIRED and CLOSED are terminal.
 */
export type ConnectionState =
  | 'CONNECTING'
  | 'CONNECTED'
  | 'CONNECTED_READ_ONLY'
  | 'DISCONNECTED'
  | 'EXPIRED'
  | 'CLOSED';

/** `None` is a state change (EXPIRED or CLOSED) delivered to every registered watcher as its last event. */
export type WatchedEventType =
  | EventType
  | 'None'
  | 'DataWatchRemoved'
  | 'ChildWatchRemoved'
  | 'PersistentWatchRemoved';

export interface WatchedEvent {
  readonly type: WatchedEventType;
  /** Null for `None`. */
  readonly path: string | null;
  /** The client's connection state when the event was dispatched. */
  readonly state: ConnectionState;
  /** The zxid of the change, for events that came from the member. */
  readonly zxid: Zxid | null;
}

export type Watcher = (event: WatchedEvent) => void;

/** Node data: bytes, or a string stored as UTF-8. null/undefined store an empty node. */
export type Data = Uint8Array | string | null | undefined;

export interface StateChange {
  readonly state: ConnectionState;
  readonly previous: ConnectionState;
  /** Why: the member's refusal, the silence, the protocol error... */
  readonly reason?: string;
  /** The connector index of the member, for connected states. */
  readonly memberIndex?: number;
}

export interface ClientOptions {
  readonly connector: Connector;
  /** How many member indexes the connector knows: 0 .. members-1. */
  readonly members: number;
  /** Requested; the member clamps it to [2, 20] ticks and the negotiated value is what counts. */
  readonly sessionTimeoutMs: number;
  /** Accept a member cut off from its quorum (reads only, possibly stale). Default false. */
  readonly canBeReadOnly?: boolean;
  /** Defaults to `realScheduler`; the simulator passes its virtual clock. */
  readonly scheduler?: Scheduler;
  /** Uniform in [0, 1): shuffles the member order and jitters backoff. Defaults to Math.random. */
  readonly random?: () => number;
  /** The watcher that `watch: true` registers (it also emits 'watch' events). */
  readonly watcher?: Watcher;
  /** How long one connect handshake may take. Default: sessionTimeoutMs / members (ZooKeeper's). */
  readonly connectTimeoutMs?: number;
  /**
   * Resuming the session after a lost connection, the next member is tried (as well) when one has
   * not answered for this long; the first to attach the session wins. Default: 200 ms (at most
   * connectTimeoutMs). A new session's attempts never overlap.
   */
  readonly connectStaggerMs?: number;
  /**
   * A request unanswered this long makes the client ping, and a ping unanswered this long makes it
   * leave the member. Default: a tenth of the negotiated session timeout, within 250 ms–1 s (never
   * above 2/3 of it, ZooKeeper's read timeout, which stays the outer bound).
   */
  readonly answerTimeoutMs?: number;
  /** How long a request made while not connected waits for a connection. Default: sessionTimeoutMs. */
  readonly connectWaitMs?: number;
  /** Pause after a full round of members failed: doubles from `initial` up to `max` (jittered). */
  readonly reconnectBackoffMs?: { readonly initial: number; readonly max: number };
  /** While read-only, how often to look for a read-write member: doubles from `initial` to `max`. */
  readonly readWriteProbeMs?: { readonly initial: number; readonly max: number };
}

export interface CreateOptions {
  readonly mode?: CreateMode;
  /** Only for the *_WITH_TTL modes: the node is removed when unmodified and childless this long. */
  readonly ttlMs?: number;
}

export interface WatchOption {
  /** true: the default watcher; a function: that watcher. One-shot either way. */
  readonly watch?: boolean | Watcher;
}

export interface DataResult {
  readonly data: Uint8Array;
  readonly stat: Stat;
}

export interface ChildrenResult {
  readonly children: string[];
  readonly stat: Stat;
}

export interface CreateResult {
  readonly path: string;
  readonly stat: Stat;
}
