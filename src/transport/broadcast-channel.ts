/**
 * Signalling over BroadcastChannel: same-origin tabs (and, in Node ≥ 20, BroadcastChannels of one
 * process or its workers) find each other and exchange WebRTC offers, answers and candidates with no
 * server at all. A `SignallingLike`, so it is one more source for `WebRtcTransport`:
 *
 *   new WebRtcTransport({ …, signalling: [new BroadcastSignalling({ room, secret, memberId: '2' }), { url }] })
 *
 * Only the introduction goes over the channel. Zab's messages still travel over WebRTC data channels,
 * where both ends prove the room secret before anything is delivered, so tab↔tab links behave exactly
 * like tab↔Node links (FIFO per link, loss reported as peerDown, backpressure, keepalive, relay).
 * BroadcastChannel itself would make a poor transport: every post reaches every tab of the origin
 * (N tabs decode N−1 copies of each message meant for one), there is no link to lose, so a frozen or
 * crashed tab shows only as silence, and there is no backpressure.
 *
 * Presence: `hello` on join (everyone present answers `here`), a `beat` every `heartbeatMs`, `bye` on
 * close; a member not heard from for `timeoutMs` has left (a crashed tab sends no bye). A member id
 * heard with a new instance id is a reload: peer-left, then peer-joined, as the signalling server
 * reports a replaced connection. The channel is named by an HMAC of the room secret, so rooms with the
 * same name and different secrets never hear each other. Same-origin code is trusted anyway (it can
 * read this origin's IndexedDB); the mesh's own authentication is what keeps strangers out.
 */
import { Emitter } from '../signalling/emitter.js';

export interface BroadcastChannelLike {
  postMessage(message: unknown): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  close(): void;
}

export interface BroadcastSignallingOptions {
  readonly room: string;
  readonly secret: string;
  readonly memberId: string;
  /** How often we say we are here. Default 1000 ms. */
  readonly heartbeatMs?: number;
  /** Silent this long: gone. Default 3500 ms (a background tab's timers may run only once a second). */
  readonly timeoutMs?: number;
  /** Default: the global BroadcastChannel. */
  readonly BroadcastChannel?: new (name: string) => BroadcastChannelLike;
  readonly log?: (line: string) => void;
}

type Frame =
  | { readonly t: 'hello' | 'beat' | 'bye'; readonly from: string; readonly inst: string }
  | { readonly t: 'here'; readonly from: string; readonly inst: string; readonly to: string }
  | { readonly t: 'signal'; readonly from: string; readonly inst: string; readonly to: string; readonly toInst?: string; readonly data: unknown };

type Events = {
  peers: [members: string[]];
  'peer-joined': [memberId: string];
  'peer-left': [memberId: string];
  signal: [from: string, data: unknown];
  close: [];
};

const CHANNEL_LABEL = 'peerkeeper/broadcast-channel/v1\0';
const MAX_ID_CHARS = 64;

