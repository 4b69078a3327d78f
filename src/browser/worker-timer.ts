/**
 * The member's tick timer, run in a dedicated Worker: browsers slow a hidden tab's own timers down
 * (to once a second, and further after minutes), which would make a hidden leader ping its followers
 * ten times too late and lose them; a worker's timers keep their pace. Falls back to setInterval
 * where a worker cannot start (no Worker, or a Content-Security-Policy that forbids blob: workers).
 */
export function workerEvery(ms: number, fn: () => void): () => void {
  let fallback: ReturnType<typeof setInterval> | undefined;
  const useSetInterval = (): void => {
    fallback ??= setInterval(fn, ms);
  };
  if (typeof Worker === 'undefined') {
    useSetInterval();
    return () => clearInterval(fallback);
  }
  let worker: Worker | undefined;
  const url = URL.createObjectURL(new Blob([`setInterval(() => postMessage(0), ${Number(ms)});`], { type: 'text/javascript' }));
  try {
    worker = new Worker(url);
  } catch {
    useSetInterval();
  }
  let lastMs = 0;
  if (worker) {
    worker.onmessage = () => {
      // Ticks queued behind a busy main thread arrive in a burst: one is enough.
      const now = performance.now();
      if (now - lastMs < ms / 2) return;
      lastMs = now;
      fn();
    };
    worker.onerror = () => {
      worker?.terminate();
      worker = undefined;
      useSetInterval();
    };
  }
  return () => {
    worker?.terminate();
    clearInterval(fallback);
    URL.revokeObjectURL(url);
  };
}
