import { compareZxid, formatZxid, ZXID_ZERO, type Zxid } from '../zab/zxid.js';
import { checkOp } from './check.js';
import { isEphemeralMode, nodeKindOf, type NodeKind } from './create-mode.js';
import { DigestSum, hashContent, hashNode, hashSession, type Hash64 } from './digest.js';
import { ErrorCode, ZkError } from './errors.js';
import { failedMultiResults, failedOnLeader } from './multi-outcome.js';
import { baseName, parentPath, RESERVED_PATH, ROOT_PATH, validatePath } from './paths.js';
import { PendingView } from './pending.js';
import type { ApplyResult, OpResult, TxnResult, WatchTrigger } from './results.js';
import { clientStat, copyStat, newStat, type MutableStat, type Stat } from './stat.js';
import type { CloseSessionTxn, CreateTxn, MultiOpTxn, MultiTxn, SetDataTxn, Txn } from './txn.js';
import type { NodeInfo, TreeView } from './view.js';

interface ZNode {
  data: Uint8Array;
  readonly stat: MutableStat;
  readonly kind: NodeKind;
  readonly ttlMs: number;
  /** Child names (not paths). */
  readonly children: Set<string>;
  /** Hash of path, data, kind and TTL: recomputed on setData only. */
  content: Hash64;
  /** This node's share of the digest. */
  hash: Hash64;
}

/** One node as snapshots carry it; numChildren and dataLength are derived on import. */
export interface NodeState {
  readonly path: string;
  readonly data: Uint8Array;
  readonly stat: Stat;
  readonly kind: NodeKind;
  readonly ttlMs: number;
}

export interface SessionState {
  readonly sessionId: number;
  readonly timeoutMs: number;
}

/** Everything the tree is, as plain data, in a canonical order (nodes and sessions sorted). */
export interface TreeState {
  readonly lastZxid: Zxid;
  readonly sessions: readonly SessionState[];
  readonly nodes: readonly NodeState[];
}

export interface ContainerCandidateOptions {
  /** With maxNeverUsedMs, also containers that never had a child and are older than that. */
  readonly nowMs: number;
  readonly maxNeverUsedMs: number;
}

/**
 * The znode tree of one member. `apply` is the only way it changes, and is deterministic: the same
 * txns at the same zxids give the same nodes, stats, sessions and digest on every member. It reads no
 * clock; times come from the txns, and "now" for TTL expiry is an argument.
 */
export class DataTree implements TreeView {
  private readonly nodes = new Map<string, ZNode>();
  private readonly sessionTable = new Map<number, number>();
  private readonly ephemerals = new Map<number, Set<string>>();
  private readonly containers = new Set<string>();
  private readonly ttls = new Set<string>();
  private readonly sum = new DigestSum();
  private last: Zxid = ZXID_ZERO;

  /** A fresh tree: "/" and ZooKeeper's reserved "/zookeeper", all stats zero. */
  constructor() {
    const zero = newStat(ZXID_ZERO, 0, 0, 0);
    this.addNode(ROOT_PATH, new Uint8Array(0), { ...zero }, 'persistent', 0);
    // Added directly, as ZooKeeper does: the root's cversion and pzxid stay 0.
    this.addNode(RESERVED_PATH, new Uint8Array(0), { ...zero }, 'persistent', 0);
    this.linkChild(RESERVED_PATH);
  }

  get lastZxid(): Zxid {
    return this.last;
  }

  /** The incremental digest after the last applied txn. */
  get digest(): string {
    return this.sum.value;
  }

  /** The digest recomputed from every node and session: a cross-check for tests and recovery. */
  fullDigest(): string {
    const sum = new DigestSum();
    for (const [path, n] of this.nodes) sum.add(hashNode(hashContent(path, n.data, n.kind, n.ttlMs), n.stat));
    for (const [id, timeout] of this.sessionTable) sum.add(hashSession(id, timeout));
    return sum.value;
  }

  get nodeCount(): number {
    return this.nodes.size;
  }

