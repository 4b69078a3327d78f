/**
 * How long the supervisor waits before starting again a member that exited on its own: 0.5 s,
 * doubling at each exit up to 30 s, back to 0.5 s once a member has stayed up 10 s. A member that
 * crashes as it starts (a bad data directory, a port taken) is retried ever more slowly rather
 * than spun; one that crashed once after running a while comes back at once. Pure: the caller
 * measures the uptime and keeps the timer.
 */
export interface RestartPolicy {
  /** The first delay, ms. */
  readonly initialMs: number;
  /** The longest delay, ms. */
  readonly maxMs: number;
  /** Up this long, a member counts as having started well: the next delay is `initialMs` again. */
  readonly stableMs: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = { initialMs: 500, maxMs: 30_000, stableMs: 10_000 };

export class RestartBackoff {
  private nextMs: number;

  constructor(private readonly policy: RestartPolicy = DEFAULT_RESTART_POLICY) {
    this.nextMs = policy.initialMs;
  }

  /** The member exited after running `uptimeMs`: how long to wait before starting it again. */
  delayAfterExit(uptimeMs: number): number {
    if (uptimeMs >= this.policy.stableMs) this.nextMs = this.policy.initialMs;
    const delay = this.nextMs;
    this.nextMs = Math.min(this.policy.maxMs, this.nextMs * 2);
    return delay;
  }
}
