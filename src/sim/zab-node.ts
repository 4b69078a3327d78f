import { validateZabMessage } from '../codec/zab-messages.js';
import type { ZabConfig } from '../zab/config.js';
import { ZabMember } from '../zab/member.js';
import type { MemberId, Snapshot } from '../zab/messages.js';
import type { DurableState } from '../zab/persistence.js';
import { Violation } from './checker.js';
import type { NodeDelivery, NodeOutput, SimNode } from './node.js';
import { SimStateMachine, type SimTxn } from './state-machine.js';
import type { Zxid } from '../zab/zxid.js';

/** A bare Zab member whose state machine is the list of applied simulator txns. */
export class ZabNode implements SimNode {
  readonly zab: ZabMember;
  private readonly sm = new SimStateMachine();
  private recordsAtLastSnapshot = 0;

  constructor(
    config: ZabConfig,
    durable: DurableState,
    private readonly snapshotEvery: number,
  ) {
    this.zab = new ZabMember(config, durable);
  }

  tick(): void {
    this.zab.step({ type: 'tick' });
  }

  message(from: MemberId, message: unknown): void {
    // What a real runtime does with bytes from a peer: validate, rebuild, then hand to the core.
    const valid = validateZabMessage(message);
    if (!valid.ok) throw new Violation('message legality', `m${from} sent a malformed message: ${valid.error}`);
    this.zab.step({ type: 'message', from, message: valid.message });
  }

  persisted(seq: number): void {
    this.zab.step({ type: 'persisted', seq });
  }

  peerConnected(peer: MemberId): void {
    this.zab.step({ type: 'peerConnected', peer });
  }

  peerDisconnected(peer: MemberId): void {
    this.zab.step({ type: 'peerDisconnected', peer });
  }

  snapshotTaken(snapshot: Snapshot): void {
    this.zab.snapshotTaken(snapshot);
  }

  drain(): NodeOutput {
    const ready = this.zab.drain();
    const deliveries: NodeDelivery[] = [];
    for (const d of ready.deliveries) {
      if (d.kind === 'restore') {
        this.sm.restore(d.snapshot);
        this.recordsAtLastSnapshot = this.sm.records.length;
        deliveries.push({ kind: 'restore', zxid: d.snapshot.zxid, records: this.sm.records.slice() });
      } else {
        deliveries.push({ kind: 'apply', record: this.sm.apply(d.entry) });
      }
    }
    const snapshots: Snapshot[] = [];
    if (this.sm.records.length - this.recordsAtLastSnapshot >= this.snapshotEvery) {
      this.recordsAtLastSnapshot = this.sm.records.length;
      snapshots.push(this.sm.snapshot());
    }
    return {
      messages: ready.messages.map((m) => ({ to: m.to, message: m.message, zab: m.message })),
      writes: ready.writes,
      deliveries,
      events: ready.events,
      snapshots,
      clients: [],
      close: [],
    };
  }

  proposeWrite(id: string): { ok: true; zxid: Zxid } | { ok: false; leader: MemberId | null } {
    const r = this.zab.propose({ id } satisfies SimTxn);
    return r.ok ? { ok: true, zxid: r.zxid } : { ok: false, leader: this.zab.status().leader };
  }

  proposeProbe(n: number): { zxid: Zxid; id: string } | null {
    const id = `probe-${n}`;
    const r = this.zab.propose({ id } satisfies SimTxn);
    return r.ok ? { zxid: r.zxid, id } : null;
  }
}