  // ---- TreeView ----

  node(path: string): NodeInfo | undefined {
    const n = this.nodes.get(path);
    return n === undefined ? undefined : { stat: copyStat(n.stat), kind: n.kind, ttlMs: n.ttlMs };
  }

  sessionOpen(sessionId: number): boolean {
    return this.sessionTable.has(sessionId);
  }

  ephemeralPaths(sessionId: number): readonly string[] {
    return [...(this.ephemerals.get(sessionId) ?? [])].sort();
  }

  // ---- reads (validate the path: BADARGUMENTS; a missing node: NONODE); stats as clients see them ----

  exists(path: string): Stat | null {
    validatePath(path);
    const n = this.nodes.get(path);
    return n === undefined ? null : clientStat(n.stat);
  }

  getData(path: string): { data: Uint8Array; stat: Stat } {
    const n = this.mustGet(path);
    return { data: n.data.slice(), stat: clientStat(n.stat) };
  }

  /** Children names sorted (ZooKeeper leaves the order unspecified; sorted is deterministic). */
  getChildren(path: string): { children: string[]; stat: Stat } {
    const n = this.mustGet(path);
    return { children: [...n.children].sort(), stat: clientStat(n.stat) };
  }

  /** How many nodes lie below `path` (ZooKeeper's getAllChildrenNumber): every descendant, not the node itself. */
  getAllChildrenNumber(path: string): number {
    const start = this.mustGet(path);
    let count = 0;
    const stack: { node: ZNode; path: string }[] = [{ node: start, path }];
    while (stack.length > 0) {
      const { node, path: at } = stack.pop()!;
      for (const name of node.children) {
        const childPath = at === ROOT_PATH ? `/${name}` : `${at}/${name}`;
        count++;
        const child = this.nodes.get(childPath);
        if (child !== undefined && child.children.size > 0) stack.push({ node: child, path: childPath });
      }
    }
    return count;
  }

  /** The session's ephemeral paths that start with `prefix`, sorted (ZooKeeper's getEphemerals). */
  getEphemerals(sessionId: number, prefix: string = ROOT_PATH): string[] {
    return this.ephemeralPaths(sessionId).filter((p) => p.startsWith(prefix));
  }

  sessionTimeoutMs(sessionId: number): number | undefined {
    return this.sessionTable.get(sessionId);
  }

  sessions(): SessionState[] {
    return [...this.sessionTable]
      .map(([sessionId, timeoutMs]) => ({ sessionId, timeoutMs }))
      .sort((x, y) => x.sessionId - y.sessionId);
  }

  /**
   * Containers the leader should delete: no children now, and some child once (cversion > 0), or
   * never used for longer than `maxNeverUsedMs`. The tree never deletes them itself; the leader turns
   * these into deleteContainer requests, so the deletion is a txn like any other.
   */
  containerCandidates(options?: ContainerCandidateOptions): string[] {
    const out: string[] = [];
    for (const path of this.containers) {
      const n = this.nodes.get(path)!;
      if (n.children.size > 0) continue;
      if (n.stat.cversion > 0) out.push(path);
      else if (options !== undefined && options.maxNeverUsedMs > 0 && options.nowMs - n.stat.mtime > options.maxNeverUsedMs) {
        out.push(path);
      }
    }
    return out.sort();
  }

  /** TTL nodes without children that nobody has written for longer than their TTL. */
  expiredTtlNodes(nowMs: number): string[] {
    const out: string[] = [];
    for (const path of this.ttls) {
      const n = this.nodes.get(path)!;
      if (n.children.size === 0 && nowMs - n.stat.mtime > n.ttlMs) out.push(path);
    }
    return out.sort();
  }

  // ---- apply ----

