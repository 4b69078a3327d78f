import type { MemberRunner } from '../server/runner.js';
import { coreMemberStatus, type CoreMemberStatus } from '../server/status.js';
import type { MemberId } from '../zab/messages.js';

/** What `GET /status` answers, `srvr` prints and `peerkeeper ensemble` shows per member. */
export interface MemberStatus extends CoreMemberStatus {
  readonly pid: number;
  readonly clientConnections: number;
  /** From the member's metrics (absent from members older than them). */
  readonly znodeCount?: number;
  readonly watchCount?: number;
  readonly outstandingRequests?: number;
  /** Client request latency on this member, ms. */
  readonly latencyMs?: { readonly min: number; readonly avg: number; readonly max: number; readonly p99: number };
  readonly proposalCount?: number;
  readonly commitCount?: number;
  /** The longest the main thread stalled in the last one to two seconds (event-loop delay), ms. */
  readonly eventLoopStallMs?: number;
}

export function memberStatus(runner: MemberRunner, peersUp: readonly MemberId[], clientConnections: number, startedAt: number, tickMs: number, eventLoopStallMs?: number): MemberStatus {
  const core = coreMemberStatus(runner, peersUp, startedAt, tickMs);
  const m = runner.metrics();
  const lat = m.requestLatencyMs;
  return {
    ...core,
    pid: process.pid,
    clientConnections,
    znodeCount: m.znodeCount,
    watchCount: m.watchCount,
    outstandingRequests: m.outstandingRequests,
    latencyMs: { min: ms3(lat.min), avg: ms3(lat.mean), max: ms3(lat.max), p99: ms3(lat.p99) },
    proposalCount: m.proposalCount,
    commitCount: m.commitCount,
    ...(eventLoopStallMs === undefined ? {} : { eventLoopStallMs }),
  };
}

/** Milliseconds to the microsecond, for people. */
function ms3(v: number): number {
  return Math.round(v * 1000) / 1000;
}
