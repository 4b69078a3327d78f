/** The znode tree: ZooKeeper's data model as a pure, deterministic library. */
export { ErrorCode, ZkError, isErrorCode, isZkError, errorCodeName, errorDisplayName } from './errors.js';
export type { ErrorCodeName } from './errors.js';
export {
  ROOT_PATH,
  RESERVED_PATH,
  pathProblem,
  isValidPath,
  validatePath,
  isReservedPath,
  parentPath,
  baseName,
  childPath,
  sequentialParent,
  formatSequence,
} from './paths.js';
export { ANY_VERSION, copyStat, nextVersion, nextCversion } from './stat.js';
export type { Stat } from './stat.js';
export {
  CreateMode,
  MAX_TTL_MS,
  isCreateMode,
  isSequentialMode,
  isEphemeralMode,
  isTtlMode,
  nodeKindOf,
  createModeFlag,
  createModeFromFlag,
} from './create-mode.js';
export type { NodeKind } from './create-mode.js';
export { isTxn, txnProblem } from './txn.js';
export type {
  Txn,
  TxnBody,
  TxnType,
  CreateTxn,
  DeleteTxn,
  SetDataTxn,
  CheckTxn,
  ErrorTxn,
  MultiOpTxn,
  MultiTxn,
  CreateSessionTxn,
  CloseSessionTxn,
} from './txn.js';
export type * from './request.js';
export type { ApplyResult, OpResult, TxnResult, WatchTrigger, WatchEventType } from './results.js';
export type { NodeInfo, TreeView } from './view.js';
export { PendingView } from './pending.js';
export { Preparer, DEFAULT_MAX_DATA_BYTES } from './prepare.js';
export type { Prepared, PrepareOptions, AppliedTreeView } from './prepare.js';
export { DataTree } from './data-tree.js';
export type { TreeState, NodeState, SessionState, ContainerCandidateOptions } from './data-tree.js';
export { encodeSnapshot, decodeSnapshot } from './snapshot.js';
