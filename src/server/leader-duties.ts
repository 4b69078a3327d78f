import { SessionTracker } from '../session/tracker.js';
import { ErrorCode, Preparer, type DataTree, type Txn, type WriteRequest } from '../tree/index.js';
import type { ZabMember } from '../zab/member.js';
import type { MemberId } from '../zab/messages.js';
import type { Forwarded, ServerTxn } from './messages.js';

/** Session ids are (leader epoch, counter in that epoch): unique without asking anyone. */
const SESSIONS_PER_EPOCH = 2 ** 24;

/**
 * What only the established leader does above Zab: prepare requests into txns against the tree plus
 * everything proposed and not yet applied, track session liveness and propose closes for expired
 * sessions, and clean up empty containers and expired TTL nodes. Built anew at each leadership, so a
 * new leader starts every session's clock afresh (pitfall 18).
 */
export class LeaderDuties {
  readonly tracker = new SessionTracker();
  private readonly preparer: Preparer;
  private sessionCounter = 0;
  /** The last xid taken from each session: a duplicated forward must not run a write twice. */
  private readonly lastXid = new Map<number, number>();
  /** Paths whose cleanup is proposed and not yet applied: proposed once only. */
  private readonly cleanupInFlight = new Set<string>();

  constructor(
    private readonly self: MemberId,
    readonly epoch: number,
    private readonly tree: DataTree,
    private readonly zab: ZabMember,
    maxDataBytes: number | undefined,
    nowMs: number,
    /** The members' timeout negotiation, applied again here: a forwarded timeout is not trusted. */
    private readonly clampTimeout: (requestedMs: number) => number,
  ) {
    this.preparer = new Preparer(tree, maxDataBytes === undefined ? {} : { maxDataBytes });
    for (const s of tree.sessions()) this.tracker.add(s.sessionId, s.timeoutMs, nowMs, null);
  }

  /** A request from a client of `origin` (possibly ourselves). Returns false if Zab refused it (not leading any more). */
  handle(origin: MemberId, sessionId: number, xid: number, fwd: Forwarded, nowMs: number): boolean {
    if (fwd.kind === 'createSession') {
      const id = this.epoch * SESSIONS_PER_EPOCH + (++this.sessionCounter % SESSIONS_PER_EPOCH);
      const timeoutMs = this.clampTimeout(fwd.timeoutMs);
      const prepared = this.preparer.prepare({ type: 'createSession', sessionId: id, timeoutMs }, { sessionId: 0, time: nowMs });
      if (!this.propose({ origin, sessionId: id, xid, body: prepared.txn, password: fwd.password, connection: fwd.connection }, prepared.txn)) return false;
      // Tracked from the proposal on, as ZooKeeper's leader does: a quorum of followers can commit it
      // and answer the client before this leader has applied it, and the client's next request may
      // arrive here first. If the proposal never commits, no client ever learns the id.
      this.tracker.add(id, timeoutMs, nowMs, origin);
      return true;
    }
    if (xid >= 0 && xid <= (this.lastXid.get(sessionId) ?? -1)) return true;
    const refusal = this.sessionRefusal(origin, sessionId, nowMs);
    // Refused requests leave the last xid alone: a late forward through a member the session left
    // must not raise it above what the session's new connection numbers from (lastXidOf).
    if (refusal) return this.proposeError(origin, sessionId, xid, refusal.code, refusal.message, nowMs);
    if (xid >= 0) this.lastXid.set(sessionId, xid);
    if (fwd.kind === 'sync') {
      const body: Txn = { type: 'error', code: ErrorCode.OK, time: nowMs };
      return this.propose({ origin, sessionId, xid, body, sync: true }, body);
    }
    if (fwd.kind === 'closeSession') {
      this.tracker.markClosing(sessionId);
      const prepared = this.preparer.prepare({ type: 'closeSession', sessionId }, { sessionId: 0, time: nowMs });
      return this.propose({ origin, sessionId, xid, body: prepared.txn }, prepared.txn);
    }
    const prepared = this.preparer.prepare(fwd.request, { sessionId, time: nowMs });
    const txn: ServerTxn = prepared.ok
      ? { origin, sessionId, xid, body: prepared.txn }
      : { origin, sessionId, xid, body: prepared.txn, message: prepared.error.message };
    return this.propose(txn, prepared.txn);
  }

