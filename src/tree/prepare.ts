import { compareZxid, formatZxid, ZXID_ZERO, type Zxid } from '../zab/zxid.js';
import { ErrorCode, ZkError } from './errors.js';
import { PendingView } from './pending.js';
import { prepareDeleteContainer, prepareMultiOp, type OpLimits } from './prepare-ops.js';
import type { DeleteContainerRequest, MultiRequest, RequestContext, WriteRequest } from './request.js';
import { isSessionId, type MultiOpTxn, type Txn, type TxnBody } from './txn.js';
import type { TreeView } from './view.js';

/** ZooKeeper's default jute.maxbuffer is about this; the limit is per znode's data. */
export const DEFAULT_MAX_DATA_BYTES = 1024 * 1024;

export interface PrepareOptions {
  readonly maxDataBytes?: number;
}

/**
 * The txn to propose. A refused request still yields one (an error txn, or a multi whose ops are all
 * errors) because ZooKeeper gives failed writes a zxid too, which keeps a session's replies in order;
 * the server may instead answer `error` at once and propose nothing.
 */
export type Prepared =
  | { readonly ok: true; readonly txn: Txn }
  | { readonly ok: false; readonly txn: Txn; readonly error: ZkError };

/** The committed tree as prepare sees it: a view plus how far it has applied. */
export interface AppliedTreeView extends TreeView {
  readonly lastZxid: Zxid;
}

/**
 * The leader's prepare step: turns client requests into txns, checked against the tree *plus every
 * txn proposed but not yet applied* (the pending view), as ZooKeeper's PrepRequestProcessor does with
 * its outstanding changes. Use: `prepare` → propose the txn through Zab → `proposed(txn, zxid)` before
 * preparing anything else; `reset` when leadership ends. Applied txns leave the pending view by
 * themselves (each prepare first drops what the tree has caught up with).
 */
export class Preparer {
  private readonly view: PendingView;
  private readonly limits: OpLimits;

  constructor(
    private readonly tree: AppliedTreeView,
    options: PrepareOptions = {},
  ) {
    this.view = new PendingView(tree);
    const maxDataBytes = options.maxDataBytes ?? DEFAULT_MAX_DATA_BYTES;
    if (!Number.isSafeInteger(maxDataBytes) || maxDataBytes < 0) throw new Error(`bad maxDataBytes ${maxDataBytes}`);
    this.limits = { maxDataBytes };
  }

  /** The tree as it will be once every proposed txn applies. */
  get pending(): TreeView {
    this.view.prune(this.tree.lastZxid);
    return this.view;
  }

  /** Outstanding records (paths and sessions); 0 once everything proposed has been applied. */
  get pendingSize(): number {
    this.view.prune(this.tree.lastZxid);
    return this.view.size;
  }

  prepare(request: WriteRequest, ctx: RequestContext): Prepared {
    if (!Number.isSafeInteger(ctx.time)) throw new Error(`request time ${ctx.time} is not a safe integer`);
    if (!(ctx.sessionId === 0 || isSessionId(ctx.sessionId))) throw new Error(`bad context session ${ctx.sessionId}`);
    this.view.prune(this.tree.lastZxid);
    try {
      return this.prepareRequest(request as unknown, ctx);
    } catch (e) {
      if (!(e instanceof ZkError)) throw e;
      return { ok: false, txn: { type: 'error', code: e.code, time: ctx.time }, error: e };
    }
  }

  /** Records that `txn` (from `prepare`) was proposed at `zxid`, so later requests see its effects. */
  proposed(txn: Txn, zxid: Zxid): void {
    if (compareZxid(zxid, this.tree.lastZxid) <= 0) {
      throw new Error(`proposed zxid ${formatZxid(zxid)} is not after the applied ${formatZxid(this.tree.lastZxid)}`);
    }
    this.view.prune(this.tree.lastZxid);
    this.view.record(txn, zxid);
  }

  /** Drops every pending change: the proposals of a leader that lost its role may never commit. */
  reset(): void {
    this.view.clear();
  }