  /**
   * Applies one committed txn at `zxid` (strictly after lastZxid). A txn that no longer fits (which
   * prepare should have prevented) changes nothing but still advances lastZxid, on every member alike.
   */
  apply(txn: Txn, zxid: Zxid): ApplyResult {
    if (compareZxid(zxid, this.last) <= 0) {
      throw new Error(`apply ${formatZxid(zxid)} is not after the tree's ${formatZxid(this.last)}`);
    }
    const triggers: WatchTrigger[] = [];
    let code: ErrorCode = ErrorCode.OK;
    let result: TxnResult;
    switch (txn.type) {
      case 'multi': {
        const multi = this.applyMulti(txn, zxid, txn.time, triggers);
        code = multi.code;
        result = { type: 'multi', results: multi.results };
        break;
      }
      case 'createSession':
        this.putSession(txn.sessionId, txn.timeoutMs);
        result = { type: 'createSession', sessionId: txn.sessionId };
        break;
      case 'closeSession':
        result = this.closeSession(txn, zxid, triggers);
        break;
      default: {
        const err = checkOp(this, txn);
        if (err !== undefined) {
          code = err.code;
          result = { type: 'error', code };
        } else {
          result = this.applyOp(txn, zxid, txn.time, triggers);
        }
      }
    }
    this.last = zxid;
    return { zxid, code, result, triggers };
  }

  private applyMulti(
    txn: MultiTxn,
    zxid: Zxid,
    time: number,
    triggers: WatchTrigger[],
  ): { code: ErrorCode; results: OpResult[] } {
    let { failedAt, failure } = failedOnLeader(txn.ops);
    if (failedAt < 0) {
      // Check every op against the state the earlier ones leave before touching anything.
      const scratch = new PendingView(this);
      for (let i = 0; i < txn.ops.length && failedAt < 0; i++) {
        const op = txn.ops[i]!;
        const err = checkOp(scratch, op);
        if (err !== undefined) {
          failedAt = i;
          failure = err.code;
        } else {
          scratch.recordBody(op, zxid, time);
        }
      }
    }
    if (failedAt >= 0) return { code: failure, results: failedMultiResults(txn.ops, failedAt, failure) };
    return { code: ErrorCode.OK, results: txn.ops.map((op) => this.applyOp(op, zxid, time, triggers)) };
  }

  /** Applies one op that checkOp accepted. */
  private applyOp(op: MultiOpTxn, zxid: Zxid, time: number, triggers: WatchTrigger[]): OpResult {
    switch (op.type) {
      case 'create':
        return this.create(op, zxid, time, triggers);
      case 'delete':
        this.remove(op.path, zxid, triggers);
        return { type: 'delete', path: op.path };
      case 'setData':
        return this.setData(op, zxid, time, triggers);
      case 'check':
        return { type: 'check', path: op.path };
      case 'error':
        return { type: 'error', code: op.code };
    }
  }

  private create(op: CreateTxn, zxid: Zxid, time: number, triggers: WatchTrigger[]): OpResult {
    const owner = isEphemeralMode(op.mode) ? op.ephemeralOwner : 0;
    const kind = nodeKindOf(op.mode);
    const node = this.addNode(op.path, new Uint8Array(op.data), newStat(zxid, time, owner, op.data.length), kind, op.ttlMs);
    const parentKey = this.linkChild(op.path);
    this.updateStat(this.nodes.get(parentKey)!, (s) => {
      s.cversion = op.parentCversion;
      s.pzxid = zxid;
    });
    triggers.push({ type: 'NodeCreated', path: op.path }, { type: 'NodeChildrenChanged', path: parentKey });
    return { type: 'create', path: op.path, stat: clientStat(node.stat) };
  }

  private setData(op: SetDataTxn, zxid: Zxid, time: number, triggers: WatchTrigger[]): OpResult {
    const node = this.nodes.get(op.path)!;
    node.data = new Uint8Array(op.data);
    node.content = hashContent(op.path, node.data, node.kind, node.ttlMs);
    this.updateStat(node, (s) => {
      s.version = op.version;
      s.mzxid = zxid;
      s.mtime = time;
      s.dataLength = node.data.length;
    });
    triggers.push({ type: 'NodeDataChanged', path: op.path });
    return { type: 'setData', path: op.path, stat: clientStat(node.stat) };
  }

