import type { MemberId } from '../zab/messages.js';
import type { AppliedRecord } from './state-machine.js';
import type { Workload, WorldApi } from './workload.js';

/** A client stops waiting for an answer after this long (ConnectionLoss: the write may still commit). */
const CLIENT_GIVE_UP_MS = 400;

interface Client {
  readonly id: number;
  counter: number;
  /** Writes sent and not yet answered, by txn id → when sent. */
  readonly pending: Map<string, number>;
  preferred: MemberId | null;
}

/**
 * Clients that propose opaque writes straight to whichever member they pick (a non-leader refuses
 * and says who leads). A write is acknowledged when the member it went through applies it; the
 * checker then demands it survive everything.
 */
export class ZabWorkload implements Workload {
  private world!: WorldApi;
  private readonly clients: Client[] = [];
  /** Txn id → client, per member the write went through. */
  private readonly proposedAt = new Map<MemberId, Map<string, number>>();

  start(world: WorldApi): void {
    this.world = world;
    for (const id of world.ids) this.proposedAt.set(id, new Map());
    for (let c = 0; c < world.profile.clients; c++) {
      const client: Client = { id: c, counter: 0, pending: new Map(), preferred: null };
      this.clients.push(client);
      world.schedule(world.rng.between(0, 50), () => this.step(client));
    }
  }

  private step(c: Client): void {
    const w = this.world;
    if (w.healing) return; // after healing only the pending writes and the probe remain
    for (const [id, sentAt] of c.pending) {
      if (w.now - sentAt > CLIENT_GIVE_UP_MS) {
        c.pending.delete(id);
        for (const m of this.proposedAt.values()) m.delete(id);
      }
    }
    if (c.pending.size < w.profile.clientOutstanding) {
      const target = c.preferred !== null && w.rng.chance(0.8) ? c.preferred : w.rng.pick(w.ids);
      const node = w.node(target);
      if (node) {
        const id = `c${c.id}-${c.counter}`;
        const r = node.proposeWrite(id);
        if (r.ok) {
          c.counter++;
          c.pending.set(id, w.now);
          c.preferred = target;
          this.proposedAt.get(target)!.set(id, c.id);
          w.proposed(target, r.zxid, id);
          w.stats.proposals++;
          w.pump(target);
        } else {
          c.preferred = r.leader;
        }
      }
    }
    w.schedule(w.now + w.rng.between(0.2, w.profile.clientThinkMs), () => this.step(c));
  }

  onApplied(member: MemberId, record: AppliedRecord): void {
    const at = this.proposedAt.get(member)!;
    const client = at.get(record.id);
    if (client === undefined) return;
    at.delete(record.id);
    this.world.checker.ackedToClients.add(record.id);
    this.world.stats.clientAcks++;
    this.clients[client]?.pending.delete(record.id);
  }

  onCrash(member: MemberId): void {
    this.proposedAt.get(member)?.clear();
  }

  onClientMessage(): void {}

  onClientClosed(): void {}

  finish(): void {}
}
