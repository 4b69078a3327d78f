/**
 * Liveness of one established connection, ZooKeeper's way: ping when nothing was sent for 1/3 of the
 * negotiated session timeout; declare the connection dead when nothing was heard for 2/3 of it (so a
 * reconnect elsewhere still fits before the session can expire).
 *
 * One timer, armed for the earliest deadline. Sending or hearing only moves deadlines later, so they
 * just record the time and the timer re-evaluates when it fires: no timer churn per message.
 */
import type { Scheduler } from '../protocol/client.js';

export interface HeartbeatActions {
  ping(): void;
  silent(silentForMs: number): void;
}

export class Heartbeat {
  readonly pingIntervalMs: number;
  readonly readTimeoutMs: number;
  private lastSentAt: number;
  private lastHeardAt: number;
  private timer: unknown = null;
  private stopped = false;

  constructor(
    private readonly scheduler: Scheduler,
    sessionTimeoutMs: number,
    private readonly actions: HeartbeatActions,
  ) {
    // Whole milliseconds: some schedulers (the simulator's) count time in integers.
    this.pingIntervalMs = Math.floor(sessionTimeoutMs / 3);
    this.readTimeoutMs = Math.floor((sessionTimeoutMs * 2) / 3);
    this.lastSentAt = this.lastHeardAt = scheduler.now();
    this.arm();
  }

  sent(): void {
    this.lastSentAt = this.scheduler.now();
  }

  heard(): void {
    this.lastHeardAt = this.scheduler.now();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) this.scheduler.clearTimeout(this.timer);
    this.timer = null;
  }

  private arm(): void {
    const due = Math.min(this.lastSentAt + this.pingIntervalMs, this.lastHeardAt + this.readTimeoutMs);
    // At least 1 ms: a timer that fires a hair early must not spin.
    this.timer = this.scheduler.setTimeout(() => this.fire(), Math.max(1, due - this.scheduler.now()));
  }

  private fire(): void {
    this.timer = null;
    const now = this.scheduler.now();
    const silentFor = now - this.lastHeardAt;
    if (silentFor >= this.readTimeoutMs) {
      this.stopped = true;
      this.actions.silent(silentFor);
      return;
    }
    if (now - this.lastSentAt >= this.pingIntervalMs) this.actions.ping();
    // ping() may have torn the connection down (a send that failed) and stopped us.
    if (!this.stopped) this.arm();
  }
}
