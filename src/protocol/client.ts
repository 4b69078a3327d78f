/**
 * The client ↔ member protocol: what a ZooKeeper-shaped client says to the ensemble member it is
 * connected to, and what it hears back. The same messages travel over an in-memory link (simulator,
 * tests, a client inside the same tab), a local WebSocket (Node) or a data channel; `codec/` turns
 * them into bytes. Data is always a Uint8Array; zxids are (epoch, counter) pairs.
 */
import type { Zxid } from '../zab/zxid.js';

export type CreateMode =
  | 'PERSISTENT'
  | 'PERSISTENT_SEQUENTIAL'
  | 'EPHEMERAL'
  | 'EPHEMERAL_SEQUENTIAL'
  | 'CONTAINER'
  | 'PERSISTENT_WITH_TTL'
  | 'PERSISTENT_SEQUENTIAL_WITH_TTL';

export const CREATE_MODES: readonly CreateMode[] = [
  'PERSISTENT',
  'PERSISTENT_SEQUENTIAL',
  'EPHEMERAL',
  'EPHEMERAL_SEQUENTIAL',
  'CONTAINER',
  'PERSISTENT_WITH_TTL',
  'PERSISTENT_SEQUENTIAL_WITH_TTL',
];

export interface Stat {
  /** The txn that created the node. */
  readonly czxid: Zxid;
  /** The txn that last changed the node's data (the create, until a setData). */
  readonly mzxid: Zxid;
  /** The txn that last added or removed a child (the create, until then). */
  readonly pzxid: Zxid;
  /** Leader-assigned times (ms) carried in the txns. */
  readonly ctime: number;
  readonly mtime: number;
  /** Changes to the data. */
  readonly version: number;
  /**
   * Changes to the children: creates plus deletes, as ZooKeeper 3.8 reports it. (Members store the
   * count of creates, which names sequential children, and report 2·that − numChildren, as ZooKeeper's
   * DataNode does; so the root, whose `/zookeeper` was never counted, shows −1 until it has others.)
   */
  readonly cversion: number;
  /** Changes to the ACL; always 0 here (no ACLs yet). */
  readonly aversion: number;
  /** Session id of the owner of an ephemeral node, 0 otherwise. */
  readonly ephemeralOwner: number;
  readonly dataLength: number;
  readonly numChildren: number;
}

/** Operations allowed inside `multi` (all-or-nothing). */
export type MultiOp =
  | { readonly op: 'create'; readonly path: string; readonly data: Uint8Array; readonly mode: CreateMode; readonly ttlMs?: number }
  | { readonly op: 'delete'; readonly path: string; readonly version: number }
  | { readonly op: 'setData'; readonly path: string; readonly data: Uint8Array; readonly version: number }
  | { readonly op: 'check'; readonly path: string; readonly version: number };

export type WatchMode = 'PERSISTENT' | 'PERSISTENT_RECURSIVE';
export type WatcherType = 'CHILDREN' | 'DATA' | 'ANY';

export type Operation =
  | MultiOp
  | { readonly op: 'getData'; readonly path: string; readonly watch: boolean }
  | { readonly op: 'exists'; readonly path: string; readonly watch: boolean }
  | { readonly op: 'getChildren'; readonly path: string; readonly watch: boolean; readonly withStat: boolean }
  | { readonly op: 'getEphemerals'; readonly prefix: string }
  /** How many nodes lie below `path` (children, their children, …; not `path` itself). */
  | { readonly op: 'getAllChildrenNumber'; readonly path: string }
  | { readonly op: 'multi'; readonly ops: readonly MultiOp[] }
  /** Returns once this member has applied everything committed before the sync began (confirmed by a quorum). */
  | { readonly op: 'sync'; readonly path: string }
  | { readonly op: 'addWatch'; readonly path: string; readonly mode: WatchMode }
  | { readonly op: 'removeWatches'; readonly path: string; readonly type: WatcherType }
  /** Whether this session holds a watch of `type` on `path` on this member (NOWATCHER if not); changes nothing. */
  | { readonly op: 'checkWatches'; readonly path: string; readonly type: WatcherType }
  | { readonly op: 'closeSession' };

export type OperationName = Operation['op'];

/** Per-op outcome inside a multi: ZooKeeper reports the failing op's error and RUNTIMEINCONSISTENCY for the rest. */
export type MultiResult =
  | { readonly op: 'create'; readonly path: string; readonly stat: Stat }
  | { readonly op: 'delete' }
  | { readonly op: 'setData'; readonly stat: Stat }
  | { readonly op: 'check' }
  | { readonly op: 'error'; readonly err: number };

export type OperationResult =
  | { readonly op: 'create'; readonly path: string; readonly stat: Stat }
  | { readonly op: 'delete' }
  | { readonly op: 'setData'; readonly stat: Stat }
  | { readonly op: 'check' }
  | { readonly op: 'getData'; readonly data: Uint8Array; readonly stat: Stat }
  | { readonly op: 'exists'; readonly stat: Stat | null }
  | { readonly op: 'getChildren'; readonly children: readonly string[]; readonly stat?: Stat }
  | { readonly op: 'getEphemerals'; readonly paths: readonly string[] }
  | { readonly op: 'getAllChildrenNumber'; readonly count: number }
  | { readonly op: 'multi'; readonly results: readonly MultiResult[] }
  | { readonly op: 'sync'; readonly path: string }
  | { readonly op: 'addWatch' }
  | { readonly op: 'removeWatches' }
  | { readonly op: 'checkWatches' }
  | { readonly op: 'closeSession' };

