import type { ConnectionHandlers, MemberConnection } from '../protocol/client.js';
import type { ZabStorage } from '../storage/storage.js';
import type { PeerTransport } from '../transport/transport.js';
import { realScheduler, type Scheduler } from '../time/scheduler.js';
import type { DurableState, SequencedWrite } from '../zab/persistence.js';
import { FragmentAssembler, isFragment } from '../codec/fragments.js';
import { validatePeerMessage } from '../codec/peer-messages.js';
import { storedImageProblem } from '../codec/stored-image.js';
import { StorageCorruptError } from '../storage/corrupt.js';
import type { MemberId } from '../zab/messages.js';
import { InvariantError } from '../zab/context.js';
import { compareZxid, type Zxid } from '../zab/zxid.js';
import { DigestRing, type DigestEntry } from './digest-ring.js';
import { ServerMember, type ServerConfig, type ServerReady } from './member.js';
import { MetricsCollector, type MetricsSnapshot } from './metrics.js';
import type { PeerMessage } from './messages.js';
import { DEFAULT_MAX_LAG_BYTES, DEFAULT_OUTBOX_WINDOW_BYTES, PeerOutbox } from './peer-outbox.js';
import type { PipelineTrace } from './pipeline-trace.js';

/** What `GET /digests` answers and `peerkeeper check` compares. */
export interface DigestReport {
  readonly member: MemberId;
  readonly appliedZxid: Zxid;
  readonly digest: string;
  readonly entries: DigestEntry[];
}

export interface RunnerOptions {
  readonly config: ServerConfig;
  readonly storage: ZabStorage;
  readonly transport: PeerTransport;
  /**
   * Time and timers (time/scheduler.ts): the real ones by default, virtual time in the simulator,
   * which hosts this same runner. `now` and `every` below override its clock and its ticks.
   */
  readonly scheduler?: Scheduler;
  /** Wall clock in ms; the scheduler's by default. */
  readonly now?: () => number;
  /** A monotonic clock in ms for metrics (latencies, fsync times); performance.now() by default. */
  readonly monotonicMs?: () => number;
  /** How many (zxid → digest) pairs to keep for consistency checks; 1000 by default. */
  readonly digestRingSize?: number;
  /**
   * Runs `fn` every `ms` until the returned function is called: the scheduler's by default. A browser
   * tab passes a Worker's timer, which the browser does not slow down while the tab is hidden.
   */
  readonly every?: (ms: number, fn: () => void) => () => void;
  /** Called with every drained output (and the member, already during `host`), for logs, metrics, the demo and the simulator's checkers. */
  readonly observe?: (ready: ServerReady, member: ServerMember) => void;
  /** A peer message that failed validation and was dropped (it never reaches the member). */
  readonly onInvalidPeerMessage?: (from: MemberId, error: string) => void;
  /**
   * The member has stopped: storage failed, because acknowledging anything more could lie about
   * durability (ZooKeeper exits on a failed log write for the same reason), or one of our own checks
   * failed while handling an input (see clientInput). The message says which. Default: rethrow.
   */
  readonly onFatal?: (error: Error) => void;
  /** A client connection dropped because handling its message threw (see clientInput); for the log. */
  readonly onClientFault?: (connection: number, error: string) => void;
  /** Where txns are in the write pipeline (pipeline-trace.ts); only `npm run bench:trace` sets it. */
  readonly trace?: PipelineTrace;
  /**
   * Pacing of what goes to each peer (peer-outbox.ts), on transports that report their backlog:
   * at most `windowBytes` in flight per peer (1 MiB), and a peer with more than `maxLagBytes`
   * (64 MiB) waiting behind its sync stream is cut off to resync.
   */
  readonly outbox?: { readonly windowBytes?: number; readonly maxLagBytes?: number };
  /** A peer was cut off because it fell too far behind (its link is dropped; it resyncs when it comes back). */
  readonly onPeerCutOff?: (peer: MemberId, reason: string) => void;
}

/**
 * Runs one ServerMember for real: ticks it on a timer, carries its messages over a transport, makes
 * its writes durable through storage one batch at a time (writes queued meanwhile go in the next
 * batch: group commit), and serves client connections in the same process. The member itself stays
 * a pure state machine; everything here is I/O and time.
 */
