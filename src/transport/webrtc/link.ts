/**
 * One WebRTC link to one peer (one simple-peer instance, one attempt): authentication, batching,
 * chunking, backpressure and keepalive. A link never comes back: when it fails it reports onClosed
 * once and the transport makes a new one (a new FIFO stream).
 *
 * Keepalive: once up, every idleTimeoutMs/3 a link that has sent nothing lately sends a tiny
 * transport-level ping (so a peer that only receives is still heard by its sender, whose own pings may
 * wait behind its send buffer); one that has received nothing for that long asks for a pong (which
 * every link answers, whatever its own settings); one that has received nothing at all (data,
 * control, transport) for idleTimeoutMs fails. That notices a peer killed with -9 in seconds, long
 * before ICE does.
 */
import SimplePeer from '#simple-peer';
import { selectedCandidatePath, type CandidatePath } from './candidate-path.js';
import { computeProof, newNonce, verifyProof } from './auth.js';
import { MAX_FRAME_BYTES, Reassembler, chunkFrame, controlChunk, decodeBatch, decodeMessage, encodeBatch, transportChunk } from './framing.js';
import { PEER_WIRE_VERSION } from './record-shapes.js';

export interface LinkOptions {
  self: string;
  remote: string;
  room: string;
  meshKey: Promise<Uint8Array<ArrayBuffer>>;
  initiator: boolean;
  /** What our hello states (record-shapes.ts); only tests of mixed versions set it. */
  wireVersion?: number;
  wrtc?: unknown;
  config?: RTCConfiguration;
  /** Above this many bytes in the channel's buffer we stop sending and wait for `bufferedamountlow`. */
  highWaterBytes: number;
  lowWaterBytes: number;
  /** Queued (not yet handed to the channel) bytes above this drop the link. */
  maxQueueBytes: number;
  /** Connected and authenticated within this, or the link is dropped. */
  upTimeoutMs: number;
  /** Up and nothing received for this long: the link fails. 0 turns keepalive off. */
  idleTimeoutMs: number;
  signal(data: unknown): void;
  onUp(): void;
  onMessage(message: unknown): void;
  /** A transport frame other than the link's own ping/pong (relayed signalling, link lists). */
  onTransport(value: unknown): void;
  onClosed(reason: string): void;
  /** Everything queued has been handed to the channel: whoever paces its sends by `queued` may send more. */
  onDrained?(): void;
}

type DataChannelLike = {
  bufferedAmount: number;
  bufferedAmountLowThreshold: number;
  addEventListener?(type: string, fn: () => void): void;
};

const MAX_INBOX = 4096;

/**
 * When queued messages go out. A link that has sent nothing for IDLE_FLUSH_MS flushes as soon as
 * the code that queued them returns (a microtask): a lone request is latency-bound, and waiting for
 * the end of the event-loop turn cost ~0.1 ms per hop. A busy link flushes after every I/O callback
 * of this turn has run (setImmediate in Node): the ACKs and PROPOSALs that a burst of incoming
 * messages produces leave as one channel send instead of one each (a send blocks the main thread
 * of @roamhq/wrtc's Node binding ~66 µs plus ~6 µs per KiB when idle, several times that on a busy
 * machine). Browsers have no setImmediate: there, a microtask.
 */
const IDLE_FLUSH_MS = 1;
/**
 * Most main-thread time one pump spends handing chunks to the channel before it yields to the rest
 * of the event loop (timers, the other links, incoming data) and goes on in the next turn. A send
 * into @roamhq/wrtc blocks until the binding's network thread takes it; on a busy machine that is
 * milliseconds per chunk, and a megabyte of chunks in one go stalled a leader for over half a
 * second: long enough for its other followers to think it dead.
 */
