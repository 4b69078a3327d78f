import type { ClientToMember, MemberConnection, MemberToClient } from '../protocol/client.js';
import { MemberRunner } from '../server/runner.js';
import type { ServerMember, ServerReady } from '../server/member.js';
import type { ZabStorage } from '../storage/storage.js';
import type { Scheduler } from '../time/scheduler.js';
import { decodeMessage, encodeMessage, MAX_MESSAGE_BYTES } from '../transport/webrtc/framing.js';
import type { PeerEvents, PeerTransport } from '../transport/transport.js';
import type { ZabConfig } from '../zab/config.js';
import type { ZabMember } from '../zab/member.js';
import type { MemberId, Snapshot, ZabMessage } from '../zab/messages.js';
import type { DurableState, SequencedWrite } from '../zab/persistence.js';
import type { Zxid } from '../zab/zxid.js';
import { Violation } from './checker.js';
import type { NodeOutput, SimNode } from './node.js';
import type { Rng } from './rng.js';
import { checkServesOnlyInQuorum, serverDelivery } from './server-output.js';
import { SessionLivenessCheck } from './session-liveness.js';

/** What the simulated world gives the runner of one member incarnation. */
export interface NodeHost {
  /** Virtual time. */
  now(): number;
  /** Runs `fn` at `atMs` of virtual time, unless this incarnation has crashed meanwhile (a paused member's wait). */
  schedule(atMs: number, fn: () => void): void;
  /** The runner did something outside an input the world drove (a promise continuation): drain and route it. */
  wake(): void;
  /** The runner dropped its link to `peer` on purpose (a learner too far behind). */
  disconnect(peer: MemberId): void;
  /** The runner stopped itself (a failed check, storage): the run fails with this. */
  fatal(error: unknown): void;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] extends readonly (infer U)[] ? U[] : T[K] };

/**
 * A whole member as production runs it: the real `MemberRunner` hosting `ServerMember`, on the
 * simulator's virtual time (its Scheduler), with a transport that carries every peer message as the
 * link's encoded bytes (decoded again on arrival, cut into parts above the link's message limit by
 * the runner's own outbox) and a storage whose writes become durable when the world's disk says so.
 * What the runner does is drained like any node's output, for the world to route and the checkers to see.
 */
export class RunnerNode implements SimNode {
  readonly runner: MemberRunner;
  /** The runner's member, known from its first output on (which comes before MemberRunner.host returns). */
  private member!: ServerMember;
  private readonly liveness: SessionLivenessCheck;
  private events: PeerEvents | null = null;
  private tickFn: (() => void) | null = null;
  private ticked = false;
  private pendingWrite: { readonly seq: number; readonly resolve: () => void } | null = null;
  private out: Mutable<NodeOutput> = emptyOutput();
  /** The world's connection ids → the runner's connections (which number them its own way, as the checks see them). */
  private readonly connections = new Map<number, MemberConnection & { readonly connection: number }>();

  constructor(config: ZabConfig, durable: DurableState, tickMs: number, snapshotEveryTxns: number, rng: Rng, private readonly host: NodeHost) {
    this.liveness = new SessionLivenessCheck(config.id);
    const scheduler: Scheduler = {
      now: () => host.now(),
      after: (ms, fn) => {
        let cancelled = false;
        host.schedule(host.now() + ms, () => {
          if (cancelled) return;
          fn();
          host.wake();
        });
        return () => {
          cancelled = true;
        };
      },
      // The world ticks each member on its own slightly skewed clock (and not while it is paused).
      every: (_ms, fn) => {
        this.tickFn = fn;
        return () => {
          if (this.tickFn === fn) this.tickFn = null;
        };
      },
      endOfTurn: (fn) => host.schedule(host.now(), () => {
        fn();
        host.wake();
      }),
    };
    this.runner = MemberRunner.host(
      {
        config: { zab: config, tickMs, snapshotEveryTxns, randomBytes: (n) => Uint8Array.from({ length: n }, () => rng.int(0, 255)) },
        storage: this.storage(durable),
        transport: this.transport(config.id),
        scheduler,
        monotonicMs: () => host.now(),
        observe: (ready, member) => {
          this.member = member;
          this.observed(ready);
        },
        onInvalidPeerMessage: (from, error) => {
          // An honest member never sends what fails validation: in the simulator it is a bug.
          throw new Violation('message legality', `m${from} sent a malformed message: ${error}`);
        },
        onFatal: (error) => host.fatal(error.cause instanceof Violation ? error.cause : error),
      },
      durable,
    );
  }

  get zab(): ZabMember {
    return this.member.zab;
  }

  get server(): ServerMember {
    return this.member;
  }

  tick(): void {
    this.ticked = true;
    this.tickFn?.();
    this.host.wake();
  }

