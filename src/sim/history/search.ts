/**
 * The linearizability search, after Wing & Gong with Lowe's memoisation (the idea Knossos and Porcupine
 * also use). Invocations and responses are laid out in time order in a doubly-linked list; the search
 * walks it from the front:
 *
 * - at an invocation, it tries to linearize that op now: apply it to the model and check the model agrees
 *   with what the client saw; if so, and this (set of linearized ops, model state) was never reached
 *   before, it removes the op's two entries from the list, remembers the step and starts over from the
 *   front;
 * - at a response, the op answered there was not linearized by then, which is too late: it undoes the
 *   last step and tries the next op after it.
 *
 * The history is linearizable when no response is left in the list. Ops of unknown outcome have no
 * response entry, so they may be linearized anywhere after their invocation or never. A memo of visited
 * configurations makes the search finite in practice; a bound on it turns a pathological history into
 * "inconclusive" instead of a hang. The memo is keyed by 64-bit hashes of the linearized set and of the
 * model state (see hash.ts for what a collision could cost).
 *
 * Three refinements keep the state count down on contended paths:
 * - an op that leaves the state as it was (a definite error, a check) is linearized as soon as it fits
 *   and never un-placed to try it later: moving such an op to the earliest point where it fits never
 *   breaks a linearization, so the alternatives are already covered (and if that configuration was seen
 *   before, the current one is dead too). Without this, every subset of pending errors is a new state;
 * - ops of unknown outcome are tried only after every definite candidate (see `lazy`), and only those
 *   connected to the op that is stuck by a chain of shared paths among the candidates: any other would
 *   commute past it, so a linearization that needs one also exists with it placed later (see `closure`);
 * - look-alike unknown ops are counted, not named, in the memo (see `symmetryKey`).
 */
import { fmix32 } from './hash.js';
import type { TreeModel } from './model.js';
import { KeySet } from './visited.js';

/**
 * What trying an op at the current point gives. 'ok': the model agrees with the client and now includes
 * the op. 'inconsistent': the client's view is impossible here. 'skip': applying it here is the same as
 * leaving it out (an op of unknown outcome that fails or changes nothing), so it is not worth a branch.
 */
export type Step = 'ok' | 'inconsistent' | 'skip';

export interface SearchOp {
  /** When the op may first take effect (-Infinity: any time). */
  readonly callMs: number;
  /**
   * When it must have taken effect by; null when it may never take effect (outcome unknown). Infinity:
   * it did take effect, at no known latest time (a system txn without a commit time).
   */
  readonly returnMs: number | null;
  /** Applies the op to the model at the current point; the search rolls back unless it returns 'ok'. */
  readonly apply: (model: TreeModel) => Step;
  /**
   * For ops of unknown outcome: ops with the same key are interchangeable (same effect on every state
   * the search tells apart), so the memo counts how many of each key are linearized instead of which.
   * Without this, k pending look-alike unknown writes would be tried in all 2^k subsets.
   */
  readonly symmetryKey?: string;
  /**
   * What the op reads or writes, as opaque tokens (paths): two ops that share none commute. Missing:
   * it may touch anything. Used to try only the unknown ops that could matter where the search is stuck.
   */
  readonly touches?: readonly string[];
}

export interface SearchResult {
  readonly verdict: 'ok' | 'violation' | 'inconclusive';
  /** Memoised configurations, i.e. distinct (linearized set, state) pairs reached. */
  readonly statesExplored: number;
  /** For a violation: the longest order of ops that explained everything up to some response… */
  readonly bestOrder: readonly number[];
  /** …and the op answered at that response, which could not be linearized in time. */
  readonly stuck: number | null;
}

interface Frame {
  readonly entry: number;
  readonly mark: number;
  /** 0 while trying definite candidates, 1 while trying lazy ones. */
  readonly phase: number;
  /** Placed because it changed nothing: no alternative to it needs trying. */
  readonly eager: boolean;
  /** Unknown ops placed back to back before this one. */
  readonly run: number;
}

export interface SearchLimits {
  /** Memo size at which the search gives up ('inconclusive'). */
  readonly maxStates: number;
  /**
   * At most this many unknown-outcome ops placed back to back, with no definite op between them.
   * Infinity is the complete search; a small bound finds the linearization of a valid history fast
   * (one missing unknown write at a time), and its failures are only "not with this bound".
   */
  readonly maxUnknownRun: number;
}

