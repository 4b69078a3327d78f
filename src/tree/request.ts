import type { CreateMode } from './create-mode.js';

/**
 * Write requests as a member's request pipeline hands them to the leader's prepare step. They come
 * from clients over the network, so prepare checks every field and answers bad ones with BADARGUMENTS.
 */

export interface CreateRequest {
  readonly type: 'create';
  /** For sequential modes, the prefix the counter completes (it may end in "/"). */
  readonly path: string;
  readonly data: Uint8Array;
  readonly mode: CreateMode;
  /** Only with PERSISTENT_WITH_TTL / PERSISTENT_SEQUENTIAL_WITH_TTL, in [1, MAX_TTL_MS]. */
  readonly ttlMs?: number;
}

export interface DeleteRequest {
  readonly type: 'delete';
  readonly path: string;
  /** Expected data version; -1 = any. */
  readonly version: number;
}

export interface SetDataRequest {
  readonly type: 'setData';
  readonly path: string;
  readonly data: Uint8Array;
  /** Expected data version; -1 = any. */
  readonly version: number;
}

export interface CheckRequest {
  readonly type: 'check';
  readonly path: string;
  /** Expected data version; -1 = any (then it only checks the node exists). */
  readonly version: number;
}

export type MultiOpRequest = CreateRequest | DeleteRequest | SetDataRequest | CheckRequest;

export interface MultiRequest {
  readonly type: 'multi';
  readonly ops: readonly MultiOpRequest[];
}

export interface CreateSessionRequest {
  readonly type: 'createSession';
  readonly sessionId: number;
  readonly timeoutMs: number;
}

export interface CloseSessionRequest {
  readonly type: 'closeSession';
  readonly sessionId: number;
}

/**
 * The leader's own request to remove an empty container or an expired TTL node (from
 * `containerCandidates()` / `expiredTtlNodes()`); rechecked against the pending view first.
 */
export interface DeleteContainerRequest {
  readonly type: 'deleteContainer';
  readonly path: string;
}

export type WriteRequest =
  | MultiOpRequest
  | MultiRequest
  | CreateSessionRequest
  | CloseSessionRequest
  | DeleteContainerRequest;

export interface RequestContext {
  /** The session that sent the request; 0 for the leader's own requests. */
  readonly sessionId: number;
  /** The leader's clock (ms): becomes the txn's time, hence ctime/mtime on every member. */
  readonly time: number;
}
