/**
 * Does what a client saw agree with what the model says the op does? Used by the write search (at a
 * candidate linearization point, knowing no zxids) and by the ground-truth replay (at the op's real
 * zxid, where every stat field is known).
 */
import type { CreateMode, MultiOp, MultiResult, Operation, OperationResult, Stat } from '../../protocol/client.js';
import { formatZxid, zxidEquals } from '../../zab/zxid.js';
import { errName, ZK, type Judged } from './errors.js';
import { fmtResult } from './format.js';
import type { Attempt } from './model.js';
import { ownerIsModelled } from './paths.js';
import type { HistoryOp } from './types.js';

/**
 * 'partition': only what a per-path search can know (versions, sizes, owners, created paths).
 * 'full': every Stat field the tree defines (zxids; times when the txn carried one; not aversion).
 */
export type Level = 'partition' | 'full';

/** The differing fields, empty when the stats agree at this level. */
export function statDiff(observed: Stat, expected: Stat, level: Level, ownerKnown: boolean): string[] {
  const out: string[] = [];
  const num = (name: keyof Stat, a: number, b: number): void => {
    if (a !== b && !Number.isNaN(b)) out.push(`${name} ${a} (expected ${b})`);
  };
  if (level === 'full') {
    for (const f of ['czxid', 'mzxid', 'pzxid'] as const) {
      if (!zxidEquals(observed[f], expected[f])) out.push(`${f} ${formatZxid(observed[f])} (expected ${formatZxid(expected[f])})`);
    }
    num('ctime', observed.ctime, expected.ctime);
    num('mtime', observed.mtime, expected.mtime);
  }
  num('version', observed.version, expected.version);
  if (level === 'full') num('cversion', observed.cversion, expected.cversion);
  if (ownerKnown) num('ephemeralOwner', observed.ephemeralOwner, expected.ephemeralOwner);
  num('dataLength', observed.dataLength, expected.dataLength);
  if (level === 'full') num('numChildren', observed.numChildren, expected.numChildren);
  return out;
}

function modeOf(op: MultiOp): CreateMode | null {
  return op.op === 'create' ? op.mode : null;
}

/** Compares one write's result (or a multi sub-result) with the model's; null when they agree. */
function subResultDiff(observed: MultiResult, expected: MultiResult, op: MultiOp, level: Level): string | null {
  if (observed.op !== expected.op) return `it reported a ${observed.op} result, the model a ${expected.op} result`;
  if (observed.op === 'create' && expected.op === 'create') {
    if (observed.path !== expected.path) return `it created ${observed.path}, but the state names it ${expected.path}`;
    const mode = modeOf(op);
    const d = statDiff(observed.stat, expected.stat, level, mode !== null && ownerIsModelled(mode));
    return d.length ? `its stat differs: ${d.join(', ')}` : null;
  }
  if (observed.op === 'setData' && expected.op === 'setData') {
    // The node's mode is not in the op; the owner cannot change under setData, so skip it here.
    const d = statDiff(observed.stat, expected.stat, level, false);
    return d.length ? `its stat differs: ${d.join(', ')}` : null;
  }
  return null;
}

function resultDiff(observed: OperationResult, expected: OperationResult, op: Operation, level: Level): string | null {
  if (op.op === 'multi') {
    if (observed.op !== 'multi' || expected.op !== 'multi') return `it reported a ${observed.op} result for a multi`;
    if (observed.results.length !== expected.results.length) {
      return `it reported ${observed.results.length} results for ${op.ops.length} ops`;
    }
    for (let i = 0; i < op.ops.length; i++) {
      const d = subResultDiff(observed.results[i]!, expected.results[i]!, op.ops[i]!, level);
      if (d) return `op ${i + 1} (${op.ops[i]!.op} ${op.ops[i]!.path}): ${d}`;
    }
    return null;
  }
  if (op.op === 'create' || op.op === 'delete' || op.op === 'setData' || op.op === 'check') {
    return subResultDiff(observed as MultiResult, expected as MultiResult, op, level);
  }
  return null;
}

/** The failing op index a client's failed-multi results name: the first error that is not 0 or RUNTIMEINCONSISTENCY. */
function reportedFailIndex(h: HistoryOp): number | null {
  if (h.op.op !== 'multi' || h.result?.op !== 'multi') return null;
  const i = h.result.results.findIndex((r) => r.op === 'error' && r.err !== ZK.OK && r.err !== ZK.RUNTIMEINCONSISTENCY);
  return i < 0 ? null : i;
}

/**
 * Whether the client's view of write `h` agrees with the model's `attempt` of it (made at the point being
 * tried): null when it does, else a sentence saying why not. Only for ops judged 'ok' or 'state-error'.
 */
export function judgeWrite(h: HistoryOp, judged: Judged, attempt: Attempt, level: Level): string | null {
  if (judged === 'ok') {
    if (!attempt.ok) return `it cannot succeed: ${attempt.reason} (${attempt.errs.map(errName).join(' or ')})`;
    if (!h.result) return null;
    return resultDiff(h.result, attempt.result, h.op, level);
  }
  if (judged === 'state-error') {
    const err = h.err!;
    if (attempt.ok) return `it would succeed (${fmtResult(attempt.result) || 'ok'}), not fail with ${errName(err)}`;
    if (!attempt.errs.includes(err)) {
      return `it fails with ${attempt.errs.map(errName).join(' or ')} (${attempt.reason}), not ${errName(err)}`;
    }
    const idx = reportedFailIndex(h);
    if (idx !== null && idx !== attempt.index) {
      return `the client says op ${idx + 1} failed, but op ${attempt.index + 1} fails first (${attempt.reason})`;
    }
    return null;
  }
  throw new Error(`judgeWrite: op #${h.id} is ${judged}, not decided by the tree`);
}

/** A human line on what the model expects of a write at this state (for explanations). */
export function fmtAttempt(attempt: Attempt): string {
  return attempt.ok ? `succeeds (${fmtResult(attempt.result) || 'ok'})` : `fails with ${attempt.errs.map(errName).join(' or ')}: ${attempt.reason}`;
}
