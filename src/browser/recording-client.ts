/**
 * A ZooKeeperClient whose operations are recorded from invocation to answer in the shape the
 * simulator's history checker reads (src/sim/history/types.ts), as src/sim/zk-workload.ts records
 * them: a tap on the client's connection learns the xid each request went out with, the session it
 * ran in and the zxid stamped on its answer; wall-clock times (every tab and the test share the
 * machine's clock). The xid and session let the committed txns be matched back to the ops.
 */
import { ZooKeeperClient } from '../client/client.js';
import { ZooKeeperError } from '../client/errors.js';
import type { ClientToMember, Connector, MemberToClient, Operation, OperationResult } from '../protocol/client.js';
import type { Zxid } from '../zab/zxid.js';

export type Outcome = 'ok' | 'error' | 'unknown';

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

const CONNECTIONLOSS = -4;

/** Errors that mean the request certainly did not happen (as opposed to CONNECTIONLOSS and friends); as zk-workload.ts. */
export function isDefinite(code: number): boolean {
  return code !== CONNECTIONLOSS && code !== -7 && code !== -122 && code !== -112 && code !== -118;
}

export interface RecordingOptions {
  readonly connector: Connector;
  readonly sessionTimeoutMs: number;
  readonly canBeReadOnly: boolean;
  /** A fresh op id, unique in the whole history. */
  nextId(): number;
  /**
   * The id to record for a session. Read-only sessions are local to a member (negative ids that a
   * restarted member hands out again), so the caller maps them to ids unique in the history.
   */
  sessionFor(sessionId: number): number;
  record(op: RecordedOp): void;
}

export class RecordingClient {
  readonly zk: ZooKeeperClient;
  /** Invoked through the API and not yet on the wire, oldest first (the client sends in call order). */
  private unsent: RecordedOp[] = [];
  private readonly byXid = new Map<number, RecordedOp>();
  busy = 0;
  /** Bugs of the recorder itself (a history it got wrong must not be checked as the ensemble's). */
  readonly problems: string[] = [];

  constructor(private readonly o: RecordingOptions) {
    const connector: Connector = (index, handlers) => {
      const conn = o.connector(index, {
        onMessage: (m) => {
          this.received(m);
          handlers.onMessage(m);
        },
        onClose: (reason) => handlers.onClose(reason),
      });
      if (conn === null) return null;
      return {
        send: (m) => {
          this.sent(m);
          conn.send(m);
        },
        close: () => conn.close(),
      };
    };
    this.zk = new ZooKeeperClient({ connector, members: 1, sessionTimeoutMs: o.sessionTimeoutMs, canBeReadOnly: o.canBeReadOnly });
    this.zk.on('error', () => {});
  }

  /** Runs one operation through the real client and records it; never throws. */
  async run(op: Operation): Promise<RecordedOp> {
    const rec: RecordedOp = { id: this.o.nextId(), session: this.session(), op, invokeMs: Date.now(), completeMs: null, outcome: 'unknown' };
    this.o.record(rec);
    this.unsent.push(rec);
    this.busy++;
    const settle = (outcome: Outcome, err?: number, result?: OperationResult): void => {
      this.busy--;
      rec.completeMs = Date.now();
      rec.outcome = outcome;
      if (err !== undefined) rec.err = err;
      if (result) rec.result = result;
      // An op that never reached the wire must not take the xid of the next one.
      const i = this.unsent.indexOf(rec);
      if (i >= 0) this.unsent.splice(i, 1);
      if (rec.session === 0) rec.session = this.session();
    };
    try {
      settle('ok', undefined, await this.call(op));
    } catch (e) {
      const code = e instanceof ZooKeeperError ? e.code : CONNECTIONLOSS;
      const definite = e instanceof ZooKeeperError && isDefinite(code);
      settle(definite ? 'error' : 'unknown', code, e instanceof ZooKeeperError && e.results ? { op: 'multi', results: e.results } : undefined);
    }
    return rec;
  }

  close(): Promise<void> {
    return this.zk.close();
  }

  private session(): number {
    const id = this.zk.sessionId;
    return id === 0 ? 0 : this.o.sessionFor(id);
  }

  private sent(m: ClientToMember): void {
    if (m.type !== 'request') return;
    const rec = this.unsent.shift();
    if (!rec) return; // the client's own requests (closeSession)
    if (rec.op.op !== m.operation.op) this.problems.push(`recorder out of step: sent ${m.operation.op} for op #${rec.id} (${rec.op.op})`);
    rec.xid = m.xid;
    // The session the request really runs in (a read-only session is replaced by a real one).
    rec.session = this.session();
    this.byXid.set(m.xid, rec);
  }

  private received(m: MemberToClient): void {
    if (m.type !== 'response') return;
    const rec = this.byXid.get(m.xid);
    if (!rec) return;
    this.byXid.delete(m.xid);
    rec.zxid = m.zxid;
    if (m.readOnly) rec.readOnly = true;
  }

  private async call(op: Operation): Promise<OperationResult> {
    const zk = this.zk;
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
        throw new Error(`the recorder does not issue ${op.op}`);
    }
  }
}