  private remove(path: string, zxid: Zxid, triggers: WatchTrigger[]): void {
    const node = this.nodes.get(path)!;
    const parentKey = parentPath(path);
    const parent = this.nodes.get(parentKey)!;
    this.nodes.delete(path);
    this.sum.remove(node.hash);
    if (node.kind === 'ephemeral') {
      const owned = this.ephemerals.get(node.stat.ephemeralOwner);
      owned?.delete(path);
      if (owned?.size === 0) this.ephemerals.delete(node.stat.ephemeralOwner);
    } else if (node.kind === 'container') {
      this.containers.delete(path);
    } else if (node.kind === 'ttl') {
      this.ttls.delete(path);
    }
    parent.children.delete(baseName(path));
    // The stored cversion counts creates (it names sequential children), so a delete moves only pzxid
    // and numChildren; clients still see the delete in cversion, derived as ZooKeeper does (clientStat).
    this.updateStat(parent, (s) => {
      s.pzxid = zxid;
      s.numChildren = parent.children.size;
    });
    triggers.push({ type: 'NodeDeleted', path }, { type: 'NodeChildrenChanged', path: parentKey });
  }

  private closeSession(txn: CloseSessionTxn, zxid: Zxid, triggers: WatchTrigger[]): TxnResult {
    const deletedPaths = this.ephemeralPaths(txn.sessionId);
    for (const path of deletedPaths) this.remove(path, zxid, triggers);
    const timeout = this.sessionTable.get(txn.sessionId);
    if (timeout !== undefined) {
      this.sum.remove(hashSession(txn.sessionId, timeout));
      this.sessionTable.delete(txn.sessionId);
    }
    return { type: 'closeSession', sessionId: txn.sessionId, deletedPaths };
  }

  private putSession(sessionId: number, timeoutMs: number): void {
    const old = this.sessionTable.get(sessionId);
    if (old !== undefined) this.sum.remove(hashSession(sessionId, old));
    this.sessionTable.set(sessionId, timeoutMs);
    this.sum.add(hashSession(sessionId, timeoutMs));
  }

  /**
   * TEST ONLY: flips the first byte of a node's data (or gives empty data one byte) outside `apply`,
   * the digest following, as a member with a bug would. It exists so tests can prove that
   * `peerkeeper check` notices a divergence; nothing in normal operation calls it. False: no such node.
   */
  corruptDataForTesting(path: string): boolean {
    const node = this.nodes.get(path);
    if (node === undefined) return false;
    const data = node.data.length > 0 ? node.data.slice() : new Uint8Array(1);
    data[0] = data[0]! ^ 0xff;
    node.data = data;
    node.content = hashContent(path, data, node.kind, node.ttlMs);
    this.updateStat(node, (s) => {
      s.dataLength = data.length;
    });
    return true;
  }

  // ---- primitives: every change to a node goes through these, so the digest follows ----

  /** Inserts a node (not yet linked to its parent) and adds it to the digest and indexes. */
  private addNode(path: string, data: Uint8Array, stat: MutableStat, kind: NodeKind, ttlMs: number): ZNode {
    const content = hashContent(path, data, kind, ttlMs);
    const node: ZNode = { data, stat, kind, ttlMs, children: new Set(), content, hash: hashNode(content, stat) };
    this.nodes.set(path, node);
    this.sum.add(node.hash);
    if (kind === 'ephemeral') {
      let owned = this.ephemerals.get(stat.ephemeralOwner);
      if (owned === undefined) this.ephemerals.set(stat.ephemeralOwner, (owned = new Set()));
      owned.add(path);
    } else if (kind === 'container') {
      this.containers.add(path);
    } else if (kind === 'ttl') {
      this.ttls.add(path);
    }
    return node;
  }

  /** Adds `path` to its parent's children and numChildren; returns the parent's path. */
  private linkChild(path: string): string {
    const parentKey = parentPath(path);
    const parent = this.nodes.get(parentKey)!;
    parent.children.add(baseName(path));
    this.updateStat(parent, (s) => {
      s.numChildren = parent.children.size;
    });
    return parentKey;
  }

