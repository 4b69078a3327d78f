/**
 * Liveness of one established connection. ZooKeeper's way as the outer bound: ping when nothing was
 * sent for 1/3 of the negotiated session timeout; declare the connection dead when nothing was heard
 * for 2/3 of it (so a reconnect elsewhere still fits before the session can expire).
 *
 * And sooner when we are waiting for an answer: a member answers a ping at once, ahead of any write
 * it is still committing (pongs do not queue behind requests), so
 * - a request outstanding for `answerTimeoutMs` with nothing heard meanwhile makes us ping, and
 * - a ping unanswered for `answerTimeoutMs` (nothing at all heard since it went) drops the member.
 * A member cut off by a partition is then left after about 2 × answerTimeoutMs of silence instead of
 * 2/3 of the session timeout. A member merely slow to commit still answers pings; one whose whole
 * process stalls that long is left too, which costs the requests in flight a CONNECTIONLOSS (their
 * outcome unknown, as with any lost connection) and never the session: the reconnect resumes it.
 *
 * One timer, armed for the earliest deadline. Sending or hearing only moves deadlines later, so they
 * just record the time and the timer re-evaluates when it fires: no timer churn per message.
 */
import type { Scheduler } from '../protocol/client.js';

export interface HeartbeatActions {
  ping(): void;
  /** Whether a request is waiting for its reply. */
  awaiting(): boolean;
  /** Whether what we sent is still leaving this process (a large request on a slow link): no answer can be due yet. */
  sending(): boolean;
  silent(silentForMs: number, why: string): void;
}

/** The default answer timeout: a tenth of the session timeout, within 250 ms–1 s (and never above the read timeout). */
export function defaultAnswerTimeoutMs(sessionTimeoutMs: number): number {
  return Math.min(Math.floor((sessionTimeoutMs * 2) / 3), Math.max(250, Math.min(1000, Math.floor(sessionTimeoutMs / 10))));
}

export class Heartbeat {
  readonly pingIntervalMs: number;
  readonly readTimeoutMs: number;
  readonly answerTimeoutMs: number;
  private lastSentAt: number;
  private lastHeardAt: number;
  /** When the oldest request still unanswered went out, if it went out after the last thing heard. */
  private expectingSince: number | null = null;
  /** When our ping went, if nothing was heard since. */
  private pingSentAt: number | null = null;
  private timer: unknown = null;
  private dueAt = Infinity;
  private stopped = false;

  constructor(
    private readonly scheduler: Scheduler,
    sessionTimeoutMs: number,
    answerTimeoutMs: number,
    private readonly actions: HeartbeatActions,
  ) {
    // Whole milliseconds: some schedulers (the simulator's) count time in integers.
    this.pingIntervalMs = Math.floor(sessionTimeoutMs / 3);
    this.readTimeoutMs = Math.floor((sessionTimeoutMs * 2) / 3);
    this.answerTimeoutMs = Math.max(1, Math.min(this.readTimeoutMs, Math.floor(answerTimeoutMs)));
    this.lastSentAt = this.lastHeardAt = scheduler.now();
    this.arm();
  }

  sent(): void {
    this.lastSentAt = this.scheduler.now();
  }

  /** A request went out that wants a reply. */
  expecting(): void {
    if (this.stopped || this.expectingSince !== null) return;
    this.expectingSince = this.scheduler.now();
    // Only ever earlier than what is armed when nothing else is due sooner.
    if (this.expectingSince + this.answerTimeoutMs < this.dueAt) this.arm();
  }

  heard(): void {
    this.lastHeardAt = this.scheduler.now();
    this.pingSentAt = null;
    // Still waiting for later replies: they are measured from now.
    this.expectingSince = null;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) this.scheduler.clearTimeout(this.timer);
    this.timer = null;
  }

  private nextDue(): number {
    let due = Math.min(this.lastSentAt + this.pingIntervalMs, this.lastHeardAt + this.readTimeoutMs);
    if (this.pingSentAt !== null) due = Math.min(due, this.pingSentAt + this.answerTimeoutMs);
    else if (this.waitingSince() !== null) due = Math.min(due, this.waitingSince()! + this.answerTimeoutMs);
    return due;
  }

  /** Since when we have been waiting for an answer with nothing heard, or null. */
  private waitingSince(): number | null {
    if (!this.actions.awaiting()) return null;
    return Math.max(this.lastHeardAt, this.expectingSince ?? this.lastHeardAt);
  }

  private arm(): void {
    if (this.timer !== null) this.scheduler.clearTimeout(this.timer);
    this.dueAt = this.nextDue();
    // At least 1 ms: a timer that fires a hair early must not spin.
    this.timer = this.scheduler.setTimeout(() => this.fire(), Math.max(1, this.dueAt - this.scheduler.now()));
  }

  private fire(): void {
    this.timer = null;
    this.dueAt = Infinity;
    const now = this.scheduler.now();
    const silentFor = now - this.lastHeardAt;
    if (silentFor >= this.readTimeoutMs) return this.die(silentFor, `read timeout ${this.readTimeoutMs}ms`);
    if (this.actions.sending()) {
      // The member cannot have answered what has not reached it: wait from when it has.
      if (this.pingSentAt !== null) this.pingSentAt = now;
      if (this.expectingSince !== null || this.actions.awaiting()) this.expectingSince = now;
      this.arm();
      return;
    }
    if (this.pingSentAt !== null && now - this.pingSentAt >= this.answerTimeoutMs) {
      return this.die(silentFor, `a ping unanswered for ${this.answerTimeoutMs}ms`);
    }
    const waiting = this.pingSentAt === null ? this.waitingSince() : null;
    if ((waiting !== null && now - waiting >= this.answerTimeoutMs) || now - this.lastSentAt >= this.pingIntervalMs) {
      this.pingSentAt = now;
      this.actions.ping();
    }
    // ping() may have torn the connection down (a send that failed) and stopped us.
    if (!this.stopped) this.arm();
  }

  private die(silentForMs: number, why: string): void {
    this.stopped = true;
    this.actions.silent(silentForMs, why);
  }
}
