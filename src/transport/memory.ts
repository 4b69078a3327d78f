import { Packr } from 'msgpackr';
import type { MemberId } from '../zab/messages.js';
import type { PeerEvents, PeerTransport } from './transport.js';

/**
 * Members in one process (tests, the in-tab demo, examples): messages are delivered asynchronously,
 * in order per link, and links can be cut and restored to play partitions.
 */
export interface MemoryHubOptions {
  /** Refuse (RangeError) messages above this many bytes encoded, as a real transport would; none by default. */
  readonly maxMessageBytes?: number;
}

const sizer = new Packr({ useRecords: false, moreTypes: false });

export class MemoryHub {
  readonly maxMessageBytes: number | undefined;
  constructor(options: MemoryHubOptions = {}) {
    this.maxMessageBytes = options.maxMessageBytes;
  }

  private readonly endpoints = new Map<MemberId, MemoryTransport>();
  private readonly cut = new Set<string>();
  private queue: { from: MemberId; to: MemberId; message: unknown }[] = [];
  private scheduled = false;

  endpoint(id: MemberId): MemoryTransport {
    const t = new MemoryTransport(this, id);
    this.endpoints.set(id, t);
    return t;
  }

  /** @internal */
  attached(t: MemoryTransport): void {
    for (const other of this.endpoints.values()) {
      if (other === t || !other.started) continue;
      if (this.linked(t.self, other.self)) {
        other.events?.peerUp(t.self);
        t.events?.peerUp(other.self);
      }
    }
  }

  /** @internal */
  detached(t: MemoryTransport): void {
    this.endpoints.delete(t.self);
    for (const other of this.endpoints.values()) if (other.started) other.events?.peerDown(t.self);
  }

  private linked(a: MemberId, b: MemberId): boolean {
    return !this.cut.has(a < b ? `${a}-${b}` : `${b}-${a}`);
  }

  /** Cuts (or restores) the link between two members; both ends see it go down (or up). */
  setLink(a: MemberId, b: MemberId, up: boolean): void {
    const key = a < b ? `${a}-${b}` : `${b}-${a}`;
    if (up === !this.cut.has(key)) return;
    if (up) this.cut.delete(key);
    else this.cut.add(key);
    const ea = this.endpoints.get(a);
    const eb = this.endpoints.get(b);
    if (!ea?.started || !eb?.started) return;
    if (up) {
      ea.events?.peerUp(b);
      eb.events?.peerUp(a);
    } else {
      ea.events?.peerDown(b);
      eb.events?.peerDown(a);
    }
  }

  /** @internal */
  send(from: MemberId, to: MemberId, message: unknown): void {
    if (this.maxMessageBytes !== undefined) {
      const size = sizer.pack(message).length;
      if (size > this.maxMessageBytes) throw new RangeError(`message of ${size} bytes is above the hub's ${this.maxMessageBytes}`);
    }
    if (!this.linked(from, to)) return;
    this.queue.push({ from, to, message });
    if (!this.scheduled) {
      this.scheduled = true;
      setTimeout(() => this.flush(), 0);
    }
  }

  private flush(): void {
    this.scheduled = false;
    const batch = this.queue;
    this.queue = [];
    for (const { from, to, message } of batch) {
      const target = this.endpoints.get(to);
      if (target?.started && this.linked(from, to)) target.events?.message(from, message);
    }
  }
}

export class MemoryTransport implements PeerTransport {
  events: PeerEvents | null = null;
  started = false;

  get maxMessageBytes(): number | undefined {
    return this.hub.maxMessageBytes;
  }

  constructor(
    private readonly hub: MemoryHub,
    readonly self: MemberId,
  ) {}

  start(events: PeerEvents): void {
    this.events = events;
    this.started = true;
    this.hub.attached(this);
  }

  send(to: MemberId, message: unknown): void {
    if (this.started) this.hub.send(this.self, to, message);
  }

  close(): void {
    if (!this.started) return;
    this.started = false;
    this.hub.detached(this);
    this.events = null;
  }
}
