/**
 * Are the writes linearizable? Decided from what clients saw alone (the ground truth is only used for
 * system txns such as session expiry, which no client asked for but which change the tree): there must be
 * one order of all writes, consistent with real time (an op answered before another was sent comes
 * first), in which every op's result is what the model gives at its place:
 *
 * - 'ok' writes happened, with exactly the result the client got;
 * - definite state errors (NONODE, NODEEXISTS, BADVERSION, NOTEMPTY, NOCHILDRENFOREPHEMERALS) are
 *   linearized too, and the state at their place must justify the error;
 * - writes of unknown outcome happened at some point after they were sent, or never;
 * - other definite errors (BADARGUMENTS, NOTREADONLY…) did not happen and say nothing about the state.
 *
 * The search runs per partition (see partition.ts), so its cost follows the concurrency inside one
 * group of related paths, not the length of the history.
 */
import type { Operation } from '../../protocol/client.js';
import { formatZxid } from '../../zab/zxid.js';
import { judgeOutcome } from './errors.js';
import { explainViolation, fmtPaths, type CheckedOp } from './explain.js';
import { describeOp, fmtEffects } from './format.js';
import { judgeWrite } from './judge.js';
import { TreeModel, UNSTAMPED } from './model.js';
import { isWrite } from './ops.js';
import { isEphemeralMode, parentOf } from './paths.js';
import { basePath, partitionWrites, subOps, type JudgedOp, type PartOp } from './partition.js';
import { searchLinearization, type Step } from './search.js';
import type { CheckOptions, CommittedTxn, HistoryOp, PartitionReport, WriteCheckReport } from './types.js';
import { ViolationSink } from './violations.js';

export const DEFAULT_MAX_STATES = 500_000;

const CLOSE = { op: 'closeSession' } as const;

export function checkWrites(
  ops: readonly HistoryOp[],
  committed: readonly CommittedTxn[] = [],
  options: CheckOptions = {},
): WriteCheckReport {
  const initial = options.initial ?? [];
  const maxStates = options.maxStatesPerPartition ?? DEFAULT_MAX_STATES;
  const sink = new ViolationSink(options.maxViolationsPerKind);

  const writes: JudgedOp[] = [];
  for (const h of ops) {
    if (!isWrite(h.op)) continue;
    const judged = judgeOutcome(h);
    if (judged !== 'rejected') writes.push({ h, judged });
  }
  const systemTxns = committed.filter((t) => t.opId === null && t.effects.length > 0);
  const { partitions, coupled } = partitionWrites(writes, systemTxns);

  const reports: PartitionReport[] = [];
  const inconclusive: string[] = [];
  let statesExplored = 0;
  for (const p of partitions) {
    const checked = p.ops.map((o) => ({ ...toChecked(o), ...touchesOf(o, coupled) }));
    const result = searchLinearization(checked, new TreeModel(initial, { hashData: false }), maxStates);
    statesExplored += result.statesExplored;
    reports.push({ paths: p.paths, ops: checked.length, verdict: result.verdict, statesExplored: result.statesExplored });
    if (result.verdict === 'violation') {
      sink.add(explainViolation(checked, p.paths, result, () => new TreeModel(initial)));
    } else if (result.verdict === 'inconclusive') {
      inconclusive.push(
        `writes to ${fmtPaths(p.paths)} (${checked.length} ops): gave up after ${result.statesExplored} search states ` +
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

/** The search's view of one op: its window in time, how to apply it, how to say why it does not fit. */
function toChecked(o: PartOp): CheckedOp {
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
      returnMs: txn.committedMs ?? Infinity,
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

  const { h, judged } = o;
  const op = o.kind === 'close' ? CLOSE : h.op;
  const unknown = judged === 'unknown';
  // An 'ok' op never answered (a recording slip) still happened: it must be placed, with no deadline.
  const returnMs = unknown ? null : (h.completeMs ?? Infinity);
  const apply = (model: TreeModel): Step => {
    const h0 = model.hash0;
    const h1 = model.hash1;
    const attempt = model.attempt(op, h.session, UNSTAMPED);
    if (unknown || o.kind === 'close') {
      if (!attempt.ok) return unknown ? 'skip' : 'inconsistent';
      // Placing a no-op is the same as leaving it out (unknown) or as placing it anywhere (close).
      if (unknown && model.hash0 === h0 && model.hash1 === h1) return 'skip';
      return 'ok';
    }
    return judgeWrite(h, judged, attempt, 'partition') === null ? 'ok' : 'inconsistent';
  };
  const why = (model: TreeModel): string | null => {
    if (unknown || o.kind === 'close') return null;
    const mark = model.mark();
    const reason = judgeWrite(h, judged, model.attempt(op, h.session, UNSTAMPED), 'partition');
    model.rollback(mark);
    return reason;
  };
  const share = o.kind === 'close' ? ' (its ephemerals here)' : '';
  const force = (model: TreeModel): void => void model.attempt(op, h.session, UNSTAMPED);
  const checked = { opId: h.id, name: `#${h.id}`, label: describeOp(h) + share, callMs: h.invokeMs, returnMs, apply, why, force };
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