  message(from: MemberId, message: unknown): void {
    const m = message as { layer?: unknown; message?: { type?: unknown; sessions?: unknown } };
    if (m.layer === 'server' && m.message?.type === 'TOUCH' && Array.isArray(m.message.sessions)) {
      this.liveness.touched(m.message.sessions as number[], this.host.now(), this.zab.status());
    }
    this.events?.message(from, message);
    this.host.wake();
  }

  persisted(seq: number): void {
    const pending = this.pendingWrite;
    if (pending && seq >= pending.seq) {
      this.pendingWrite = null;
      pending.resolve();
    }
    this.host.wake();
  }

  peerConnected(peer: MemberId): void {
    this.events?.peerUp(peer);
    this.host.wake();
  }

  peerDisconnected(peer: MemberId): void {
    this.events?.peerDown(peer);
    this.host.wake();
  }

  snapshotTaken(snapshot: Snapshot): void {
    this.runner.act((m) => m.zab.snapshotTaken(snapshot));
  }

  /** A client connection opened through the runner, as a socket would: its replies come back as output. */
  clientConnected(connection: number): void {
    const conn = this.runner.openClient({
      onMessage: (message: MemberToClient) => {
        this.out.clients.push({ connection, message });
        this.host.wake();
      },
      onClose: () => {
        if (!this.connections.delete(connection)) return;
        this.out.close.push(connection);
        this.host.wake();
      },
    });
    if (conn) this.connections.set(connection, conn);
    this.host.wake();
  }

  fromClient(connection: number, message: ClientToMember): void {
    const conn = this.connections.get(connection);
    if (conn) this.liveness.fromClient(conn.connection, this.host.now(), this.zab.status());
    conn?.send(message);
    this.host.wake();
  }

  clientDisconnected(connection: number): void {
    const conn = this.connections.get(connection);
    if (conn) this.liveness.clientGone(conn.connection);
    this.connections.delete(connection);
    conn?.close();
    this.host.wake();
  }

  drain(): NodeOutput {
    const out = this.out;
    this.out = emptyOutput();
    return out;
  }

  /** A no-op txn tagged `id` (what the Zab workload writes through a whole server). */
  proposeWrite(id: string): { ok: true; zxid: Zxid } | { ok: false; leader: MemberId | null } {
    const zxid = this.runner.act((m) => m.proposeNoop(id));
    return zxid ? { ok: true, zxid } : { ok: false, leader: this.zab.status().leader };
  }

  proposeProbe(n: number): { zxid: Zxid; id: string } | null {
    const id = `probe-${n}`;
    const zxid = this.runner.act((m) => m.proposeNoop(id));
    return zxid ? { zxid, id } : null;
  }

  /** A crash: the runner stops where it is; nothing it had not made durable survives (the world's storage decides). */
  stop(): void {
    this.runner.stop();
  }

  private transport(self: MemberId): PeerTransport {
    return {
      self,
      maxMessageBytes: MAX_MESSAGE_BYTES,
      start: (events) => {
        this.events = events;
      },
      send: (to, message) => {
        // The link's codec both ways: what arrives is what the bytes say, not the sender's object.
        const bytes = encodeMessage(message); // throws MessageTooLargeError (a RangeError) as the link does
        const arrived = decodeMessage(bytes);
        const inner = arrived as { layer?: unknown; message?: ZabMessage };
        this.out.messages.push({ to, message: arrived, zab: inner.layer === 'zab' ? inner.message! : null });
      },
      close: () => {},
      disconnect: (peer) => this.host.disconnect(peer),
    };
  }

  private storage(durable: DurableState): ZabStorage {
    return {
      location: 'the simulated disk',
      load: () => Promise.resolve(durable),
      write: (batch: readonly SequencedWrite[]) => {
        this.out.writes.push(...batch);
        this.host.wake();
        return new Promise<void>((resolve) => {
          this.pendingWrite = { seq: batch[batch.length - 1]!.seq, resolve };
        });
      },
      close: () => Promise.resolve(),
    };
  }

  /** Every drained output of the runner: what the checkers judge. */
  private observed(r: ServerReady): void {
    checkServesOnlyInQuorum(this.member, r.clients, r.close);
    this.liveness.drained(r, this.host.now(), this.zab.status(), this.ticked, (id) => this.server.dataTree.sessionTimeoutMs(id));
    this.ticked = false;
    for (const d of r.deliveries) this.out.deliveries.push(serverDelivery(d));
    this.out.events.push(...r.events);
  }
}

function emptyOutput(): Mutable<NodeOutput> {
  return { messages: [], writes: [], deliveries: [], events: [], snapshots: [], clients: [], close: [] };
}
