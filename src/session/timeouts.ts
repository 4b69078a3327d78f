/** ZooKeeper's rule: a session timeout is clamped to [min, max], by default [2, 20] ticks of the ensemble. */
export function negotiateTimeout(requestedMs: number, tickMs: number, minMs = 2 * tickMs, maxMs = 20 * tickMs): number {
  const min = minMs;
  const max = Math.max(minMs, maxMs);
  if (!Number.isFinite(requestedMs)) return max;
  return Math.min(max, Math.max(min, Math.round(requestedMs)));
}
