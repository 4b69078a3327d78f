/**
 * Are the reads sequentially consistent, as ZooKeeper promises? Reads are served from a member's local
 * state, so they may be stale, but never wrong and never out of order for one session:
 *
 * 1. a read's result is the committed state at the zxid stamped on its response (replaying the ground
 *    truth up to it), and that zxid names a committed txn;
 * 2. per session, stamped zxids never go backwards, across reconnects to other members too;
 * 3. a session sees its own writes: a read sent after one of its writes was answered is stamped at or
 *    after that write's zxid;
 * 4. `sync` then read: once a session's sync has been answered, its later reads (and the sync's own
 *    stamp) are at or after every write answered, on any session, before the sync was sent.
 */
import type { Operation } from '../../protocol/client.js';
import { compareZxid, formatZxid, type Zxid } from '../../zab/zxid.js';
import { sameBytes } from './bytes.js';
import { errName, judgeOutcome } from './errors.js';
import { describeOp, fmtData, fmtMs, fmtResult } from './format.js';
import { statDiff } from './judge.js';
import { TreeModel, type ReadAnswer } from './model.js';
import { isRead, isWrite } from './ops.js';
import { indexTruth, stampIsUncommitted, stampOf, type TruthIndex } from './truth-index.js';
import type { CheckOptions, CommittedTxn, HistoryOp, ReadCheckReport } from './types.js';
import { ViolationSink } from './violations.js';

export function checkReads(
  ops: readonly HistoryOp[],
  committed: readonly CommittedTxn[],
  options: CheckOptions = {},
): ReadCheckReport {
  const sink = new ViolationSink(options.maxViolationsPerKind);
  const truth = indexTruth(committed);
  const fifo = options.fifo ?? false;

  // Reads with a definite answer. NONODE is an answer too ("it does not exist at that zxid").
  const answered = ops.filter((h) => isRead(h.op) && isAnswered(h));
  const stamped = answered.filter((h) => h.zxid !== undefined);
  const syncs = ops.filter((h) => h.op.op === 'sync' && h.outcome === 'ok' && h.completeMs !== null);

  for (const h of ops) {
    if (h.zxid && stampIsUncommitted(h.zxid, truth)) {
      sink.add({
        check: 'reads',
        kind: 'stamp-not-committed',
        opIds: [h.id],
        message: `${describeOp(h)} is stamped with zxid ${formatZxid(h.zxid)}, which no committed txn has: the member answered from state that was never committed.`,
      });
    }
  }
  const readsChecked = checkResults(stamped, committed, options, sink);
  checkMonotonic(ops, sink);
  checkOwnWrites(ops, stamped, truth, fifo, sink);
  checkSyncs(ops, stamped, syncs, truth, fifo, sink);

  return {
    violations: sink.list,
    suppressed: sink.suppressed,
    readsChecked,
    readsUnstamped: answered.length - stamped.length,
    syncsChecked: syncs.length,
    sessions: new Set(ops.map((h) => h.session)).size,
  };
}

function isAnswered(h: HistoryOp): boolean {
  const j = judgeOutcome(h);
  return j === 'ok' || j === 'state-error';
}

// ---- 1. results against the committed state at the stamp --------------------------------------

function checkResults(
  reads: readonly HistoryOp[],
  committed: readonly CommittedTxn[],
  options: CheckOptions,
  sink: ViolationSink,
): number {
  const byStamp = [...reads].sort((a, b) => compareZxid(a.zxid!, b.zxid!) || a.id - b.id);
  const model = new TreeModel(options.initial ?? []);
  let next = 0;
  for (const h of byStamp) {
    while (next < committed.length && compareZxid(committed[next]!.zxid, h.zxid!) <= 0) {
      const txn = committed[next++]!;
      // A txn that cannot apply is the truth checker's to report; the replay carries on without it.
      for (const e of txn.effects) model.applyEffect(e, stampOf(txn));
      model.forget();
    }
    const expected = model.read(h.op, h.session);
    const diff = readDiff(h, expected);
    if (diff) {
      sink.add({
        check: 'reads',
        kind: 'wrong-read',
        opIds: provenanceIds(model, h),
        message:
          `${describeOp(h)} does not match the committed state at ${formatZxid(h.zxid!)}: ${diff}.` +
          provenance(model, h.op),
      });
    }
  }
  return byStamp.length;
}