  /** Pitfalls 15 and 16: nothing for a closing or unknown session, nothing through a member it left. */
  private sessionRefusal(origin: MemberId, sessionId: number, nowMs: number): { code: number; message: string } | null {
    const s = this.tracker.get(sessionId);
    if (!s || s.closing) return { code: ErrorCode.SESSIONEXPIRED, message: `session 0x${sessionId.toString(16)} has expired` };
    if (s.owner !== null && s.owner !== origin) {
      return { code: ErrorCode.SESSIONMOVED, message: `session 0x${sessionId.toString(16)} moved to member ${s.owner}` };
    }
    this.tracker.touch(sessionId, nowMs, origin);
    return null;
  }

  private proposeError(origin: MemberId, sessionId: number, xid: number, code: number, message: string, nowMs: number): boolean {
    const body = { type: 'error', code, time: nowMs } as Txn;
    return this.propose({ origin, sessionId, xid, body, message }, body);
  }

  private propose(txn: ServerTxn, body: Txn): boolean {
    const r = this.zab.propose(txn);
    if (!r.ok) return false;
    this.preparer.proposed(body, r.zxid);
    return true;
  }

  /** Sessions heard of through `origin`; returns those that are gone, so the member can drop them. */
  touch(_origin: MemberId, sessions: readonly number[], nowMs: number): number[] {
    const gone: number[] = [];
    // A touch keeps a session alive but does not move it: only a reconnect (revalidate) or a request does.
    for (const id of sessions) if (!this.tracker.touch(id, nowMs)) gone.push(id);
    return gone;
  }

  /** The last xid taken from the session (undefined if none): its next connection numbers above it. */
  lastXidOf(sessionId: number): number | undefined {
    return this.lastXid.get(sessionId);
  }

  /** A client reconnected through `origin`: still alive? `origin` becomes the session's owner. */
  revalidate(origin: MemberId, sessionId: number, nowMs: number): boolean {
    return this.tracker.touch(sessionId, nowMs, origin);
  }

  /** Expire quiet sessions, remove empty containers and expired TTL nodes. */
  tick(nowMs: number): void {
    for (const id of this.tracker.expired(nowMs)) {
      this.tracker.markClosing(id);
      const prepared = this.preparer.prepare({ type: 'closeSession', sessionId: id }, { sessionId: 0, time: nowMs });
      if (!this.propose({ origin: this.self, sessionId: id, xid: -1, body: prepared.txn }, prepared.txn)) return;
    }
    const candidates = [...this.tree.containerCandidates(), ...this.tree.expiredTtlNodes(nowMs)];
    for (const path of candidates) {
      if (this.cleanupInFlight.has(path)) continue;
      const request: WriteRequest = { type: 'deleteContainer', path };
      const prepared = this.preparer.prepare(request, { sessionId: 0, time: nowMs });
      if (!prepared.ok) continue;
      if (!this.propose({ origin: this.self, sessionId: 0, xid: -1, body: prepared.txn }, prepared.txn)) return;
      this.cleanupInFlight.add(path);
    }
  }

  /** Keeps the tracker in step with what every member applies. */
  onApplied(txn: ServerTxn, nowMs: number): void {
    const body = txn.body;
    if (body.type === 'createSession') {
      if (!this.tracker.get(body.sessionId)) this.tracker.add(body.sessionId, body.timeoutMs, nowMs, txn.origin);
    }
    else if (body.type === 'closeSession') {
      this.tracker.remove(body.sessionId);
      this.lastXid.delete(body.sessionId);
    }
    else if (body.type === 'delete') this.cleanupInFlight.delete(body.path);
  }
}