  private prepareRequest(req: unknown, ctx: RequestContext): Prepared {
    const type = typeof req === 'object' && req !== null ? (req as { type?: unknown }).type : undefined;
    switch (type) {
      case 'create':
      case 'delete':
      case 'setData':
      case 'check':
        this.requireOpenSession(ctx);
        return ok(prepareMultiOp(this.view, req, ctx, this.limits), ctx);
      case 'multi':
        this.requireOpenSession(ctx);
        return this.prepareMulti(req as MultiRequest, ctx);
      case 'deleteContainer':
        return ok(prepareDeleteContainer(this.view, req as DeleteContainerRequest, ctx), ctx);
      case 'createSession': {
        const { sessionId, timeoutMs } = req as { sessionId: unknown; timeoutMs: unknown };
        if (!isSessionId(sessionId)) throw badArguments(`sessionId must be a positive safe integer, got ${String(sessionId)}`);
        if (!isSessionId(timeoutMs)) throw badArguments(`timeoutMs must be a positive safe integer, got ${String(timeoutMs)}`);
        if (this.view.sessionOpen(sessionId)) throw badArguments(`session ${hex(sessionId)} already exists`);
        return ok({ type: 'createSession', sessionId, timeoutMs }, ctx);
      }
      case 'closeSession': {
        const { sessionId } = req as { sessionId: unknown };
        if (!isSessionId(sessionId)) throw badArguments(`sessionId must be a positive safe integer, got ${String(sessionId)}`);
        if (!this.view.sessionOpen(sessionId)) {
          throw new ZkError(ErrorCode.SESSIONEXPIRED, undefined, `session ${hex(sessionId)} is not open`);
        }
        return ok({ type: 'closeSession', sessionId }, ctx);
      }
      default:
        throw badArguments(`unknown request type ${JSON.stringify(type)}`);
    }
  }

  /**
   * Each op is checked against the state the earlier ops leave (a scratch layer over the pending
   * view). The first failure fails the whole multi with ZooKeeper's per-op codes: OK before it, its
   * own code, RUNTIMEINCONSISTENCY after.
   */
  private prepareMulti(req: MultiRequest, ctx: RequestContext): Prepared {
    const requests: unknown = req.ops;
    if (!Array.isArray(requests)) throw badArguments('multi ops must be an array');
    const scratch = new PendingView(this.view);
    const ops: MultiOpTxn[] = [];
    for (let i = 0; i < requests.length; i++) {
      try {
        const op = prepareMultiOp(scratch, requests[i], ctx, this.limits);
        // The multi's zxid is not known yet; scratch records are dropped and no check reads zxids.
        scratch.recordBody(op, ZXID_ZERO, ctx.time);
        ops.push(op);
      } catch (e) {
        if (!(e instanceof ZkError)) throw e;
        const results = requests.map((_, j) =>
          j < i ? ErrorCode.OK : j === i ? e.code : ErrorCode.RUNTIMEINCONSISTENCY,
        );
        const opType = (requests[i] as { type?: unknown } | null)?.type;
        const reason = `multi op ${i} (${String(opType)}) failed${e.reason ? `: ${e.reason}` : ''}`;
        const error = new ZkError(e.code, e.path, reason, results);
        const txn: Txn = { type: 'multi', ops: results.map((code) => ({ type: 'error', code })), time: ctx.time };
        return { ok: false, txn, error };
      }
    }
    return ok({ type: 'multi', ops }, ctx);
  }

  /** Requests from a session need it open (not closed, nor closing in a pending txn). */
  private requireOpenSession(ctx: RequestContext): void {
    if (ctx.sessionId !== 0 && !this.view.sessionOpen(ctx.sessionId)) {
      throw new ZkError(ErrorCode.SESSIONEXPIRED, undefined, `session ${hex(ctx.sessionId)} is not open`);
    }
  }
}

function ok(body: TxnBody, ctx: RequestContext): Prepared {
  return { ok: true, txn: { ...body, time: ctx.time } };
}

function badArguments(reason: string): ZkError {
  return new ZkError(ErrorCode.BADARGUMENTS, undefined, reason);
}

function hex(sessionId: number): string {
  return '0x' + sessionId.toString(16);
}
