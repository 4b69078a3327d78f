import type { Zxid } from '../zab/zxid.js';
import type { ErrorCode } from './errors.js';
import type { Stat } from './stat.js';

export type WatchEventType = 'NodeCreated' | 'NodeDeleted' | 'NodeDataChanged' | 'NodeChildrenChanged';

/** A change a watch may cover, in the order apply made it; the server fires watches from these. */
export interface WatchTrigger {
  readonly type: WatchEventType;
  readonly path: string;
}

export type OpResult =
  | { readonly type: 'create'; readonly path: string; readonly stat: Stat }
  | { readonly type: 'delete'; readonly path: string }
  | { readonly type: 'setData'; readonly path: string; readonly stat: Stat }
  | { readonly type: 'check'; readonly path: string }
  | { readonly type: 'error'; readonly code: ErrorCode };

export type TxnResult =
  | OpResult
  /** One result per op; on failure every one is an error result (OK before the failing op). */
  | { readonly type: 'multi'; readonly results: readonly OpResult[] }
  | { readonly type: 'createSession'; readonly sessionId: number }
  | { readonly type: 'closeSession'; readonly sessionId: number; readonly deletedPaths: readonly string[] };

export interface ApplyResult {
  readonly zxid: Zxid;
  /** OK, or why the txn changed nothing (for a failed multi: the failing op's code). */
  readonly code: ErrorCode;
  readonly result: TxnResult;
  /** Empty when code is not OK. */
  readonly triggers: readonly WatchTrigger[];
}
