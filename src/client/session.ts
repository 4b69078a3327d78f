/**
 * The session's life on the wire: find a member, attach (or re-attach) the session, keep it alive
 * with pings, number requests and match their replies in order, and move to another member when the
 * connection is lost. Knows nothing of znodes: operations go in, member replies come out.
 *
 * Guarantees kept here:
 * - xids increase over the whole session; a reply that is not for the oldest request in flight is a
 *   protocol error and drops the connection (per-session FIFO is the member's promise).
 * - requests in flight when a connection is lost fail with CONNECTIONLOSS: the member may or may not
 *   have applied them. Requests made while not connected wait for the next connection (bounded).
 * - lastZxidSeen only grows; it goes with every reconnect so no member behind it takes the session.
 *   setWatches names the last zxid of a reply, so watches re-armed on the new member catch up on
 *   everything whose event might not have arrived.
 */
import type {
  ConnectRequest,
  Connected,
  MemberToClient,
  Operation,
  OperationResponse,
  Scheduler,
  SetWatchesRequest,
  WatchEvent,
  ClientToMember,
  Connector,
} from '../protocol/client.js';
import { isZxid, maxZxid, ZXID_ZERO, type Zxid } from '../zab/zxid.js';
import { ConnectRace, type RaceOutcome } from './connect-race.js';
import { ErrorCode, errorName } from './errors.js';
import { Handshake, type HandshakeOutcome } from './handshake.js';
import { defaultAnswerTimeoutMs, Heartbeat } from './heartbeat.js';
import type { Link } from './link.js';
import { MemberOrder } from './member-order.js';
import type { SerialQueue } from './serial-queue.js';
import type { ConnectionState, StateChange } from './types.js';

/** What became of a request: the member's reply (possibly an error code), or a local failure. */
export type Outcome =
  | { readonly ok: true; readonly response: OperationResponse }
  | { readonly ok: false; readonly err: number; readonly message: string };

/** Runs inside the client's serial queue, in the order replies and events arrived. */
export type Completion = (outcome: Outcome) => void;

export interface SessionConfig {
  readonly connector: Connector;
  readonly members: number;
  readonly sessionTimeoutMs: number;
  readonly canBeReadOnly: boolean;
  readonly scheduler: Scheduler;
  readonly random: () => number;
  readonly connectTimeoutMs: number;
  /** When resuming a session, the next member is tried after this long without an answer. */
  readonly connectStaggerMs: number;
  /**
   * A request unanswered this long makes the client ping; a ping unanswered this long drops the
   * member. Undefined: from the negotiated timeout (heartbeat.ts, defaultAnswerTimeoutMs).
   */
  readonly answerTimeoutMs: number | undefined;
  readonly connectWaitMs: number;
  readonly reconnectBackoffMs: { readonly initial: number; readonly max: number };
  readonly readWriteProbeMs: { readonly initial: number; readonly max: number };
}

export interface SessionHooks {
  onWatchEvent(event: WatchEvent): void;
  onStateChange(change: StateChange): void;
  /** What to re-register on a fresh connection, or null when there is nothing. */
  setWatches(lastZxid: Zxid): SetWatchesRequest | null;
}

interface InFlight {
  readonly xid: number;
  readonly complete: Completion;
}

interface Waiting {
  readonly operation: Operation;
  readonly complete: Completion;
  timer: unknown;
}

export class Session {
  state: ConnectionState = 'CONNECTING';
  sessionId = 0;
  password: Uint8Array = new Uint8Array(0);
  negotiatedTimeoutMs = 0;
  lastZxidSeen: Zxid = ZXID_ZERO;
  /**
   * The highest zxid on a reply or pong: every watch event before it has arrived (one FIFO stream).
   * setWatches names this one, not lastZxidSeen: the events of one change, or of a catch-up, come in
   * a burst, and if the connection dies inside it a later member must still report the rest.
   */
  private lastAnsweredZxid: Zxid = ZXID_ZERO;
  /** Why the last connect attempt failed (for people debugging a client that never connects). */
  lastFailure: string | null = null;

