import { ErrorCode } from './errors.js';
import { parentPath, ROOT_PATH } from './paths.js';
import { nextCversion, nextVersion } from './stat.js';
import type { MultiOpTxn } from './txn.js';
import type { TreeView } from './view.js';

/**
 * Whether a txn op still fits `view` at apply time. The leader checked the request against its pending
 * view already, so a failure here means prepare and apply disagree; apply then changes nothing and
 * reports the code, the same way on every member.
 *
 * Why an op cannot apply: a plain record rather than a ZkError, because apply reads only the code and
 * runs for every txn on every member (a no-op txn is an 'error' op with code OK); building an Error,
 * stack and message included, there cost a simulated sweep an eighth of its time.
 */
export interface OpRefusal {
  readonly code: ErrorCode;
  readonly path: string | undefined;
  readonly reason: string | undefined;
}

function refusal(code: ErrorCode, path: string | undefined, reason?: string): OpRefusal {
  return { code, path, reason };
}

export function checkOp(view: TreeView, op: MultiOpTxn): OpRefusal | undefined {
  switch (op.type) {
    case 'create': {
      if (op.path === ROOT_PATH) return refusal(ErrorCode.NODEEXISTS, op.path);
      const parentKey = parentPath(op.path);
      const parent = view.node(parentKey);
      if (parent === undefined) return refusal(ErrorCode.NONODE, op.path, `parent ${parentKey} does not exist`);
      if (view.node(op.path) !== undefined) return refusal(ErrorCode.NODEEXISTS, op.path);
      if (parent.kind === 'ephemeral') return refusal(ErrorCode.NOCHILDRENFOREPHEMERALS, op.path);
      if (op.parentCversion !== nextCversion(parent.stat.cversion)) {
        return refusal(ErrorCode.RUNTIMEINCONSISTENCY,
          op.path,
          `txn expects parent cversion ${op.parentCversion}, parent is at ${parent.stat.cversion}`,
        );
      }
      if (op.ephemeralOwner !== 0 && !view.sessionOpen(op.ephemeralOwner)) {
        return refusal(ErrorCode.SESSIONEXPIRED, op.path, `owner session ${op.ephemeralOwner} is not open`);
      }
      return undefined;
    }
    case 'delete': {
      if (op.path === ROOT_PATH) return refusal(ErrorCode.BADARGUMENTS, op.path, 'the root cannot be deleted');
      const node = view.node(op.path);
      if (node === undefined) return refusal(ErrorCode.NONODE, op.path);
      if (node.stat.numChildren > 0) return refusal(ErrorCode.NOTEMPTY, op.path);
      return undefined;
    }
    case 'setData': {
      const node = view.node(op.path);
      if (node === undefined) return refusal(ErrorCode.NONODE, op.path);
      if (op.version !== nextVersion(node.stat.version)) {
        return refusal(ErrorCode.BADVERSION, op.path, `txn sets version ${op.version}, node is at ${node.stat.version}`);
      }
      return undefined;
    }
    case 'check': {
      const node = view.node(op.path);
      if (node === undefined) return refusal(ErrorCode.NONODE, op.path);
      if (op.version !== node.stat.version) {
        return refusal(ErrorCode.BADVERSION, op.path, `expected version ${op.version}, node is at ${node.stat.version}`);
      }
      return undefined;
    }
    case 'error':
      return refusal(op.code, undefined);
  }
}
