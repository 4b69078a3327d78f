import type { ConnectionHandlers, MemberConnection } from '../protocol/client.js';
import type { ZabStorage } from '../storage/storage.js';
import type { PeerTransport } from '../transport/transport.js';
import type { SequencedWrite } from '../zab/persistence.js';
import { validatePeerMessage } from '../codec/peer-messages.js';
import type { MemberId } from '../zab/messages.js';
import { ServerMember, type ServerConfig, type ServerReady } from './member.js';

export interface RunnerOptions {
  readonly config: ServerConfig;
  readonly storage: ZabStorage;
  readonly transport: PeerTransport;
  /** Wall clock in ms; injectable for tests. */
  readonly now?: () => number;
  /** Called with every drained output, for logs, metrics and the demo. */
  readonly observe?: (ready: ServerReady) => void;
  /** A peer message that failed validation and was dropped (it never reaches the member). */
  readonly onInvalidPeerMessage?: (from: MemberId, error: string) => void;
  /**
   * Storage failed: the member has stopped, because acknowledging anything more could lie about
   * durability (ZooKeeper exits on a failed log write for the same reason). Default: rethrow.
   */
  readonly onFatal?: (error: Error) => void;
}

/**
 * Runs one ServerMember for real: ticks it on a timer, carries its messages over a transport, makes
 * its writes durable through storage one batch at a time (writes queued meanwhile go in the next
 * batch: group commit), and serves client connections in the same process. The member itself stays
 * a pure state machine; everything here is I/O and time.
 */
export class MemberRunner {
  readonly member: ServerMember;
  private timer: ReturnType<typeof setInterval> | null = null;
  private queuedWrites: SequencedWrite[] = [];
  private writing = false;
  private stopped = false;
  private readonly clients = new Map<number, ConnectionHandlers>();
  private nextConnection = 1;
  private readonly now: () => number;

  private constructor(
    private readonly options: RunnerOptions,
    member: ServerMember,
  ) {
    this.member = member;
    this.now = options.now ?? (() => Date.now());
  }

  static async start(options: RunnerOptions): Promise<MemberRunner> {
    const durable = await options.storage.load();
    const runner = new MemberRunner(options, new ServerMember(options.config, durable));
    options.transport.start({
      message: (from, message) => {
        // The edge of trust: only well-formed messages reach the member, whoever sent them.
        const valid = validatePeerMessage(message);
        if (valid.ok) runner.input(() => runner.member.fromPeer(from, valid.message));
        else options.onInvalidPeerMessage?.(from, valid.error);
      },
      peerUp: (peer) => runner.input(() => runner.member.peerConnected(peer)),
      peerDown: (peer) => runner.input(() => runner.member.peerDisconnected(peer)),
    });
    runner.timer = setInterval(() => runner.input(() => runner.member.tick(runner.now())), options.config.tickMs);
    runner.input(() => runner.member.tick(runner.now()));
    return runner;
  }

  get id(): number {
    return this.member.id;
  }

  get running(): boolean {
    return !this.stopped;
  }

  /** A client connection inside this process (the in-memory connector uses it). */
  openClient(handlers: ConnectionHandlers): MemberConnection | null {
    if (this.stopped) return null;
    const id = this.nextConnection++;
    this.clients.set(id, handlers);
    this.input(() => this.member.clientConnected(id));
    let open = true;
    return {
      send: (message) => {
        // Asynchronous like a socket, so a client never re-enters the member from inside a callback.
        if (open) queueMicrotask(() => open && this.input(() => this.member.fromClient(id, message)));
      },
      close: () => {
        if (!open) return;
        open = false;
        this.clients.delete(id);
        this.input(() => this.member.clientDisconnected(id));
      },
    };
  }

  /** Stops like a crash (kill -9): nothing more is sent or written, clients see their connections drop. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.options.transport.close();
    for (const handlers of this.clients.values()) queueMicrotask(() => handlers.onClose('member stopped'));
    this.clients.clear();
    void this.options.storage.close();
  }

  private input(fn: () => void): void {
    if (this.stopped) return;
    fn();
    this.route(this.member.drain());
  }

  private route(ready: ServerReady): void {
    this.options.observe?.(ready);
    for (const p of ready.peer) this.options.transport.send(p.to, p.message);
    for (const c of ready.clients) {
      const handlers = this.clients.get(c.connection);
      if (handlers) queueMicrotask(() => handlers.onMessage(c.message));
    }
    for (const id of ready.close) {
      const handlers = this.clients.get(id);
      this.clients.delete(id);
      if (handlers) queueMicrotask(() => handlers.onClose('closed by the member'));
    }
    if (ready.writes.length) {
      this.queuedWrites.push(...ready.writes);
      void this.flushWrites();
    }
  }

  /** One storage write at a time, in order: what queues up meanwhile becomes the next batch. */
  private async flushWrites(): Promise<void> {
    if (this.writing) return;
    this.writing = true;
    try {
      while (this.queuedWrites.length && !this.stopped) {
        const batch = this.queuedWrites;
        this.queuedWrites = [];
        await this.options.storage.write(batch);
        const last = batch[batch.length - 1]!.seq;
        this.input(() => this.member.persisted(last));
      }
    } catch (err) {
      this.stop();
      const error = err instanceof Error ? err : new Error(String(err));
      if (this.options.onFatal) this.options.onFatal(error);
      else throw error;
    } finally {
      this.writing = false;
    }
  }
}