  private readonly order: MemberOrder;
  /** Only a session a read-write member created is known to the ensemble and worth resuming. */
  private seenReadWrite = false;
  private link: Link | null = null;
  private heartbeat: Heartbeat | null = null;
  /** A read-write probe that became the reconnect attempt when our member dropped us. */
  private handshake: Handshake | null = null;
  private race: ConnectRace | null = null;
  private retryTimer: unknown = null;
  private backoffMs: number;
  private probe: Handshake | null = null;
  private probeTimer: unknown = null;
  private probeDelayMs: number;
  private nextXid = 1;
  private readonly inFlight: InFlight[] = [];
  private readonly waiting: Waiting[] = [];
  private closing = false;
  private ended = false;
  private closeTimer: unknown = null;
  private closed: Promise<void> | null = null;
  private resolveClosed: (() => void) | null = null;

  constructor(
    private readonly config: SessionConfig,
    private readonly queue: SerialQueue,
    private readonly hooks: SessionHooks,
  ) {
    this.order = new MemberOrder(config.members, config.random);
    this.backoffMs = config.reconnectBackoffMs.initial;
    this.probeDelayMs = config.readWriteProbeMs.initial;
    // Not from inside the constructor: the caller attaches its listeners first.
    this.retryTimer = config.scheduler.setTimeout(() => this.attempt(), 0);
  }

  get memberIndex(): number | null {
    return this.link?.memberIndex ?? null;
  }

  submit(operation: Operation, complete: Completion): void {
    if (this.ended || this.closing) {
      const why = this.state === 'EXPIRED' ? 'the session has expired' : 'the client is closed';
      this.queue.push(() => complete({ ok: false, err: ErrorCode.SESSIONEXPIRED, message: why }));
      return;
    }
    if (this.link !== null) {
      this.sendRequest(this.link, operation, complete);
      return;
    }
    const waiting: Waiting = { operation, complete, timer: null };
    waiting.timer = this.config.scheduler.setTimeout(() => {
      const i = this.waiting.indexOf(waiting);
      if (i >= 0) this.waiting.splice(i, 1);
      const message = `not connected to any member within ${this.config.connectWaitMs}ms; the request was not sent`;
      this.queue.push(() => complete({ ok: false, err: ErrorCode.CONNECTIONLOSS, message }));
    }, this.config.connectWaitMs);
    this.waiting.push(waiting);
  }

  /**
   * Ends the session: `closeSession` goes after everything in flight (so those replies come first),
   * and its ephemerals go at once. Not connected: the session is left to expire on the ensemble.
   */
  close(closeTimeoutMs: number): Promise<void> {
    if (this.closed !== null) return this.closed;
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
    if (this.ended) {
      this.resolveClosed?.();
      return this.closed;
    }
    this.closing = true;
    const link = this.link;
    if (link === null) {
      this.finishClose('closed while not connected');
    } else {
      this.sendRequest(link, { op: 'closeSession' }, () => this.finishClose('closed'));
      this.closeTimer = this.config.scheduler.setTimeout(
        () => this.finishClose(`closeSession not answered within ${closeTimeoutMs}ms`),
        closeTimeoutMs,
      );
    }
    return this.closed;
  }

  // ---- finding a member -------------------------------------------------------------------

  /** One round over every member (connect-race.ts): the first that attaches the session wins. */
  private attempt(): void {
    this.retryTimer = null;
    if (this.ended || this.closing || this.link !== null || this.handshake !== null || this.race !== null) return;
    if (this.state !== 'CONNECTING') this.setState('CONNECTING', {});
    const race = new ConnectRace(
      this.config.scheduler,
      this.config.connector,
      this.order.round(),
      this.connectRequest(this.config.canBeReadOnly),
      {
        connectTimeoutMs: this.config.connectTimeoutMs,
        staggerMs: this.config.connectStaggerMs,
        // Only a session the ensemble knows is resumed from several members at once: overlapping
        // attempts for a new one could create several sessions.
        overlap: this.seenReadWrite,
        expireOnRefusal: this.seenReadWrite,
      },
      {
        memberFailed: (memberIndex) => this.order.failed(memberIndex),
        outcome: (outcome) => {
          if (this.race !== race) return;
          this.race = null;
          this.onRace(outcome);
        },
      },
    );
    this.race = race;
    race.start();
  }

  private onRace(outcome: RaceOutcome): void {
    if (outcome.kind === 'connected') this.establish(outcome.link, outcome.connected);
    else if (outcome.kind === 'expired') this.expire(outcome.reason);
    else this.roundFailed(outcome.reason);
  }