export function searchLinearization(ops: readonly SearchOp[], model: TreeModel, limits: SearchLimits): SearchResult {
  const { maxStates, maxUnknownRun } = limits;

  // Lazy ops (unknown outcome, or no deadline) are tried only after every definite candidate: most of
  // them did not happen, or happened late, and trying them first sends the search down long branches
  // that die only at the next op on their path.
  const lazy = new Uint8Array(ops.length);
  for (let i = 0; i < ops.length; i++) {
    const r = ops[i]!.returnMs;
    lazy[i] = r === null || r === Infinity ? 1 : 0;
  }

  // Entries: 2 per op (call, return) or 1 (call only), in time order. Calls sort before returns at
  // equal times: ops that touch at an instant count as concurrent, which only makes the check more
  // forgiving. Two lists share the link arrays: the main one (definite calls and every return) and the
  // lazy one (lazy calls), so the walk over definite candidates never wades through the unknown ops
  // that stay pending to the end.
  type Ev = { op: number; call: boolean; t: number };
  const evs: Ev[] = [];
  for (let i = 0; i < ops.length; i++) {
    const o = ops[i]!;
    evs.push({ op: i, call: true, t: o.callMs });
    if (o.returnMs !== null) evs.push({ op: i, call: false, t: o.returnMs });
  }
  evs.sort((a, b) => (a.t !== b.t ? (a.t < b.t ? -1 : 1) : a.call !== b.call ? (a.call ? -1 : 1) : a.op - b.op));

  const n = evs.length;
  const MAIN = n;
  const LAZY = n + 1;
  const END = -1;
  const next = new Int32Array(n + 2).fill(END);
  const prev = new Int32Array(n + 2);
  const entryOp = new Int32Array(n);
  const entryTime = new Float64Array(n);
  const isCall = new Uint8Array(n);
  const returnOf = new Int32Array(ops.length).fill(END);
  let returnsLeft = 0;
  let tailMain = MAIN;
  let tailLazy = LAZY;
  for (let e = 0; e < n; e++) {
    const ev = evs[e]!;
    entryOp[e] = ev.op;
    entryTime[e] = ev.t;
    isCall[e] = ev.call ? 1 : 0;
    if (!ev.call) {
      returnOf[ev.op] = e;
      returnsLeft++;
    }
    if (ev.call && lazy[ev.op]) {
      next[tailLazy] = e;
      prev[e] = tailLazy;
      tailLazy = e;
    } else {
      next[tailMain] = e;
      prev[e] = tailMain;
      tailMain = e;
    }
  }
  const unlink = (e: number): void => {
    next[prev[e]!] = next[e]!;
    if (next[e] !== END) prev[next[e]!] = prev[e]!;
  };
  const relink = (e: number): void => {
    if (next[e] !== END) prev[next[e]!] = e;
    next[prev[e]!] = e;
  };
  const firstReturn = (): number => {
    let e = next[MAIN]!;
    while (e !== END && isCall[e]) e = next[e]!;
    return e;
  };

  // The linearized set, hashed incrementally: XOR of a fixed 64-bit value per op, O(1) per step.
  const set0 = new Uint32Array(ops.length);
  const set1 = new Uint32Array(ops.length);
  for (let i = 0; i < ops.length; i++) {
    set0[i] = fmix32((i * 2 + 0x5bd1e995) >>> 0);
    set1[i] = fmix32((i * 2 + 1 + 0x27d4eb2f) >>> 0);
  }
  // Interchangeable unknown ops (see symmetryKey) hash by class and count instead.
  const classOf = new Int32Array(ops.length).fill(-1);
  const classIds = new Map<string, number>();
  for (let i = 0; i < ops.length; i++) {
    const key = ops[i]!.returnMs === null ? ops[i]!.symmetryKey : undefined;
    if (key === undefined) continue;
    let c = classIds.get(key);
    if (c === undefined) classIds.set(key, (c = classIds.size));
    classOf[i] = c;
  }
  const placedOfClass = new Int32Array(classIds.size);
  const classHash = (lane: number, c: number, count: number): number =>
    count === 0 ? 0 : fmix32((Math.imul(c + 1, 0x9e3779b1) ^ Math.imul(count, 0x85ebca77) ^ (lane ? 0x68e31da4 : 0x1b873593)) >>> 0);
  /** What placing op i does to a lane of the set hash, given the class counts before placing it. */
  const delta = (lane: number, i: number): number => {
    const c = classOf[i]!;
    if (c < 0) return lane ? set1[i]! : set0[i]!;
    const m = placedOfClass[c]!;
    return (classHash(lane, c, m) ^ classHash(lane, c, m + 1)) >>> 0;
  };
  let in0 = 0;
  let in1 = 0;
  const visited = new KeySet();

  // The closure: lazy candidates linked to the stuck op through shared touch tokens, possibly via
  // definite candidates.
  const tokens = new Map<string, number>();
  const touchIds = ops.map((o) => {
    if (!o.touches) return null;
    return Int32Array.from(o.touches, (t) => {
      let id = tokens.get(t);
      if (id === undefined) tokens.set(t, (id = tokens.size));
      return id;
    });
  });
  const tokenGen = new Int32Array(tokens.size);
  let gen = 0;
  const inClosure = new Uint8Array(ops.length);
  let closureAll = false;
  /** Time of the response the search is stuck at: lazy calls after it are not candidates. */
  let stuckAt = Infinity;
  /** Sets stuckAt and marks the candidates connected to the stuck op. */
  const closure = (): void => {
    const r = firstReturn();
    stuckAt = r === END ? Infinity : entryTime[r]!;
    closureAll = false;
    const candidates: number[] = [];
    for (let e = next[MAIN]!; e !== r; e = next[e]!) candidates.push(entryOp[e]!);
    for (let e = next[LAZY]!; e !== END && entryTime[e]! <= stuckAt; e = next[e]!) candidates.push(entryOp[e]!);
    for (const op of candidates) inClosure[op] = 0;
    const stuckTouches = r === END ? null : touchIds[entryOp[r]!]!;
    if (!stuckTouches) {
      closureAll = true;
      return;
    }
    gen++;
    for (const t of stuckTouches) tokenGen[t] = gen;
    for (let changed = true; changed; ) {
      changed = false;
      for (const op of candidates) {
        if (inClosure[op]) continue;
        const ts = touchIds[op]!;
        if (!ts) {
          closureAll = true; // touches everything, so everything is connected
          return;
        }
        let hit = false;
        for (const t of ts) if (tokenGen[t] === gen) hit = true;
        if (!hit) continue;
        inClosure[op] = 1;
        for (const t of ts) tokenGen[t] = gen;
        changed = true;
      }
    }
  };

  const stack: Frame[] = [];
  let bestDepth = -1;
  let bestOrder: number[] = [];
  let stuck: number | null = null;
  let phase = 0;
  let entry = next[MAIN]!;
  let run = 0;
  const unknown = (i: number): boolean => ops[i]!.returnMs === null;

  /** Undoes frames until one whose alternatives are worth trying; false when none is left. */
  const backtrack = (): boolean => {
    for (;;) {
      const top = stack.pop();
      if (!top) return false;
      const op = entryOp[top.entry]!;
      const r = returnOf[op]!;
      if (r !== END) {
        relink(r);
        returnsLeft++;
      }
      relink(top.entry);
      if (classOf[op]! >= 0) placedOfClass[classOf[op]!]!--;
      in0 = (in0 ^ delta(0, op)) >>> 0;
      in1 = (in1 ^ delta(1, op)) >>> 0;
      model.rollback(top.mark);
      run = top.run;
      if (top.eager) continue;
      entry = next[top.entry]!;
      phase = top.phase;
      if (phase === 1) closure();
      return true;
    }
  };
  const verdict = (v: 'violation' | 'inconclusive'): SearchResult => ({ verdict: v, statesExplored: visited.size, bestOrder, stuck });

  while (returnsLeft > 0) {
    // Phase 0 walks the main list up to the first response; phase 1 the lazy list up to its time.
    const atResponse = phase === 0 ? !isCall[entry] : entry === END || entryTime[entry]! > stuckAt;
    if (atResponse) {
      if (phase === 0) {
        phase = 1;
        closure();
        entry = next[LAZY]!;
        continue;
      }
      // Nothing (more) fits before that response: this branch is dead.
      if (stack.length > bestDepth) {
        bestDepth = stack.length;
        bestOrder = stack.map((f) => entryOp[f.entry]!);
        stuck = entryOp[firstReturn()]!;
      }
      if (!backtrack()) return verdict('violation');
      continue;
    }
    const op = entryOp[entry]!;
    if (phase === 1 && ((!closureAll && !inClosure[op]) || (unknown(op) && run >= maxUnknownRun))) {
      entry = next[entry]!;
      continue;
    }
    const h0 = model.hash0;
    const h1 = model.hash1;
    const mark = model.mark();
    if (ops[op]!.apply(model) !== 'ok') {
      model.rollback(mark);
      entry = next[entry]!;
      continue;
    }
    const eager = model.hash0 === h0 && model.hash1 === h1;
    const d0 = delta(0, op);
    const d1 = delta(1, op);
    const nextRun = unknown(op) ? run + 1 : 0;
    // Under a bounded run, how many unknowns were just placed changes what can follow: key it too.
    const runSalt = maxUnknownRun === Infinity ? 0 : Math.imul(nextRun, 0x2c1b3c6d);
    if (!visited.add((in0 ^ d0 ^ runSalt) >>> 0, (in1 ^ d1) >>> 0, model.hash0, model.hash1)) {
      model.rollback(mark);
      if (eager) {
        // It fits here and was explored from here before: this whole configuration is dead.
        if (!backtrack()) return verdict('violation');
      } else entry = next[entry]!;
      continue;
    }
    if (visited.size > maxStates) return verdict('inconclusive');
    in0 = (in0 ^ d0) >>> 0;
    in1 = (in1 ^ d1) >>> 0;
    if (classOf[op]! >= 0) placedOfClass[classOf[op]!]!++;
    stack.push({ entry, mark, phase, eager, run });
    run = nextRun;
    unlink(entry);
    const r = returnOf[op]!;
    if (r !== END) {
      unlink(r);
      returnsLeft--;
    }
    entry = next[MAIN]!;
    phase = 0;
  }
  return { verdict: 'ok', statesExplored: visited.size, bestOrder: [], stuck: null };
}
