import { ErrorCode, ZkError } from './errors.js';
import { parentPath, ROOT_PATH } from './paths.js';
import { nextCversion, nextVersion } from './stat.js';
import type { MultiOpTxn } from './txn.js';
import type { TreeView } from './view.js';

/**
 * Whether a txn op still fits `view` at apply time. The leader checked the request against its pending
 * view already, so a failure here means prepare and apply disagree; apply then changes nothing and
 * reports the code, the same way on every member.
 */
export function checkOp(view: TreeView, op: MultiOpTxn): ZkError | undefined {
  switch (op.type) {
    case 'create': {
      if (op.path === ROOT_PATH) return new ZkError(ErrorCode.NODEEXISTS, op.path);
      const parentKey = parentPath(op.path);
      const parent = view.node(parentKey);
      if (parent === undefined) return new ZkError(ErrorCode.NONODE, op.path, `parent ${parentKey} does not exist`);
      if (view.node(op.path) !== undefined) return new ZkError(ErrorCode.NODEEXISTS, op.path);
      if (parent.kind === 'ephemeral') return new ZkError(ErrorCode.NOCHILDRENFOREPHEMERALS, op.path);
      if (op.parentCversion !== nextCversion(parent.stat.cversion)) {
        return new ZkError(
          ErrorCode.RUNTIMEINCONSISTENCY,
          op.path,
          `txn expects parent cversion ${op.parentCversion}, parent is at ${parent.stat.cversion}`,
        );
      }
      if (op.ephemeralOwner !== 0 && !view.sessionOpen(op.ephemeralOwner)) {
        return new ZkError(ErrorCode.SESSIONEXPIRED, op.path, `owner session ${op.ephemeralOwner} is not open`);
      }
      return undefined;
    }
    case 'delete': {
      if (op.path === ROOT_PATH) return new ZkError(ErrorCode.BADARGUMENTS, op.path, 'the root cannot be deleted');
      const node = view.node(op.path);
      if (node === undefined) return new ZkError(ErrorCode.NONODE, op.path);
      if (node.stat.numChildren > 0) return new ZkError(ErrorCode.NOTEMPTY, op.path);
      return undefined;
    }
    case 'setData': {
      const node = view.node(op.path);
      if (node === undefined) return new ZkError(ErrorCode.NONODE, op.path);
      if (op.version !== nextVersion(node.stat.version)) {
        return new ZkError(ErrorCode.BADVERSION, op.path, `txn sets version ${op.version}, node is at ${node.stat.version}`);
      }
      return undefined;
    }
    case 'check': {
      const node = view.node(op.path);
      if (node === undefined) return new ZkError(ErrorCode.NONODE, op.path);
      if (op.version !== node.stat.version) {
        return new ZkError(ErrorCode.BADVERSION, op.path, `expected version ${op.version}, node is at ${node.stat.version}`);
      }
      return undefined;
    }
    case 'error':
      return new ZkError(op.code, undefined);
  }
}
