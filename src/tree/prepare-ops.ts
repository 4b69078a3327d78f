import {
  isCreateMode,
  isEphemeralMode,
  isSequentialMode,
  isTtlMode,
  MAX_TTL_MS,
  type CreateMode,
} from './create-mode.js';
import { ErrorCode, ZkError } from './errors.js';
import {
  formatSequence,
  isReservedPath,
  parentPath,
  ROOT_PATH,
  sequentialParent,
  validatePath,
} from './paths.js';
import type { CheckRequest, CreateRequest, DeleteContainerRequest, DeleteRequest, RequestContext, SetDataRequest } from './request.js';
import { ANY_VERSION, isInt32, nextCversion, nextVersion } from './stat.js';
import type { CheckTxn, CreateTxn, DeleteTxn, MultiOpTxn, SetDataTxn } from './txn.js';
import type { NodeInfo, TreeView } from './view.js';

/**
 * One request → one txn op, checked against `view` (the tree plus pending txns). Each function throws
 * the ZkError a ZooKeeper server would answer with; argument problems come first, then the tree's.
 */

export interface OpLimits {
  readonly maxDataBytes: number;
}

/** A multi's op: anything but create/delete/setData/check is refused. */
export function prepareMultiOp(view: TreeView, request: unknown, ctx: RequestContext, limits: OpLimits): MultiOpTxn {
  const type = isRecord(request) ? request.type : undefined;
  switch (type) {
    case 'create':
      return prepareCreate(view, request as CreateRequest, ctx, limits);
    case 'delete':
      return prepareDelete(view, request as DeleteRequest);
    case 'setData':
      return prepareSetData(view, request as SetDataRequest, limits);
    case 'check':
      return prepareCheck(view, request as CheckRequest);
    default:
      throw new ZkError(ErrorCode.BADARGUMENTS, undefined, `unknown op type ${JSON.stringify(type)}`);
  }
}

export function prepareCreate(view: TreeView, req: CreateRequest, ctx: RequestContext, limits: OpLimits): CreateTxn {
  const mode: unknown = req.mode;
  const shown = typeof req.path === 'string' ? req.path : undefined;
  if (!isCreateMode(mode)) throw new ZkError(ErrorCode.BADARGUMENTS, shown, `unknown create mode ${JSON.stringify(mode)}`);
  const ttlMs = checkTtl(mode, req.ttlMs, shown);
  const data = checkData(req.data, shown, limits);
  const sequential = isSequentialMode(mode);
  // ZooKeeper's order (PrepRequestProcessor): the part before the last "/" must be an existing node
  // before the whole path is validated, so "/missing//x" is NONODE and "/present/." BADARGUMENTS.
  const claimedParent = claimedParentOf(req.path);
  if (claimedParent !== undefined && view.node(claimedParent) === undefined) {
    throw new ZkError(ErrorCode.NONODE, shown, `parent ${claimedParent} does not exist`);
  }
  validatePath(req.path, sequential);
  const path = req.path;
  if (!sequential && path === ROOT_PATH) throw new ZkError(ErrorCode.NODEEXISTS, path, 'the root always exists');
  const parentKey = sequential ? sequentialParent(path) : parentPath(path);
  if (isReservedPath(parentKey) || (!sequential && isReservedPath(path))) throw reserved(path);
  const owner = isEphemeralMode(mode) ? ctx.sessionId : 0;
  if (isEphemeralMode(mode) && owner === 0) {
    throw new ZkError(ErrorCode.BADARGUMENTS, path, 'an ephemeral node needs a client session to own it');
  }
  const parent = view.node(parentKey);
  if (parent === undefined) throw new ZkError(ErrorCode.NONODE, path, `parent ${parentKey} does not exist`);
  // The sequence number is the parent's cversion: it counts creates, so it never repeats.
  const finalPath = sequential ? path + formatSequence(parent.stat.cversion) : path;
  if (view.node(finalPath) !== undefined) throw new ZkError(ErrorCode.NODEEXISTS, finalPath);
  if (parent.kind === 'ephemeral') {
    throw new ZkError(ErrorCode.NOCHILDRENFOREPHEMERALS, finalPath, `parent ${parentKey} is ephemeral`);
  }
  return {
    type: 'create',
    path: finalPath,
    data,
    mode,
    ephemeralOwner: owner,
    ttlMs,
    parentCversion: nextCversion(parent.stat.cversion),
  };
}

/**
 * What ZooKeeper takes as a create's parent before it validates the path: everything before the last
 * "/" ("/" for a top-level name); undefined when it refuses the path outright (no "/", a NUL).
 */
function claimedParentOf(path: unknown): string | undefined {
  if (typeof path !== 'string' || path.includes('\0')) return undefined;
  const slash = path.lastIndexOf('/');
  if (slash < 0) return undefined;
  return slash === 0 ? ROOT_PATH : path.slice(0, slash);
}

