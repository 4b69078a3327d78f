/**
 * Are the writes linearizable? There must be one order of all writes, consistent with real time (an op
 * answered before another was sent comes first), in which every op's result is what the model gives at
 * its place:
 *
 * - 'ok' writes happened, with exactly the result the client got;
 * - definite state errors (NONODE, NODEEXISTS, BADVERSION, NOTEMPTY, NOCHILDRENFOREPHEMERALS) are
 *   linearized too, and the state at their place must justify the error;
 * - writes of unknown outcome happened at some point after they were sent, or never;
 * - other definite errors (BADARGUMENTS, NOTREADONLY…) did not happen and say nothing about the state.
 *
 * It is decided from what clients saw. The ground truth only supplies the system txns no client asked
 * for (session expiry, container cleanup), and, where the search from observations alone gives up,
 * which unknown-outcome writes happened (see `unknownFromTruth`).
 *
 * The search runs per partition (see partition.ts), so its cost follows the concurrency inside one
 * group of related paths, not the length of the history.
 */
import type { Operation } from '../../protocol/client.js';
import { compareZxid, formatZxid } from '../../zab/zxid.js';
import { judgeOutcome } from './errors.js';
import { explainViolation, fmtPaths, type CheckedOp } from './explain.js';
import { describeOp, fmtEffects } from './format.js';
import { judgeWrite } from './judge.js';
import { TreeModel, UNSTAMPED } from './model.js';
import { isWrite } from './ops.js';
import { isEphemeralMode, parentOf } from './paths.js';
import { basePath, partitionWrites, subOps, type JudgedOp, type PartOp } from './partition.js';
import { searchLinearization, type SearchResult, type Step } from './search.js';
import { indexTruth } from './truth-index.js';
import type { CheckOptions, CommittedTxn, HistoryOp, PartitionReport, WriteCheckReport } from './types.js';
import { ViolationSink } from './violations.js';

export const DEFAULT_MAX_STATES = 200_000;

const CLOSE = { op: 'closeSession' } as const;

export function checkWrites(
  ops: readonly HistoryOp[],
  committed: readonly CommittedTxn[] = [],
  options: CheckOptions = {},
): WriteCheckReport {
  const initial = options.initial ?? [];
  const maxStates = options.maxStatesPerPartition ?? DEFAULT_MAX_STATES;
  const truthMode = options.unknownFromTruth ?? 'fallback';
  const sink = new ViolationSink(options.maxViolationsPerKind);

  const writes: JudgedOp[] = [];
  for (const h of ops) {
    if (!isWrite(h.op)) continue;
    const judged = judgeOutcome(h);
    if (judged !== 'rejected') writes.push({ h, judged });
  }
  const systemTxns = committed.filter((t) => t.opId === null && t.effects.length > 0);
  const { partitions, coupled } = partitionWrites(writes, systemTxns);
  const commitOf = indexTruth(committed).commitOf;
  const appliedBy = appliedByIndex(ops);

  const reports: PartitionReport[] = [];
  const inconclusive: string[] = [];
  let statesExplored = 0;
  for (const p of partitions) {
    const hasUnknown = p.ops.some((o) => o.kind !== 'system' && o.judged === 'unknown');
    const useTruth = truthMode === 'always' && hasUnknown;
    const checked = p.ops.flatMap((o) => {
      const c = toChecked(o, useTruth ? commitOf : null, appliedBy);
      return c ? [{ ...c, ...touchesOf(o, coupled) }] : [];
    });
    let result = searchPartition(checked, initial, maxStates);
    let states = result.statesExplored;
    let decidedBy: PartitionReport['decidedBy'] = useTruth ? 'truth' : 'observations';
    if (result.verdict === 'inconclusive' && truthMode === 'fallback' && hasUnknown && committed.length > 0) {
      // From observations alone the search gave up; let the ground truth say which unknown writes happened.
      const resolved = p.ops.flatMap((o) => {
        const c = toChecked(o, commitOf, appliedBy);
        return c ? [{ ...c, ...touchesOf(o, coupled) }] : [];
      });
      const second = searchPartition(resolved, initial, maxStates);
      states += second.statesExplored;
      if (second.verdict !== 'inconclusive') {
        result = second;
        decidedBy = 'truth';
        checked.splice(0, checked.length, ...resolved);
      }
    }
    statesExplored += states;
    reports.push({ paths: p.paths, ops: checked.length, verdict: result.verdict, statesExplored: states, decidedBy });
    if (result.verdict === 'violation') {
      const v = explainViolation(checked, p.paths, result, () => new TreeModel(initial, { hashData: false }));
      sink.add(decidedBy === 'truth' ? { ...v, message: `${v.message}\n${TRUTH_NOTE}` } : v);
    } else if (result.verdict === 'inconclusive') {
      inconclusive.push(
        `writes to ${fmtPaths(p.paths)} (${checked.length} ops): gave up after ${states} search states ` +
          `(too many concurrent or unknown-outcome ops; raise maxStatesPerPartition to search further)`,
      );
    }
  }
  return {
    verdict: sink.list.length || sink.suppressed ? 'violation' : inconclusive.length ? 'inconclusive' : 'ok',
    violations: sink.list,
    suppressed: sink.suppressed,
    writesChecked: writes.length,
    systemTxns: systemTxns.length,
    partitions: reports,
    statesExplored,
    inconclusive,
  };
}

