/** ZooKeeper's rule: a session timeout is clamped to [2, 20] ticks of the ensemble. */
export function negotiateTimeout(requestedMs: number, tickMs: number, minTicks = 2, maxTicks = 20): number {
  const min = minTicks * tickMs;
  const max = maxTicks * tickMs;
  if (!Number.isFinite(requestedMs)) return max;
  return Math.min(max, Math.max(min, Math.round(requestedMs)));
}
