/**
 * The WebRTC full-mesh transport (simple-peer; `@roamhq/wrtc` in Node, native in browsers).
 *
 *   new WebRtcTransport({ self: 1, members: [1, 2, 3], room, secret,
 *                         signalling: { url, WebSocket }, wrtc })   // wrtc: omit in browsers
 *
 * For each pair the lower id initiates; offers, answers and candidates go through the signalling
 * server, tagged with a session id so signals of an old attempt never reach a new one. A link counts
 * as up (peerUp) only after both ends proved the room secret over the channel (see webrtc/auth.ts);
 * when its channel closes or errors we report peerDown and the initiator retries with backoff.
 * Messages are msgpack, coalesced per peer per turn, chunked to 16 KiB (webrtc/framing.ts), and
 * held back by the channel's bufferedAmount (webrtc/link.ts).
 */
import type { MemberId } from '../zab/messages.js';
import { SignallingClient, type WebSocketConstructor } from '../signalling/client.js';
import type { PeerEvents, PeerTransport } from './transport.js';
import { deriveMeshKey } from './webrtc/auth.js';
import { encodeMessage } from './webrtc/framing.js';
import { PeerLink } from './webrtc/link.js';

export { MessageTooLargeError, MAX_MESSAGE_BYTES } from './webrtc/framing.js';

/** What we need of a signalling client; `SignallingClient` fits. The transport calls `join()` and `close()`. */
export interface SignallingLike {
  join(): Promise<string[]>;
  signal(to: string, data: unknown): void;
  on(event: 'signal', fn: (from: string, data: unknown) => void): () => void;
  on(event: 'peer-joined' | 'peer-left', fn: (memberId: string) => void): () => void;
  close(): Promise<void>;
}

export interface WebRtcTransportOptions {
  self: MemberId;
  members: readonly MemberId[];
  room: string;
  secret: string;
  signalling: SignallingLike | { url: string; WebSocket?: WebSocketConstructor };
  /** The `@roamhq/wrtc` module in Node; omit in browsers. */
  wrtc?: unknown;
  config?: RTCConfiguration;
  initialBackoffMs?: number; // 200
  maxBackoffMs?: number; // 5000
  highWaterBytes?: number; // 1 MiB
  lowWaterBytes?: number; // 256 KiB
  maxQueueBytes?: number; // 8 MiB
  upTimeoutMs?: number; // 10 s
  log?: (line: string) => void;
}

interface Slot {
  link: PeerLink | undefined;
  session: string | undefined;
  up: boolean;
  attempt: number;
  retry: ReturnType<typeof setTimeout> | undefined;
}

