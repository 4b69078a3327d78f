/**
 * Time as the I/O layers see it (runner, links, storage). In production the real clock and timers;
 * in the simulator virtual time, so the same code runs under a seed. Microtasks stay real: the
 * simulator drains them between its events, so promise chains need no port of their own.
 */
export interface Scheduler {
  /** Wall-clock milliseconds (virtual in the simulator). */
  now(): number;
  /** Runs `fn` once after `ms`; the returned function cancels it (harmless after it ran). */
  after(ms: number, fn: () => void): () => void;
  /** Runs `fn` every `ms` until the returned function is called. */
  every(ms: number, fn: () => void): () => void;
  /**
   * Runs `fn` once the current task and everything it queued for this turn have run (Node's
   * setImmediate; a microtask where there is none): what batches the outputs of one burst of input.
   */
  endOfTurn(fn: () => void): void;
}

const immediate = (globalThis as { setImmediate?: (fn: () => void) => unknown }).setImmediate;

/** The real clock and timers, in Node and in browsers. */
export const realScheduler: Scheduler = {
  now: () => Date.now(),
  after(ms, fn) {
    const timer = setTimeout(fn, ms);
    return () => clearTimeout(timer);
  },
  every(ms, fn) {
    const timer = setInterval(fn, ms);
    return () => clearInterval(timer);
  },
  endOfTurn: typeof immediate === 'function' ? (fn) => void immediate(fn) : queueMicrotask,
};
