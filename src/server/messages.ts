import type { WriteRequest, Txn as TreeTxn } from '../tree/index.js';
import type { MemberId, ZabMessage } from '../zab/messages.js';

/** What a member forwards to the leader on behalf of one of its clients. */
export type Forwarded =
  | { readonly kind: 'write'; readonly request: WriteRequest }
  /** A no-op through Zab: once it commits, the leader was still the leader and everything before it is visible. */
  | { readonly kind: 'sync' }
  | { readonly kind: 'createSession'; readonly timeoutMs: number; readonly password: Uint8Array; readonly connection: number }
  | { readonly kind: 'closeSession' };

/** Member ↔ leader traffic above Zab. */
export type ServerMessage =
  | { readonly type: 'FORWARD'; readonly sessionId: number; readonly xid: number; readonly request: Forwarded }
  /** Sessions whose clients were heard from since the last touch (ZooKeeper piggybacks these on PING). */
  | { readonly type: 'TOUCH'; readonly sessions: readonly number[] }
  /** A client reconnected here: is its session still alive? The leader also records us as its owner. */
  | { readonly type: 'REVALIDATE'; readonly sessionId: number; readonly connection: number }
  /**
   * `lastXid`: the last xid the leader took from the session (absent when none, or from a member that
   * does not send it). A client that numbers its requests per connection (ZooKeeper's clients through
   * the ZooKeeper port) must continue above it, or the leader takes its writes for duplicates.
   */
  | { readonly type: 'REVALIDATED'; readonly sessionId: number; readonly connection: number; readonly valid: boolean; readonly lastXid?: number }
  /** Leader → member: these sessions are gone or closing; drop their connections. */
  | { readonly type: 'EXPIRED'; readonly sessions: readonly number[] };

export type PeerMessage = { readonly layer: 'zab'; readonly message: ZabMessage } | { readonly layer: 'server'; readonly message: ServerMessage };

/**
 * The payload Zab carries: a tree txn (or a sync no-op) plus who asked for it, so the member the
 * client is attached to can answer when it applies the txn (ZooKeeper's request header).
 */
export interface ServerTxn {
  readonly origin: MemberId;
  readonly sessionId: number;
  readonly xid: number;
  /** A sync is an error txn with code OK: it changes nothing but takes a zxid through the quorum. */
  readonly body: TreeTxn;
  readonly sync?: true;
  /** For createSession: the secret the client must show to reconnect, and which connection asked. */
  readonly password?: Uint8Array;
  readonly connection?: number;
  /** For a refused request: the human detail of the error. */
  readonly message?: string;
}