function readDiff(h: HistoryOp, expected: ReadAnswer): string | null {
  if (h.outcome !== 'ok') {
    if (expected.ok) return `it answered ${errName(h.err!)}, but the state gives ${fmtResult(expected.result)}`;
    return expected.err === h.err ? null : `it answered ${errName(h.err!)}, the state gives ${errName(expected.err)}`;
  }
  if (!expected.ok) return `it answered, but ${expected.reason}`;
  const got = h.result;
  const want = expected.result;
  if (!got) return null;
  if (got.op !== want.op) return `it returned a ${got.op} result for a ${want.op}`;
  const diffs: string[] = [];
  if (got.op === 'getData' && want.op === 'getData') {
    if (!sameBytes(got.data, want.data)) diffs.push(`data ${fmtData(got.data)} (expected ${fmtData(want.data)})`);
    diffs.push(...statDiff(got.stat, want.stat, 'full', true));
  } else if (got.op === 'exists' && want.op === 'exists') {
    if (!got.stat !== !want.stat) diffs.push(got.stat ? 'it says the node exists; it does not' : 'it says the node does not exist; it does');
    else if (got.stat && want.stat) diffs.push(...statDiff(got.stat, want.stat, 'full', true));
  } else if (got.op === 'getChildren' && want.op === 'getChildren') {
    const a = [...got.children].sort();
    if (a.join('\u0000') !== want.children.join('\u0000')) {
      diffs.push(`children [${a.join(', ')}] (expected [${want.children.join(', ')}])`);
    }
    if (got.stat && want.stat) diffs.push(...statDiff(got.stat, want.stat, 'full', true));
  } else if (got.op === 'getEphemerals' && want.op === 'getEphemerals') {
    const a = [...got.paths].sort();
    if (a.join('\u0000') !== want.paths.join('\u0000')) diffs.push(`ephemerals [${a.join(', ')}] (expected [${want.paths.join(', ')}])`);
  }
  return diffs.length ? diffs.join('; ') : null;
}

function readPath(op: Operation): string | null {
  return op.op === 'getData' || op.op === 'exists' || op.op === 'getChildren' ? op.path : null;
}

/** Who last changed what the read looked at: the first place to look when a read is wrong. */
function provenance(model: TreeModel, op: Operation): string {
  const path = readPath(op);
  if (path === null) return '';
  const n = model.get(path);
  if (!n) return ` (${path} does not exist there.)`;
  const who = (id: number | null): string => (id === null ? 'the initial tree or a system txn' : `#${id}`);
  if (op.op === 'getChildren') return ` (${path}'s children last changed by ${who(n.childrenChangedBy)} at ${formatZxid(n.pzxid)}.)`;
  return ` (${path} last written by ${who(n.changedBy)} at ${formatZxid(n.mzxid)}.)`;
}

function provenanceIds(model: TreeModel, h: HistoryOp): number[] {
  const path = readPath(h.op);
  const n = path === null ? undefined : model.get(path);
  const by = n ? (h.op.op === 'getChildren' ? n.childrenChangedBy : n.changedBy) : null;
  return by === null ? [h.id] : [h.id, by];
}

// ---- 2. monotonic per session -------------------------------------------------------------------

function bySession(ops: readonly HistoryOp[]): Map<number, HistoryOp[]> {
  const out = new Map<number, HistoryOp[]>();
  for (const h of ops) {
    let list = out.get(h.session);
    if (!list) out.set(h.session, (list = []));
    list.push(h);
  }
  return out;
}

function checkMonotonic(ops: readonly HistoryOp[], sink: ViolationSink): void {
  const responses = ops.filter((h) => h.zxid !== undefined && h.completeMs !== null);
  for (const [session, list] of bySession(responses)) {
    list.sort((a, b) => a.completeMs! - b.completeMs! || a.invokeMs - b.invokeMs || a.id - b.id);
    let high: HistoryOp | null = null;
    for (const h of list) {
      if (high && compareZxid(h.zxid!, high.zxid!) < 0) {
        sink.add({
          check: 'reads',
          kind: 'non-monotonic',
          opIds: [h.id, high.id],
          message:
            `Session ${session} went back in time: ${describeOp(h)} is stamped ${formatZxid(h.zxid!)}, ` +
            `but the session had already seen ${formatZxid(high.zxid!)} in ${describeOp(high)}.`,
        });
        break; // one per session: everything after it would repeat the same news
      }
      if (!high || compareZxid(h.zxid!, high.zxid!) > 0) high = h;
    }
  }
}

// ---- 3. own writes ------------------------------------------------------------------------------

/** Items sorted by `at`, with the running maximum zxid, for "the latest zxid among those before t". */
class PrefixMax<T> {
  private readonly at: number[] = [];
  private readonly best: { zxid: Zxid; item: T }[] = [];

  constructor(items: readonly { at: number; zxid: Zxid; item: T }[]) {
    const sorted = [...items].sort((a, b) => a.at - b.at);
    let cur: { zxid: Zxid; item: T } | null = null;
    for (const it of sorted) {
      if (!cur || compareZxid(it.zxid, cur.zxid) > 0) cur = { zxid: it.zxid, item: it.item };
      this.at.push(it.at);
      this.best.push(cur);
    }
  }

  /** The highest zxid among items with `at` < t, or null. */
  before(t: number): { zxid: Zxid; item: T } | null {
    let lo = 0;
    let hi = this.at.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.at[mid]! < t) lo = mid + 1;
      else hi = mid;
    }
    return lo === 0 ? null : this.best[lo - 1]!;
  }
}