/** `peerkeeper/<32 hex of HMAC-SHA256(secret, label + room)>`. */
export async function channelName(room: string, secret: string): Promise<string> {
  const enc = new TextEncoder();
  const subtle = globalThis.crypto?.subtle;
  if (subtle === undefined) throw new Error('Web Crypto (crypto.subtle) is unavailable: browsers only expose it on secure origins');
  const key = await subtle.importKey('raw', enc.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const mac = new Uint8Array(await subtle.sign('HMAC', key, enc.encode(CHANNEL_LABEL + room)));
  return `peerkeeper/${Array.from(mac.subarray(0, 16), (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

function randomInstance(): string {
  const b = new Uint8Array(8);
  globalThis.crypto.getRandomValues(b);
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

function parseFrame(v: unknown): Frame | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const f = v as { [k: string]: unknown };
  const id = (x: unknown): boolean => typeof x === 'string' && x.length > 0 && x.length <= MAX_ID_CHARS;
  if (!id(f.from) || !id(f.inst)) return undefined;
  switch (f.t) {
    case 'hello':
    case 'beat':
    case 'bye':
      return f as Frame;
    case 'here':
      return id(f.to) ? (f as Frame) : undefined;
    case 'signal':
      return id(f.to) && (f.toInst === undefined || id(f.toInst)) && 'data' in f ? (f as Frame) : undefined;
    default:
      return undefined;
  }
}

export class BroadcastSignalling extends Emitter<Events> {
  /** This page's instance: tells a reloaded tab from the one before it. */
  readonly instance = randomInstance();
  private channel: BroadcastChannelLike | undefined;
  private readonly present = new Map<string, { inst: string; heardMs: number }>();
  private timer: ReturnType<typeof setInterval> | undefined;
  private state: 'new' | 'joining' | 'joined' | 'closed' = 'new';

  constructor(private readonly o: BroadcastSignallingOptions) {
    super();
  }

  /** Who is present now (not us). */
  members(): string[] {
    return [...this.present.keys()];
  }

  async join(): Promise<string[]> {
    if (this.state !== 'new') throw new Error('join() was already called');
    this.state = 'joining';
    const name = await channelName(this.o.room, this.o.secret);
    const Ctor = this.o.BroadcastChannel ?? (globalThis as { BroadcastChannel?: new (name: string) => BroadcastChannelLike }).BroadcastChannel;
    if (Ctor === undefined) throw new Error('BroadcastChannel is not available here');
    if (this.state !== 'joining') throw new Error('closed while joining');
    const channel = new Ctor(name);
    this.channel = channel;
    channel.addEventListener('message', (event) => this.onFrame(event.data));
    this.state = 'joined';
    this.post({ t: 'hello', from: this.o.memberId, inst: this.instance });
    const heartbeatMs = this.o.heartbeatMs ?? 1000;
    this.timer = setInterval(() => this.beat(), heartbeatMs);
    (this.timer as { unref?: () => void }).unref?.();
    // Nobody can answer synchronously: we start alone and learn the others from their `here`.
    this.emit('peers', []);
    return [];
  }

  signal(to: string, data: unknown): void {
    if (this.state !== 'joined') throw new Error('signal() before join() resolved');
    const toInst = this.present.get(to)?.inst;
    this.post({ t: 'signal', from: this.o.memberId, inst: this.instance, to, ...(toInst ? { toInst } : {}), data });
  }

  async close(): Promise<void> {
    if (this.state === 'closed') return;
    const wasJoined = this.state === 'joined';
    this.state = 'closed';
    clearInterval(this.timer);
    if (this.channel) {
      this.channel.postMessage({ t: 'bye', from: this.o.memberId, inst: this.instance });
      this.channel.close();
      this.channel = undefined;
    }
    this.present.clear();
    if (wasJoined) this.emit('close');
  }

  private post(frame: Frame): void {
    if (this.state === 'joined') this.channel?.postMessage(frame);
  }

  private beat(): void {
    this.post({ t: 'beat', from: this.o.memberId, inst: this.instance });
    const deadline = Date.now() - (this.o.timeoutMs ?? 3500);
    for (const [id, p] of this.present) {
      if (p.heardMs >= deadline) continue;
      this.present.delete(id);
      this.o.log?.(`[broadcast ${this.o.memberId}] ${id} went silent`);
      this.emit('peer-left', id);
    }
  }

  private onFrame(raw: unknown): void {
    if (this.state !== 'joined') return;
    const f = parseFrame(raw);
    if (f === undefined || f.from === this.o.memberId) return; // our own id in another tab: the id lock's business
    const now = Date.now();
    let known = this.present.get(f.from);
    if (f.t === 'bye') {
      if (known?.inst === f.inst) {
        this.present.delete(f.from);
        this.emit('peer-left', f.from);
      }
      return;
    }
    if (known && known.inst !== f.inst) {
      // A reloaded tab says hello first; anything else from another instance while the one we know
      // is alive is the old one's last words.
      if (f.t !== 'hello' && now - known.heardMs < 2 * (this.o.heartbeatMs ?? 1000)) return;
      this.present.delete(f.from);
      this.emit('peer-left', f.from);
      known = undefined;
    }
    if (known) known.heardMs = now;
    else {
      this.present.set(f.from, { inst: f.inst, heardMs: now });
      this.emit('peer-joined', f.from);
    }
    if (f.t === 'hello') this.post({ t: 'here', from: this.o.memberId, inst: this.instance, to: f.from });
    if (f.t === 'signal' && f.to === this.o.memberId && (f.toInst === undefined || f.toInst === this.instance)) this.emit('signal', f.from, f.data);
  }
}
