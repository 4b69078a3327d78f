/**
 * One queue for everything the client hands to user code: watch events, request completions and
 * state changes run in the order their causes arrived from the member. So a watch event is
 * dispatched before the completion of any later response, even when user code re-enters the client.
 */
export class SerialQueue {
  private readonly items: Array<() => void> = [];
  private draining = false;
  private holds = 0;

  constructor(private readonly onError: (err: unknown) => void) {}

  push(fn: () => void): void {
    this.items.push(fn);
    if (!this.draining && this.holds === 0) this.drain();
  }

  /**
   * Queue without running until `release`: lets the client finish a step (re-register watches, send
   * waiting requests) before user code, run by the queue, can act on the state it announces.
   */
  hold(): void {
    this.holds++;
  }

  release(): void {
    this.holds--;
    if (this.holds === 0 && !this.draining) this.drain();
  }

  private drain(): void {
    this.draining = true;
    try {
      for (let fn = this.items.shift(); fn !== undefined; fn = this.items.shift()) {
        try {
          fn();
        } catch (err) {
          this.onError(err);
        }
      }
    } finally {
      this.draining = false;
    }
  }
}
