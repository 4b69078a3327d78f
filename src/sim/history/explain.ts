/**
 * Turns a failed write search into a sentence a person can act on. The search only knows "no order
 * works"; this looks at the longest order it found and the op that could not follow it, and names the
 * real-time fact that rules out the obvious repair:
 *
 * - the stuck op's result shows the effect of an op that was only sent after it was answered
 *   ("reordered writes"), or
 * - it shows the state before an op that had been answered before it was sent ("lost write", "stale
 *   version", "multi seen half-applied"), or
 * - it depends on an op still in flight whose own answer is impossible (then that op is the suspect), or
 * - it fits no state at all.
 */
import { fmtMs } from './format.js';
import type { TreeModel } from './model.js';
import type { SearchOp, SearchResult } from './search.js';
import type { Violation } from './types.js';

/** An op as the search and the explanation see it. */
export interface CheckedOp extends SearchOp {
  /** The history op id, null for a system txn. */
  readonly opId: number | null;
  /** `#5 (session 3: setData /a v=1 → ok …)` or `system txn (1,9): delete /e`. */
  readonly label: string;
  /** Short name: `#5` or `system txn (1,9)`. */
  readonly name: string;
  /** Why the client's view of this op is impossible at the model's state; null when it fits. Leaves the model as it was. */
  readonly why: (model: TreeModel) => string | null;
  /** Applies what the op would do here, whatever its client saw (for "what if it had happened"). */
  readonly force: (model: TreeModel) => void;
}

const ORDER_SHOWN = 10;

export function explainViolation(
  ops: readonly CheckedOp[],
  paths: readonly string[],
  result: SearchResult,
  makeModel: () => TreeModel,
): Violation {
  const where = fmtPaths(paths);
  const head = `Writes to ${where} are not linearizable: no order of these ${ops.length} ops explains what the clients saw.`;
  if (result.stuck === null) {
    return { check: 'writes', kind: 'not-linearizable', opIds: ids(ops, ops.map((_, i) => i)), message: head };
  }
  const f = result.stuck;
  const F = ops[f]!;
  const order = result.bestOrder;

  // Replay the best order, noting at which points F's result would have fit.
  const model = makeModel();
  const fitsBefore: boolean[] = [];
  for (const i of order) {
    fitsBefore.push(F.why(model) === null);
    if (ops[i]!.apply(model) !== 'ok') throw new Error('explainViolation: the best order no longer replays');
  }
  const reasonAtEnd = F.why(model) ?? 'it fits, but then nothing that must follow it does';
  const deadline = F.returnMs === Infinity ? 'it did take effect' : `it must take effect before it was answered at ${fmtMs(F.returnMs ?? Infinity)}`;
  const lines = [head, `${F.label} cannot be placed: ${deadline}, that is after the order below, where ${reasonAtEnd}.`];
  const named = [f];

  const future = futureCulprit(ops, order, f, model);
  const j = fitsBefore.lastIndexOf(true);
  if (future !== null) {
    const G = ops[future]!;
    named.push(future);
    lines.push(
      `Its result shows the effect of ${G.label}, but ${G.name} was sent at ${fmtMs(G.callMs)}, ` +
        `after ${F.name} was answered at ${fmtMs(F.returnMs ?? Infinity)}.`,
    );
  } else if (j >= 0 && isBefore(order[j]!, f, ops)) {
    const W = ops[order[j]!]!;
    named.push(order[j]!);
    lines.push(
      `Its result shows the state before ${W.label}, but ${W.name} was answered at ${fmtMs(W.returnMs!)}, ` +
        `before ${F.name} was sent at ${fmtMs(F.callMs)}.`,
    );
  } else {
    const helper = inFlightHelper(ops, order, f, model);
    if (helper !== null) {
      const G = ops[helper.op]!;
      named.push(helper.op);
      lines.push(`Its result fits only once ${G.label} has taken effect, and that op cannot: there ${helper.reason}.`);
    } else if (j >= 0) {
      const W = ops[order[j]!]!;
      named.push(order[j]!);
      lines.push(
        `Its result fits only the state before ${W.label}, which overlaps it in time, ` +
          `yet no order that puts ${F.name} first explains the ops that follow.`,
      );
    } else {
      lines.push(`Its result fits none of the states these writes pass through.`);
    }
  }

  if (order.length) {
    const shown = order.slice(-ORDER_SHOWN);
    const skipped = order.length - shown.length;
    lines.push(`Longest order found that explains everything answered before it${skipped ? ` (last ${shown.length} of ${order.length})` : ''}:`);
    shown.forEach((i, k) => {
      const assumed = ops[i]!.returnMs === null ? ' ← outcome unknown: assumed to take effect here' : '';
      lines.push(`  ${skipped + k + 1}. ${ops[i]!.label}${assumed}`);
    });
  } else {
    lines.push('No op can be placed before it.');
  }
  return { check: 'writes', kind: 'not-linearizable', opIds: ids(ops, [...named, ...order.slice(-ORDER_SHOWN).reverse()]), message: lines.join('\n') };
}

/**
 * An op sent only after F was answered whose effect, applied now, would make F's result fit: the
 * clearest sign the ensemble reordered them.
 */
function futureCulprit(ops: readonly CheckedOp[], order: readonly number[], f: number, model: TreeModel): number | null {
  const F = ops[f]!;
  if (F.returnMs === null || F.returnMs === Infinity) return null;
  const placed = new Set(order);
  for (let g = 0; g < ops.length; g++) {
    const G = ops[g]!;
    if (g === f || placed.has(g) || !(G.callMs > F.returnMs)) continue;
    const mark = model.mark();
    const fits = G.apply(model) === 'ok' && F.why(model) === null;
    model.rollback(mark);
    if (fits) return g;
  }
  return null;
}

/** W was answered before F was sent: real time puts W first. */
function isBefore(w: number, f: number, ops: readonly CheckedOp[]): boolean {
  const r = ops[w]!.returnMs;
  return r !== null && r < ops[f]!.callMs;
}

/**
 * An op that could still have taken effect before F's answer and would make F's result fit, but whose
 * own result is impossible there: usually the op whose answer is the lie (F only depends on it).
 */
function inFlightHelper(
  ops: readonly CheckedOp[],
  order: readonly number[],
  f: number,
  model: TreeModel,
): { op: number; reason: string } | null {
  const F = ops[f]!;
  const placed = new Set(order);
  for (let g = 0; g < ops.length; g++) {
    const G = ops[g]!;
    if (g === f || placed.has(g) || !(G.callMs < (F.returnMs ?? Infinity))) continue;
    const reason = G.why(model);
    if (reason === null) continue;
    const mark = model.mark();
    G.force(model);
    const fits = F.why(model) === null;
    model.rollback(mark);
    if (fits) return { op: g, reason };
  }
  return null;
}

function ids(ops: readonly CheckedOp[], idx: readonly number[]): number[] {
  const out: number[] = [];
  for (const i of idx) {
    const id = ops[i]!.opId;
    if (id !== null && !out.includes(id)) out.push(id);
  }
  return out;
}

export function fmtPaths(paths: readonly string[]): string {
  return paths.length <= 4 ? paths.join(', ') : `${paths.slice(0, 4).join(', ')} and ${paths.length - 4} more paths`;
}