const TRUTH_NOTE =
  '(Searched with the ground truth deciding which unknown-outcome writes happened: from client observations alone the search was inconclusive.)';

/**
 * Two searches, run side by side on growing budgets until one is conclusive: the complete search, and
 * a quick one that places at most one unknown-outcome write between definite ones (how a valid history
 * almost always linearizes; its failures prove nothing). Each is fast on histories where the other can
 * wander, so the pair costs at most a few times the better of the two. Without unknown ops the quick
 * search is complete and runs alone.
 */
function searchPartition(checked: readonly CheckedOp[], initial: CheckOptions['initial'], maxStates: number): SearchResult {
  const model = (): TreeModel => new TreeModel(initial ?? [], { hashData: false });
  if (!checked.some((c) => c.returnMs === null)) {
    return searchLinearization(checked, model(), { maxStates, maxUnknownRun: Infinity });
  }
  let spent = 0;
  let quickDone = false;
  for (let budget = Math.min(FIRST_BUDGET, maxStates); ; budget = Math.min(budget * 4, maxStates)) {
    if (!quickDone) {
      const quick = searchLinearization(checked, model(), { maxStates: budget, maxUnknownRun: 1 });
      spent += quick.statesExplored;
      if (quick.verdict === 'ok') return { ...quick, statesExplored: spent };
      quickDone = quick.verdict === 'violation';
    }
    const full = searchLinearization(checked, model(), { maxStates: budget, maxUnknownRun: Infinity });
    spent += full.statesExplored;
    if (full.verdict !== 'inconclusive' || budget >= maxStates) return { ...full, statesExplored: spent };
  }
}

const FIRST_BUDGET = 20_000;

/**
 * The search's view of one op: its window in time, how to apply it, how to say why it does not fit.
 * With `truth`, an unknown-outcome write is resolved by it: committed with effects → it happened (by
 * the txn's committedMs if known); otherwise it is left out (null).
 */
