import type { Rng } from './rng.js';

export interface NetworkFaults {
  /** A message vanishes silently (a black-holed packet on a link that stays up). */
  dropRate: number;
  /** A message arrives twice. */
  duplicateRate: number;
  /** A message may overtake earlier ones on its link (FIFO broken: the core must stay safe anyway). */
  reorderRate: number;
  minDelayMs: number;
  maxDelayMs: number;
}

export const CALM_NETWORK: NetworkFaults = { dropRate: 0, duplicateRate: 0, reorderRate: 0, minDelayMs: 0.2, maxDelayMs: 2 };

interface Link {
  generation: number;
  lastDeliverAt: number;
  blocked: boolean;
}

/**
 * Directed links between members. A link is FIFO (like a reliable ordered data channel) unless the
 * reorder fault fires; a connection drop loses everything in flight on both directions and is seen
 * by both ends, as a closed WebRTC channel is; a partition is a silent black hole.
 */
export class Network {
  private links = new Map<string, Link>();
  private connected = new Map<string, boolean>();
  faults: NetworkFaults = CALM_NETWORK;

  constructor(private readonly rng: Rng) {}

  private link(from: number, to: number): Link {
    const key = `${from}>${to}`;
    let l = this.links.get(key);
    if (!l) {
      l = { generation: 0, lastDeliverAt: 0, blocked: false };
      this.links.set(key, l);
    }
    return l;
  }

  private pairKey(a: number, b: number): string {
    return a < b ? `${a}-${b}` : `${b}-${a}`;
  }

  isConnected(a: number, b: number): boolean {
    return this.connected.get(this.pairKey(a, b)) ?? false;
  }

  connect(a: number, b: number): void {
    this.connected.set(this.pairKey(a, b), true);
  }

  /** Drops the connection: in-flight messages of both directions are lost. */
  disconnect(a: number, b: number): void {
    this.connected.set(this.pairKey(a, b), false);
    this.link(a, b).generation++;
    this.link(b, a).generation++;
  }

  setBlocked(from: number, to: number, blocked: boolean): void {
    this.link(from, to).blocked = blocked;
  }

  isBlocked(from: number, to: number): boolean {
    return this.link(from, to).blocked;
  }

  unblockAll(): void {
    for (const l of this.links.values()) l.blocked = false;
  }

  /** When (if ever) each copy of a message sent now arrives; each with the link generation it belongs to. */
  plan(now: number, from: number, to: number): { at: number; generation: number }[] {
    if (!this.isConnected(from, to)) return [];
    const l = this.link(from, to);
    if (l.blocked) return [];
    const f = this.faults;
    if (f.dropRate > 0 && this.rng.chance(f.dropRate)) return [];
    const copies = f.duplicateRate > 0 && this.rng.chance(f.duplicateRate) ? 2 : 1;
    const out: { at: number; generation: number }[] = [];
    for (let i = 0; i < copies; i++) {
      const raw = now + this.rng.between(f.minDelayMs, f.maxDelayMs);
      const overtake = f.reorderRate > 0 && this.rng.chance(f.reorderRate);
      const at = overtake ? raw : Math.max(raw, l.lastDeliverAt);
      if (!overtake) l.lastDeliverAt = at;
      out.push({ at, generation: l.generation });
    }
    return out;
  }

  /** A message still belongs to the live connection of its link. */
  deliverable(from: number, to: number, generation: number): boolean {
    return this.isConnected(from, to) && this.link(from, to).generation === generation;
  }
}
