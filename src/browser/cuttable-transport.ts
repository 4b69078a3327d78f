import type { WebRtcTransport } from '../transport/webrtc.js';
import type { PeerEvents, PeerTransport } from '../transport/transport.js';
import type { MemberId } from '../zab/messages.js';

/** One incarnation of the mesh: the transport and whatever it needs closed with it (its BroadcastChannel signalling). */
export interface Mesh {
  readonly transport: WebRtcTransport;
  dispose(): void;
}

/**
 * The member's transport, which can be cut off from every peer and reconnected: `cut()` closes the
 * mesh (every link drops, so both ends see the loss — a clean partition, FIFO streams end rather
 * than skip) and leaves the signalling; `heal()` starts a fresh mesh that finds the others again.
 * For the demo's "partition this tab" and the browser tests.
 */
export class CuttableTransport implements PeerTransport {
  private mesh: Mesh | null = null;
  private events: PeerEvents | null = null;
  private readonly up = new Set<MemberId>();
  private closed = false;

  constructor(
    readonly self: MemberId,
    private readonly makeMesh: () => Mesh,
  ) {}

  get isCut(): boolean {
    return this.mesh === null && !this.closed;
  }

  start(events: PeerEvents): void {
    this.events = events;
    this.connect();
  }

  send(to: MemberId, message: unknown): void {
    this.mesh?.transport.send(to, message);
  }

  bytesSent(peer: MemberId): number {
    return this.mesh?.transport.bytesSent?.(peer) ?? 0;
  }

  upPeers(): MemberId[] {
    return [...this.up].sort((a, b) => a - b);
  }

  stats(): ReturnType<WebRtcTransport['stats']> | null {
    return this.mesh?.transport.stats() ?? null;
  }

  /** The selected ICE candidate pair of the link to `peer` (webrtc/candidate-path.ts). */
  candidatePath(peer: MemberId): ReturnType<WebRtcTransport['candidatePath']> {
    return this.mesh?.transport.candidatePath(peer) ?? Promise.resolve(undefined);
  }

  cut(): void {
    if (this.mesh === null) return;
    const mesh = this.mesh;
    this.mesh = null;
    mesh.transport.close(); // reports nothing itself: tell the member its links are gone
    mesh.dispose();
    const lost = [...this.up];
    this.up.clear();
    for (const p of lost) this.events?.peerDown(p);
  }

  heal(): void {
    if (this.mesh === null && !this.closed && this.events) this.connect();
  }

  close(): void {
    if (this.closed) return;
    this.cut();
    this.closed = true;
    this.events = null;
  }

  private connect(): void {
    const mesh = this.makeMesh();
    this.mesh = mesh;
    const current = (): boolean => this.mesh === mesh;
    mesh.transport.start({
      message: (from, m) => {
        if (current()) this.events?.message(from, m);
      },
      peerUp: (p) => {
        if (!current()) return;
        this.up.add(p);
        this.events?.peerUp(p);
      },
      peerDown: (p) => {
        if (!current()) return;
        this.up.delete(p);
        this.events?.peerDown(p);
      },
    });
  }
}