function toChecked(
  o: PartOp,
  truth: ReadonlyMap<number, CommittedTxn> | null,
  appliedBy: (txn: CommittedTxn) => number,
): CheckedOp | null {
  if (o.kind === 'system') {
    const { txn, effects } = o;
    const name = `system txn ${formatZxid(txn.zxid)}`;
    const apply = (model: TreeModel): Step => {
      for (const e of effects) if (model.applyEffect(e, UNSTAMPED) !== null) return 'inconsistent';
      return 'ok';
    };
    return {
      opId: null,
      name,
      label: `${name} (${fmtEffects(effects)})`,
      callMs: txn.proposedMs ?? -Infinity,
      returnMs: appliedBy(txn),
      apply,
      why: (model) => {
        const mark = model.mark();
        let reason: string | null = null;
        for (const e of effects) if ((reason = model.applyEffect(e, UNSTAMPED)) !== null) break;
        model.rollback(mark);
        return reason === null ? null : `it cannot apply: ${reason}`;
      },
      force: (model) => void apply(model),
    };
  }

  const { h } = o;
  let { judged } = o;
  const op = o.kind === 'close' ? CLOSE : h.op;
  let returnMs: number | null;
  let suffix = o.kind === 'close' ? ' (its ephemerals here)' : '';
  if (judged === 'unknown' && truth) {
    const txn = truth.get(h.id);
    if (!txn || txn.effects.length === 0) return null;
    // It happened (per the truth), with whatever result the state gives: like an answered close.
    judged = 'ok';
    returnMs = appliedBy(txn);
    suffix += ' (outcome unknown to its client; committed per the ground truth)';
  } else {
    // An 'ok' op never answered (a recording slip) still happened: it must be placed, with no deadline.
    returnMs = judged === 'unknown' ? null : (h.completeMs ?? Infinity);
  }
  const unknown = judged === 'unknown';
  const anyResult = unknown || o.kind === 'close' || o.judged === 'unknown';
  const apply = (model: TreeModel): Step => {
    const h0 = model.hash0;
    const h1 = model.hash1;
    const attempt = model.attempt(op, h.session, UNSTAMPED);
    if (anyResult) {
      if (!attempt.ok) return unknown ? 'skip' : 'inconsistent';
      // Placing a no-op is the same as leaving it out (unknown) or as placing it anywhere (close).
      if (unknown && model.hash0 === h0 && model.hash1 === h1) return 'skip';
      return 'ok';
    }
    return judgeWrite(h, judged, attempt, 'partition') === null ? 'ok' : 'inconsistent';
  };
  const why = (model: TreeModel): string | null => {
    if (unknown) return null;
    const mark = model.mark();
    const attempt = model.attempt(op, h.session, UNSTAMPED);
    model.rollback(mark);
    if (anyResult) return attempt.ok ? null : `it cannot take effect: ${attempt.reason}`;
    return judgeWrite(h, judged, attempt, 'partition');
  };
  const force = (model: TreeModel): void => void model.attempt(op, h.session, UNSTAMPED);
  const checked = { opId: h.id, name: `#${h.id}`, label: describeOp(h) + suffix, callMs: h.invokeMs, returnMs, apply, why, force };
  return unknown ? { ...checked, symmetryKey: symmetryKey(o.kind, op, h.session) } : checked;
}

/**
 * Unknown-outcome writes that do the same thing to every state the search tells apart: the same op up to
 * its data (which no write's result depends on, and the search does not hash), and the same session
 * when the session matters (ephemeral owners, closeSession).
 */
function symmetryKey(kind: string, op: Operation, session: number): string {
  const subs = op.op === 'multi' ? op.ops : [op];
  const owned = op.op === 'closeSession' || subs.some((s) => s.op === 'create' && isEphemeralMode(s.mode));
  const shape = JSON.stringify(op, (_key, value: unknown) => (value instanceof Uint8Array ? undefined : value));
  return `${kind}|${owned ? session : ''}|${shape}`;
}

/**
 * The paths an op reads or writes, for the search's "which unknown ops could matter here" closure:
 * its own paths, plus the parent where the parent's children are observed (coupled), exactly the links
 * partition.ts draws. A closeSession share may touch any ephemeral, so it gets no list (touches all).
 */
function touchesOf(o: PartOp, coupled: ReadonlySet<string>): { touches?: readonly string[] } {
  if (o.kind === 'close') return {};
  const out = new Set<string>();
  const add = (path: string): void => {
    out.add(path);
    const parent = parentOf(path);
    if (parent !== null && coupled.has(parent)) out.add(parent);
  };
  if (o.kind === 'system') for (const e of o.effects) add(e.path);
  else for (const sub of subOps(o.h)) add(basePath(sub));
  return { touches: [...out] };
}

/**
 * When a committed txn had certainly taken effect: its `committedMs` if the recorder knows it, and no
 * later than the first answer any member gave while stamped at or past its zxid (members apply in zxid
 * order, so that member had applied it).
 */
function appliedByIndex(ops: readonly HistoryOp[]): (txn: CommittedTxn) => number {
  const stamped = ops
    .filter((h) => h.zxid !== undefined && h.completeMs !== null)
    .sort((a, b) => compareZxid(b.zxid!, a.zxid!));
  // earliest[i]: the earliest answer among the i+1 highest stamps.
  const earliest: number[] = [];
  for (const h of stamped) earliest.push(Math.min(earliest[earliest.length - 1] ?? Infinity, h.completeMs!));
  return (txn) => {
    let lo = 0;
    let hi = stamped.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareZxid(stamped[mid]!.zxid!, txn.zxid) >= 0) lo = mid + 1;
      else hi = mid;
    }
    const byStamp = lo === 0 ? Infinity : earliest[lo - 1]!;
    return Math.min(txn.committedMs ?? Infinity, byStamp);
  };
}
