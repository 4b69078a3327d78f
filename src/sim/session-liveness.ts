import type { MemberToClient } from '../protocol/client.js';
import type { ServerTxn } from '../server/messages.js';
import type { ZabStatus } from '../zab/member.js';
import type { MemberId } from '../zab/messages.js';
import type { SequencedWrite } from '../zab/persistence.js';
import { formatZxid } from '../zab/zxid.js';
import { Violation } from './checker.js';

type Status = Pick<ZabStatus, 'role' | 'serving' | 'epoch' | 'leader'>;

/**
 * A session lives while its client is heard (pitfalls 15 and 18: no premature expiry), checked at
 * both ends of the path a client's ping takes to the leader's session tracker:
 *  - a serving follower sends its leader, at every tick, each session whose client it heard since
 *    the tick before (a TOUCH);
 *  - a leader never proposes a session's expiry sooner than the session's timeout after it last heard
 *    of it in its epoch: from one of its own clients, or in a TOUCH.
 * In between only the network (a cut, a drop, a pause) may lose a touch — the one case in which
 * ZooKeeper, too, expires a session whose client was still pinging.
 */
export class SessionLivenessCheck {
  /** The epoch this member leads and serves, or null. */
  private leading: number | null = null;
  /** Leader: when each session was last heard of in `leading`. */
  private readonly heardAt = new Map<number, number>();
  /** Follower: sessions whose client it heard since its last tick. */
  private readonly heardSinceTick = new Set<number>();
  /** Connections that got `connected`, with their session. */
  private readonly connections = new Map<number, { readonly sessionId: number; readonly readOnly: boolean }>();

  constructor(private readonly self: MemberId) {}

  /** A message from a client arrived (before the member handles it). */
  fromClient(connection: number, nowMs: number, status: Status): void {
    const c = this.connections.get(connection);
    if (!c || c.readOnly) return;
    this.follow(status);
    if (this.leading !== null) this.heardAt.set(c.sessionId, nowMs);
    else if (status.role === 'FOLLOWING' && status.serving) this.heardSinceTick.add(c.sessionId);
  }

  /** A TOUCH from a follower arrived (before the member handles it). */
  touched(sessions: readonly number[], nowMs: number, status: Status): void {
    this.follow(status);
    if (this.leading !== null) for (const id of sessions) this.heardAt.set(id, nowMs);
  }

  clientGone(connection: number): void {
    this.connections.delete(connection);
  }

  /**
   * After an input: `tick` says whether it was a tick. Throws a Violation for an expiry proposed
   * too soon, or a tick on which a serving follower did not pass on what its clients said.
   */
  drained(
    out: {
      readonly writes: readonly SequencedWrite[];
      readonly peer: readonly { readonly to: MemberId; readonly message: unknown }[];
      readonly clients: readonly { readonly connection: number; readonly message: MemberToClient }[];
      readonly close: readonly number[];
    },
    nowMs: number,
    status: Status,
    tick: boolean,
    timeoutOf: (sessionId: number) => number | undefined,
  ): void {
    this.checkExpiries(out.writes, nowMs, timeoutOf);
    this.follow(status);
    if (tick) this.checkTouchesSent(out.peer, status);
    for (const { connection, message: m } of out.clients) {
      if (m.type === 'connected') this.connections.set(connection, { sessionId: m.sessionId, readOnly: m.readOnly });
    }
    for (const id of out.close) this.connections.delete(id);
  }

  private follow(status: Status): void {
    const leading = status.role === 'LEADING' && status.serving ? status.epoch : null;
    if (leading !== this.leading) this.heardAt.clear();
    this.leading = leading;
  }

  private checkExpiries(writes: readonly SequencedWrite[], nowMs: number, timeoutOf: (sessionId: number) => number | undefined): void {
    for (const { write } of writes) {
      if (write.kind !== 'append') continue;
      for (const e of write.entries) {
        const txn = e.txn as ServerTxn;
        if (txn.body.type !== 'closeSession' || txn.xid !== -1 || txn.origin !== this.self || e.zxid.epoch !== this.leading) continue;
        const sessionId = txn.body.sessionId;
        const heard = this.heardAt.get(sessionId);
        const timeoutMs = timeoutOf(sessionId);
        if (heard === undefined || timeoutMs === undefined || nowMs >= heard + timeoutMs) continue;
        throw new Violation(
          'sessions live while heard',
          `m${this.self} proposed the expiry of session 0x${sessionId.toString(16)} (timeout ${timeoutMs} ms) at ${formatZxid(e.zxid)}, ${nowMs - heard} ms after it last heard of it`,
        );
      }
    }
  }

  private checkTouchesSent(peer: readonly { readonly to: MemberId; readonly message: unknown }[], status: Status): void {
    const heard = [...this.heardSinceTick];
    this.heardSinceTick.clear();
    if (heard.length === 0 || status.role !== 'FOLLOWING' || !status.serving || status.leader === null) return;
    const sent = new Set<number>();
    for (const p of peer) {
      const m = p.message as { layer?: string; message?: { type?: string; sessions?: readonly number[] } };
      if (p.to === status.leader && m.layer === 'server' && m.message?.type === 'TOUCH') for (const id of m.message.sessions ?? []) sent.add(id);
    }
    const missing = heard.filter((id) => !sent.has(id));
    if (missing.length > 0) {
      throw new Violation(
        'sessions live while heard',
        `m${this.self} heard the clients of ${missing.map((id) => `0x${id.toString(16)}`).join(', ')} since its last tick but did not touch them at its leader m${status.leader}`,
      );
    }
  }
}
