/**
 * Does the ground truth agree with what clients were told? The simulator records every committed txn;
 * the write search never looks at them (it must stand on client observations alone), so this check
 * catches what only the truth shows:
 *
 * - an acknowledged write that never committed (lost write), or one committed twice;
 * - a write answered with a definite error whose effects were committed anyway;
 * - a write answered before the member had applied it (response stamp below its txn's zxid);
 * - commit order against real time: a write answered before another was sent must commit first;
 * - replaying the txns through the model, each txn's effects are what its op does at that state (a
 *   wrong sequential suffix, a BADVERSION that should have passed…), and each client's result is what
 *   its txn did (path, version, zxids).
 */
import { compareZxid, formatZxid } from '../../zab/zxid.js';
import { sameBytes } from './bytes.js';
import { judgeOutcome } from './errors.js';
import { describeOp, fmtData, fmtEffects, fmtMs } from './format.js';
import { judgeWrite } from './judge.js';
import { TreeModel } from './model.js';
import { isWrite, mustCommit } from './ops.js';
import { ownerIsModelled, modeOfEffect } from './paths.js';
import { indexTruth, stampOf } from './truth-index.js';
import type { CheckOptions, CommittedTxn, Effect, HistoryOp, TruthCheckReport } from './types.js';
import { ViolationSink } from './violations.js';

export function checkTruth(
  ops: readonly HistoryOp[],
  committed: readonly CommittedTxn[],
  options: CheckOptions = {},
): TruthCheckReport {
  const sink = new ViolationSink(options.maxViolationsPerKind);
  const truth = indexTruth(committed);
  const byId = new Map(ops.map((h) => [h.id, h]));

  for (let i = 1; i < committed.length; i++) {
    if (compareZxid(committed[i - 1]!.zxid, committed[i]!.zxid) >= 0) {
      sink.add({
        check: 'truth',
        kind: 'truth-inconsistent',
        opIds: [],
        message: `The committed txns are not in zxid order: ${formatZxid(committed[i]!.zxid)} follows ${formatZxid(committed[i - 1]!.zxid)} (txn ${i}).`,
      });
    }
  }
  for (const txn of committed) {
    if (txn.opId !== null && !byId.has(txn.opId)) {
      sink.add({
        check: 'truth',
        kind: 'foreign-commit',
        opIds: [],
        message: `The txn committed at ${formatZxid(txn.zxid)} (${fmtEffects(txn.effects)}) names op #${txn.opId}, which is not in the history.`,
      });
    }
  }
  for (const dup of truth.duplicates) {
    const h = byId.get(dup.opId!);
    const first = truth.commitOf.get(dup.opId!)!;
    sink.add({
      check: 'truth',
      kind: 'duplicate-commit',
      opIds: [dup.opId!],
      message:
        `${h ? describeOp(h) : `#${dup.opId}`} was committed twice: at ${formatZxid(first.zxid)} ` +
        `(${fmtEffects(first.effects)}) and again at ${formatZxid(dup.zxid)} (${fmtEffects(dup.effects)}).`,
    });
  }

  for (const h of ops) {
    if (!isWrite(h.op)) continue;
    const judged = judgeOutcome(h);
    const txn = truth.commitOf.get(h.id);
    if (judged === 'ok' && !txn && mustCommit(h.op)) {
      sink.add({
        check: 'truth',
        kind: 'lost-write',
        opIds: [h.id],
        message: `Lost write: ${describeOp(h)} was acknowledged, but no committed txn carries it.`,
      });
    }
    if ((judged === 'state-error' || judged === 'rejected') && txn && txn.effects.length > 0) {
      sink.add({
        check: 'truth',
        kind: 'error-but-committed',
        opIds: [h.id],
        message: `${describeOp(h)} was answered with an error, yet its txn committed at ${formatZxid(txn.zxid)} changed the tree: ${fmtEffects(txn.effects)}.`,
      });
    }
    if (judged === 'ok' && txn && h.zxid && compareZxid(h.zxid, txn.zxid) < 0) {
      sink.add({
        check: 'truth',
        kind: 'stamp-before-commit',
        opIds: [h.id],
        message: `${describeOp(h)} was answered by a member at ${formatZxid(h.zxid)}, before it had applied the write's own txn at ${formatZxid(txn.zxid)}.`,
      });
    }
  }

  checkRealTimeOrder(ops, committed, sink);
  const txnsReplayed = replay(committed, byId, options, sink);
  return { violations: sink.list, suppressed: sink.suppressed, txnsReplayed };
}

/** Commit order must respect real time: if A was answered before B was sent, A's zxid is lower. */
function checkRealTimeOrder(ops: readonly HistoryOp[], committed: readonly CommittedTxn[], sink: ViolationSink): void {
  const zxidOf = new Map<number, CommittedTxn>();
  for (const txn of committed) if (txn.opId !== null && !zxidOf.has(txn.opId)) zxidOf.set(txn.opId, txn);
  const answered = ops
    .filter((h) => isWrite(h.op) && h.outcome === 'ok' && h.completeMs !== null && zxidOf.has(h.id))
    .sort((a, b) => a.completeMs! - b.completeMs!);
  // Running max of zxid over writes answered so far.
  const best: HistoryOp[] = [];
  for (const h of answered) {
    const prev = best[best.length - 1];
    best.push(prev && compareZxid(zxidOf.get(prev.id)!.zxid, zxidOf.get(h.id)!.zxid) > 0 ? prev : h);
  }
  for (const b of ops) {
    const tb = zxidOf.get(b.id);
    if (!tb || !isWrite(b.op)) continue;
    let lo = 0;
    let hi = answered.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (answered[mid]!.completeMs! < b.invokeMs) lo = mid + 1;
      else hi = mid;
    }
    if (lo === 0) continue;
    const a = best[lo - 1]!;
    const ta = zxidOf.get(a.id)!;
    if (a.id === b.id || compareZxid(ta.zxid, tb.zxid) < 0) continue;
    sink.add({
      check: 'truth',
      kind: 'real-time-order',
      opIds: [b.id, a.id],
      message:
        `Writes committed against real time: ${describeOp(b)} committed at ${formatZxid(tb.zxid)}, before ` +
        `${describeOp(a)} at ${formatZxid(ta.zxid)}, although #${a.id} was answered at ${fmtMs(a.completeMs!)}, ` +
        `before #${b.id} was sent at ${fmtMs(b.invokeMs)}.`,
    });
  }
}