export class MemberRunner {
  readonly member: ServerMember;
  private cancelTicks: (() => void) | null = null;
  private queuedWrites: SequencedWrite[] = [];
  private writing = false;
  private writeScheduled = false;
  private cancelHintTimer: (() => void) | null = null;
  private hintsDue = false;
  private stopped = false;
  private readonly clients = new Map<number, ConnectionHandlers>();
  private nextConnection = 1;
  private readonly scheduler: Scheduler;
  private readonly now: () => number;
  private readonly clock: () => number;
  private readonly collector: MetricsCollector;
  private readonly ring: DigestRing;
  private readonly peersUp = new Set<MemberId>();
  private readonly assemblers = new Map<MemberId, FragmentAssembler>();
  private readonly outbox: PeerOutbox;

  private constructor(
    private readonly options: RunnerOptions,
    member: ServerMember,
  ) {
    this.member = member;
    this.scheduler = options.scheduler ?? realScheduler;
    this.now = options.now ?? this.scheduler.now;
    this.clock = options.monotonicMs ?? (() => performance.now());
    this.collector = new MetricsCollector(member.id, options.config.zab.members, this.clock());
    this.ring = new DigestRing(options.digestRingSize ?? 1000);
    const transport = options.transport;
    this.outbox = new PeerOutbox(
      {
        send: (to, message) => transport.send(to, message),
        backlog: transport.backlog ? (to) => transport.backlog!(to) : () => undefined,
        maxMessageBytes: transport.maxMessageBytes,
      },
      {
        windowBytes: options.outbox?.windowBytes ?? DEFAULT_OUTBOX_WINDOW_BYTES,
        maxLagBytes: options.outbox?.maxLagBytes ?? DEFAULT_MAX_LAG_BYTES,
        onOverflow: (peer, reason) => {
          this.collector.onPeerCutOff();
          options.onPeerCutOff?.(peer, reason);
          // A new link is a new stream: the learner comes back through FOLLOWERINFO and a fresh sync.
          transport.disconnect?.(peer, `cut off: ${reason}`);
        },
      },
    );
  }

  static async start(options: RunnerOptions): Promise<MemberRunner> {
    return MemberRunner.host(options, await options.storage.load());
  }

  /**
   * Starts the member on a durable image already loaded from `options.storage`, in one synchronous
   * step: `start` after its load, and the simulator, which needs the member the moment it restarts.
   */
  static host(options: RunnerOptions, durable: DurableState): MemberRunner {
    // Storage checks framing and checksums; what the member itself needs of the image is checked here,
    // so damage the disk kept intact (or a bug, or a version skew) refuses the start with a reason.
    const problem = storedImageProblem(durable);
    if (problem !== null) throw new StorageCorruptError(options.storage.location ?? 'stored state', problem);
    const runner = new MemberRunner(options, new ServerMember(options.config, durable, (options.now ?? (options.scheduler ?? realScheduler).now)()));
    options.transport.start({
      message: (from, raw) => {
        let message = raw;
        if (isFragment(raw)) {
          try {
            message = runner.assembler(from).push(raw);
          } catch (err) {
            runner.collector.onInvalidPeerMessage();
            options.onInvalidPeerMessage?.(from, (err as Error).message);
            return;
          }
          if (message === undefined) {
            // More parts to come; the sender is alive meanwhile (a big message takes a while).
            runner.input(() => runner.member.heardFrom(from));
            return;
          }
        }
        // The edge of trust: only well-formed messages reach the member, whoever sent them.
        const valid = validatePeerMessage(message);
        if (valid.ok) {
          if (options.trace) traceIncoming(options.trace, from, valid.message);
          runner.collector.onPeerMessage(from, valid.message, runner.clock());
          runner.input(() => runner.member.fromPeer(from, valid.message));
        } else {
          runner.collector.onInvalidPeerMessage();
          options.onInvalidPeerMessage?.(from, valid.error);
        }
      },
      peerUp: (peer) => {
        runner.peersUp.add(peer);
        runner.outbox.reset(peer);
        runner.input(() => runner.member.peerConnected(peer));
      },
      peerDown: (peer) => {
        runner.peersUp.delete(peer);
        runner.assemblers.delete(peer); // a new link is a new stream: a half message is gone
        runner.outbox.reset(peer); // and what waited to go on the old one is lost with it
        runner.collector.onPeerDown(peer);
        runner.input(() => runner.member.peerDisconnected(peer));
      },
      drained: (peer) => {
        if (!runner.stopped) runner.outbox.pump(peer);
      },
    });
    const every = options.every ?? runner.scheduler.every;
    runner.cancelTicks = every(options.config.tickMs, () => {
      runner.input(() => runner.member.tick(runner.now()));
      // In case a link's drain went unreported: what waits is looked at again every tick.
      runner.outbox.pumpAll();
    });
    runner.input(() => runner.member.tick(runner.now()));
    return runner;
  }

