/**
 * A token bucket per connection: `ratePerSecond` tokens refill continuously up to `burst`. Signalling
 * is bursty (a newcomer sends an offer and a dozen ICE candidates to every member at once) but tiny on
 * average, so the burst is generous and the sustained rate is what stops a flood.
 */
export class TokenBucket {
  private tokens: number;
  private lastMs: number;

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    private readonly nowMs: () => number = () => performance.now(),
  ) {
    if (!(ratePerSecond > 0) || !(burst >= 1)) throw new Error('TokenBucket needs a positive rate and a burst of at least 1');
    this.tokens = burst;
    this.lastMs = nowMs();
  }

  /** Take one token; false when the bucket is empty (the caller decides what a flood costs). */
  take(): boolean {
    const now = this.nowMs();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.lastMs) / 1000) * this.ratePerSecond);
    this.lastMs = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
