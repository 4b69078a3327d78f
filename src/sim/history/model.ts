/**
 * A small sequential model of the znode tree: enough to decide the result of every write and read a
 * client can send, and to replay the committed ground truth. Both checkers use it: the write search
 * applies ops and backtracks (every change is journaled so `rollback` undoes it exactly), and the read
 * checker replays committed effects in zxid order and asks it what a read at each zxid must return.
 *
 * Semantics follow ZooKeeper: a sequential create's suffix is the parent's cversion before the create
 * (10 digits); creating a child bumps the parent's stored cversion, creating or deleting one sets its
 * pzxid, and a client sees cversion as creates plus deletes (2·stored − numChildren, as ZooKeeper's
 * DataNode.copyStat reports it);
 * setData bumps version; `multi` is all-or-nothing; ephemerals cannot have children; `closeSession` deletes the
 * session's ephemerals. Containers and TTL nodes are plain nodes here: their removal is a system txn in
 * the ground truth, not something the model decides.
 */
import { CREATE_MODES } from '../../protocol/client.js';
import type { CreateMode, MultiOp, MultiResult, Operation, OperationResult, Stat } from '../../protocol/client.js';
import { ZXID_ZERO, type Zxid } from '../../zab/zxid.js';
import { reportedCversion } from '../../tree/stat.js';
import { ZK } from './errors.js';
import { LANE_SEEDS, hashBytes, hashString, step, stepNumber } from './hash.js';
import { isEphemeralMode, isSequential, modeOfEffect, nameOf, parentOf, sequentialPath } from './paths.js';
import type { Effect, InitialNode } from './types.js';

/** Where a change comes from: its zxid, the txn's time and the history op (for explanations). */
export interface Stamp {
  readonly zxid: Zxid;
  readonly timeMs?: number;
  readonly opId: number | null;
}

/** The write search knows no zxids or times: it works on client observations alone. */
export const UNSTAMPED: Stamp = Object.freeze({ zxid: ZXID_ZERO, opId: null });

export interface ZNode {
  readonly data: Uint8Array;
  readonly version: number;
  /** Stored as ZooKeeper stores it: children ever created here (the next sequential suffix). */
  readonly cversion: number;
  readonly ephemeralOwner: number;
  readonly mode: CreateMode;
  readonly czxid: Zxid;
  readonly mzxid: Zxid;
  readonly pzxid: Zxid;
  /** NaN when the txn carried no time: the checkers then leave ctime/mtime alone. */
  readonly ctimeMs: number;
  readonly mtimeMs: number;
  /** The history ops that created the node, last set its data, last changed its children (null: initial/system). */
  readonly createdBy: number | null;
  readonly changedBy: number | null;
  readonly childrenChangedBy: number | null;
}

type SubResult = Exclude<MultiResult, { op: 'error' }>;

/** What a write does at the current state: success (already applied) or the errors that apply (nothing changed). */
export type Attempt =
  | { readonly ok: true; readonly result: OperationResult; readonly effects: readonly Effect[] }
  | {
      readonly ok: false;
      /** Every error code the state justifies (ZooKeeper's order first); a client seeing any of them is consistent. */
      readonly errs: readonly number[];
      /** Index of the failing op inside a multi, -1 otherwise. */
      readonly index: number;
      readonly reason: string;
    };

type SubAttempt =
  | { readonly ok: true; readonly result: SubResult; readonly effects: readonly Effect[] }
  | { readonly ok: false; readonly errs: readonly number[]; readonly reason: string };

/** What a read must return at the current state. */
export type ReadAnswer =
  | { readonly ok: true; readonly result: OperationResult }
  | { readonly ok: false; readonly err: number; readonly reason: string };

interface Undo {
  readonly path: string;
  readonly prev: ZNode | undefined;
}

const EMPTY = new Uint8Array(0);
const dataHashes = new WeakMap<Uint8Array, readonly [number, number]>();

