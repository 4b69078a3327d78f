import type { Operation, OperationResult } from '../protocol/client.js';
import { ErrorCode, isZkError, pathProblem, type DataTree } from '../tree/index.js';
import type { WatchManager } from './watches.js';

export interface LocalOutcome {
  readonly err: number;
  readonly result?: OperationResult;
  readonly message?: string;
}

function fail(err: number, message: string): LocalOutcome {
  return { err, message };
}

/** Reads of one node: a path that cannot name a node is NONODE for them. */
const NODE_READS: ReadonlySet<Operation['op']> = new Set(['getData', 'exists', 'getChildren', 'getAllChildrenNumber']);

/**
 * Serves what never leaves the member: reads from its own tree (with their watches), and watch
 * registration. A read registers its watch in the same step as it reads, so no change can fall
 * between the two.
 */
export function serveLocally(tree: DataTree, watches: WatchManager, sessionId: number, op: Operation): LocalOutcome {
  const path = 'path' in op ? op.path : undefined;
  if (path !== undefined && op.op !== 'getEphemerals') {
    const problem = pathProblem(path);
    // A read of a path no node can have finds nothing: NONODE, as ZooKeeper answers (it does not
    // validate read paths). Watch requests with such a path are refused as arguments.
    if (problem !== undefined) {
      const err = NODE_READS.has(op.op) ? ErrorCode.NONODE : ErrorCode.BADARGUMENTS;
      return fail(err, `bad path ${JSON.stringify(path)}: ${problem}`);
    }
  }
  try {
    switch (op.op) {
      case 'getData': {
        const { data, stat } = tree.getData(op.path);
        if (op.watch) watches.addData(op.path, sessionId);
        return { err: 0, result: { op: 'getData', data, stat } };
      }
      case 'exists': {
        const stat = tree.exists(op.path);
        // An exists watch on a missing node waits for its creation; on a present one it acts as a data watch.
        if (op.watch) watches.addData(op.path, sessionId);
        return { err: 0, result: { op: 'exists', stat } };
      }
      case 'getChildren': {
        const { children, stat } = tree.getChildren(op.path);
        if (op.watch) watches.addChild(op.path, sessionId);
        return { err: 0, result: op.withStat ? { op: 'getChildren', children, stat } : { op: 'getChildren', children } };
      }
      case 'getAllChildrenNumber':
        return { err: 0, result: { op: 'getAllChildrenNumber', count: tree.getAllChildrenNumber(op.path) } };
      case 'getEphemerals':
        return { err: 0, result: { op: 'getEphemerals', paths: tree.getEphemerals(sessionId, op.prefix || '/') } };
      case 'addWatch':
        watches.addPersistent(op.path, sessionId, op.mode === 'PERSISTENT_RECURSIVE');
        return { err: 0, result: { op: 'addWatch' } };
      case 'removeWatches':
        return watches.remove(op.path, sessionId, op.type)
          ? { err: 0, result: { op: 'removeWatches' } }
          : fail(ErrorCode.NOWATCHER, `no ${op.type.toLowerCase()} watch on ${op.path}`);
      case 'checkWatches':
        return watches.has(op.path, sessionId, op.type)
          ? { err: 0, result: { op: 'checkWatches' } }
          : fail(ErrorCode.NOWATCHER, `no ${op.type.toLowerCase()} watch on ${op.path}`);
      default:
        return fail(ErrorCode.UNIMPLEMENTED, `${op.op} is not served locally`);
    }
  } catch (e) {
    if (isZkError(e)) return fail(e.code, e.message);
    throw e;
  }
}