/** Replays the truth, comparing each txn with what its op does at that state and with what its client saw. */
function replay(
  committed: readonly CommittedTxn[],
  byId: ReadonlyMap<number, HistoryOp>,
  options: CheckOptions,
  sink: ViolationSink,
): number {
  const model = new TreeModel(options.initial ?? []);
  let replayed = 0;
  for (const txn of committed) {
    replayed++;
    const stamp = stampOf(txn);
    const h = txn.opId === null ? undefined : byId.get(txn.opId);
    if (h && isWrite(h.op)) compareWithOp(model, txn, h, sink);
    for (const e of txn.effects) {
      const problem = model.applyEffect(e, stamp);
      if (problem !== null) {
        sink.add({
          check: 'truth',
          kind: 'truth-inconsistent',
          opIds: h ? [h.id] : [],
          message: `The txn committed at ${formatZxid(txn.zxid)} (${h ? describeOp(h) : 'a system txn'}) cannot apply: ${problem}.`,
        });
      }
    }
    model.forget();
  }
  return replayed;
}

function compareWithOp(model: TreeModel, txn: CommittedTxn, h: HistoryOp, sink: ViolationSink): void {
  const judged = judgeOutcome(h);
  const at = formatZxid(txn.zxid);
  const mark = model.mark();
  const attempt = model.attempt(h.op, h.session, stampOf(txn));
  model.rollback(mark);
  if (txn.effects.length === 0) {
    // An error txn (or a txn of checks): the op must fail here, or succeed without changing anything.
    if (attempt.ok && attempt.effects.length === 0) return;
    if (judged === 'ok' || judged === 'state-error') {
      const d = judged === 'ok' && attempt.ok ? `but it would have changed the tree: ${fmtEffects(attempt.effects)}` : judgeWrite(h, judged, attempt, 'full');
      if (d) {
        sink.add({
          check: 'truth',
          kind: 'result-mismatch',
          opIds: [h.id],
          message: `${describeOp(h)} committed at ${at} as a txn that changes nothing; at that state ${d}.`,
        });
      }
    }
    return;
  }
  if (!attempt.ok) {
    sink.add({
      check: 'truth',
      kind: 'truth-inconsistent',
      opIds: [h.id],
      message: `The txn committed at ${at} for ${describeOp(h)} did ${fmtEffects(txn.effects)}, but at that state the op fails: ${attempt.reason}.`,
    });
    return;
  }
  const d = effectsDiff(txn.effects, attempt.effects, h.op.op === 'closeSession');
  if (d) {
    sink.add({
      check: 'truth',
      kind: 'truth-inconsistent',
      opIds: [h.id],
      message: `The txn committed at ${at} for ${describeOp(h)} did ${fmtEffects(txn.effects)}, but at that state the op does ${fmtEffects(attempt.effects)} (${d}).`,
    });
    return;
  }
  if (judged === 'ok') {
    const r = judgeWrite(h, 'ok', attempt, 'full');
    if (r) {
      sink.add({
        check: 'truth',
        kind: 'result-mismatch',
        opIds: [h.id],
        message: `${describeOp(h)} was told something other than what its txn at ${at} did: ${r}.`,
      });
    }
  }
}

/** Where the committed effects differ from the model's, or null. A closeSession's deletes may come in any order. */
function effectsDiff(got: readonly Effect[], want: readonly Effect[], anyOrder: boolean): string | null {
  const byPath = (a: Effect, b: Effect): number => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
  const g = anyOrder ? [...got].sort(byPath) : got;
  const w = anyOrder ? [...want].sort(byPath) : want;
  if (g.length !== w.length) return `${g.length} effects, expected ${w.length}`;
  for (let i = 0; i < g.length; i++) {
    const a = g[i]!;
    const b = w[i]!;
    if (a.kind !== b.kind || a.path !== b.path) return `effect ${i + 1} is ${a.kind} ${a.path}, expected ${b.kind} ${b.path}`;
    if (a.kind === 'create' && b.kind === 'create') {
      if (!sameBytes(a.data, b.data)) return `${a.path} created with ${fmtData(a.data)}, expected ${fmtData(b.data)}`;
      const mode = modeOfEffect(b.ephemeralOwner, b.mode);
      if (ownerIsModelled(mode) && a.ephemeralOwner !== b.ephemeralOwner) {
        return `${a.path} owned by ${a.ephemeralOwner}, expected ${b.ephemeralOwner}`;
      }
      if (a.mode !== undefined && a.mode !== mode) return `${a.path} created ${a.mode}, expected ${mode}`;
    }
    if (a.kind === 'set' && b.kind === 'set') {
      if (!sameBytes(a.data, b.data)) return `${a.path} set to ${fmtData(a.data)}, expected ${fmtData(b.data)}`;
      if (a.version !== undefined && b.version !== undefined && a.version !== b.version) {
        return `${a.path} set to version ${a.version}, expected ${b.version}`;
      }
    }
  }
  return null;
}
