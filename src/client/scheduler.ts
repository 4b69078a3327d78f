/** The runtime's clock and timers behind the protocol's `Scheduler` (Node and browsers alike). */
import type { Scheduler } from '../protocol/client.js';

export const realScheduler: Scheduler = {
  // Monotonic where available: a wall-clock jump must not fake silence or skip a ping.
  now: () => (globalThis.performance !== undefined ? globalThis.performance.now() : Date.now()),
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as Parameters<typeof globalThis.clearTimeout>[0]),
};