function dataHash(data: Uint8Array): readonly [number, number] {
  let h = dataHashes.get(data);
  if (!h) {
    h = [hashBytes(data, LANE_SEEDS[0]), hashBytes(data, LANE_SEEDS[1])];
    dataHashes.set(data, h);
  }
  return h;
}

export class TreeModel {
  private readonly nodes = new Map<string, ZNode>();
  /** Child names per parent path; derived from `nodes`, kept for getChildren and NOTEMPTY. */
  private readonly kids = new Map<string, Set<string>>();
  private readonly journal: Undo[] = [];
  private readonly pathHashes = new Map<string, readonly [number, number]>();
  /** Each present node's contribution to the two lanes, so replacing it needs no rehash of the old one. */
  private readonly nodeHashes = new Map<string, readonly [number, number]>();
  private lane0 = 0;
  private lane1 = 0;
  private readonly hashData: boolean;

  /**
   * `hashData: false` leaves node data out of the state hash. No write's result depends on the data
   * already in a node (only on existence, versions, children, owners), so the write search treats
   * states that differ only in data as one, which keeps concurrent setData from multiplying its states.
   */
  constructor(initial: readonly InitialNode[] = [], options: { readonly hashData?: boolean } = {}) {
    this.hashData = options.hashData ?? true;
    this.swap('/', freshNode(EMPTY, 0, 'PERSISTENT', UNSTAMPED));
    for (const n of initial) {
      const parent = parentOf(n.path);
      if (parent === null) {
        const root = this.nodes.get('/')!;
        this.swap('/', { ...root, data: n.data ?? root.data, version: n.version ?? 0, cversion: n.cversion ?? 0 });
        continue;
      }
      if (!this.nodes.has(parent)) throw new Error(`initial node ${n.path}: parent ${parent} is not listed before it`);
      const owner = n.ephemeralOwner ?? 0;
      const node = freshNode(n.data ?? EMPTY, owner, modeOfEffect(owner, n.mode), UNSTAMPED);
      this.swap(n.path, { ...node, version: n.version ?? 0, cversion: n.cversion ?? 0 });
    }
  }

  // ---- state ---------------------------------------------------------------------------------

  get(path: string): ZNode | undefined {
    return this.nodes.get(path);
  }

  has(path: string): boolean {
    return this.nodes.has(path);
  }

  childNames(path: string): string[] {
    return [...(this.kids.get(path) ?? [])].sort();
  }

  numChildren(path: string): number {
    return this.kids.get(path)?.size ?? 0;
  }

  stat(path: string): Stat | null {
    const n = this.nodes.get(path);
    return n ? this.statOf(path, n) : null;
  }

  /** The session's ephemeral nodes, sorted. */
  ephemeralsOf(session: number): string[] {
    const out: string[] = [];
    for (const [path, n] of this.nodes) if (n.ephemeralOwner === session && isEphemeralMode(n.mode)) out.push(path);
    return out.sort();
  }

  /** The two hash lanes of the whole state (see hash.ts). */
  get hash0(): number {
    return this.lane0;
  }

  get hash1(): number {
    return this.lane1;
  }

  // ---- journal -------------------------------------------------------------------------------

  mark(): number {
    return this.journal.length;
  }

  /** Undo every change since `mark`. */
  rollback(mark: number): void {
    while (this.journal.length > mark) {
      const u = this.journal.pop()!;
      this.swap(u.path, u.prev);
    }
  }

  /** Drop the journal (long replays that never roll back past this point). Earlier marks become invalid. */
  forget(): void {
    this.journal.length = 0;
  }

  // ---- committed effects ---------------------------------------------------------------------

