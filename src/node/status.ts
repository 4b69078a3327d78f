import type { MemberRunner } from '../server/runner.js';
import type { MemberId } from '../zab/messages.js';
import { formatZxid } from '../zab/zxid.js';

/** What `GET /status` answers, `srvr` prints and `peerkeeper ensemble` shows per member. */
export interface MemberStatus {
  readonly id: MemberId;
  readonly pid: number;
  readonly role: string;
  readonly phase: string;
  readonly leader: MemberId | null;
  readonly epoch: number | null;
  readonly acceptedEpoch: number;
  readonly currentEpoch: number;
  readonly lastZxid: string;
  readonly committedZxid: string;
  readonly appliedZxid: string;
  readonly digest: string;
  readonly serving: boolean;
  readonly sessions: number;
  readonly clientConnections: number;
  readonly peersUp: readonly MemberId[];
  readonly tickMs: number;
  readonly uptimeMs: number;
}

export function memberStatus(runner: MemberRunner, peersUp: readonly MemberId[], clientConnections: number, startedAt: number, tickMs: number): MemberStatus {
  const s = runner.member.status();
  return {
    id: s.id,
    pid: process.pid,
    role: s.role,
    phase: s.phase,
    leader: s.leader,
    epoch: s.epoch,
    acceptedEpoch: s.acceptedEpoch,
    currentEpoch: s.currentEpoch,
    lastZxid: formatZxid(s.lastZxid),
    committedZxid: formatZxid(s.committedZxid),
    appliedZxid: formatZxid(s.treeZxid),
    digest: s.digest,
    serving: s.serving,
    sessions: s.sessions,
    clientConnections,
    peersUp: [...peersUp].sort((a, b) => a - b),
    tickMs,
    uptimeMs: Date.now() - startedAt,
  };
}
