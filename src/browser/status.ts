import type { ConnectionState } from '../client/types.js';
import type { MemberRunner } from '../server/runner.js';
import type { DurableState } from '../zab/persistence.js';
import type { MemberId } from '../zab/messages.js';
import { formatZxid, ZXID_ZERO } from '../zab/zxid.js';

/**
 * What a browser member reports about itself (the page's status panel, `window.peerkeeper.status()`):
 * the fields of the Node member's `/status` (src/node/status.ts) without the process ones, plus the
 * tab's own: its storage, what it recovered from it, and its in-tab client.
 */
export interface BrowserMemberStatus {
  readonly id: MemberId;
  readonly room: string;
  readonly members: readonly MemberId[];
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
  /** 'read-write', 'read-only' (no quorum: reads possibly stale, writes refused) or 'stopped'. */
  readonly mode: 'read-write' | 'read-only' | 'stopped';
  readonly sessions: number;
  readonly peersUp: readonly MemberId[];
  /** True while the mesh is cut on purpose (`isolate()`). */
  readonly isolated: boolean;
  readonly tickMs: number;
  readonly uptimeMs: number;
  readonly storage: {
    readonly kind: 'indexeddb' | 'memory';
    readonly database: string | null;
    /** navigator.storage.persisted(): the browser promised not to evict it (null until known). */
    readonly persisted: boolean | null;
    readonly records: number | null;
  };
  /** What the member read back from storage when it started, before any leader spoke to it. */
  readonly recovered: {
    readonly lastZxid: string;
    readonly logEntries: number;
    readonly snapshotZxid: string | null;
    readonly acceptedEpoch: number;
    readonly currentEpoch: number;
  };
  readonly client: { readonly state: ConnectionState; readonly sessionId: string };
  readonly signalling: readonly string[];
}

export type RecoveredSummary = BrowserMemberStatus['recovered'];

export function summariseRecovered(d: DurableState): RecoveredSummary {
  const last = d.log.length ? d.log[d.log.length - 1]!.zxid : d.logBase;
  return {
    lastZxid: formatZxid(d.log.length || d.snapshot ? last : ZXID_ZERO),
    logEntries: d.log.length,
    snapshotZxid: d.snapshot ? formatZxid(d.snapshot.zxid) : null,
    acceptedEpoch: d.acceptedEpoch,
    currentEpoch: d.currentEpoch,
  };
}

export interface StatusParts {
  readonly room: string;
  readonly members: readonly MemberId[];
  readonly runner: MemberRunner;
  readonly stopped: boolean;
  readonly peersUp: readonly MemberId[];
  readonly isolated: boolean;
  readonly tickMs: number;
  readonly startedAt: number;
  readonly storage: BrowserMemberStatus['storage'];
  readonly recovered: RecoveredSummary;
  readonly client: BrowserMemberStatus['client'];
  readonly signalling: readonly string[];
}

export function browserMemberStatus(p: StatusParts): BrowserMemberStatus {
  const s = p.runner.member.status();
  return {
    id: s.id,
    room: p.room,
    members: p.members,
    role: p.stopped ? 'STOPPED' : s.role,
    phase: s.phase,
    leader: s.leader,
    epoch: s.epoch,
    acceptedEpoch: s.acceptedEpoch,
    currentEpoch: s.currentEpoch,
    lastZxid: formatZxid(s.lastZxid),
    committedZxid: formatZxid(s.committedZxid),
    appliedZxid: formatZxid(s.treeZxid),
    digest: s.digest,
    serving: !p.stopped && s.serving,
    mode: p.stopped ? 'stopped' : s.serving ? 'read-write' : 'read-only',
    sessions: s.sessions,
    peersUp: p.peersUp,
    isolated: p.isolated,
    tickMs: p.tickMs,
    uptimeMs: Date.now() - p.startedAt,
    storage: p.storage,
    recovered: p.recovered,
    client: p.client,
    signalling: p.signalling,
  };
}
