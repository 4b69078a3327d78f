import type { ConnectionState } from '../client/types.js';
import type { MemberRunner } from '../server/runner.js';
import { coreMemberStatus, type CoreMemberStatus } from '../server/status.js';
import type { DurableState } from '../zab/persistence.js';
import type { MemberId } from '../zab/messages.js';
import { formatZxid, ZXID_ZERO } from '../zab/zxid.js';

/**
 * What a browser member reports about itself (the page's status panel, `window.peerkeeper.status()`):
 * the fields every member reports (server/status.ts), plus the tab's own: its storage, what it
 * recovered from it, and its in-tab client.
 */
export interface BrowserMemberStatus extends CoreMemberStatus {
  readonly room: string;
  readonly members: readonly MemberId[];
  /** 'read-write', 'read-only' (no quorum: reads possibly stale, writes refused) or 'stopped'. */
  readonly mode: 'read-write' | 'read-only' | 'stopped';
  /** True while the mesh is cut on purpose (`isolate()`). */
  readonly isolated: boolean;
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

/** What the tab knows beside the runner; the rest of the status comes from it. */
export interface StatusParts
  extends Pick<BrowserMemberStatus, 'room' | 'members' | 'peersUp' | 'isolated' | 'tickMs' | 'storage' | 'recovered' | 'client' | 'signalling'> {
  readonly runner: MemberRunner;
  readonly stopped: boolean;
  readonly startedAt: number;
}

export function browserMemberStatus(p: StatusParts): BrowserMemberStatus {
  const core = coreMemberStatus(p.runner, p.peersUp, p.startedAt, p.tickMs);
  return {
    ...core,
    room: p.room,
    members: p.members,
    role: p.stopped ? 'STOPPED' : core.role,
    serving: !p.stopped && core.serving,
    mode: p.stopped ? 'stopped' : core.serving ? 'read-write' : 'read-only',
    isolated: p.isolated,
    storage: p.storage,
    recovered: p.recovered,
    client: p.client,
    signalling: p.signalling,
  };
}
