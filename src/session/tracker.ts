/**
 * The leader's view of session liveness. Members forward their clients' pings (touches); a session
 * not touched within its timeout expires, and the leader proposes its close as a transaction so
 * ephemerals vanish on every member at the same zxid (pitfall 15). A session is marked closing the
 * moment its close is proposed, and nothing more is accepted for it.
 *
 * Pure: time comes in as arguments.
 */
export interface TrackedSession {
  readonly sessionId: number;
  readonly timeoutMs: number;
  expiresAtMs: number;
  closing: boolean;
  /** The member the client is attached to: requests arriving through another get SESSIONMOVED (pitfall 16). */
  owner: number | null;
}

export class SessionTracker {
  private readonly sessions = new Map<number, TrackedSession>();

  get size(): number {
    return this.sessions.size;
  }

  get(sessionId: number): TrackedSession | undefined {
    return this.sessions.get(sessionId);
  }

  /** A session exists (committed), alive for another full timeout from `nowMs`. */
  add(sessionId: number, timeoutMs: number, nowMs: number, owner: number | null): void {
    this.sessions.set(sessionId, { sessionId, timeoutMs, expiresAtMs: nowMs + timeoutMs, closing: false, owner });
  }

  remove(sessionId: number): void {
    this.sessions.delete(sessionId);
  }

  /** Returns false for an unknown or closing session: the toucher should tell its client it expired. */
  touch(sessionId: number, nowMs: number, owner?: number): boolean {
    const s = this.sessions.get(sessionId);
    if (!s || s.closing) return false;
    s.expiresAtMs = Math.max(s.expiresAtMs, nowMs + s.timeoutMs);
    if (owner !== undefined) s.owner = owner;
    return true;
  }

  isActive(sessionId: number): boolean {
    const s = this.sessions.get(sessionId);
    return s !== undefined && !s.closing;
  }

  markClosing(sessionId: number): void {
    const s = this.sessions.get(sessionId);
    if (s) s.closing = true;
  }

  /** Sessions past their deadline and not yet closing, oldest deadline first. */
  expired(nowMs: number): number[] {
    const out: TrackedSession[] = [];
    for (const s of this.sessions.values()) if (!s.closing && s.expiresAtMs <= nowMs) out.push(s);
    out.sort((a, b) => a.expiresAtMs - b.expiresAtMs || a.sessionId - b.sessionId);
    return out.map((s) => s.sessionId);
  }

  ids(): number[] {
    return [...this.sessions.keys()];
  }
}