  get id(): number {
    return this.member.id;
  }

  /** Runs `fn` against the member as one input, its output routed like any other (the simulator's probe write). */
  act<T>(fn: (member: ServerMember) => T): T {
    let result!: T;
    this.input(() => {
      result = fn(this.member);
    });
    return result;
  }

  get running(): boolean {
    return !this.stopped;
  }

  /** Counters, gauges and latency histograms of this member, with its state now (see metrics.ts). */
  metrics(): MetricsSnapshot {
    const transport = this.options.transport;
    return this.collector.snapshot(
      {
        status: this.member.status(),
        gauges: this.member.gauges(),
        clientEdge: { rejectedClientMessages: this.member.rejectedClientMessages, oversizedReplies: this.member.oversizedReplies },
        peersUp: this.peersUp,
        ...(transport.bytesSent ? { bytesSent: (peer: MemberId) => transport.bytesSent!(peer) } : {}),
      },
      this.clock(),
    );
  }

  /**
   * The recent (zxid → digest) pairs this member applied, at or after `since`, oldest first. The last
   * is read from the tree now, so a tree changed outside apply (a bug, or the test-only corruption
   * hook) shows at the zxid it claims to be at.
   */
  digests(since?: Zxid): DigestReport {
    const tree = this.member.dataTree;
    const entries = this.ring.entries(since);
    const last = entries.at(-1);
    const live = { zxid: tree.lastZxid, digest: tree.digest };
    if (last && compareZxid(last.zxid, live.zxid) === 0) entries[entries.length - 1] = live;
    else if (since === undefined || compareZxid(live.zxid, since) >= 0) entries.push(live);
    return { member: this.id, appliedZxid: live.zxid, digest: live.digest, entries };
  }

  /** A client connection inside this process (the in-memory connector uses it). */
  openClient(handlers: ConnectionHandlers): (MemberConnection & { readonly connection: number }) | null {
    if (this.stopped) return null;
    const id = this.nextConnection++;
    this.clients.set(id, handlers);
    this.clientInput(id, () => this.member.clientConnected(id));
    let open = true;
    return {
      connection: id,
      send: (message) => {
        // Asynchronous like a socket, so a client never re-enters the member from inside a callback.
        if (!open) return;
        this.collector.onClientMessage(id, message, this.clock());
        queueMicrotask(() => open && this.clientInput(id, () => this.member.fromClient(id, message)));
      },
      close: () => {
        if (!open) return;
        open = false;
        this.clients.delete(id);
        this.collector.onClientClosed(id);
        this.clientInput(id, () => this.member.clientDisconnected(id));
      },
      badFrame: () => this.collector.onRejectedClientFrame(),
    };
  }

  /**
   * One client's input, guarded. Validation is the defence (codec/client-messages.ts: the member
   * answers or drops a malformed message and never throws on one); this guard is for what it misses.
   * Whose fault is an exception while the member handles one client's message?
   *
   * - Ours, when it is an InvariantError (the core's own checks) or when the input had already
   *   reached the replicated core (member.coreChanges moved: a forward, a proposal, an apply): the
   *   core may be half-way through a step, and going on could break what Zab promises. The member
   *   stops (fail-stop, like a failed fsync), with the check that failed in the message.
   * - The client's, otherwise: the input never got past the member's client edge (its connection,
   *   its request queue, a local read), so nothing shared is half-done. A check the validator missed:
   *   that connection is dropped with a reason and counted, every other client and the core go on.
   */
  private clientInput(connection: number, fn: () => void): void {
    if (this.stopped) return;
    const before = this.member.coreChanges;
    try {
      this.input(fn);
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      if (error instanceof InvariantError || this.member.coreChanges !== before) {
        const where = error instanceof InvariantError ? 'a core invariant failed' : 'an internal check failed after the request reached the core';
        this.fail(new Error(`${where} while handling client connection ${connection}: ${error.message}`, { cause: error }));
        return;
      }
      this.collector.onClientInputFailure();
      this.options.onClientFault?.(connection, `${error.name}: ${error.message}`);
      const handlers = this.clients.get(connection);
      this.clients.delete(connection);
      this.collector.onClientClosed(connection);
      this.input(() => this.member.clientDisconnected(connection));
      if (handlers) queueMicrotask(() => handlers.onClose('the member could not handle a message from this client'));
    }
  }

  /** Stops the member for good and tells onFatal (or throws without one). */
  private fail(error: Error): void {
    this.stop();
    if (this.options.onFatal) this.options.onFatal(error);
    else throw error;
  }