  private updateStat(node: ZNode, change: (s: MutableStat) => void): void {
    this.sum.remove(node.hash);
    change(node.stat);
    node.hash = hashNode(node.content, node.stat);
    this.sum.add(node.hash);
  }

  /** Empties everything, digest included (fromState starts from here). */
  private wipe(): void {
    this.nodes.clear();
    this.sessionTable.clear();
    this.ephemerals.clear();
    this.containers.clear();
    this.ttls.clear();
    this.sum.reset();
    this.last = ZXID_ZERO;
  }

  private mustGet(path: string): ZNode {
    validatePath(path);
    const n = this.nodes.get(path);
    if (n === undefined) throw new ZkError(ErrorCode.NONODE, path);
    return n;
  }

  // ---- snapshot state ----

  exportState(): TreeState {
    const nodes: NodeState[] = [];
    for (const path of [...this.nodes.keys()].sort()) {
      const n = this.nodes.get(path)!;
      nodes.push({ path, data: n.data.slice(), stat: copyStat(n.stat), kind: n.kind, ttlMs: n.ttlMs });
    }
    return { lastZxid: this.last, sessions: this.sessions(), nodes };
  }

  /**
   * The state now, like exportState but without copying node data: a node's data array is replaced
   * on every change, never written in place, so these references keep this zxid's contents while the
   * tree moves on. A backup captures the tree in one step this way and encodes it over several
   * event-loop turns, so the member keeps hearing its peers meanwhile.
   */
  captureState(): TreeState {
    const nodes: NodeState[] = [];
    for (const path of [...this.nodes.keys()].sort()) {
      const n = this.nodes.get(path)!;
      nodes.push({ path, data: n.data, stat: copyStat(n.stat), kind: n.kind, ttlMs: n.ttlMs });
    }
    return { lastZxid: this.last, sessions: this.sessions(), nodes };
  }

  /** Rebuilds a tree from exported state, checking it is a well-formed tree (DATAINCONSISTENCY if not). */
  static fromState(state: TreeState): DataTree {
    const tree = new DataTree();
    tree.wipe();
    tree.last = state.lastZxid;
    for (const s of state.sessions) {
      if (tree.sessionTable.has(s.sessionId)) throw inconsistent(`session ${s.sessionId} appears twice`);
      tree.putSession(s.sessionId, s.timeoutMs);
    }
    const byPath = new Map(state.nodes.map((n) => [n.path, n] as const));
    if (byPath.size !== state.nodes.length) throw inconsistent('a path appears twice');
    if (!byPath.has(ROOT_PATH)) throw inconsistent('no root node');
    // Parents before children: a path sorts after every one of its ancestors.
    for (const path of [...byPath.keys()].sort()) {
      const n = byPath.get(path)!;
      if (path !== ROOT_PATH) {
        const parent = tree.nodes.get(parentPath(path));
        if (parent === undefined) throw inconsistent(`${path} has no parent`);
        if (parent.kind === 'ephemeral') throw inconsistent(`${path} is under an ephemeral`);
      }
      if ((n.kind === 'ephemeral') !== (n.stat.ephemeralOwner !== 0)) throw inconsistent(`${path}: owner and kind disagree`);
      if ((n.kind === 'ttl') !== (n.ttlMs > 0)) throw inconsistent(`${path}: TTL and kind disagree`);
      const stat: MutableStat = { ...copyStat(n.stat), dataLength: n.data.length, numChildren: 0 };
      tree.addNode(path, new Uint8Array(n.data), stat, n.kind, n.ttlMs);
      if (path !== ROOT_PATH) tree.linkChild(path);
    }
    return tree;
  }
}

function inconsistent(reason: string): ZkError {
  return new ZkError(ErrorCode.DATAINCONSISTENCY, undefined, `snapshot state: ${reason}`);
}
