/**
 * Collecting a browser run's history for the simulator's checker: each tab exports what its clients
 * saw and what its member applied (src/browser/workload.ts); the ops of every tab and page load are
 * joined, the applied txns of every tab are merged into the ground truth (each zxid once, at the
 * earliest time any tab applied it) and matched to the ops by session and xid, as
 * src/sim/zk-workload.ts does.
 */
import type { Page } from '@playwright/test';
import type { RecordedOp } from '../../src/browser/recording-client.js';
import type { AppliedTxn } from '../../src/browser/workload.js';
import { checkHistory, type CommittedTxn, type HistoryOp, type HistoryReport } from '../../src/sim/history/index.js';
import { effectsOf } from '../../src/sim/zk-workload.js';
import { decodeValue } from '../../src/storage/indexeddb/codec.js';
import { compareZxid } from '../../src/zab/zxid.js';

interface Export {
  ops: RecordedOp[];
  applied: AppliedTxn[];
  problems: string[];
}

export class HistoryCollector {
  private readonly ops = new Map<number, RecordedOp>();
  private readonly applied = new Map<string, AppliedTxn>();
  readonly problems: string[] = [];

  /** Takes what a tab recorded so far (call it again later: newer copies of an op replace older ones). */
  async pull(page: Page): Promise<void> {
    const b64 = await page.evaluate(() => window.peerkeeper!.history.export());
    const e = decodeValue(new Uint8Array(Buffer.from(b64, 'base64'))) as Export;
    for (const op of e.ops) this.ops.set(op.id, op);
    for (const t of e.applied) {
      const key = `${t.zxid.epoch}:${t.zxid.counter}`;
      const had = this.applied.get(key);
      if (!had || t.atMs < had.atMs) this.applied.set(key, t);
    }
    this.problems.push(...e.problems);
  }

  /** Stops a tab's workload and takes its history, before the tab is closed or reloaded. */
  async freezeAndPull(page: Page): Promise<void> {
    await page.evaluate(() => window.peerkeeper!.history.freeze());
    await this.pull(page);
  }

  check(): { report: HistoryReport; ops: HistoryOp[]; truth: CommittedTxn[] } {
    const records = [...this.ops.values()];
    const bySessionXid = new Map<string, RecordedOp>();
    for (const r of records) if (r.xid !== undefined) bySessionXid.set(`${r.session}:${r.xid}`, r);
    const truth: CommittedTxn[] = [...this.applied.values()]
      .sort((a, b) => compareZxid(a.zxid, b.zxid))
      .map(({ zxid, txn, result, atMs }) => {
        const op = txn.xid >= 0 ? bySessionXid.get(`${txn.sessionId}:${txn.xid}`) : undefined;
        return { zxid, opId: op ? op.id : null, effects: effectsOf(txn, result), timeMs: txn.body.time, committedMs: atMs };
      });
    const ops: HistoryOp[] = records.map((r) => ({
      id: r.id,
      session: r.session,
      op: r.op,
      invokeMs: r.invokeMs,
      completeMs: r.completeMs,
      outcome: r.outcome,
      ...(r.err !== undefined ? { err: r.err } : {}),
      ...(r.result ? { result: r.result } : {}),
      ...(r.zxid ? { zxid: r.zxid } : {}),
      ...(r.readOnly ? { readOnly: true } : {}),
    }));
    // PEERKEEPER_HISTORY_DEBUG=1: which sessions' txns matched no op (expected: the setup session, closeSessions).
    if (process.env.PEERKEEPER_HISTORY_DEBUG) {
      const unmatched = new Map<number, number>();
      for (const t of this.applied.values()) if (t.txn.xid >= 0 && !bySessionXid.has(`${t.txn.sessionId}:${t.txn.xid}`)) unmatched.set(t.txn.sessionId, (unmatched.get(t.txn.sessionId) ?? 0) + 1);
      const sessions = new Map<number, number>();
      for (const r of records) sessions.set(r.session, (sessions.get(r.session) ?? 0) + 1);
      console.log(`unmatched txns by session ${JSON.stringify([...unmatched])}; ops by session ${JSON.stringify([...sessions])}`);
    }
    const report = checkHistory(ops, truth, { initial: [{ path: '/zookeeper' }], fifo: true, unknownFromTruth: 'always', maxStatesPerPartition: 200_000 });
    return { report, ops, truth };
  }
}
