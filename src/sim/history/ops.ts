/** Which client operations are writes, which are reads, and which the checkers leave alone. */
import type { Operation } from '../../protocol/client.js';

/** Goes through the leader and changes (or checks) the tree: the linearizability search's ops. */
export function isWrite(op: Operation): boolean {
  switch (op.op) {
    case 'create':
    case 'delete':
    case 'setData':
    case 'check':
    case 'multi':
    case 'closeSession':
      return true;
    default:
      return false;
  }
}

/** Answered from the member's local state: checked against the committed state at its stamped zxid. */
export function isRead(op: Operation): boolean {
  switch (op.op) {
    case 'getData':
    case 'exists':
    case 'getChildren':
    case 'getEphemerals':
      return true;
    default:
      return false;
  }
}

/**
 * Must leave a committed txn behind when it succeeds. A lone check and a multi of checks only read, so
 * a tree may answer them without a txn.
 */
export function mustCommit(op: Operation): boolean {
  if (op.op === 'check') return false;
  if (op.op === 'multi') return op.ops.some((o) => o.op !== 'check');
  return isWrite(op);
}
