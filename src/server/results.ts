import type { MultiOp, MultiResult, Operation, OperationResult } from '../protocol/client.js';
import type { ApplyResult, OpResult, WriteRequest } from '../tree/index.js';

/** Client operations that change the tree, as the leader's prepare step takes them. */
export function toWriteRequest(op: MultiOp | Extract<Operation, { op: 'multi' }>): WriteRequest {
  switch (op.op) {
    case 'create':
      return op.ttlMs === undefined
        ? { type: 'create', path: op.path, data: op.data, mode: op.mode }
        : { type: 'create', path: op.path, data: op.data, mode: op.mode, ttlMs: op.ttlMs };
    case 'delete':
      return { type: 'delete', path: op.path, version: op.version };
    case 'setData':
      return { type: 'setData', path: op.path, data: op.data, version: op.version };
    case 'check':
      return { type: 'check', path: op.path, version: op.version };
    case 'multi':
      return { type: 'multi', ops: op.ops.map((o) => toWriteRequest(o) as Exclude<WriteRequest, { type: 'multi' }>) } as WriteRequest;
  }
}

function toMultiResult(r: OpResult): MultiResult {
  switch (r.type) {
    case 'create':
      return { op: 'create', path: r.path, stat: r.stat };
    case 'delete':
      return { op: 'delete' };
    case 'setData':
      return { op: 'setData', stat: r.stat };
    case 'check':
      return { op: 'check' };
    case 'error':
      return { op: 'error', err: r.code };
  }
}

/** The client's view of an applied write: its error code and, on success (or for multi), its result. */
export function writeOutcome(applied: ApplyResult): { err: number; result?: OperationResult } {
  const r = applied.result;
  if (r.type === 'multi') return { err: applied.code, result: { op: 'multi', results: r.results.map(toMultiResult) } };
  if (applied.code !== 0) return { err: applied.code };
  switch (r.type) {
    case 'create':
      return { err: 0, result: { op: 'create', path: r.path, stat: r.stat } };
    case 'delete':
      return { err: 0, result: { op: 'delete' } };
    case 'setData':
      return { err: 0, result: { op: 'setData', stat: r.stat } };
    case 'check':
      return { err: 0, result: { op: 'check' } };
    case 'closeSession':
      return { err: 0, result: { op: 'closeSession' } };
    default:
      return { err: applied.code };
  }
}

export function isWriteOperation(op: Operation): boolean {
  return op.op === 'create' || op.op === 'delete' || op.op === 'setData' || op.op === 'check' || op.op === 'multi' || op.op === 'sync' || op.op === 'closeSession';
}
