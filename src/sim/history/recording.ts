/**
 * The recording side of the checker, shared by the simulator's workload (sim/zk-workload.ts) and the
 * browser's (browser/recording-client.ts): running an op through the real client, recording its answer,
 * and turning what members applied into the ground truth. Times come from the caller (virtual or wall
 * clock); no Node imports, the browser bundle includes it.
 */
import type { ZooKeeperClient } from '../../client/client.js';
import { ZooKeeperError } from '../../client/errors.js';
import type { Operation, OperationResult } from '../../protocol/client.js';
import type { ServerTxn } from '../../server/messages.js';
import type { MultiOpTxn, TxnResult } from '../../tree/index.js';
import { compareZxid, type Zxid } from '../../zab/zxid.js';
import type { CommittedTxn, Effect, HistoryOp, Outcome } from './types.js';

/** A HistoryOp while it is being recorded, with the xid that matches it to its txn. */
export interface RecordedOp {
  readonly id: number;
  session: number;
  readonly op: Operation;
  readonly invokeMs: number;
  completeMs: number | null;
  outcome: Outcome;
  err?: number;
  result?: OperationResult;
  zxid?: Zxid;
  readOnly?: boolean;
  xid?: number;
}

/** A txn as a member applied it, at `atMs`. */
export interface AppliedTxn {
  readonly zxid: Zxid;
  readonly txn: ServerTxn;
  readonly result: TxnResult | undefined;
  readonly atMs: number;
}

export interface Answer {
  readonly outcome: Outcome;
  readonly err?: number;
  readonly result?: OperationResult;
}

const CONNECTIONLOSS = -4;

/** Errors that mean the request certainly did not happen (as opposed to CONNECTIONLOSS and friends). */
export function isDefinite(code: number): boolean {
  return code !== CONNECTIONLOSS && code !== -7 && code !== -122 && code !== -112 && code !== -118;
}

/** What a rejected call is recorded as; anything but a ZooKeeperError counts as CONNECTIONLOSS. */
export function failedAnswer(e: unknown): Answer & { readonly err: number } {
  const code = e instanceof ZooKeeperError ? e.code : CONNECTIONLOSS;
  const definite = e instanceof ZooKeeperError && isDefinite(code);
  const result = e instanceof ZooKeeperError && e.results ? { op: 'multi' as const, results: e.results } : undefined;
  return { outcome: definite ? 'error' : 'unknown', err: code, ...(result ? { result } : {}) };
}

export function settle(rec: RecordedOp, nowMs: number, a: Answer): void {
  rec.completeMs = nowMs;
  rec.outcome = a.outcome;
  if (a.err !== undefined) rec.err = a.err;
  if (a.result) rec.result = a.result;
}

/** Runs one operation through the client's API, answering in the shape the checker reads. */
export async function callOperation(zk: ZooKeeperClient, op: Operation): Promise<OperationResult> {
  switch (op.op) {
    case 'create': {
      const r = await zk.create2(op.path, op.data, { mode: op.mode });
      return { op: 'create', path: r.path, stat: r.stat };
    }
    case 'setData':
      return { op: 'setData', stat: await zk.setData(op.path, op.data, op.version) };
    case 'delete':
      await zk.delete(op.path, op.version);
      return { op: 'delete' };
    case 'getData': {
      const r = await zk.getData(op.path, { watch: op.watch });
      return { op: 'getData', data: r.data, stat: r.stat };
    }
    case 'exists':
      return { op: 'exists', stat: await zk.exists(op.path, { watch: op.watch }) };
    case 'getChildren':
      return { op: 'getChildren', children: await zk.getChildren(op.path) };
    case 'multi':
      return { op: 'multi', results: await zk.multi(op.ops) };
    case 'sync':
      return { op: 'sync', path: await zk.sync(op.path) };
    default:
      throw new Error(`the history recorder does not issue ${op.op}`);
  }
}

export function toHistoryOp(r: RecordedOp): HistoryOp {
  return {
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
  };
}

export const sessionXidKey = (session: number, xid: number): string => `${session}:${xid}`;

/** The sent ops by session and xid: what a committed txn names its op by. */
export function indexBySessionXid(records: Iterable<RecordedOp>): Map<string, RecordedOp> {
  const index = new Map<string, RecordedOp>();
  for (const r of records) if (r.xid !== undefined) index.set(sessionXidKey(r.session, r.xid), r);
  return index;
}

/** The ground truth: each applied txn (one per zxid) in zxid order, matched to the op that asked for it. */
export function committedTruth(applied: Iterable<AppliedTxn>, ops: ReadonlyMap<string, RecordedOp>): CommittedTxn[] {
  return [...applied]
    .sort((a, b) => compareZxid(a.zxid, b.zxid))
    .map(({ zxid, txn, result, atMs }) => {
      const op = txn.xid >= 0 ? ops.get(sessionXidKey(txn.sessionId, txn.xid)) : undefined;
      return { zxid, opId: op ? op.id : null, effects: effectsOf(txn, result), timeMs: txn.body.time, committedMs: atMs };
    });
}

/** What a committed txn did to the tree, as the history checker replays it. */
export function effectsOf(txn: ServerTxn, result: TxnResult | undefined): Effect[] {
  const body = txn.body;
  const op = (o: MultiOpTxn): Effect[] => {
    switch (o.type) {
      case 'create':
        return [{ kind: 'create', path: o.path, data: o.data, ephemeralOwner: o.ephemeralOwner, mode: o.mode }];
      case 'delete':
        return [{ kind: 'delete', path: o.path }];
      case 'setData':
        return [{ kind: 'set', path: o.path, data: o.data, version: o.version }];
      default:
        return [];
    }
  };
  if (result && 'type' in result && result.type === 'error') return [];
  switch (body.type) {
    case 'multi':
      return result?.type === 'multi' && result.results.every((r) => r.type !== 'error') ? body.ops.flatMap(op) : [];
    case 'closeSession':
      return result?.type === 'closeSession' ? result.deletedPaths.map((path) => ({ kind: 'delete' as const, path })) : [];
    case 'createSession':
      return [];
    default:
      return op(body);
  }
}
