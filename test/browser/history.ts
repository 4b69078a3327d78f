/**
 * Collecting a browser run's history for the simulator's checker: each tab exports what its clients
 * saw and what its member applied (src/browser/workload.ts); the ops of every tab and page load are
 * joined, the applied txns of every tab are merged into the ground truth (each zxid once, at the
 * earliest time any tab applied it) and matched to the ops by session and xid, as
 * src/sim/zk-workload.ts does.
 */
import type { Page } from '@playwright/test';
import type { AppliedTxn } from '../../src/browser/workload.js';
import { checkHistory, type CommittedTxn, type HistoryOp, type HistoryReport } from '../../src/sim/history/index.js';
import { committedTruth, indexBySessionXid, sessionXidKey, toHistoryOp, type RecordedOp } from '../../src/sim/history/recording.js';
import { decodeValue } from '../../src/storage/indexeddb/codec.js';

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
    const bySessionXid = indexBySessionXid(records);
    const truth = committedTruth(this.applied.values(), bySessionXid);
    const ops = records.map(toHistoryOp);
    // PEERKEEPER_HISTORY_DEBUG=1: which sessions' txns matched no op (expected: the setup session, closeSessions).
    if (process.env.PEERKEEPER_HISTORY_DEBUG) {
      const unmatched = new Map<number, number>();
      for (const t of this.applied.values()) if (t.txn.xid >= 0 && !bySessionXid.has(sessionXidKey(t.txn.sessionId, t.txn.xid))) unmatched.set(t.txn.sessionId, (unmatched.get(t.txn.sessionId) ?? 0) + 1);
      const sessions = new Map<number, number>();
      for (const r of records) sessions.set(r.session, (sessions.get(r.session) ?? 0) + 1);
      console.log(`unmatched txns by session ${JSON.stringify([...unmatched])}; ops by session ${JSON.stringify([...sessions])}`);
    }
    const report = checkHistory(ops, truth, { initial: [{ path: '/zookeeper' }], fifo: true, unknownFromTruth: 'always', maxStatesPerPartition: 200_000 });
    return { report, ops, truth };
  }
}