  /** Replays one committed effect; returns why it cannot apply here, or null when it applied. */
  applyEffect(e: Effect, stamp: Stamp): string | null {
    const node = this.nodes.get(e.path);
    switch (e.kind) {
      case 'create': {
        const parent = parentOf(e.path);
        if (parent === null) return 'cannot create /';
        if (!this.nodes.has(parent)) return `parent ${parent} does not exist`;
        if (node) return `${e.path} already exists`;
        this.create(e.path, e.data, e.ephemeralOwner, modeOfEffect(e.ephemeralOwner, e.mode), stamp);
        return null;
      }
      case 'delete':
        if (!node) return `${e.path} does not exist`;
        if (e.path === '/') return 'cannot delete /';
        if (this.numChildren(e.path) > 0) return `${e.path} has ${this.numChildren(e.path)} children`;
        this.delete(e.path, stamp);
        return null;
      case 'set':
        if (!node) return `${e.path} does not exist`;
        if (e.version !== undefined && e.version !== node.version + 1) {
          return `${e.path} would get version ${node.version + 1}, not ${e.version}`;
        }
        this.setData(e.path, e.data, stamp);
        return null;
    }
  }

  // ---- client writes -------------------------------------------------------------------------

  /**
   * Performs a write at the current state: on success the tree has changed (roll back with `mark` to
   * undo it); on failure nothing has.
   */
  attempt(op: Operation, session: number, stamp: Stamp): Attempt {
    switch (op.op) {
      case 'create':
      case 'delete':
      case 'setData':
      case 'check': {
        const r = this.sub(op, session, stamp);
        return r.ok ? r : { ok: false, errs: r.errs, index: -1, reason: r.reason };
      }
      case 'multi':
        return this.multi(op.ops, session, stamp);
      case 'closeSession': {
        const effects: Effect[] = [];
        for (const path of this.ephemeralsOf(session)) {
          this.delete(path, stamp);
          effects.push({ kind: 'delete', path });
        }
        return { ok: true, result: { op: 'closeSession' }, effects };
      }
      default:
        throw new Error(`${op.op} is not a write`);
    }
  }

  private multi(ops: readonly MultiOp[], session: number, stamp: Stamp): Attempt {
    const mark = this.mark();
    const results: MultiResult[] = [];
    const effects: Effect[] = [];
    for (let i = 0; i < ops.length; i++) {
      const r = this.sub(ops[i]!, session, stamp);
      if (!r.ok) {
        this.rollback(mark);
        return { ok: false, errs: r.errs, index: i, reason: `its op ${i + 1} (${ops[i]!.op} ${ops[i]!.path}) fails: ${r.reason}` };
      }
      results.push(r.result);
      effects.push(...r.effects);
    }
    return { ok: true, result: { op: 'multi', results }, effects };
  }

