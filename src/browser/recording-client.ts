/**
 * A ZooKeeperClient whose operations are recorded from invocation to answer in the shape the
 * simulator's history checker reads (src/sim/history/types.ts), as src/sim/zk-workload.ts records
 * them: a tap on the client's connection learns the xid each request went out with, the session it
 * ran in and the zxid stamped on its answer; wall-clock times (every tab and the test share the
 * machine's clock). The xid and session let the committed txns be matched back to the ops.
 */
import { ZooKeeperClient } from '../client/client.js';
import type { ClientToMember, Connector, MemberToClient, Operation } from '../protocol/client.js';
import { callOperation, failedAnswer, settle, type Answer, type RecordedOp } from '../sim/history/recording.js';

export type { RecordedOp } from '../sim/history/recording.js';

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
    const done = (answer: Answer): void => {
      this.busy--;
      settle(rec, Date.now(), answer);
      // An op that never reached the wire must not take the xid of the next one.
      const i = this.unsent.indexOf(rec);
      if (i >= 0) this.unsent.splice(i, 1);
      if (rec.session === 0) rec.session = this.session();
    };
    try {
      done({ outcome: 'ok', result: await callOperation(this.zk, op) });
    } catch (e) {
      done(failedAnswer(e));
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
}
