/**
 * Admission control at a member's client port, after ZooKeeper's (`maxClientCnxns`,
 * `globalOutstandingLimit`, `jute.maxbuffer`): the limits with their defaults, the counters the
 * metrics show, and the rule that decides whether a connection's next request may go to the member
 * now. Requests over a limit are not refused: the connection's socket stops being read until
 * replies drain (backpressure), so a well-behaved client only slows down. client-endpoint.ts applies it.
 */
import type { AdmissionLimits, AdmissionMetrics } from '../server/admission-metrics.js';
import { DEFAULT_GLOBAL_OUTSTANDING_LIMIT, DEFAULT_MAX_CLIENT_CNXNS, DEFAULT_MAX_REQUEST_BYTES } from '../codec/limits.js';

export type { AdmissionLimits, AdmissionMetrics };

// Shared with the ZooKeeper port (gateway/server.ts), so both client ports admit alike.
export { CLIENT_FRAMES_PER_TURN } from '../codec/limits.js';
export { DEFAULT_GLOBAL_OUTSTANDING_LIMIT, DEFAULT_MAX_CLIENT_CNXNS };
/** ZooKeeper has no such limit; this is far above what one member serves well, and bounds its memory. */
export const DEFAULT_MAX_SESSIONS = 10_000;
/** Unsent replies at which a connection's requests stop being read (resumed below half of it). */
export const DEFAULT_READ_PAUSE_BYTES = 1024 * 1024;
/** Unsent replies at which a client is disconnected as not reading (what watch events alone can reach). */
export const DEFAULT_MAX_BUFFERED_BYTES = 16 * 1024 * 1024;

/**
 * A connection's oldest unanswered request may wait this long before it may add more (the idea of
 * CoDel: bound the queueing delay, not just the count). A count alone does not fit every machine:
 * 1,000 pipelined writes at 600/s wait 1.7 s, past the member's forward timeout (2 × initLimit
 * ticks, 1 s at the default tick), and the member drops the connection; held to this, a
 * connection's depth follows what the ensemble commits, and commit bursts on the leader stay short.
 */
export const QUEUE_DELAY_TARGET_MS = 200;
/**
 * Reads whose reply may be large (up to a znode's 1 MiB, or a long child list) handed to the member
 * per connection per turn. Their replies are queued only after the turn, so the slow-reader check
 * cannot see them: this bounds what one turn adds past readPauseBytes to a few replies.
 */
export const LARGE_REPLY_READS_PER_TURN = 4;
const LARGE_REPLY_OPS: ReadonlySet<string> = new Set(['getData', 'getChildren', 'getEphemerals']);

/** A request whose reply may be large (see LARGE_REPLY_READS_PER_TURN). */
export function mayReplyLarge(message: { readonly type: string; readonly operation?: unknown }): boolean {
  const op = (message.operation as { op?: unknown } | null | undefined)?.op;
  return message.type === 'request' && typeof op === 'string' && LARGE_REPLY_OPS.has(op);
}

/** A connection's decoded frames waiting for admission; past this its socket is not read. */
export const INBOX_PAUSE_FRAMES = 128;
export const INBOX_PAUSE_BYTES = 256 * 1024;

export function admissionLimits(o: Partial<AdmissionLimits> = {}): AdmissionLimits {
  const limits: AdmissionLimits = {
    maxClientCnxns: o.maxClientCnxns ?? DEFAULT_MAX_CLIENT_CNXNS,
    globalOutstandingLimit: o.globalOutstandingLimit ?? DEFAULT_GLOBAL_OUTSTANDING_LIMIT,
    maxRequestBytes: o.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES,
    maxSessions: o.maxSessions ?? DEFAULT_MAX_SESSIONS,
    readPauseBytes: o.readPauseBytes ?? DEFAULT_READ_PAUSE_BYTES,
    maxBufferedBytes: o.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES,
  };
  for (const [k, v] of Object.entries(limits)) if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`${k} must be a whole number ≥ 0, got ${v}`);
  if (limits.globalOutstandingLimit < 1 || limits.maxRequestBytes < 1024 || limits.maxSessions < 1) throw new RangeError('globalOutstandingLimit and maxSessions must be ≥ 1, maxRequestBytes ≥ 1024');
  return limits;
}

/** Why a connection's next request waits: nothing, the outstanding limits, or a client not reading replies. */
export type Hold = null | 'outstanding' | 'slowReader';

/** What the rule needs to know about one connection. */
export interface ConnectionLoad {
  /** Requests passed to the member and not yet answered. */
  readonly outstanding: number;
  /** Reply bytes queued for the socket and not yet sent. */
  readonly bufferedBytes: number;
  /** Already held back for a slow reader: it resumes only below half the pause mark (no flapping). */
  readonly heldAsSlowReader: boolean;
  /** How long its oldest unanswered request has waited (0 with none). */
  readonly oldestWaitMs: number;
}

/**
 * May this connection's next frame go to the member? `share` is the member's limit divided among
 * the connections with work; a connection with nothing outstanding always gets one request in
 * (ZooKeeper's rule too), so no connection starves behind a busy one. A connection whose oldest
 * request has waited past QUEUE_DELAY_TARGET_MS adds no more until it is answered.
 */
export function holdFor(load: ConnectionLoad, isRequest: boolean, memberOutstanding: number, share: number, limits: AdmissionLimits): Hold {
  const pauseAt = load.heldAsSlowReader ? limits.readPauseBytes / 2 : limits.readPauseBytes;
  if (load.bufferedBytes >= pauseAt) return 'slowReader';
  if (!isRequest || load.outstanding === 0) return null;
  if (load.outstanding >= share || memberOutstanding >= limits.globalOutstandingLimit || load.oldestWaitMs > QUEUE_DELAY_TARGET_MS) return 'outstanding';
  return null;
}

/** The member's limit shared among the connections that have requests queued or outstanding. */
export function outstandingShare(limits: AdmissionLimits, busyConnections: number): number {
  return Math.max(1, Math.floor(limits.globalOutstandingLimit / Math.max(1, busyConnections)));
}

/** The counters behind AdmissionMetrics (the gauges are read from the endpoint when asked). */
export class AdmissionCounters {
  refusedOrigin = 0;
  refusedHost = 0;
  refusedPerIp = 0;
  refusedTooLarge = 0;
  refusedSessions = 0;
  closedNotReading = 0;
  throttledOutstanding = 0;
  throttledSlowReader = 0;
}

/** Logs a line per key at most once a minute (refused origins and IPs are chosen by others). */
export class RateLimitedLog {
  private readonly last = new Map<string, number>();
  constructor(
    private readonly log: (line: string) => void,
    private readonly intervalMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  say(key: string, line: string): void {
    const t = this.now();
    const previous = this.last.get(key);
    if (previous !== undefined && t - previous < this.intervalMs) return;
    if (this.last.size >= 1000) this.last.clear(); // many distinct keys: forget, rather than grow
    this.last.set(key, t);
    this.log(line);
  }
}
