import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

/**
 * The longest the main thread stalled lately: the event loop's delay (how late a timer ran), its
 * maximum over the last one to two seconds. Everything a member does (Zab's ticks, its links'
 * sends, encoding a sync for a learner) shares this one thread, so a stall here is what delays
 * the PINGs and COMMITs that keep the ensemble together.
 */
export class EventLoopStall {
  private readonly histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 });
  private previousMaxMs = 0;
  private readonly timer: ReturnType<typeof setInterval>;

  constructor(windowMs = 1000) {
    this.histogram.enable();
    this.timer = setInterval(() => {
      this.previousMaxMs = this.currentMaxMs();
      this.histogram.reset();
    }, windowMs);
    this.timer.unref();
  }

  /** Milliseconds, to the tenth. */
  get recentMaxMs(): number {
    return Math.round(Math.max(this.previousMaxMs, this.currentMaxMs()) * 10) / 10;
  }

  stop(): void {
    clearInterval(this.timer);
    this.histogram.disable();
  }

  private currentMaxMs(): number {
    // The histogram's floor is its resolution: a loop that never stalled still reads ~10 ms.
    return this.histogram.count > 0 ? this.histogram.max / 1e6 : 0;
  }
}