  private connectRequest(canBeReadOnly: boolean): ConnectRequest {
    // A session a read-only member handed out is local to it: ask a new member for a fresh one.
    const resume = this.seenReadWrite;
    return {
      type: 'connect',
      sessionId: resume ? this.sessionId : 0,
      password: resume ? this.password : new Uint8Array(0),
      timeoutMs: this.config.sessionTimeoutMs,
      lastZxidSeen: this.lastZxidSeen,
      canBeReadOnly,
    };
  }

  /** A handshake is either the attempt to (re)connect or the read-write probe; a probe can become the attempt. */
  private onHandshake(handshake: Handshake, memberIndex: number, outcome: HandshakeOutcome): void {
    if (handshake === this.handshake) {
      this.handshake = null;
      this.onAttempt(memberIndex, outcome);
    } else if (handshake === this.probe) {
      this.probe = null;
      this.onProbe(memberIndex, outcome);
    }
  }

  /** The promoted read-write probe's outcome: one member, so a failure goes on to a full round at once. */
  private onAttempt(memberIndex: number, outcome: HandshakeOutcome): void {
    if (outcome.kind === 'connected') {
      this.establish(outcome.link, outcome.connected);
    } else if (outcome.kind === 'refused' && outcome.err === ErrorCode.SESSIONEXPIRED && this.seenReadWrite) {
      this.expire(`member refused the session: ${outcome.reason}`);
    } else {
      this.order.failed(memberIndex);
      if (this.ended || this.closing) return;
      this.lastFailure = outcome.kind === 'refused' ? `refused (${errorName(outcome.err)}): ${outcome.reason}` : outcome.reason;
      this.retryTimer = this.config.scheduler.setTimeout(() => this.attempt(), 0);
    }
  }

  /** Every member failed once: pause (jittered, growing) so a dead ensemble is not hammered. */
  private roundFailed(reason: string): void {
    if (this.ended || this.closing) return;
    const delayMs = Math.round(this.backoffMs * (0.5 + this.config.random() / 2));
    this.backoffMs = Math.min(this.config.reconnectBackoffMs.max, this.backoffMs * 2);
    this.lastFailure = reason;
    this.retryTimer = this.config.scheduler.setTimeout(() => this.attempt(), delayMs);
  }

  private establish(link: Link, connected: Connected): void {
    if (this.seenReadWrite && connected.sessionId !== this.sessionId) {
      // Our ephemerals and watches belonged to the old session: carrying on would be a lie.
      link.close();
      this.expire(`member ${link.memberIndex} attached session ${connected.sessionId} instead of ${this.sessionId}`);
      return;
    }
    this.queue.hold();
    try {
      this.sessionId = connected.sessionId;
      this.password = connected.password;
      this.negotiatedTimeoutMs = connected.timeoutMs;
      if (!connected.readOnly) this.seenReadWrite = true;
      // Seen, not answered: setWatches must still ask for events after the last answer.
      if (isZxid(connected.zxid)) this.lastZxidSeen = maxZxid(this.lastZxidSeen, connected.zxid);
      this.link = link;
      link.setListener({
        onMessage: (message) => this.onMessage(link, message),
        onClose: (reason) => this.lost(link, `member closed the connection: ${reason}`),
      });
      this.order.served(link.memberIndex);
      this.backoffMs = this.config.reconnectBackoffMs.initial;
      this.lastFailure = null;
      const answerTimeoutMs = this.config.answerTimeoutMs ?? defaultAnswerTimeoutMs(connected.timeoutMs);
      this.heartbeat = new Heartbeat(this.config.scheduler, connected.timeoutMs, answerTimeoutMs, {
        ping: () => this.send(link, { type: 'ping' }),
        awaiting: () => this.inFlight.length > 0,
        sending: () => link.unsentBytes > 0,
        silent: (ms, why) => this.lost(link, `nothing heard from member ${link.memberIndex} for ${Math.round(ms)}ms (${why})`),
      });
      const state = connected.readOnly ? 'CONNECTED_READ_ONLY' : 'CONNECTED';
      this.setState(state, { memberIndex: link.memberIndex });
      // setWatches before any request, so the member re-arms before it answers anything newer.
      const setWatches = this.hooks.setWatches(this.lastAnsweredZxid);
      if (setWatches !== null) this.send(link, setWatches);
      while (this.link === link && this.waiting.length > 0) {
        const waiting = this.waiting.shift()!;
        this.config.scheduler.clearTimeout(waiting.timer);
        this.sendRequest(link, waiting.operation, waiting.complete);
      }
      if (this.link === link && connected.readOnly) {
        this.probeDelayMs = this.config.readWriteProbeMs.initial;
        this.scheduleProbe();
      }
    } finally {
      this.queue.release();
    }
  }

