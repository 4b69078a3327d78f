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
 * "inconclusive" instead of a hang.
 */
import type { TreeModel } from './model.js';

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
}

export function searchLinearization(ops: readonly SearchOp[], model: TreeModel, maxStates: number): SearchResult {
  // Entries: 2 per op (call, return) or 1 (call only). Calls sort before returns at equal times: ops
  // that touch at an instant count as concurrent, which can only make the check more forgiving.
  type Ev = { op: number; call: boolean; t: number };
  const evs: Ev[] = [];
  for (let i = 0; i < ops.length; i++) {
    const o = ops[i]!;
    evs.push({ op: i, call: true, t: o.callMs });
    if (o.returnMs !== null) evs.push({ op: i, call: false, t: o.returnMs });
  }
  evs.sort((a, b) => (a.t !== b.t ? (a.t < b.t ? -1 : 1) : a.call !== b.call ? (a.call ? -1 : 1) : a.op - b.op));

  const n = evs.length;
  const HEAD = n;
  const END = -1;
  const next = new Int32Array(n + 1);
  const prev = new Int32Array(n + 1);
  const entryOp = new Int32Array(n);
  const isCall = new Uint8Array(n);
  const returnOf = new Int32Array(ops.length).fill(END);
  let returnsLeft = 0;
  for (let e = 0; e < n; e++) {
    const ev = evs[e]!;
    entryOp[e] = ev.op;
    isCall[e] = ev.call ? 1 : 0;
    if (!ev.call) {
      returnOf[ev.op] = e;
      returnsLeft++;
    }
    next[e] = e + 1 < n ? e + 1 : END;
    prev[e] = e === 0 ? HEAD : e - 1;
  }
  next[HEAD] = n > 0 ? 0 : END;

  const unlink = (e: number): void => {
    next[prev[e]!] = next[e]!;
    if (next[e] !== END) prev[next[e]!] = prev[e]!;
  };
  const relink = (e: number): void => {
    if (next[e] !== END) prev[next[e]!] = e;
    next[prev[e]!] = e;
  };

  // The linearized set as a bitset, keyed together with the model's hash lanes.
  const words = new Uint16Array(Math.ceil(ops.length / 16) || 1);
  const visited = new Set<string>();
  const key = (): string => {
    let s = '';
    for (let i = 0; i < words.length; i += 4096) s += String.fromCharCode(...words.subarray(i, i + 4096));
    return `${s}|${model.hash0}|${model.hash1}`;
  };

  const stack: Frame[] = [];
  let bestDepth = -1;
  let bestOrder: number[] = [];
  let stuck: number | null = null;

  let entry = next[HEAD]!;
  while (returnsLeft > 0) {
    if (entry === END) break; // unreachable: a response always stops the walk first
    const op = entryOp[entry]!;
    if (isCall[entry]) {
      const mark = model.mark();
      const step = ops[op]!.apply(model);
      if (step === 'ok') {
        words[op >> 4]! |= 1 << (op & 15);
        const k = key();
        if (!visited.has(k)) {
          visited.add(k);
          if (visited.size > maxStates) {
            return { verdict: 'inconclusive', statesExplored: visited.size, bestOrder, stuck };
          }
          stack.push({ entry, mark });
          unlink(entry);
          const r = returnOf[op]!;
          if (r !== END) {
            unlink(r);
            returnsLeft--;
          }
          entry = next[HEAD]!;
          continue;
        }
        words[op >> 4]! &= ~(1 << (op & 15));
      }
      model.rollback(mark);
      entry = next[entry]!;
      continue;
    }
    // A response whose op is still unlinearized: this branch is dead.
    if (stack.length > bestDepth) {
      bestDepth = stack.length;
      bestOrder = stack.map((f) => entryOp[f.entry]!);
      stuck = op;
    }
    const top = stack.pop();
    if (!top) return { verdict: 'violation', statesExplored: visited.size, bestOrder, stuck };
    const topOp = entryOp[top.entry]!;
    const r = returnOf[topOp]!;
    if (r !== END) {
      relink(r);
      returnsLeft++;
    }
    relink(top.entry);
    words[topOp >> 4]! &= ~(1 << (topOp & 15));
    model.rollback(top.mark);
    entry = next[top.entry]!;
  }
  return { verdict: 'ok', statesExplored: visited.size, bestOrder: [], stuck: null };
}
