/**
 * Builders for hand-written histories. `Scenario` plays a well-behaved ensemble: each write commits at
 * the next zxid and is answered with what the tree really did; each read is answered from the committed
 * state at the zxid the test names. A test then breaks exactly one thing (a write that never commits,
 * a read stamped too early…) and expects the checkers to name it.
 */
import type { CreateMode, MultiOp, Operation, OperationResult, Stat } from '../../../src/protocol/client.js';
import { zxid, ZXID_ZERO, type Zxid } from '../../../src/zab/zxid.js';
import { TreeModel } from '../../../src/sim/history/model.js';
import type { CommittedTxn, Effect, HistoryOp, InitialNode } from '../../../src/sim/history/types.js';

export const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
export const z = (counter: number, epoch = 1): Zxid => zxid(epoch, counter);

// ---- operations --------------------------------------------------------------------------------

export const create = (path: string, data = '', mode: CreateMode = 'PERSISTENT'): MultiOp => ({
  op: 'create',
  path,
  data: bytes(data),
  mode,
});
export const setData = (path: string, data: string, version = -1): MultiOp => ({ op: 'setData', path, data: bytes(data), version });
export const del = (path: string, version = -1): MultiOp => ({ op: 'delete', path, version });
export const check = (path: string, version: number): MultiOp => ({ op: 'check', path, version });
export const multi = (...ops: MultiOp[]): Operation => ({ op: 'multi', ops });
export const getData = (path: string): Operation => ({ op: 'getData', path, watch: false });
export const exists = (path: string): Operation => ({ op: 'exists', path, watch: false });
export const getChildren = (path: string): Operation => ({ op: 'getChildren', path, watch: false, withStat: false });
export const sync = (path = '/'): Operation => ({ op: 'sync', path });
export const closeSession = (): Operation => ({ op: 'closeSession' });

export function stat(p: Partial<Stat> = {}): Stat {
  return {
    czxid: ZXID_ZERO,
    mzxid: ZXID_ZERO,
    pzxid: ZXID_ZERO,
    ctime: 0,
    mtime: 0,
    version: 0,
    cversion: 0,
    aversion: 0,
    ephemeralOwner: 0,
    dataLength: 0,
    numChildren: 0,
    ...p,
  };
}

/** Results as a partition search compares them: versions and sizes only. */
export const setResult = (version: number, data: string): OperationResult => ({
  op: 'setData',
  stat: stat({ version, dataLength: bytes(data).length }),
});
export const createResult = (path: string, data = '', ephemeralOwner = 0): OperationResult => ({
  op: 'create',
  path,
  stat: stat({ dataLength: bytes(data).length, ephemeralOwner }),
});

// ---- hand-written ops ---------------------------------------------------------------------------

let rawIds = 1000;

/** An op written out by hand (for the write search, which needs no ground truth). */
export function op(
  session: number,
  operation: Operation,
  invokeMs: number,
  completeMs: number | null,
  outcome: HistoryOp['outcome'] | number,
  result?: OperationResult,
): HistoryOp {
  const base = { id: rawIds++, session, op: operation, invokeMs, completeMs };
  if (typeof outcome === 'number') return { ...base, outcome: 'error', err: outcome };
  return result ? { ...base, outcome, result } : { ...base, outcome };
}

// ---- scenario: a well-behaved ensemble, to be broken on purpose ----------------------------------

export interface WriteOpts {
  /** Answer ok (or the error the state gives) but commit nothing: a lost write. */
  readonly lose?: boolean;
  /** Outcome unknown to the client; `commit` says whether it really happened. */
  readonly unknown?: boolean;
  readonly commit?: boolean;
  /** Leave the zxid off the response. */
  readonly unstamped?: boolean;
}

export class Scenario {
  readonly ops: HistoryOp[] = [];
  readonly committed: CommittedTxn[] = [];
  private readonly model: TreeModel;
  private counter = 0;
  private nextId = 1;

  constructor(readonly initial: readonly InitialNode[] = []) {
    this.model = new TreeModel(initial);
  }

  get last(): Zxid {
    return z(this.counter);
  }

  /** A write that takes effect now, at the next zxid, and is answered with what it did. */
  write(session: number, operation: Operation, invokeMs: number, completeMs: number | null, opts: WriteOpts = {}): HistoryOp {
    const id = this.nextId++;
    const at = z(this.counter + 1);
    const happens = opts.unknown ? opts.commit !== false : true;
    const mark = this.model.mark();
    const attempt = this.model.attempt(operation, session, { zxid: at, timeMs: invokeMs, opId: id });
    if (!happens || opts.lose) this.model.rollback(mark);
    else if (attempt.ok) {
      this.counter++;
      this.committed.push({ zxid: at, opId: id, effects: attempt.effects, timeMs: invokeMs });
    }
    this.model.forget();
    const base = { id, session, op: operation, invokeMs, completeMs };
    const stamp = opts.unstamped ? {} : { zxid: attempt.ok ? at : this.last };
    let h: HistoryOp;
    if (opts.unknown) h = { ...base, outcome: 'unknown' };
    else if (attempt.ok) h = { ...base, outcome: 'ok', result: attempt.result, ...stamp };
    else h = { ...base, outcome: 'error', err: attempt.errs[0]!, ...stamp };
    this.ops.push(h);
    return h;
  }

  /** A read answered from the committed state at zxid (1, atCounter), the latest by default. */
  read(session: number, operation: Operation, invokeMs: number, completeMs: number, atCounter = this.counter): HistoryOp {
    const at = z(atCounter);
    const answer = this.stateAt(at).read(operation, session);
    const base = { id: this.nextId++, session, op: operation, invokeMs, completeMs, zxid: at };
    const h: HistoryOp = answer.ok ? { ...base, outcome: 'ok', result: answer.result } : { ...base, outcome: 'error', err: answer.err };
    this.ops.push(h);
    return h;
  }

  sync(session: number, invokeMs: number, completeMs: number, atCounter: number | null = this.counter): HistoryOp {
    const base = { id: this.nextId++, session, op: sync(), invokeMs, completeMs, outcome: 'ok' as const, result: { op: 'sync' as const, path: '/' } };
    const h: HistoryOp = atCounter === null ? base : { ...base, zxid: z(atCounter) };
    this.ops.push(h);
    return h;
  }

  /** A system txn (session expiry, container cleanup) committed now. */
  system(effects: Effect[], window: { proposedMs?: number; committedMs?: number } = {}): CommittedTxn {
    const at = z(this.counter + 1);
    for (const e of effects) {
      const problem = this.model.applyEffect(e, { zxid: at, opId: null });
      if (problem) throw new Error(`scenario system txn: ${problem}`);
    }
    this.model.forget();
    this.counter++;
    const txn: CommittedTxn = { zxid: at, opId: null, effects, ...window };
    this.committed.push(txn);
    return txn;
  }

  /** Appends a hand-written op (its id is assigned here). */
  raw(h: Omit<HistoryOp, 'id'>): HistoryOp {
    const full = { ...h, id: this.nextId++ } as HistoryOp;
    this.ops.push(full);
    return full;
  }

  private stateAt(at: Zxid): TreeModel {
    const m = new TreeModel(this.initial);
    for (const txn of this.committed) {
      if (txn.zxid.epoch > at.epoch || (txn.zxid.epoch === at.epoch && txn.zxid.counter > at.counter)) break;
      for (const e of txn.effects) m.applyEffect(e, { zxid: txn.zxid, timeMs: txn.timeMs, opId: txn.opId });
    }
    return m;
  }
}
