/**
 * A tiny in-memory znode tree for the fake member: enough of ZooKeeper's semantics (versions,
 * sequential names from the parent's cversion, ephemerals, all-or-nothing multi) to test the client
 * and its recipes. Not the real tree (src/tree): deliberately small and obvious.
 */
import type { EventType, MultiOp, MultiResult, OperationResult, Stat } from '../../../src/protocol/client.js';
import type { Zxid } from '../../../src/zab/zxid.js';
import { ErrorCode } from '../../../src/client/errors.js';

export interface FakeNode {
  data: Uint8Array;
  stat: { -readonly [K in keyof Stat]: Stat[K] };
  children: Set<string>;
}

export interface TreeEvent {
  readonly type: EventType;
  readonly path: string;
}

export class TreeError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

export function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

const z = (counter: number): Zxid => ({ epoch: 1, counter });

export class FakeTree {
  nodes = new Map<string, FakeNode>();
  counter = 0;

  constructor() {
    this.nodes.set('/', this.newNode(new Uint8Array(0), 0, 0));
  }

  get lastZxid(): Zxid {
    return z(this.counter);
  }

  get(path: string): FakeNode | undefined {
    return this.nodes.get(path);
  }

  /** Applies one write (or a multi) as one transaction; throws TreeError and changes nothing on failure. */
  write(ops: readonly MultiOp[], sessionId: number, now: number): { results: MultiResult[]; events: TreeEvent[] } | { failed: MultiResult[]; err: number; message: string } {
    const saved = this.clone();
    const savedCounter = this.counter;
    this.counter++;
    const events: TreeEvent[] = [];
    const results: MultiResult[] = [];
    for (let i = 0; i < ops.length; i++) {
      try {
        results.push(this.applyOne(ops[i]!, sessionId, now, events));
      } catch (err) {
        if (!(err instanceof TreeError)) throw err;
        this.nodes = saved;
        this.counter = savedCounter;
        const failed: MultiResult[] = ops.map((_, j) => ({
          op: 'error',
          err: j < i ? ErrorCode.OK : j === i ? err.code : ErrorCode.RUNTIMEINCONSISTENCY,
        }));
        return { failed, err: err.code, message: err.message };
      }
    }
    return { results, events };
  }

  /** Removes a session's ephemerals in one transaction. */
  closeSession(sessionId: number): TreeEvent[] {
    const paths = this.ephemerals(sessionId, '/').sort((a, b) => b.length - a.length);
    if (paths.length === 0) return [];
    const outcome = this.write(paths.map((path) => ({ op: 'delete', path, version: -1 })), sessionId, 0);
    return 'events' in outcome ? outcome.events : [];
  }

  ephemerals(sessionId: number, prefix: string): string[] {
    return [...this.nodes.entries()].filter(([p, n]) => n.stat.ephemeralOwner === sessionId && p.startsWith(prefix)).map(([p]) => p);
  }

  read(op: 'getData' | 'exists' | 'getChildren', path: string, withStat = false): OperationResult {
    const node = this.nodes.get(path);
    if (op === 'exists') return { op: 'exists', stat: node ? { ...node.stat } : null };
    if (node === undefined) throw new TreeError(ErrorCode.NONODE, `no node ${path}`);
    if (op === 'getData') return { op: 'getData', data: node.data, stat: { ...node.stat } };
    const children = [...node.children];
    return withStat ? { op: 'getChildren', children, stat: { ...node.stat } } : { op: 'getChildren', children };
  }

  private applyOne(op: MultiOp, sessionId: number, now: number, events: TreeEvent[]): MultiResult {
    const zxid = z(this.counter);
    switch (op.op) {
      case 'create': {
        const parentPath = parentOf(op.path);
        const parent = this.nodes.get(parentPath);
        if (parent === undefined) throw new TreeError(ErrorCode.NONODE, `parent ${parentPath} does not exist`);
        if (parent.stat.ephemeralOwner !== 0) throw new TreeError(ErrorCode.NOCHILDRENFOREPHEMERALS, `${parentPath} is ephemeral`);
        let path = op.path;
        if (op.mode.includes('SEQUENTIAL')) path += String(parent.stat.cversion).padStart(10, '0');
        if (this.nodes.has(path)) throw new TreeError(ErrorCode.NODEEXISTS, `${path} exists`);
        const owner = op.mode.startsWith('EPHEMERAL') ? sessionId : 0;
        const node = this.newNode(op.data, this.counter, owner, now);
        this.nodes.set(path, node);
        parent.children.add(path.slice(parentPath === '/' ? 1 : parentPath.length + 1));
        parent.stat.cversion++;
        parent.stat.numChildren = parent.children.size;
        parent.stat.pzxid = zxid;
        events.push({ type: 'NodeCreated', path }, { type: 'NodeChildrenChanged', path: parentPath });
        return { op: 'create', path, stat: { ...node.stat } };
      }
      case 'delete': {
        const node = this.mustGet(op.path);
        if (op.version !== -1 && op.version !== node.stat.version) throw new TreeError(ErrorCode.BADVERSION, `${op.path} is at version ${node.stat.version}`);
        if (node.children.size > 0) throw new TreeError(ErrorCode.NOTEMPTY, `${op.path} has children`);
        const parentPath = parentOf(op.path);
        const parent = this.mustGet(parentPath);
        this.nodes.delete(op.path);
        parent.children.delete(op.path.slice(op.path.lastIndexOf('/') + 1));
        parent.stat.cversion++;
        parent.stat.numChildren = parent.children.size;
        parent.stat.pzxid = zxid;
        events.push({ type: 'NodeDeleted', path: op.path }, { type: 'NodeChildrenChanged', path: parentPath });
        return { op: 'delete' };
      }
      case 'setData': {
        const node = this.mustGet(op.path);
        if (op.version !== -1 && op.version !== node.stat.version) throw new TreeError(ErrorCode.BADVERSION, `${op.path} is at version ${node.stat.version}`);
        node.data = op.data;
        node.stat.version++;
        node.stat.mzxid = zxid;
        node.stat.mtime = now;
        node.stat.dataLength = op.data.length;
        events.push({ type: 'NodeDataChanged', path: op.path });
        return { op: 'setData', stat: { ...node.stat } };
      }
      case 'check': {
        const node = this.mustGet(op.path);
        if (op.version !== -1 && op.version !== node.stat.version) throw new TreeError(ErrorCode.BADVERSION, `${op.path} is at version ${node.stat.version}`);
        return { op: 'check' };
      }
    }
  }

  private mustGet(path: string): FakeNode {
    const node = this.nodes.get(path);
    if (node === undefined) throw new TreeError(ErrorCode.NONODE, `no node ${path}`);
    return node;
  }

  private newNode(data: Uint8Array, counter: number, ephemeralOwner: number, now = 0): FakeNode {
    return {
      data,
      children: new Set(),
      stat: {
        czxid: z(counter),
        mzxid: z(counter),
        pzxid: z(counter),
        ctime: now,
        mtime: now,
        version: 0,
        cversion: 0,
        aversion: 0,
        ephemeralOwner,
        dataLength: data.length,
        numChildren: 0,
      },
    };
  }

  private clone(): Map<string, FakeNode> {
    const copy = new Map<string, FakeNode>();
    for (const [p, n] of this.nodes) copy.set(p, { data: n.data, stat: { ...n.stat }, children: new Set(n.children) });
    return copy;
  }
}
