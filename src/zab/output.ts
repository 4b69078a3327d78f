import type { LogEntry, MemberId, Snapshot, ZabMessage } from './messages.js';
import type { SequencedWrite } from './persistence.js';
import type { Zxid } from './zxid.js';

export type Role = 'LOOKING' | 'FOLLOWING' | 'LEADING';
export type Phase = 'election' | 'discovery' | 'synchronization' | 'broadcast';

export interface Outgoing {
  readonly to: MemberId;
  readonly message: ZabMessage;
}

/** What the state machine above Zab must do, in order: restore a snapshot, or apply a committed txn. */
export type Delivery =
  | { readonly kind: 'restore'; readonly snapshot: Snapshot }
  | { readonly kind: 'apply'; readonly entry: LogEntry };

/** Observable facts, for logs, metrics, the demo and the simulator's coverage counters. */
export type ZabEvent =
  | { readonly type: 'state'; readonly role: Role; readonly phase: Phase; readonly leader: MemberId | null; readonly epoch: number }
  | { readonly type: 'electionStarted'; readonly round: number; readonly reason: string }
  | { readonly type: 'elected'; readonly leader: MemberId; readonly round: number }
  | { readonly type: 'established'; readonly epoch: number; readonly history: Zxid; readonly quorum: readonly MemberId[] }
  | { readonly type: 'syncSent'; readonly peer: MemberId; readonly mode: 'DIFF' | 'TRUNC' | 'SNAP'; readonly point: Zxid; readonly entries: number }
  | { readonly type: 'truncated'; readonly to: Zxid; readonly dropped: number }
  | { readonly type: 'snapshotInstalled'; readonly zxid: Zxid }
  | { readonly type: 'steppedDown'; readonly reason: string }
  | { readonly type: 'followerLost'; readonly peer: MemberId; readonly reason: string }
  | { readonly type: 'rejected'; readonly from: MemberId; readonly message: string; readonly reason: string };

/** Everything one call into the core wants done. The runner performs it and feeds results back. */
export interface Ready {
  readonly messages: Outgoing[];
  readonly writes: SequencedWrite[];
  readonly deliveries: Delivery[];
  readonly events: ZabEvent[];
}

export function emptyReady(): Ready {
  return { messages: [], writes: [], deliveries: [], events: [] };
}

export function isReadyEmpty(r: Ready): boolean {
  return r.messages.length === 0 && r.writes.length === 0 && r.deliveries.length === 0 && r.events.length === 0;
}