  // ---- an established connection --------------------------------------------------------

  private send(link: Link, message: ClientToMember): void {
    this.heartbeat?.sent();
    link.send(message);
  }

  private sendRequest(link: Link, operation: Operation, complete: Completion): void {
    const xid = this.nextXid++;
    // In flight before it is sent: a synchronous member may answer from inside send().
    this.inFlight.push({ xid, complete });
    this.heartbeat?.expecting();
    this.send(link, { type: 'request', xid, operation });
  }

  private onMessage(link: Link, message: MemberToClient): void {
    if (this.link !== link) return;
    switch (message.type) {
      case 'response': {
        this.heard(message.zxid);
        const head = this.inFlight[0];
        if (head === undefined || head.xid !== message.xid) {
          const expected = head === undefined ? 'no request in flight' : `expected xid ${head.xid}`;
          this.lost(link, `protocol error: reply for xid ${message.xid}, ${expected}`);
          return;
        }
        this.inFlight.shift();
        this.queue.push(() => head.complete({ ok: true, response: message }));
        if (message.readOnly === true && this.state === 'CONNECTED') this.wentReadOnly(link);
        // Another connection of ours (a losing connect attempt) took the session over at the leader:
        // the request was refused, not applied. Reconnecting makes this connection the owner again.
        else if (message.err === ErrorCode.SESSIONMOVED) this.lost(link, `member ${link.memberIndex}: the session moved to another connection`);
        return;
      }
      case 'watch':
        // Counts for lastZxidSeen (no member behind this change may serve us), not for setWatches.
        this.heard(message.zxid, false);
        this.queue.push(() => this.hooks.onWatchEvent(message));
        return;
      case 'pong':
        this.heard(message.zxid);
        return;
      case 'disconnect':
        if (message.err === ErrorCode.SESSIONEXPIRED) this.expire(`member ${link.memberIndex}: ${message.reason}`);
        else this.lost(link, `member ${link.memberIndex} disconnected (${errorName(message.err)}): ${message.reason}`);
        return;
      default:
        this.lost(link, `protocol error: unexpected ${message.type} on an established connection`);
    }
  }

  private heard(zxid: unknown, answer = true): void {
    this.heartbeat?.heard();
    if (!isZxid(zxid)) return;
    this.lastZxidSeen = maxZxid(this.lastZxidSeen, zxid);
    if (answer) this.lastAnsweredZxid = maxZxid(this.lastAnsweredZxid, zxid);
  }

  /** The connection is gone but the session may live on: fail what was in flight, find another member. */
  private lost(link: Link, reason: string): void {
    if (this.link !== link) return;
    // It dropped us or went silent: after this, members that did not fail us lately come first.
    this.order.failed(link.memberIndex);
    this.detach(link, reason);
    if (this.closing) {
      this.finishClose(`connection lost while closing: ${reason}`);
      return;
    }
    this.setState('DISCONNECTED', { reason, memberIndex: link.memberIndex });
    if (this.probe !== null) {
      // A read-write probe in flight becomes the reconnect attempt: the old member may well have
      // dropped us because the probe just moved the session.
      this.handshake = this.probe;
      this.probe = null;
      return;
    }
    this.retryTimer = this.config.scheduler.setTimeout(() => this.attempt(), 0);
  }

  private detach(link: Link, reason: string): void {
    this.link = null;
    link.close();
    this.heartbeat?.stop();
    this.heartbeat = null;
    if (this.probeTimer !== null) this.config.scheduler.clearTimeout(this.probeTimer);
    this.probeTimer = null;
    const message = `connection to member ${link.memberIndex} lost (${reason}); the operation may or may not have been applied`;
    for (const request of this.inFlight.splice(0)) {
      this.queue.push(() => request.complete({ ok: false, err: ErrorCode.CONNECTIONLOSS, message }));
    }
  }

  // ---- read-only: keep looking for a member with a quorum -------------------------------

