import { compareZxid, formatZxid, type Zxid } from '../zab/zxid.js';
import { isEphemeralMode, nodeKindOf } from './create-mode.js';
import { parentPath } from './paths.js';
import { newStat, type Stat } from './stat.js';
import type { MultiOpTxn, Txn, TxnBody } from './txn.js';
import type { NodeInfo, TreeView } from './view.js';

/** The latest pending state of one path: `node` null means deleted. */
interface NodeRecord {
  readonly kind: 'node';
  readonly zxid: Zxid;
  readonly key: string;
  readonly node: NodeInfo | null;
}

interface SessionRecord {
  readonly kind: 'session';
  readonly zxid: Zxid;
  readonly key: number;
  readonly open: boolean;
}

type PendingRecord = NodeRecord | SessionRecord;

/**
 * The tree as it will be once every proposed txn is applied: ZooKeeper's "outstanding changes".
 * An overlay of per-path (and per-session) records over a base view. Each record is the cumulative
 * state of its key after the txn that wrote it, so once the base has applied that zxid the record says
 * nothing new and `prune` drops it (unless a later txn has replaced it).
 *
 * Also used as a throwaway scratch layer: prepare and apply check a multi's ops one after another
 * against the state the earlier ops leave.
 */
export class PendingView implements TreeView {
  private readonly nodes = new Map<string, NodeRecord>();
  private readonly sessions = new Map<number, SessionRecord>();
  /** Every record written, in zxid order, for pruning. */
  private queue: PendingRecord[] = [];
  private queueHead = 0;
  private lastRecorded: Zxid | undefined;

  constructor(private readonly base: TreeView) {}

  node(path: string): NodeInfo | undefined {
    const rec = this.nodes.get(path);
    if (rec === undefined) return this.base.node(path);
    return rec.node ?? undefined;
  }

  sessionOpen(sessionId: number): boolean {
    const rec = this.sessions.get(sessionId);
    return rec === undefined ? this.base.sessionOpen(sessionId) : rec.open;
  }

  ephemeralPaths(sessionId: number): readonly string[] {
    const out: string[] = [];
    // A base path with a pending record is decided by that record (second loop).
    for (const p of this.base.ephemeralPaths(sessionId)) if (!this.nodes.has(p)) out.push(p);
    for (const [p, rec] of this.nodes) if (rec.node !== null && rec.node.stat.ephemeralOwner === sessionId) out.push(p);
    return out.sort();
  }

  /** Paths and sessions with a pending record. */
  get size(): number {
    return this.nodes.size + this.sessions.size;
  }

  /**
   * Adds the effects of a txn proposed at `zxid`. The txn must have been prepared against this view
   * (so it applies); error txns and failed multis have no effects.
   */
  record(txn: Txn, zxid: Zxid): void {
    if (this.lastRecorded !== undefined && compareZxid(zxid, this.lastRecorded) <= 0) {
      throw new Error(`pending txn ${formatZxid(zxid)} is not after ${formatZxid(this.lastRecorded)}`);
    }
    this.lastRecorded = zxid;
    this.recordBody(txn, zxid, txn.time);
  }

  /** Effects of one txn body, without the zxid ordering check (a multi's ops share one zxid). */
  recordBody(body: TxnBody, zxid: Zxid, time: number): void {
    switch (body.type) {
      case 'multi':
        if (body.ops.some((op) => op.type === 'error')) return;
        for (const op of body.ops) this.recordOp(op, zxid, time);
        return;
      case 'createSession':
        this.setSession(body.sessionId, true, zxid);
        return;
      case 'closeSession':
        for (const p of this.ephemeralPaths(body.sessionId)) this.recordDelete(p, zxid);
        this.setSession(body.sessionId, false, zxid);
        return;
      default:
        this.recordOp(body, zxid, time);
    }
  }

  private recordOp(op: MultiOpTxn, zxid: Zxid, time: number): void {
    switch (op.type) {
      case 'create': {
        const parentKey = parentPath(op.path);
        const parent = this.mustNode(parentKey, op.type);
        this.setNode(parentKey, zxid, {
          ...parent,
          stat: { ...parent.stat, cversion: op.parentCversion, pzxid: zxid, numChildren: parent.stat.numChildren + 1 },
        });
        const owner = isEphemeralMode(op.mode) ? op.ephemeralOwner : 0;
        this.setNode(op.path, zxid, {
          stat: newStat(zxid, time, owner, op.data.length),
          kind: nodeKindOf(op.mode),
          ttlMs: op.ttlMs,
        });
        return;
      }
      case 'delete':
        this.recordDelete(op.path, zxid);
        return;
      case 'setData': {
        const node = this.mustNode(op.path, op.type);
        const stat: Stat = { ...node.stat, version: op.version, mzxid: zxid, mtime: time, dataLength: op.data.length };
        this.setNode(op.path, zxid, { ...node, stat });
        return;
      }
      case 'check':
      case 'error':
        return;
    }
  }

  private recordDelete(path: string, zxid: Zxid): void {
    this.mustNode(path, 'delete');
    const parentKey = parentPath(path);
    const parent = this.mustNode(parentKey, 'delete');
    this.setNode(parentKey, zxid, {
      ...parent,
      stat: { ...parent.stat, pzxid: zxid, numChildren: parent.stat.numChildren - 1 },
    });
    this.setNode(path, zxid, null);
  }

  /** Drops what the base has caught up with: every record written at or before `applied`. */
  prune(applied: Zxid): void {
    while (this.queueHead < this.queue.length) {
      const rec = this.queue[this.queueHead]!;
      if (compareZxid(rec.zxid, applied) > 0) break;
      this.queueHead++;
      if (rec.kind === 'node') {
        if (this.nodes.get(rec.key) === rec) this.nodes.delete(rec.key);
      } else if (this.sessions.get(rec.key) === rec) {
        this.sessions.delete(rec.key);
      }
    }
    // Compact once the consumed prefix dominates, so the queue does not grow without bound.
    if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.queueHead);
      this.queueHead = 0;
    }
  }

  /** Forgets every pending change (the leader lost its role: its proposals may never commit). */
  clear(): void {
    this.nodes.clear();
    this.sessions.clear();
    this.queue = [];
    this.queueHead = 0;
    this.lastRecorded = undefined;
  }

  private mustNode(path: string, op: string): NodeInfo {
    const node = this.node(path);
    // Recording a txn that does not fit the view means prepare and record disagree: a bug, not input.
    if (node === undefined) throw new Error(`pending ${op} needs ${path}, which this view does not have`);
    return node;
  }

  private setNode(path: string, zxid: Zxid, node: NodeInfo | null): void {
    const rec: NodeRecord = { kind: 'node', zxid, key: path, node };
    this.nodes.set(path, rec);
    this.queue.push(rec);
  }

  private setSession(sessionId: number, open: boolean, zxid: Zxid): void {
    const rec: SessionRecord = { kind: 'session', zxid, key: sessionId, open };
    this.sessions.set(sessionId, rec);
    this.queue.push(rec);
  }
}
