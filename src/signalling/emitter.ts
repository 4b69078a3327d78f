/** A tiny typed emitter, isomorphic (no `node:events`); signalling/ is an edge and imports nothing above it. */
// Stored untyped; `on` and `emit` keep each event's listeners and arguments matched.
type AnyListener = (...args: unknown[]) => void;

export class Emitter<Events extends { [K in keyof Events]: unknown[] }> {
  private readonly listeners = new Map<keyof Events, Set<AnyListener>>();

  /** Returns the function that removes this listener. */
  on<K extends keyof Events>(event: K, fn: (...args: Events[K]) => void): () => void {
    let set = this.listeners.get(event);
    if (set === undefined) this.listeners.set(event, (set = new Set()));
    const stored = fn as unknown as AnyListener;
    set.add(stored);
    return () => set.delete(stored);
  }

  protected emit<K extends keyof Events>(event: K, ...args: Events[K]): void {
    for (const fn of [...(this.listeners.get(event) ?? [])]) fn(...args);
  }
}