function randomSession(): string {
  const b = new Uint8Array(8);
  globalThis.crypto.getRandomValues(b);
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

export class WebRtcTransport implements PeerTransport {
  readonly self: MemberId;
  private events: PeerEvents | null = null;
  private closed = false;
  private signalling: SignallingLike | undefined;
  private readonly ownsSignalling: boolean;
  private readonly unsubscribe: (() => void)[] = [];
  private readonly slots = new Map<MemberId, Slot>();
  private readonly present = new Set<MemberId>();
  private readonly meshKey: Promise<Uint8Array<ArrayBuffer>>;
  private joined = false;

  constructor(private readonly o: WebRtcTransportOptions) {
    this.self = o.self;
    for (const m of o.members) {
      if (m !== o.self) this.slots.set(m, { link: undefined, session: undefined, up: false, attempt: 0, retry: undefined });
    }
    this.meshKey = deriveMeshKey(o.secret, o.room);
    this.meshKey.catch(() => {});
    this.ownsSignalling = !('join' in o.signalling);
  }

  start(events: PeerEvents): void {
    if (this.events !== null || this.closed) throw new Error('WebRtcTransport.start() called twice');
    this.events = events;
    const s: SignallingLike =
      'join' in this.o.signalling
        ? this.o.signalling
        : new SignallingClient({
            url: this.o.signalling.url,
            room: this.o.room,
            memberId: String(this.self),
            secret: this.o.secret,
            ...(this.o.signalling.WebSocket ? { WebSocket: this.o.signalling.WebSocket } : {}),
          });
    this.signalling = s;
    this.unsubscribe.push(
      s.on('signal', (from, data) => this.onSignal(from, data)),
      s.on('peer-joined', (id) => {
        const m = this.member(id);
        if (m === undefined) return;
        this.present.add(m);
        const slot = this.slots.get(m)!;
        slot.attempt = 0;
        // A member (re)joining signalling is a fresh process: whatever link we had to it is stale.
        if (this.initiates(m)) this.connect(m);
      }),
      s.on('peer-left', (id) => {
        const m = this.member(id);
        if (m !== undefined) this.present.delete(m);
      }),
    );
    s.join().then(
      (others) => {
        if (this.closed) return;
        this.joined = true;
        for (const id of others) {
          const m = this.member(id);
          if (m === undefined) continue;
          this.present.add(m);
          if (this.initiates(m)) this.connect(m);
        }
      },
      (err: unknown) => this.log(`signalling join failed: ${(err as Error).message}`),
    );
  }

  send(to: MemberId, message: unknown): void {
    const bytes = encodeMessage(message); // throws MessageTooLargeError: refused, never sent
    const link = this.slots.get(to)?.link;
    if (link?.isUp) link.enqueue(bytes);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const slot of this.slots.values()) {
      clearTimeout(slot.retry);
      slot.link?.destroy();
      slot.link = undefined;
      slot.up = false;
    }
    for (const off of this.unsubscribe) off();
    if (this.ownsSignalling) this.signalling?.close().catch(() => {});
    this.events = null;
  }

  /** Members currently up, for status lines and tests. */
  upPeers(): MemberId[] {
    return [...this.slots].filter(([, s]) => s.up).map(([m]) => m);
  }

  private log(line: string): void {
    this.o.log?.(`[webrtc ${this.self}] ${line}`);
  }

  private member(id: string): MemberId | undefined {
    const m = Number(id);
    return String(m) === id && this.slots.has(m) ? m : undefined;
  }

  private initiates(remote: MemberId): boolean {
    return this.self < remote;
  }

  private sendSignal(remote: MemberId, session: string, data: unknown): void {
    try {
      this.signalling?.signal(String(remote), { s: session, d: data });
    } catch (err) {
      this.log(`signal to ${remote} failed: ${(err as Error).message}`);
    }
  }

  private drop(remote: MemberId, slot: Slot): void {
    slot.link?.destroy();
    slot.link = undefined;
    slot.session = undefined;
    if (slot.up) {
      slot.up = false;
      this.events?.peerDown(remote);
    }
  }

  private newLink(remote: MemberId, slot: Slot, session: string, initiator: boolean): PeerLink {
    this.drop(remote, slot);
    slot.session = session;
    const link: PeerLink = new PeerLink({
      self: String(this.self),
      remote: String(remote),
      room: this.o.room,
      meshKey: this.meshKey,
      initiator,
      wrtc: this.o.wrtc,
      ...(this.o.config ? { config: this.o.config } : {}),
      highWaterBytes: this.o.highWaterBytes ?? 1 << 20,
      lowWaterBytes: this.o.lowWaterBytes ?? 256 << 10,
      maxQueueBytes: this.o.maxQueueBytes ?? 8 << 20,
      upTimeoutMs: this.o.upTimeoutMs ?? 10_000,
      signal: (data) => this.sendSignal(remote, session, data),
      onUp: () => {
        if (slot.link !== link || this.closed) return;
        slot.up = true;
        slot.attempt = 0;
        this.log(`link to ${remote} up`);
        this.events?.peerUp(remote);
      },
      onMessage: (m) => {
        if (slot.link === link && slot.up) this.events?.message(remote, m);
      },
      onClosed: (reason) => {
        if (slot.link !== link || this.closed) return;
        this.log(`link to ${remote} closed: ${reason}`);
        this.drop(remote, slot);
        if (initiator) this.scheduleRetry(remote, slot);
      },
    });
    slot.link = link;
    return link;
  }

  private connect(remote: MemberId): void {
    if (this.closed || !this.joined && !this.present.has(remote)) return;
    const slot = this.slots.get(remote)!;
    clearTimeout(slot.retry);
    slot.retry = undefined;
    this.newLink(remote, slot, randomSession(), true);
  }

  private scheduleRetry(remote: MemberId, slot: Slot): void {
    clearTimeout(slot.retry);
    const delay = Math.min(this.o.maxBackoffMs ?? 5000, (this.o.initialBackoffMs ?? 200) * 2 ** slot.attempt);
    slot.attempt = Math.min(slot.attempt + 1, 30);
    slot.retry = setTimeout(() => {
      slot.retry = undefined;
      // Absent from signalling: wait for its peer-joined instead of offering into the void.
      if (this.present.has(remote)) this.connect(remote);
    }, delay);
  }

  private onSignal(from: string, raw: unknown): void {
    if (this.closed) return;
    const remote = this.member(from);
    if (remote === undefined) return;
    const env = raw as { s?: unknown; d?: unknown } | null;
    if (typeof env !== 'object' || env === null || typeof env.s !== 'string' || typeof env.d !== 'object' || env.d === null) return;
    const slot = this.slots.get(remote)!;
    if (this.initiates(remote)) {
      if (slot.link !== undefined && slot.session === env.s) slot.link.signal(env.d);
      return;
    }
    if (slot.session !== env.s) {
      if ((env.d as { type?: unknown }).type !== 'offer') return; // a stale attempt's candidate
      this.newLink(remote, slot, env.s, false);
    }
    slot.link?.signal(env.d);
  }
}