  /** Our member lost its quorum but kept the connection (its replies say so). */
  private wentReadOnly(link: Link): void {
    if (!this.config.canBeReadOnly) {
      this.lost(link, `member ${link.memberIndex} went read-only`);
      return;
    }
    this.setState('CONNECTED_READ_ONLY', { reason: 'member lost its quorum', memberIndex: link.memberIndex });
    this.probeDelayMs = this.config.readWriteProbeMs.initial;
    this.scheduleProbe();
  }

  private scheduleProbe(): void {
    this.probeTimer = this.config.scheduler.setTimeout(() => this.runProbe(), this.probeDelayMs);
  }

  private runProbe(): void {
    this.probeTimer = null;
    const link = this.link;
    if (link === null || this.state !== 'CONNECTED_READ_ONLY' || this.ended || this.closing) return;
    const memberIndex = this.order.nextOther(link.memberIndex);
    if (memberIndex === null) return;
    const probe = new Handshake(this.config.scheduler, (outcome) => this.onHandshake(probe, memberIndex, outcome));
    this.probe = probe;
    // canBeReadOnly false: only a member with a quorum accepts, and then the session is already there.
    probe.start(this.config.connector, memberIndex, this.connectRequest(false), this.config.connectTimeoutMs);
  }

  private onProbe(memberIndex: number, outcome: HandshakeOutcome): void {
    const current = this.link;
    if (outcome.kind === 'connected' && !outcome.connected.readOnly && current !== null) {
      this.queue.hold();
      try {
        this.detach(current, `moving to read-write member ${outcome.link.memberIndex}`);
        this.establish(outcome.link, outcome.connected);
      } finally {
        this.queue.release();
      }
      return;
    }
    if (outcome.kind === 'connected') outcome.link.close();
    else this.order.failed(memberIndex);
    if (outcome.kind === 'refused' && outcome.err === ErrorCode.SESSIONEXPIRED && this.seenReadWrite) {
      this.expire(`member refused the session: ${outcome.reason}`);
      return;
    }
    this.probeDelayMs = Math.min(this.config.readWriteProbeMs.max, this.probeDelayMs * 2);
    this.scheduleProbe();
  }

  private cancelProbe(): void {
    if (this.probeTimer !== null) this.config.scheduler.clearTimeout(this.probeTimer);
    this.probeTimer = null;
    this.probe?.cancel();
    this.probe = null;
  }

  // ---- the end --------------------------------------------------------------------------

  private expire(reason: string): void {
    if (this.ended) return;
    this.end('EXPIRED', reason, ErrorCode.SESSIONEXPIRED, `session expired: ${reason}`);
  }

  private finishClose(reason: string): void {
    if (this.ended) return;
    this.end('CLOSED', reason, ErrorCode.CONNECTIONLOSS, 'the client closed before the reply came');
  }

  private end(state: 'EXPIRED' | 'CLOSED', reason: string, inFlightErr: number, inFlightMessage: string): void {
    this.ended = true;
    const scheduler = this.config.scheduler;
    for (const timer of [this.retryTimer, this.closeTimer]) if (timer !== null) scheduler.clearTimeout(timer);
    this.retryTimer = this.closeTimer = null;
    this.handshake?.cancel();
    this.handshake = null;
    this.race?.cancel();
    this.race = null;
    this.cancelProbe();
    this.heartbeat?.stop();
    this.heartbeat = null;
    this.link?.close();
    this.link = null;
    for (const request of this.inFlight.splice(0)) {
      this.queue.push(() => request.complete({ ok: false, err: inFlightErr, message: inFlightMessage }));
    }
    const waitingMessage = state === 'EXPIRED' ? `session expired: ${reason}` : 'the client was closed';
    for (const waiting of this.waiting.splice(0)) {
      scheduler.clearTimeout(waiting.timer);
      this.queue.push(() => waiting.complete({ ok: false, err: ErrorCode.SESSIONEXPIRED, message: waitingMessage }));
    }
    this.setState(state, { reason });
    this.resolveClosed?.();
  }

  private setState(state: ConnectionState, info: { reason?: string; memberIndex?: number }): void {
    const previous = this.state;
    this.state = state;
    const change: StateChange = { state, previous, ...info };
    this.queue.push(() => this.hooks.onStateChange(change));
  }
}