  private sub(op: MultiOp, session: number, stamp: Stamp): SubAttempt {
    switch (op.op) {
      case 'create': {
        const parent = parentOf(op.path);
        if (parent === null) return { ok: false, errs: [ZK.NODEEXISTS], reason: '/ always exists' };
        const p = this.nodes.get(parent);
        if (!p) return { ok: false, errs: [ZK.NONODE], reason: `parent ${parent} does not exist` };
        const path = isSequential(op.mode) ? sequentialPath(op.path, p.cversion) : op.path;
        // ZooKeeper checks existence before the ephemeral parent; both cannot hold at once anyway.
        if (this.nodes.has(path)) return { ok: false, errs: [ZK.NODEEXISTS], reason: `${path} already exists` };
        if (isEphemeralMode(p.mode)) {
          return { ok: false, errs: [ZK.NOCHILDRENFOREPHEMERALS], reason: `parent ${parent} is ephemeral` };
        }
        const owner = isEphemeralMode(op.mode) ? session : 0;
        this.create(path, op.data, owner, op.mode, stamp);
        return {
          ok: true,
          result: { op: 'create', path, stat: this.stat(path)! },
          effects: [{ kind: 'create', path, data: op.data, ephemeralOwner: owner, mode: op.mode }],
        };
      }
      case 'delete': {
        const n = this.nodes.get(op.path);
        if (!n) return { ok: false, errs: [ZK.NONODE], reason: `${op.path} does not exist` };
        if (op.path === '/') return { ok: false, errs: [ZK.BADARGUMENTS], reason: 'cannot delete /' };
        // Both may hold; ZooKeeper reports BADVERSION first, but either one explains the failure.
        const errs: number[] = [];
        const why: string[] = [];
        if (op.version !== -1 && op.version !== n.version) {
          errs.push(ZK.BADVERSION);
          why.push(`${op.path} has version ${n.version}, not ${op.version}`);
        }
        const kids = this.numChildren(op.path);
        if (kids > 0) {
          errs.push(ZK.NOTEMPTY);
          why.push(`${op.path} has ${kids} ${kids === 1 ? 'child' : 'children'}`);
        }
        if (errs.length) return { ok: false, errs, reason: why.join(' and ') };
        this.delete(op.path, stamp);
        return { ok: true, result: { op: 'delete' }, effects: [{ kind: 'delete', path: op.path }] };
      }
      case 'setData': {
        const n = this.nodes.get(op.path);
        if (!n) return { ok: false, errs: [ZK.NONODE], reason: `${op.path} does not exist` };
        if (op.version !== -1 && op.version !== n.version) {
          return { ok: false, errs: [ZK.BADVERSION], reason: `${op.path} has version ${n.version}, not ${op.version}` };
        }
        this.setData(op.path, op.data, stamp);
        const stat = this.stat(op.path)!;
        return {
          ok: true,
          result: { op: 'setData', stat },
          effects: [{ kind: 'set', path: op.path, data: op.data, version: stat.version }],
        };
      }
      case 'check': {
        const n = this.nodes.get(op.path);
        if (!n) return { ok: false, errs: [ZK.NONODE], reason: `${op.path} does not exist` };
        if (op.version !== -1 && op.version !== n.version) {
          return { ok: false, errs: [ZK.BADVERSION], reason: `${op.path} has version ${n.version}, not ${op.version}` };
        }
        return { ok: true, result: { op: 'check' }, effects: [] };
      }
    }
  }

  // ---- reads ---------------------------------------------------------------------------------

  /** What a read sent by `session` must return at the current state. */
  read(op: Operation, session: number): ReadAnswer {
    switch (op.op) {
      case 'getData': {
        const n = this.nodes.get(op.path);
        if (!n) return { ok: false, err: ZK.NONODE, reason: `${op.path} does not exist` };
        return { ok: true, result: { op: 'getData', data: n.data, stat: this.statOf(op.path, n) } };
      }
      case 'exists':
        return { ok: true, result: { op: 'exists', stat: this.stat(op.path) } };
      case 'getChildren': {
        const n = this.nodes.get(op.path);
        if (!n) return { ok: false, err: ZK.NONODE, reason: `${op.path} does not exist` };
        const children = this.childNames(op.path);
        return {
          ok: true,
          result: op.withStat
            ? { op: 'getChildren', children, stat: this.statOf(op.path, n) }
            : { op: 'getChildren', children },
        };
      }
      case 'getEphemerals':
        return {
          ok: true,
          result: { op: 'getEphemerals', paths: this.ephemeralsOf(session).filter((p) => p.startsWith(op.prefix)) },
        };
      case 'sync':
        return { ok: true, result: { op: 'sync', path: op.path } };
      default:
        throw new Error(`${op.op} is not a read`);
    }
  }

  // ---- primitive changes (already validated) -------------------------------------------------

  /** A create bumps the parent's cversion (which names the next sequential child) and sets its pzxid. */
  private create(path: string, data: Uint8Array, owner: number, mode: CreateMode, stamp: Stamp): void {
    const parent = parentOf(path)!;
    this.put(path, freshNode(data, owner, mode, stamp));
    const p = this.nodes.get(parent)!;
    this.put(parent, { ...p, cversion: p.cversion + 1, pzxid: stamp.zxid, childrenChangedBy: stamp.opId });
  }