/** Ok writes that committed, with their txn's zxid (not the response stamp, which may be later). */
function committedWrites(ops: readonly HistoryOp[], truth: TruthIndex): { h: HistoryOp; zxid: Zxid }[] {
  const out: { h: HistoryOp; zxid: Zxid }[] = [];
  for (const h of ops) {
    if (!isWrite(h.op) || h.outcome !== 'ok' || h.completeMs === null) continue;
    const txn = truth.commitOf.get(h.id);
    if (txn) out.push({ h, zxid: txn.zxid });
  }
  return out;
}

function checkOwnWrites(
  ops: readonly HistoryOp[],
  reads: readonly HistoryOp[],
  truth: TruthIndex,
  fifo: boolean,
  sink: ViolationSink,
): void {
  const writesBySession = bySession(committedWrites(ops, truth).map((w) => w.h));
  const index = new Map<number, PrefixMax<HistoryOp>>();
  for (const [session, list] of writesBySession) {
    index.set(
      session,
      new PrefixMax(list.map((h) => ({ at: fifo ? h.invokeMs : h.completeMs!, zxid: truth.commitOf.get(h.id)!.zxid, item: h }))),
    );
  }
  const reported = new Set<number>();
  for (const r of reads) {
    if (reported.has(r.session)) continue;
    const w = index.get(r.session)?.before(r.invokeMs);
    if (!w || compareZxid(r.zxid!, w.zxid) >= 0) continue;
    reported.add(r.session);
    const when = fifo ? `was sent at ${fmtMs(w.item.invokeMs)}` : `was answered at ${fmtMs(w.item.completeMs!)}`;
    sink.add({
      check: 'reads',
      kind: 'missed-own-write',
      opIds: [r.id, w.item.id],
      message:
        `Session ${r.session} did not see its own write: ${describeOp(w.item)} committed at ${formatZxid(w.zxid)} ` +
        `and ${when}, yet the session's later ${describeOp(r)}, sent at ${fmtMs(r.invokeMs)}, is stamped ${formatZxid(r.zxid!)}.`,
    });
  }
}

// ---- 4. sync then read --------------------------------------------------------------------------

function checkSyncs(
  ops: readonly HistoryOp[],
  reads: readonly HistoryOp[],
  syncs: readonly HistoryOp[],
  truth: TruthIndex,
  fifo: boolean,
  sink: ViolationSink,
): void {
  const everyone = new PrefixMax(committedWrites(ops, truth).map(({ h, zxid }) => ({ at: h.completeMs!, zxid, item: h })));
  // What each sync promises: the latest write answered anywhere before the sync was sent.
  const promised = new Map<number, { sync: HistoryOp; zxid: Zxid; write: HistoryOp }[]>();
  for (const y of syncs) {
    const w = everyone.before(y.invokeMs);
    if (!w) continue;
    if (y.zxid && compareZxid(y.zxid, w.zxid) < 0) {
      sink.add({
        check: 'reads',
        kind: 'stale-after-sync',
        opIds: [y.id, w.item.id],
        message:
          `${describeOp(y)} answered at ${formatZxid(y.zxid)}, behind ${describeOp(w.item)}, which committed at ` +
          `${formatZxid(w.zxid)} and was answered at ${fmtMs(w.item.completeMs!)}, before the sync was sent at ${fmtMs(y.invokeMs)}.`,
      });
    }
    let list = promised.get(y.session);
    if (!list) promised.set(y.session, (list = []));
    list.push({ sync: y, zxid: w.zxid, write: w.item });
  }
  const index = new Map<number, PrefixMax<{ sync: HistoryOp; write: HistoryOp }>>();
  for (const [session, list] of promised) {
    index.set(
      session,
      new PrefixMax(list.map((p) => ({ at: fifo ? p.sync.invokeMs : p.sync.completeMs!, zxid: p.zxid, item: p }))),
    );
  }
  const reported = new Set<number>();
  for (const r of reads) {
    if (reported.has(r.session)) continue;
    const p = index.get(r.session)?.before(r.invokeMs);
    if (!p || compareZxid(r.zxid!, p.zxid) >= 0) continue;
    reported.add(r.session);
    const { sync, write } = p.item;
    const after = fifo ? `sent after ${describeOp(sync)}` : `sent at ${fmtMs(r.invokeMs)}, after ${describeOp(sync)} had been answered`;
    sink.add({
      check: 'reads',
      kind: 'stale-after-sync',
      opIds: [r.id, sync.id, write.id],
      message:
        `Stale read after sync: ${describeOp(r)}, ${after}, is stamped ${formatZxid(r.zxid!)}; it must see ` +
        `${describeOp(write)}, committed at ${formatZxid(p.zxid)} and answered at ${fmtMs(write.completeMs!)}, ` +
        `before the sync was sent at ${fmtMs(sync.invokeMs)}.`,
    });
  }
}
