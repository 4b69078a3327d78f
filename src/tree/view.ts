import type { NodeKind } from './create-mode.js';
import type { Stat } from './stat.js';

/** What validation needs to know about one node. */
export interface NodeInfo {
  readonly stat: Stat;
  readonly kind: NodeKind;
  /** For 'ttl' nodes, else 0. */
  readonly ttlMs: number;
}

/**
 * A read-only view of the tree's shape, enough to decide whether a txn applies: the committed tree
 * implements it, and so does a pending view layered over it (the tree plus txns not yet applied).
 */
export interface TreeView {
  node(path: string): NodeInfo | undefined;
  sessionOpen(sessionId: number): boolean;
  /** The session's ephemeral paths, sorted. */
  ephemeralPaths(sessionId: number): readonly string[];
}