export type EventType = 'NodeCreated' | 'NodeDeleted' | 'NodeDataChanged' | 'NodeChildrenChanged';

// ---- client → member -----------------------------------------------------------------------

export interface ConnectRequest {
  readonly type: 'connect';
  /** 0 asks for a new session. */
  readonly sessionId: number;
  /** The secret that proves a session belongs to this client (empty for a new session). */
  readonly password: Uint8Array;
  readonly timeoutMs: number;
  /** The highest zxid this client has seen: a member behind it must refuse (reads stay monotonic). */
  readonly lastZxidSeen: Zxid;
  /** Accept a member cut off from its quorum: reads only, marked as possibly stale. */
  readonly canBeReadOnly: boolean;
  /**
   * Wire hint (codec/client-wire.ts): this client writes msgpackr records after its connect and reads
   * them in replies. Absent or false: plain msgpack both ways, as any msgpack library writes.
   */
  readonly records?: boolean;
}

export interface OperationRequest {
  readonly type: 'request';
  /** Client-chosen, increasing: replies come back in this order (per-session FIFO). */
  readonly xid: number;
  readonly operation: Operation;
}

/** Re-registers watches after a reconnect; the member fires those whose node changed since `lastZxid`. */
export interface SetWatchesRequest {
  readonly type: 'setWatches';
  readonly lastZxid: Zxid;
  readonly data: readonly string[];
  readonly exist: readonly string[];
  readonly children: readonly string[];
  readonly persistent: readonly string[];
  readonly persistentRecursive: readonly string[];
}

export interface PingRequest {
  readonly type: 'ping';
}

export type ClientToMember = ConnectRequest | OperationRequest | SetWatchesRequest | PingRequest;

// ---- member → client -----------------------------------------------------------------------

export interface Connected {
  readonly type: 'connected';
  readonly sessionId: number;
  readonly password: Uint8Array;
  /** Negotiated: clamped to [2, 20] ticks of the ensemble, like ZooKeeper. */
  readonly timeoutMs: number;
  readonly readOnly: boolean;
  readonly memberId: number;
  /**
   * The member's last applied zxid as it accepted the session (at or past the session's createSession).
   * The client's lastZxidSeen takes it in: a member that has not applied this far — one that may not
   * know the session yet — must not be the one to judge it on a reconnect.
   */
  readonly zxid: Zxid;
  /**
   * On a reconnect, the last xid the leader took from the session, when it knows one. A client must
   * number its requests above it (the leader drops an xid it has seen as a duplicate); peerkeeper's
   * own client does anyway, ZooKeeper's clients number per connection and the ZooKeeper port
   * renumbers from here.
   */
  readonly lastXid?: number;
}

export interface ConnectRefused {
  readonly type: 'connectRefused';
  /** SESSIONEXPIRED for an unknown or expired session; CONNECTIONLOSS with a reason to try elsewhere. */
  readonly err: number;
  readonly reason: string;
}

export interface OperationResponse {
  readonly type: 'response';
  readonly xid: number;
  /** The member's last applied zxid when it answered: the client's lastZxidSeen grows from these. */
  readonly zxid: Zxid;
  /** 0 (OK) or a ZooKeeper error code. */
  readonly err: number;
  readonly result?: OperationResult;
  /** Human detail for an error (which path, which version was expected). */
  readonly message?: string;
  /** Answered by a member without a quorum: the data may be stale. */
  readonly readOnly?: boolean;
}

export interface WatchEvent {
  readonly type: 'watch';
  readonly event: EventType;
  readonly path: string;
  readonly zxid: Zxid;
}

export interface PingResponse {
  readonly type: 'pong';
  readonly zxid: Zxid;
}

/** The member is going away (its session may live on elsewhere) or the session was closed or expired. */
export interface Disconnect {
  readonly type: 'disconnect';
  readonly err: number;
  readonly reason: string;
}

export type MemberToClient = Connected | ConnectRefused | OperationResponse | WatchEvent | PingResponse | Disconnect;


/** How a client reaches members: open a connection to one, get messages and the close back. */
export interface ConnectionHandlers {
  onMessage(message: MemberToClient): void;
  onClose(reason: string): void;
}

export interface MemberConnection {
  send(message: ClientToMember): void;
  close(): void;
  /** A frame from this client that could not be decoded (the transport closes the connection; this counts it). */
  badFrame?(reason: string): void;
  /**
   * Bytes handed to `send` that have not left this process yet (a WebSocket's bufferedAmount), when
   * the connection can tell: while ours are still going out, the member's silence is not its own.
   */
  unsentBytes?(): number;
}

/**
 * Opens a connection to the member at `index` of the client's member list, or returns null when it
 * cannot be reached right now. Implementations: in-memory (simulator, same tab), WebSocket (Node).
 */
export type Connector = (index: number, handlers: ConnectionHandlers) => MemberConnection | null;

/** Time as the client sees it: real timers in a runtime, virtual ones in the simulator. */
export interface Scheduler {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}
