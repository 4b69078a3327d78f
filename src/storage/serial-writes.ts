/**
 * Storage batches one after another: the next starts only once the previous one is durable. A failed
 * batch leaves the store and its in-memory image out of step, so every later batch fails too.
 */
export class SerialWrites {
  private queue: Promise<void> = Promise.resolve();
  private failed: Error | null = null;
  private closed = false;

  /** `name` starts the errors: "file storage /data/1 is closed". */
  constructor(private readonly name: string) {}

  run(write: () => Promise<void>): Promise<void> {
    const run = this.queue.then(() => {
      if (this.failed) throw new Error(`${this.name} failed earlier: ${this.failed.message}`);
      if (this.closed) throw new Error(`${this.name} is closed`);
      return write();
    });
    this.queue = run.catch((e: unknown) => {
      this.failed ??= e instanceof Error ? e : new Error(String(e));
    });
    return run;
  }

  /** Refuses later batches and waits for the queued ones to end; false if it was closed already. */
  async close(): Promise<boolean> {
    if (this.closed) return false;
    this.closed = true;
    await this.queue;
    return true;
  }
}
