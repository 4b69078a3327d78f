import type { MemberId, Snapshot, ZabMessage } from '../zab/messages.js';
import type { ZabMember } from '../zab/member.js';
import type { ZabEvent } from '../zab/output.js';
import type { SequencedWrite } from '../zab/persistence.js';
import type { Zxid } from '../zab/zxid.js';
import type { AppliedRecord } from './state-machine.js';

/** What the state machine above Zab did, in order, in the checker's terms. */
export type NodeDelivery =
  | { readonly kind: 'apply'; readonly record: AppliedRecord; readonly digest?: string; readonly detail?: { readonly txn: unknown; readonly result: unknown } }
  /** `records` when the node can list what the snapshot holds; `digest` when it can fingerprint it. */
  | { readonly kind: 'restore'; readonly zxid: Zxid; readonly records?: readonly AppliedRecord[]; readonly digest?: string };

export interface NodeOutput {
  /** `zab` is the Zab message inside, if any: the checker and the trace look at it. */
  readonly messages: readonly { readonly to: MemberId; readonly message: unknown; readonly zab: ZabMessage | null }[];
  readonly writes: readonly SequencedWrite[];
  readonly deliveries: readonly NodeDelivery[];
  readonly events: readonly ZabEvent[];
  /** Snapshots cut now, to hand back to Zab a little later (serialization runs in the background). */
  readonly snapshots: readonly Snapshot[];
  /** Messages for client connections, and connections to close (server nodes only). */
  readonly clients: readonly { readonly connection: number; readonly message: unknown }[];
  readonly close: readonly number[];
}

/** One ensemble member as the simulated world drives it: a bare Zab member, or a full server. */
export interface SimNode {
  readonly zab: ZabMember;
  /** The virtual time, before every input (a node that keeps a clock between ticks). */
  observeTime?(nowMs: number): void;
  tick(nowMs: number): void;
  /** Validates what arrived from a peer as a runtime would; throws a Violation for a malformed one. */
  message(from: MemberId, message: unknown): void;
  persisted(seq: number): void;
  peerConnected(peer: MemberId): void;
  peerDisconnected(peer: MemberId): void;
  snapshotTaken(snapshot: Snapshot): void;
  drain(): NodeOutput;
  /** A crash: a node that runs its own I/O stops it (timers, pending writes); others need nothing. */
  stop?(): void;
  /** Proposes a write the checker will know as `id` (a leader that serves), or says who leads. */
  proposeWrite(id: string): { readonly ok: true; readonly zxid: Zxid } | { readonly ok: false; readonly leader: MemberId | null };
  /** Proposes a no-op write if this member leads and serves; returns its zxid and the id it will apply as. */
  proposeProbe(n: number): { zxid: Zxid; id: string } | null;
}

export function isOutputEmpty(out: NodeOutput): boolean {
  return (
    out.messages.length + out.writes.length + out.deliveries.length + out.events.length + out.snapshots.length + out.clients.length + out.close.length ===
    0
  );
}
