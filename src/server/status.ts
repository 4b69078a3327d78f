import type { MemberId } from '../zab/messages.js';
import { formatZxid } from '../zab/zxid.js';
import type { MemberRunner } from './runner.js';

/** What every member reports about itself, Node process or browser tab; each runtime adds its own fields. */
export interface CoreMemberStatus {
  readonly id: MemberId;
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
  /** In a quorum, in broadcast phase: reads and writes. */
  readonly serving: boolean;
  readonly sessions: number;
  readonly peersUp: readonly MemberId[];
  readonly tickMs: number;
  readonly uptimeMs: number;
}

export function coreMemberStatus(runner: MemberRunner, peersUp: readonly MemberId[], startedAt: number, tickMs: number): CoreMemberStatus {
  const s = runner.member.status();
  return {
    id: s.id,
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
    peersUp: [...peersUp].sort((a, b) => a - b),
    tickMs,
    uptimeMs: Date.now() - startedAt,
  };
}