  /** Stops like a crash (kill -9): nothing more is sent or written, clients see their connections drop. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.cancelTicks?.();
    this.cancelHintTimer?.();
    this.options.transport.close();
    for (const handlers of this.clients.values()) queueMicrotask(() => handlers.onClose('member stopped'));
    this.clients.clear();
    void this.options.storage.close();
  }

  private assembler(from: MemberId): FragmentAssembler {
    let a = this.assemblers.get(from);
    if (!a) this.assemblers.set(from, (a = new FragmentAssembler()));
    return a;
  }

  private input(fn: () => void): void {
    if (this.stopped) return;
    this.member.observeTime(this.now());
    fn();
    this.route(this.member.drain());
  }

  private route(ready: ServerReady): void {
    this.collector.onReady(ready, this.clock());
    for (const d of ready.deliveries) this.ring.push(d.zxid, d.digest);
    this.options.observe?.(ready, this.member);
    if (this.options.trace) traceOutgoing(this.options.trace, ready);
    for (const p of ready.peer) this.outbox.send(p.to, p.message);
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
      // Not at once: the other messages of the batch being handled (a link delivers a flush of many
      // PROPOSALs in one task) would miss this write and wait a whole fsync for the next one.
      if (!this.writing && !this.writeScheduled) {
        this.writeScheduled = true;
        queueMicrotask(() => {
          this.writeScheduled = false;
          void this.flushWrites();
        });
      }
    }
  }

  /**
   * One storage write at a time, in order: what queues up meanwhile becomes the next batch. An idle
   * runner starts a write once the task that queued it has ended (route), so a burst is one batch.
   *
   * A batch of nothing but commit hints waits up to a tick for real writes to ride along: a hint only
   * lets a restarted member apply sooner, nothing waits for it, and an fsync of its own would double
   * the fsyncs of sequential writes (each commit's hint would sit in front of the next append).
   */
  private async flushWrites(): Promise<void> {
    if (this.writing) return;
    this.writing = true;
    try {
      while (this.queuedWrites.length && !this.stopped) {
        if (!this.hintsDue && this.queuedWrites.every((w) => w.write.kind === 'commitHint')) {
          this.cancelHintTimer ??= this.scheduler.after(this.options.config.tickMs, () => {
            this.cancelHintTimer = null;
            this.hintsDue = true;
            void this.flushWrites();
          });
          break;
        }
        this.cancelHintTimer?.();
        this.cancelHintTimer = null;
        this.hintsDue = false;
        const batch = this.queuedWrites;
        this.queuedWrites = [];
        const started = this.clock();
        const traced = this.options.trace ? lastAppended(batch) : 0;
        if (traced) this.options.trace!('writeStart', traced, 0);
        await this.options.storage.write(batch);
        if (traced) this.options.trace!('writeEnd', traced, 0);
        this.collector.onFsync(this.clock() - started, batch);
        const last = batch[batch.length - 1]!.seq;
        this.input(() => this.member.persisted(last));
      }
    } catch (err) {
      this.fail(new Error(`storage failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err }));
    } finally {
      this.writing = false;
    }
  }
}

function traceIncoming(trace: PipelineTrace, from: MemberId, m: PeerMessage): void {
  if (m.layer !== 'zab') return;
  const z = m.message;
  if (z.type === 'PROPOSAL') trace('received', z.zxid.counter, from);
  else if (z.type === 'ACK') trace('ackReceived', z.zxid.counter, from);
  else if (z.type === 'COMMIT') trace('commitReceived', z.zxid.counter, from);
}

function traceOutgoing(trace: PipelineTrace, ready: ServerReady): void {
  for (const p of ready.peer) {
    if (p.message.layer !== 'zab') continue;
    const z = p.message.message;
    if (z.type === 'PROPOSAL') trace('proposed', z.zxid.counter, p.to);
    else if (z.type === 'ACK') trace('ackSent', z.zxid.counter, p.to);
    else if (z.type === 'COMMIT') trace('commitSent', z.zxid.counter, p.to);
  }
  for (const d of ready.deliveries) trace('delivered', d.zxid.counter, 0);
}

/** The counter of the last log entry a storage batch appends; 0 if it appends none. */
function lastAppended(batch: readonly SequencedWrite[]): number {
  for (let i = batch.length - 1; i >= 0; i--) {
    const w = batch[i]!.write;
    if (w.kind === 'append' && w.entries.length > 0) return w.entries[w.entries.length - 1]!.zxid.counter;
  }
  return 0;
}
