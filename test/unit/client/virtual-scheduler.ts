/**
 * Virtual time for client tests: timers run only when the test advances the clock, in time order
 * (insertion order at equal times), and promise continuations run between timers.
 */
import type { Scheduler } from '../../../src/protocol/client.js';

interface Timer {
  readonly id: number;
  readonly at: number;
  readonly fn: () => void;
}

/** Lets every pending promise continuation run (setImmediate comes after the microtask queue). */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export class VirtualScheduler implements Scheduler {
  private time = 0;
  private nextId = 1;
  private readonly timers = new Map<number, Timer>();

  now(): number {
    return this.time;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.timers.set(id, { id, at: this.time + Math.max(0, ms), fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  get pendingTimers(): number {
    return this.timers.size;
  }

  /** Moves the clock forward by `ms`, running every timer due on the way. */
  async advance(ms: number): Promise<void> {
    const target = this.time + ms;
    for (;;) {
      await settle();
      const next = this.earliest();
      if (next === undefined || next.at > target) break;
      this.fire(next);
    }
    this.time = target;
    await settle();
  }

  /** Runs timers until `promise` settles; fails if it has not after `maxMs` of virtual time. */
  async run<T>(promise: Promise<T>, maxMs = 120_000): Promise<T> {
    let done = false;
    const tracked = promise.finally(() => {
      done = true;
    });
    tracked.catch(() => undefined);
    const deadline = this.time + maxMs;
    for (;;) {
      await settle();
      if (done) return tracked;
      const next = this.earliest();
      if (next === undefined) throw new Error(`stuck at t=${this.time}: promise pending and no timer left`);
      if (next.at > deadline) throw new Error(`promise still pending after ${maxMs}ms of virtual time`);
      this.fire(next);
    }
  }

  private fire(timer: Timer): void {
    this.timers.delete(timer.id);
    this.time = Math.max(this.time, timer.at);
    timer.fn();
  }

  private earliest(): Timer | undefined {
    let best: Timer | undefined;
    for (const t of this.timers.values()) if (best === undefined || t.at < best.at || (t.at === best.at && t.id < best.id)) best = t;
    return best;
  }
}