const PUMP_SLICE_MS = 4;
const flushAtEndOfTurn: (fn: () => void) => void =
  typeof (globalThis as { setImmediate?: unknown }).setImmediate === 'function'
    ? (fn) => void (globalThis as unknown as { setImmediate: (f: () => void) => unknown }).setImmediate(fn)
    : queueMicrotask;

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
  private keepaliveTimer: ReturnType<typeof setInterval> | undefined;
  private probeTimer: ReturnType<typeof setTimeout> | undefined;
  private probeDeadlineMs = 0;
  private lastReceivedMs = 0;
  /** Chunks received so far: a probe is answered by one that comes after it, not in the same ms. */
  private receivedChunks = 0;
  private lastSentMs = 0;
  /** At least the channel's bufferedAmount (see pump). */
  private bufferedBound = 0;
  private lastFlushMs = -Infinity;
  private pumpScheduled = false;
  /**
   * TEST ONLY (a simulated network partition, see `setCut`): while set, every chunk in either
   * direction waits here instead of crossing; null when not cut.
   */
  private held: { out: Uint8Array[]; in: Uint8Array[]; bytes: number } | null = null;

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

  /** The selected candidate pair (candidate-path.ts); undefined if the stats do not say (or the link is gone). */
  candidatePath(): Promise<CandidatePath | undefined> {
    return new Promise((resolve) => {
      if (this.state === 'closed') return resolve(undefined);
      try {
        // simple-peer's getStats flattens the report into a list (and calls back with [] where it cannot).
        (this.peer as unknown as { getStats(cb: (err: Error | null, reports: Record<string, unknown>[]) => void): void }).getStats((err, reports) =>
          resolve(err ? undefined : selectedCandidatePath(reports)),
        );
      } catch {
        resolve(undefined);
      }
    });
  }

  get isUp(): boolean {
    return this.state === 'up';
  }

  /**
   * Bytes queued here and not yet handed to the channel, plus the channel's own buffer: what a
   * sender that paces itself (a sync stream to a learner) keeps below a window. Our bound of the
   * buffer is read again from the channel once the sum reaches highWaterBytes, so a window up to
   * highWaterBytes always sees a true value; at or above it, the link is sure to drain and say so
   * (`onDrained`), from `bufferedamountlow` or its poll.
   */
  get backlogBytes(): number {
    if (this.state === 'up' && this.queuedBytes + this.bufferedBound >= this.o.highWaterBytes) {
      this.bufferedBound = this.channel()?.bufferedAmount ?? 0;
    }
    return Math.max(0, this.queuedBytes) + this.bufferedBound;
  }

  /** Drop the link now, with a reason, as if it had failed (the peer sees its channel close). */
  close(reason: string): void {
    this.fail(reason);
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
      if (performance.now() - this.lastFlushMs >= IDLE_FLUSH_MS) queueMicrotask(() => this.flush());
      else flushAtEndOfTurn(() => this.flush());
    }
  }

  /** Send one transport frame now (not queued behind data). False if the link is not up or the frame does not fit. */
  sendTransport(value: unknown): boolean {
    if (this.state !== 'up') return false;
    let chunk: Uint8Array;
    try {
      chunk = transportChunk(value);
    } catch {
      return false;
    }
    this.sendRaw(chunk);
    return this.state === 'up';
  }

  /** Ask the remote to answer now; fail if nothing at all arrives within `timeoutMs` (a shorter probe replaces a longer one). */
  probe(timeoutMs: number): void {
    if (this.state !== 'up') return;
    const sentMs = Date.now();
    if (this.probeTimer !== undefined && this.probeDeadlineMs <= sentMs + timeoutMs) return;
    clearTimeout(this.probeTimer);
    this.probeDeadlineMs = sentMs + timeoutMs;
    const receivedBefore = this.receivedChunks;
    this.sendRaw(transportChunk({ t: 'ping', r: 1 }));
    if (this.state !== 'up') return;
    let looked = false;
    const check = (): void => {
      this.probeTimer = undefined;
      // Counted, not timed: the last chunk a killed peer sent can be read in the same millisecond
      // as the news that it left, and must not pass for an answer.
      if (this.receivedChunks > receivedBefore || this.state !== 'up') return;
      // Fired late: our own process stalled, and timers run before the I/O that queued meanwhile.
      // Look once more after that I/O has been read, instead of blaming the remote.
      if (!looked && Date.now() - sentMs > 2 * timeoutMs) {
        looked = true;
        this.probeTimer = setTimeout(check, timeoutMs);
      } else {
        this.fail(`no answer to a probe within ${timeoutMs} ms`);
      }
    };
    this.probeTimer = setTimeout(check, timeoutMs);
  }

  /**
   * TEST ONLY: cut (or heal) this link as a network partition would. Nothing crosses while cut —
   * data, our own pings, pongs and probes, relayed signalling — so the remote sees a silent peer, not
   * a closed one, and the channel stays open. What was sent meanwhile crosses after the heal, in
   * order: a data channel is reliable and ordered (SCTP retransmits), so a partition delays messages
   * and never leaves a gap in a live link. Held bytes above maxQueueBytes fail the link, as an
   * association gives up; a cut longer than idleTimeoutMs fails it by our own keepalive.
   */
  setCut(cut: boolean): void {
    if (cut) {
      this.held ??= { out: [], in: [], bytes: 0 };
      return;
    }
    const held = this.held;
    this.held = null;
    if (held === null || this.state === 'closed') return;
    // sendRaw and onChunk do nothing once a chunk has failed the link.
    for (const chunk of held.out) this.sendRaw(chunk);
    for (const chunk of held.in) this.onChunk(chunk);
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
    clearInterval(this.keepaliveTimer);
    clearTimeout(this.probeTimer);
    this.pending = [];
    this.chunks = [];
    this.inbox = [];
    this.queuedBytes = 0;
    if (this.held !== null) this.held = { out: [], in: [], bytes: 0 };
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
      ch.addEventListener?.('bufferedamountlow', () => this.pump(true));
    }
    this.sendRaw(controlChunk({ t: 'hello', n: this.myNonce, v: this.wireVersion }));
  }

  private sendRaw(chunk: Uint8Array): void {
    if (this.held !== null) return this.hold(this.held.out, chunk);
    this.lastSentMs = Date.now();
    this.bufferedBound += chunk.length;
    try {
      this.peer.send(chunk);
    } catch (err) {
      this.fail(`send failed: ${(err as Error).message}`);
    }
  }

  private onChunk(chunk: Uint8Array): void {
    if (this.state === 'closed') return;
    if (this.held !== null) return this.hold(this.held.in, chunk);
    this.lastReceivedMs = Date.now();
    this.receivedChunks++;
    if (this.busy) {
      if (this.inbox.length >= MAX_INBOX) this.fail('too many frames before authentication');
      else this.inbox.push(chunk);
      return;
    }
    this.process(chunk);
  }

  /** Keeps a chunk back while cut. */
  private hold(queue: Uint8Array[], chunk: Uint8Array): void {
    const held = this.held!;
    held.bytes += chunk.length;
    if (held.bytes > this.o.maxQueueBytes) this.fail(`over ${this.o.maxQueueBytes} bytes held back by a partition`);
    else queue.push(chunk);
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
      const incompatible = this.versionProblem(received.value);
      if (incompatible !== null) {
        this.fail(incompatible);
        return;
      }
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
      this.fail(`${received.kind} frame before authentication`);
      return;
    }
    if (received.kind === 'transport') {
      this.transport(received.value);
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

  private get wireVersion(): number {
    return this.o.wireVersion ?? PEER_WIRE_VERSION;
  }

  private versionProblem(value: unknown): string | null {
    return wireVersionProblem(value, this.wireVersion, this.o.remote);
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
      this.startKeepalive();
      this.o.onUp();
    }
  }

  private transport(value: unknown): void {
    const t = (value as { t?: unknown } | null)?.t;
    if (t === 'ping') {
      if ((value as { r?: unknown }).r === 1) this.sendRaw(transportChunk({ t: 'pong' }));
      return;
    }
    if (t === 'pong') return; // its arrival is all that counts
    this.o.onTransport(value);
  }

  private startKeepalive(): void {
    const idleMs = this.o.idleTimeoutMs;
    this.lastReceivedMs = Date.now();
    if (!(idleMs > 0)) return;
    const periodMs = Math.max(1, Math.floor(idleMs / 3));
    let lastTickMs = Date.now();
    this.keepaliveTimer = setInterval(() => {
      if (this.state !== 'up') return;
      const now = Date.now();
      // A late tick means our own process stalled (timers run before the I/O that queued meanwhile):
      // give the remote one more period to be heard instead of blaming it.
      const stalled = now - lastTickMs > 2 * periodMs;
      lastTickMs = now;
      if (!stalled && now - this.lastReceivedMs >= idleMs) {
        this.fail(`nothing received for ${now - this.lastReceivedMs} ms (idle timeout ${idleMs} ms)`);
        return;
      }
      const heard = now - this.lastReceivedMs < periodMs;
      if (!heard) this.sendRaw(transportChunk({ t: 'ping', r: 1 }));
      else if (now - this.lastSentMs >= periodMs / 2) this.sendRaw(transportChunk({ t: 'ping' }));
    }, periodMs);
  }

  private flush(): void {
    this.flushScheduled = false;
    this.lastFlushMs = performance.now();
    if (this.state !== 'up') return;
    // Consecutive messages, as many as fit one frame, go out as one batch (a per-flush closure
    // here cost a keepNames helper call per flush under tsx).
    const pending = this.pending;
    this.pending = [];
    let start = 0;
    let size = 0;
    for (let i = 0; i < pending.length; i++) {
      const bytes = 4 + pending[i]!.length;
      if (i > start && size + bytes > MAX_FRAME_BYTES) {
        this.emitBatch(pending.slice(start, i));
        start = i;
        size = 0;
      }
      size += bytes;
    }
    if (start < pending.length) this.emitBatch(start === 0 ? pending : pending.slice(start));
    this.pump();
  }

  private emitBatch(messages: readonly Uint8Array[]): void {
    for (const c of chunkFrame(encodeBatch(messages))) this.chunks.push(c);
  }

  /**
   * Hand chunks to the channel while its buffer is under the high-water mark.
   *
   * Reading bufferedAmount crosses into the native binding (~55 µs of main thread in @roamhq/wrtc, as
   * much as half a send). The buffer only drains between our sends, so the last value read plus what
   * we sent since is an upper bound of it: the real value is read only when that bound reaches the
   * high-water mark, or when `bufferedamountlow` says it dropped.
   */
  private pump(fromLowEvent = false): void {
    if (this.state !== 'up') return;
    if (fromLowEvent || this.bufferedBound > this.o.highWaterBytes) this.bufferedBound = this.channel()?.bufferedAmount ?? 0;
    const deadline = performance.now() + PUMP_SLICE_MS;
    while (this.chunks.length > 0) {
      if (this.bufferedBound > this.o.highWaterBytes) break;
      if (performance.now() > deadline) {
        if (!this.pumpScheduled) {
          this.pumpScheduled = true;
          flushAtEndOfTurn(() => {
            this.pumpScheduled = false;
            this.pump();
          });
        }
        break;
      }
      const c = this.chunks.shift()!;
      this.queuedBytes -= c.length - 1;
      this.sendRaw(c);
      if (this.state !== 'up') return;
    }
    if (this.chunks.length === 0) this.queuedBytes = this.pending.reduce((n, m) => n + m.length, 0);
    clearTimeout(this.pollTimer);
    // `bufferedamountlow` is the wake-up; a slow poll covers bindings that do not fire it.
    if (this.chunks.length > 0) this.pollTimer = setTimeout(() => this.pump(true), 50);
    else if (this.pending.length === 0) this.o.onDrained?.();
  }
}

/**
 * A hello stating another wire version (none: version 1) ends the link before anything is read.
 * The hello comes before authentication, from anyone: the version is rendered without String(),
 * which throws on a decoded map with a `toString` key.
 */
export function wireVersionProblem(value: unknown, ours: number, remote: string): string | null {
  const m = value as { t?: unknown; v?: unknown } | null;
  if (typeof m !== 'object' || m === null || m.t !== 'hello') return null;
  const theirs = m.v === undefined ? 1 : m.v;
  if (theirs === ours) return null;
  const shown = typeof theirs === 'number' ? String(theirs) : `a ${typeof theirs}`;
  return `incompatible peer: member ${remote} speaks peer wire version ${shown}, this member ${ours} (members of one ensemble must run compatible peerkeeper versions)`;
}