  /** A delete moves the parent's pzxid; its stored cversion stays (the reported one follows numChildren). */
  private delete(path: string, stamp: Stamp): void {
    const parent = parentOf(path)!;
    this.put(path, undefined);
    const p = this.nodes.get(parent)!;
    this.put(parent, { ...p, pzxid: stamp.zxid, childrenChangedBy: stamp.opId });
  }

  private setData(path: string, data: Uint8Array, stamp: Stamp): void {
    const n = this.nodes.get(path)!;
    this.put(path, {
      ...n,
      data,
      version: n.version + 1,
      mzxid: stamp.zxid,
      mtimeMs: stamp.timeMs ?? NaN,
      changedBy: stamp.opId,
    });
  }

  private put(path: string, node: ZNode | undefined): void {
    this.journal.push({ path, prev: this.nodes.get(path) });
    this.swap(path, node);
  }

  /** Replaces a node (or its absence) and keeps the child sets and hash lanes in step. */
  private swap(path: string, node: ZNode | undefined): void {
    const prev = this.nodes.get(path);
    if (prev) {
      const old = this.nodeHashes.get(path)!;
      this.lane0 = (this.lane0 - old[0]) >>> 0;
      this.lane1 = (this.lane1 - old[1]) >>> 0;
      this.nodeHashes.delete(path);
    }
    const parent = parentOf(path);
    if (node) {
      this.nodes.set(path, node);
      const h: readonly [number, number] = [this.nodeHash(0, path, node), this.nodeHash(1, path, node)];
      this.nodeHashes.set(path, h);
      this.lane0 = (this.lane0 + h[0]) >>> 0;
      this.lane1 = (this.lane1 + h[1]) >>> 0;
      if (!prev && parent !== null) {
        let set = this.kids.get(parent);
        if (!set) this.kids.set(parent, (set = new Set()));
        set.add(nameOf(path));
      }
    } else if (prev) {
      this.nodes.delete(path);
      if (parent !== null) this.kids.get(parent)?.delete(nameOf(path));
    }
  }

  /** Only what decides future results goes in: zxids and times are stamps, not state the search compares. */
  private nodeHash(lane: 0 | 1, path: string, n: ZNode): number {
    let ph = this.pathHashes.get(path);
    if (!ph) {
      ph = [hashString(path, LANE_SEEDS[0]), hashString(path, LANE_SEEDS[1])];
      this.pathHashes.set(path, ph);
    }
    let h = step(LANE_SEEDS[lane], ph[lane]);
    if (this.hashData) h = step(h, dataHash(n.data)[lane]);
    h = stepNumber(h, n.version);
    h = stepNumber(h, n.cversion);
    h = stepNumber(h, n.ephemeralOwner);
    return step(h, CREATE_MODES.indexOf(n.mode));
  }

  private statOf(path: string, n: ZNode): Stat {
    return {
      czxid: n.czxid,
      mzxid: n.mzxid,
      pzxid: n.pzxid,
      ctime: n.ctimeMs,
      mtime: n.mtimeMs,
      version: n.version,
      cversion: reportedCversion(n.cversion, this.numChildren(path)),
      aversion: 0,
      ephemeralOwner: n.ephemeralOwner,
      dataLength: n.data.length,
      numChildren: this.numChildren(path),
    };
  }
}

function freshNode(data: Uint8Array, owner: number, mode: CreateMode, stamp: Stamp): ZNode {
  const t = stamp.timeMs ?? NaN;
  return {
    data,
    version: 0,
    cversion: 0,
    ephemeralOwner: owner,
    mode,
    czxid: stamp.zxid,
    mzxid: stamp.zxid,
    pzxid: stamp.zxid,
    ctimeMs: t,
    mtimeMs: t,
    createdBy: stamp.opId,
    changedBy: stamp.opId,
    childrenChangedBy: null,
  };
}
