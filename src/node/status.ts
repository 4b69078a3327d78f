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
  /** From the member's metrics (absent from members older than them). */
  readonly znodeCount?: number;
  readonly watchCount?: number;
  readonly outstandingRequests?: number;
  /** Client request latency on this member, ms. */
  readonly latencyMs?: { readonly min: number; readonly avg: number; readonly max: number; readonly p99: number };
  readonly proposalCount?: number;
  readonly commitCount?: number;
}

export function memberStatus(runner: MemberRunner, peersUp: readonly MemberId[], clientConnections: number, startedAt: number, tickMs: number): MemberStatus {
  const s = runner.member.status();
  const m = runner.metrics();
  const lat = m.requestLatencyMs;
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
    znodeCount: m.znodeCount,
    watchCount: m.watchCount,
    outstandingRequests: m.outstandingRequests,
    latencyMs: { min: ms3(lat.min), avg: ms3(lat.mean), max: ms3(lat.max), p99: ms3(lat.p99) },
    proposalCount: m.proposalCount,
    commitCount: m.commitCount,
  };
}

/** Milliseconds to the microsecond, for people. */
function ms3(v: number): number {
  return Math.round(v * 1000) / 1000;
}
