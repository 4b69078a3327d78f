/**
 * `ws` hands every message to the kernel with its own write. Holding the underlying TCP socket
 * corked until the end of the current task sends all the replies queued meanwhile with one writev
 * (setData ×128: ~7,400 → ~8,300 ops/s on 3 processes). `ws` keeps that socket in `_socket`; if it
 * ever renames it, this does nothing. Only the member's endpoint corks: in the client, where each
 * request leaves from its own promise continuation, corking cost getData ×128 a fifth of its rate.
 */
type Corkable = { cork(): void; uncork(): void };

/** Returns `hold()`: call it before each send; the socket is uncorked once the current task is done. */
export function socketCorker(ws: object): () => void {
  let held: Corkable | null = null;
  return () => {
    if (held !== null) return;
    const socket = (ws as { _socket?: Partial<Corkable> | null })._socket;
    if (typeof socket?.cork !== 'function' || typeof socket.uncork !== 'function') return;
    held = socket as Corkable;
    held.cork();
    queueMicrotask(() => {
      const s = held!;
      held = null;
      s.uncork();
    });
  };
}