export function prepareDelete(view: TreeView, req: DeleteRequest): DeleteTxn {
  validatePath(req.path);
  const path = req.path;
  if (path === ROOT_PATH) throw new ZkError(ErrorCode.BADARGUMENTS, path, 'the root cannot be deleted');
  if (isReservedPath(path)) throw reserved(path);
  const expected = checkVersion(req.version, path);
  const node = mustExist(view, path);
  matchVersion(node, expected, path);
  if (node.stat.numChildren > 0) {
    throw new ZkError(ErrorCode.NOTEMPTY, path, `it has ${node.stat.numChildren} children`);
  }
  return { type: 'delete', path };
}

export function prepareSetData(view: TreeView, req: SetDataRequest, limits: OpLimits): SetDataTxn {
  validatePath(req.path);
  const path = req.path;
  if (isReservedPath(path)) throw reserved(path);
  const expected = checkVersion(req.version, path);
  const data = checkData(req.data, path, limits);
  const node = mustExist(view, path);
  matchVersion(node, expected, path);
  return { type: 'setData', path, data, version: nextVersion(node.stat.version) };
}

/** A read check: allowed anywhere, /zookeeper included. */
export function prepareCheck(view: TreeView, req: CheckRequest): CheckTxn {
  validatePath(req.path);
  const path = req.path;
  const expected = checkVersion(req.version, path);
  const node = mustExist(view, path);
  matchVersion(node, expected, path);
  return { type: 'check', path, version: node.stat.version };
}

/**
 * The leader's cleanup of a container or TTL node, rechecked because pending txns may have changed it
 * since the candidate scan. A node that is no longer a container or TTL node (deleted and recreated)
 * answers BADVERSION, as ZooKeeper's deleteContainer does; so does a TTL node written since.
 */
export function prepareDeleteContainer(view: TreeView, req: DeleteContainerRequest, ctx: RequestContext): DeleteTxn {
  validatePath(req.path);
  const path = req.path;
  if (path === ROOT_PATH || isReservedPath(path)) throw new ZkError(ErrorCode.BADARGUMENTS, path, 'not a container');
  const node = mustExist(view, path);
  if (node.kind !== 'container' && node.kind !== 'ttl') {
    throw new ZkError(ErrorCode.BADVERSION, path, `it is a ${node.kind} node, not a container or TTL node`);
  }
  if (node.stat.numChildren > 0) throw new ZkError(ErrorCode.NOTEMPTY, path, `it has ${node.stat.numChildren} children`);
  if (node.kind === 'ttl' && !(ctx.time - node.stat.mtime > node.ttlMs)) {
    throw new ZkError(ErrorCode.BADVERSION, path, `TTL of ${node.ttlMs} ms has not run out`);
  }
  return { type: 'delete', path };
}

function checkTtl(mode: CreateMode, ttlMs: unknown, path: string | undefined): number {
  if (isTtlMode(mode)) {
    if (typeof ttlMs !== 'number' || !Number.isSafeInteger(ttlMs) || ttlMs < 1 || ttlMs > MAX_TTL_MS) {
      throw new ZkError(ErrorCode.BADARGUMENTS, path, `${mode} needs ttlMs in [1, ${MAX_TTL_MS}], got ${String(ttlMs)}`);
    }
    return ttlMs;
  }
  if (ttlMs !== undefined) {
    throw new ZkError(ErrorCode.BADARGUMENTS, path, `ttlMs is only valid with the TTL modes, not ${mode}`);
  }
  return 0;
}

/** The data, copied (the request's buffer is not ours), within the size limit. */
function checkData(data: unknown, path: string | undefined, limits: OpLimits): Uint8Array {
  if (!(data instanceof Uint8Array)) throw new ZkError(ErrorCode.BADARGUMENTS, path, 'data must be bytes (Uint8Array)');
  if (data.length > limits.maxDataBytes) {
    throw new ZkError(
      ErrorCode.BADARGUMENTS,
      path,
      `data is ${data.length} bytes, more than the ${limits.maxDataBytes}-byte limit per znode`,
    );
  }
  return new Uint8Array(data);
}

function checkVersion(version: unknown, path: string): number {
  if (!isInt32(version)) {
    throw new ZkError(ErrorCode.BADARGUMENTS, path, `version must be a 32-bit integer (-1 = any), got ${String(version)}`);
  }
  return version;
}

function mustExist(view: TreeView, path: string): NodeInfo {
  const node = view.node(path);
  if (node === undefined) throw new ZkError(ErrorCode.NONODE, path);
  return node;
}

function matchVersion(node: NodeInfo, expected: number, path: string): void {
  if (expected !== ANY_VERSION && expected !== node.stat.version) {
    throw new ZkError(ErrorCode.BADVERSION, path, `expected version ${expected}, node is at ${node.stat.version}`);
  }
}

function reserved(path: string): ZkError {
  return new ZkError(ErrorCode.BADARGUMENTS, path, 'the /zookeeper subtree is reserved and not writable');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
