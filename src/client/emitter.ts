/** A tiny typed event emitter: the same code in Node and browsers (no `node:events`). */
export type Listener<A extends unknown[]> = (...args: A) => void;

// Stored untyped; the public methods keep each event's listeners and arguments matched.
type AnyListener = (...args: unknown[]) => void;

export class Emitter<Events extends { [K in keyof Events]: unknown[] }> {
  private readonly listeners = new Map<keyof Events, Set<AnyListener>>();

  on<K extends keyof Events>(event: K, fn: Listener<Events[K]>): () => void {
    let set = this.listeners.get(event);
    if (set === undefined) this.listeners.set(event, (set = new Set()));
    set.add(fn as unknown as AnyListener);
    return () => this.off(event, fn);
  }

  once<K extends keyof Events>(event: K, fn: Listener<Events[K]>): () => void {
    const wrapper: Listener<Events[K]> = (...args) => {
      off();
      fn(...args);
    };
    const off = this.on(event, wrapper);
    return off;
  }

  off<K extends keyof Events>(event: K, fn: Listener<Events[K]>): void {
    this.listeners.get(event)?.delete(fn as unknown as AnyListener);
  }

  listenerCount<K extends keyof Events>(event: K): number {
    return this.listeners.get(event)?.size ?? 0;
  }

  /** Calls every listener; a throwing listener does not stop the others (it is reported to `onError`). */
  emit<K extends keyof Events>(event: K, args: Events[K], onError: (err: unknown) => void): void {
    const set = this.listeners.get(event);
    if (set === undefined) return;
    for (const fn of [...set]) {
      try {
        fn(...args);
      } catch (err) {
        onError(err);
      }
    }
  }
}
