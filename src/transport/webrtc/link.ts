/**
 * One WebRTC link to one peer (one simple-peer instance, one attempt): authentication, batching,
 * chunking and backpressure. A link never comes back: when it fails it reports onClosed once and
 * the transport makes a new one (a new FIFO stream).
 */
import SimplePeer from 'simple-peer';
import { computeProof, newNonce, verifyProof } from './auth.js';
import { MAX_FRAME_BYTES, Reassembler, chunkFrame, controlChunk, decodeBatch, decodeMessage, encodeBatch } from './framing.js';

export interface LinkOptions {
  self: string;
  remote: string;
  room: string;
  meshKey: Promise<Uint8Array<ArrayBuffer>>;
  initiator: boolean;
  wrtc?: unknown;
  config?: RTCConfiguration;
  /** Above this many bytes in the channel's buffer we stop sending and wait for `bufferedamountlow`. */
  highWaterBytes: number;
  lowWaterBytes: number;
  /** Queued (not yet handed to the channel) bytes above this drop the link. */
  maxQueueBytes: number;
  /** Connected and authenticated within this, or the link is dropped. */
  upTimeoutMs: number;
  signal(data: unknown): void;
  onUp(): void;
  onMessage(message: unknown): void;
  onClosed(reason: string): void;
}

type DataChannelLike = {
  bufferedAmount: number;
  bufferedAmountLowThreshold: number;
  addEventListener?(type: string, fn: () => void): void;
};

const MAX_INBOX = 4096;

