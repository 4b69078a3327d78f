/**
 * Splits the writes into independent groups so the linearizability search runs per group (P-compositionality:
 * a history is linearizable iff each independent part is). Two ops land in the same partition when they
 * could influence each other's results:
 *
 * - ops touching several paths (a multi) join their paths;
 * - a node's children matter only when something observes them: a sequential create under P reads P's
 *   cversion, a delete of P reads its child count, a create under P needs P to exist (if P itself is ever
 *   created or deleted). Such a P is "coupled", and every path directly under a coupled P joins P.
 *   Under a parent that is never created, deleted or sequentially created into, children stay apart:
 *   that is what keeps `/k0 … /k19` under `/` in twenty partitions instead of one.
 *
 * A closeSession (client or expiry) deletes ephemerals wherever they are; it is split into one share per
 * partition it reaches. Losing its atomicity across partitions only weakens the check (never a false alarm).
 */
import type { MultiOp } from '../../protocol/client.js';
import type { Judged } from './errors.js';
import { isEphemeralMode, isSequential, parentOf } from './paths.js';
import type { CommittedTxn, Effect, HistoryOp } from './types.js';

export interface JudgedOp {
  readonly h: HistoryOp;
  readonly judged: Judged;
}

export type PartOp =
  /** A client write: single op or multi, whole. */
  | { readonly kind: 'client'; readonly h: HistoryOp; readonly judged: Judged }
  /** A client closeSession's share: delete the session's ephemerals that live in this partition. */
  | { readonly kind: 'close'; readonly h: HistoryOp; readonly judged: Judged }
  /** A system txn's effects that fall in this partition. */
  | { readonly kind: 'system'; readonly txn: CommittedTxn; readonly effects: readonly Effect[] };

export interface Partition {
  readonly paths: readonly string[];
  readonly ops: readonly PartOp[];
}

export interface PartitionPlan {
  readonly partitions: readonly Partition[];
  /** Parents whose children's creates and deletes are observed (see above). */
  readonly coupled: ReadonlySet<string>;
}

export function subOps(h: HistoryOp): readonly MultiOp[] {
  switch (h.op.op) {
    case 'create':
    case 'delete':
    case 'setData':
    case 'check':
      return [h.op];
    case 'multi':
      return h.op.ops;
    default:
      return [];
  }
}

/** The path an op is filed under: a sequential create's is its parent, since its own name is not yet known. */
export function basePath(op: MultiOp): string {
  if (op.op === 'create' && isSequential(op.mode)) return parentOf(op.path) ?? '/';
  return op.path;
}

class UnionFind {
  private readonly up = new Map<string, string>();

  find(x: string): string {
    let root = x;
    for (let next = this.up.get(root); next !== undefined && next !== root; next = this.up.get(root)) root = next;
    if (!this.up.has(x)) this.up.set(x, x);
    // Path compression: point everything on the way straight at the root.
    for (let cur = x; cur !== root; ) {
      const next = this.up.get(cur)!;
      this.up.set(cur, root);
      cur = next;
    }
    return root;
  }

  union(a: string, b: string): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra === rb) return;
    // The lexically smaller root wins: partitions come out the same whatever the input order.
    if (ra < rb) this.up.set(rb, ra);
    else this.up.set(ra, rb);
  }
}

export function partitionWrites(writes: readonly JudgedOp[], systemTxns: readonly CommittedTxn[]): PartitionPlan {
  // 1. Which parents are coupled to their children.
  const structural = new Set<string>();
  const seqParents = new Set<string>();
  const ephemeralBases = new Map<number, Set<string>>();
  for (const { h } of writes) {
    for (const op of subOps(h)) {
      if (op.op === 'create') {
        if (isSequential(op.mode)) seqParents.add(basePath(op));
        else structural.add(op.path);
        if (isEphemeralMode(op.mode)) {
          let set = ephemeralBases.get(h.session);
          if (!set) ephemeralBases.set(h.session, (set = new Set()));
          set.add(basePath(op));
        }
      } else if (op.op === 'delete') {
        structural.add(op.path);
      }
    }
  }
  for (const txn of systemTxns) {
    for (const e of txn.effects) if (e.kind !== 'set') structural.add(e.path);
  }
  const coupled = (p: string): boolean => structural.has(p) || seqParents.has(p);

  // 2. Union the paths each op touches, then children of coupled parents with their parent.
  const uf = new UnionFind();
  const seen = new Set<string>();
  const closeBases = (h: HistoryOp): string[] => [...(ephemeralBases.get(h.session) ?? [])];
  for (const { h } of writes) {
    const bases = h.op.op === 'closeSession' ? closeBases(h) : subOps(h).map(basePath);
    for (const b of bases) seen.add(b);
    // A closeSession's shares stay apart; a multi's paths are one step.
    if (h.op.op !== 'closeSession') for (let i = 1; i < bases.length; i++) uf.union(bases[0]!, bases[i]!);
  }
  for (const txn of systemTxns) for (const e of txn.effects) seen.add(e.path);
  for (const path of seen) {
    uf.find(path);
    for (let cur = path, p = parentOf(cur); p !== null && coupled(p); cur = p, p = parentOf(cur)) uf.union(cur, p);
  }

  // 3. File every op (or share) under its partition's root.
  const groups = new Map<string, PartOp[]>();
  const file = (root: string, op: PartOp): void => {
    let list = groups.get(root);
    if (!list) groups.set(root, (list = []));
    list.push(op);
  };
  for (const { h, judged } of writes) {
    if (h.op.op === 'closeSession') {
      const roots = new Set(closeBases(h).map((b) => uf.find(b)));
      for (const root of roots) file(root, { kind: 'close', h, judged });
    } else {
      const bases = subOps(h).map(basePath);
      if (bases.length) file(uf.find(bases[0]!), { kind: 'client', h, judged });
    }
  }
  for (const txn of systemTxns) {
    const byRoot = new Map<string, Effect[]>();
    for (const e of txn.effects) {
      const root = uf.find(e.path);
      let list = byRoot.get(root);
      if (!list) byRoot.set(root, (list = []));
      list.push(e);
    }
    for (const [root, effects] of byRoot) file(root, { kind: 'system', txn, effects });
  }

  const pathsByRoot = new Map<string, string[]>();
  for (const path of seen) {
    const root = uf.find(path);
    let list = pathsByRoot.get(root);
    if (!list) pathsByRoot.set(root, (list = []));
    list.push(path);
  }
  const partitions = [...groups.keys()]
    .sort()
    .map((root) => ({ paths: (pathsByRoot.get(root) ?? [root]).sort(), ops: groups.get(root)! }));
  return { partitions, coupled: new Set([...structural, ...seqParents]) };
}