export class PeerLink {
  private readonly peer: SimplePeer.Instance;
  private state: 'connecting' | 'authenticating' | 'up' | 'closed' = 'connecting';
  private readonly reassembler = new Reassembler();
  private readonly myNonce = newNonce();
  private gotHello = false;
  private sentProof = false;
  private peerProven = false;
  private busy = false;
  private inbox: Uint8Array[] = [];
  private pending: Uint8Array[] = [];
  private chunks: Uint8Array[] = [];
  private queuedBytes = 0;
  private flushScheduled = false;
  private upTimer: ReturnType<typeof setTimeout> | undefined;
  private pollTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly o: LinkOptions) {
    const peerOptions: SimplePeer.Options = { initiator: o.initiator, trickle: true };
    if (o.wrtc !== undefined) peerOptions.wrtc = o.wrtc as SimplePeer.Options['wrtc'];
    if (o.config !== undefined) peerOptions.config = o.config;
    this.peer = new SimplePeer(peerOptions);
    this.peer.on('signal', (data: unknown) => {
      if (this.state !== 'closed') o.signal(data);
    });
    this.peer.on('connect', () => this.onConnect());
    this.peer.on('data', (chunk: Uint8Array) => this.onChunk(chunk));
    this.peer.on('close', () => this.fail('channel closed'));
    this.peer.on('error', (err: Error) => this.fail(`channel error: ${err.message}`));
    this.upTimer = setTimeout(() => this.fail(`not connected and authenticated within ${o.upTimeoutMs} ms`), o.upTimeoutMs);
  }

  get isUp(): boolean {
    return this.state === 'up';
  }

  /** Feed an offer / answer / candidate relayed from the remote. */
  signal(data: unknown): void {
    if (this.state === 'closed') return;
    try {
      this.peer.signal(data as SimplePeer.SignalData);
    } catch (err) {
      this.fail(`bad signal: ${(err as Error).message}`);
    }
  }

  /** Queue one encoded message; flushed with everything else queued this turn as one batch. */
  enqueue(bytes: Uint8Array): void {
    if (this.state !== 'up') return;
    this.pending.push(bytes);
    this.queuedBytes += bytes.length;
    if (this.queuedBytes > this.o.maxQueueBytes) {
      this.fail(`send queue over ${this.o.maxQueueBytes} bytes (peer not reading)`);
      return;
    }
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      queueMicrotask(() => this.flush());
    }
  }

  /** Tear down without reporting (the transport is closing or replacing us). */
  destroy(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.cleanup();
  }

  private fail(reason: string): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.cleanup();
    this.o.onClosed(reason);
  }

  private cleanup(): void {
    clearTimeout(this.upTimer);
    clearTimeout(this.pollTimer);
    this.pending = [];
    this.chunks = [];
    this.inbox = [];
    this.queuedBytes = 0;
    try {
      this.peer.destroy();
    } catch {
      // already gone
    }
  }

  private channel(): DataChannelLike | undefined {
    return (this.peer as unknown as { _channel?: DataChannelLike })._channel;
  }

  private onConnect(): void {
    if (this.state !== 'connecting') return;
    this.state = 'authenticating';
    const ch = this.channel();
    if (ch !== undefined) {
      ch.bufferedAmountLowThreshold = this.o.lowWaterBytes;
      ch.addEventListener?.('bufferedamountlow', () => this.pump());
    }
    this.sendRaw(controlChunk({ t: 'hello', n: this.myNonce }));
  }

  private sendRaw(chunk: Uint8Array): void {
    try {
      this.peer.send(chunk);
    } catch (err) {
      this.fail(`send failed: ${(err as Error).message}`);
    }
  }

  private onChunk(chunk: Uint8Array): void {
    if (this.state === 'closed') return;
    if (this.busy) {
      if (this.inbox.length >= MAX_INBOX) this.fail('too many frames before authentication');
      else this.inbox.push(chunk);
      return;
    }
    this.process(chunk);
  }

  private process(chunk: Uint8Array): void {
    let received;
    try {
      received = this.reassembler.push(chunk);
    } catch (err) {
      this.fail(`framing: ${(err as Error).message}`);
      return;
    }
    if (received === undefined) return;
    if (received.kind === 'control') {
      // The remote's hello can arrive before our own 'connect' event: the channel is open, so start now.
      if (this.state === 'connecting') this.onConnect();
      this.busy = true;
      this.control(received.value).then(
        () => this.drainInbox(),
        (err: unknown) => this.fail(`authentication: ${(err as Error).message}`),
      );
      return;
    }
    if (this.state !== 'up') {
      this.fail('data before authentication');
      return;
    }
    let messages: unknown[];
    try {
      messages = decodeBatch(received.frame).map(decodeMessage);
    } catch (err) {
      this.fail(`undecodable batch: ${(err as Error).message}`);
      return;
    }
    for (const m of messages) {
      if (this.state !== 'up') return;
      this.o.onMessage(m);
    }
  }

  private drainInbox(): void {
    this.busy = false;
    while (this.inbox.length > 0 && !this.busy && this.state !== 'closed') this.process(this.inbox.shift()!);
  }

  private async control(value: unknown): Promise<void> {
    if (this.state !== 'authenticating') throw new Error('control frame outside authentication');
    const m = value as { t?: unknown; n?: unknown; p?: unknown };
    const key = await this.o.meshKey;
    if (m?.t === 'hello' && m.n instanceof Uint8Array && m.n.length === 32 && !this.gotHello) {
      this.gotHello = true;
      const proof = await computeProof(key, this.o.room, this.o.self, this.o.remote, m.n);
      if (this.state !== 'authenticating') return;
      this.sendRaw(controlChunk({ t: 'proof', p: proof }));
      this.sentProof = true;
    } else if (m?.t === 'proof' && m.p instanceof Uint8Array && !this.peerProven) {
      const ok = await verifyProof(key, this.o.room, this.o.remote, this.o.self, this.myNonce, m.p);
      if (!ok) throw new Error('peer failed to prove the room secret');
      this.peerProven = true;
    } else {
      throw new Error('unexpected control frame');
    }
    if (this.sentProof && this.peerProven && this.state === 'authenticating') {
      this.state = 'up';
      clearTimeout(this.upTimer);
      this.o.onUp();
    }
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.state !== 'up') return;
    let batch: Uint8Array[] = [];
    let size = 0;
    const emit = (): void => {
      if (batch.length === 0) return;
      for (const c of chunkFrame(encodeBatch(batch))) this.chunks.push(c);
      batch = [];
      size = 0;
    };
    for (const m of this.pending) {
      if (size + 4 + m.length > MAX_FRAME_BYTES) emit();
      batch.push(m);
      size += 4 + m.length;
    }
    emit();
    this.pending = [];
    this.pump();
  }

  /** Hand chunks to the channel while its buffer is under the high-water mark. */
  private pump(): void {
    if (this.state !== 'up') return;
    const ch = this.channel();
    while (this.chunks.length > 0) {
      if (ch !== undefined && ch.bufferedAmount > this.o.highWaterBytes) break;
      const c = this.chunks.shift()!;
      this.queuedBytes -= c.length - 1;
      this.sendRaw(c);
      if (this.state !== 'up') return;
    }
    if (this.chunks.length === 0) this.queuedBytes = this.pending.reduce((n, m) => n + m.length, 0);
    clearTimeout(this.pollTimer);
    // `bufferedamountlow` is the wake-up; a slow poll covers bindings that do not fire it.
    if (this.chunks.length > 0) this.pollTimer = setTimeout(() => this.pump(), 50);
  }
}
