import type { EventType, WatcherType } from '../protocol/client.js';

export interface FiredWatch {
  readonly sessionId: number;
  readonly event: EventType;
  readonly path: string;
}

/**
 * One kind of watch: the sessions watching each path, and (the index) the paths each session watches,
 * so a session's watches go in time proportional to their own number, not to every watch the member
 * holds (a disconnect among 500k watches used to scan them all).
 */
class Registry {
  private readonly byPath = new Map<string, Set<number>>();
  private readonly bySession = new Map<number, Set<string>>();

  add(path: string, sessionId: number): void {
    let set = this.byPath.get(path);
    if (!set) this.byPath.set(path, (set = new Set()));
    set.add(sessionId);
    let paths = this.bySession.get(sessionId);
    if (!paths) this.bySession.set(sessionId, (paths = new Set()));
    paths.add(path);
  }

  /** Removes one session's watch on `path`; false if it had none. */
  delete(path: string, sessionId: number): boolean {
    const set = this.byPath.get(path);
    if (!set?.delete(sessionId)) return false;
    if (set.size === 0) this.byPath.delete(path);
    this.unindex(sessionId, path);
    return true;
  }

  /** The sessions watching `path`, without removing them. */
  get(path: string): ReadonlySet<number> | undefined {
    return this.byPath.get(path);
  }

  /** The sessions watching `path`, removed (one-shot watches that fire). */
  take(path: string): Set<number> {
    const set = this.byPath.get(path);
    if (!set) return new Set();
    this.byPath.delete(path);
    for (const s of set) this.unindex(s, path);
    return set;
  }

  removeSession(sessionId: number): void {
    const paths = this.bySession.get(sessionId);
    if (!paths) return;
    this.bySession.delete(sessionId);
    for (const path of paths) {
      const set = this.byPath.get(path);
      if (!set) continue;
      set.delete(sessionId);
      if (set.size === 0) this.byPath.delete(path);
    }
  }

  count(): number {
    let n = 0;
    for (const s of this.byPath.values()) n += s.size;
    return n;
  }

  private unindex(sessionId: number, path: string): void {
    const paths = this.bySession.get(sessionId);
    if (!paths) return;
    paths.delete(path);
    if (paths.size === 0) this.bySession.delete(sessionId);
  }
}

function ancestorsAndSelf(path: string): string[] {
  const out = [path];
  let p = path;
  while (p !== '/') {
    p = p.slice(0, Math.max(1, p.lastIndexOf('/')));
    out.push(p);
  }
  return out;
}

/**
 * One member's watches, ZooKeeper's semantics: one-shot data/exists and child watches fire once and
 * are gone; persistent watches stay, recursive ones cover a whole subtree (but, as in ZooKeeper, not
 * child-list changes). A session hears at most one event per change.
 */
export class WatchManager {
  /** Data watches and exists watches (ZooKeeper keeps both in one table: both fire on create/change/delete). */
  private readonly data = new Registry();
  private readonly child = new Registry();
  private readonly persistent = new Registry();
  private readonly recursive = new Registry();

  addData(path: string, sessionId: number): void {
    this.data.add(path, sessionId);
  }

  addChild(path: string, sessionId: number): void {
    this.child.add(path, sessionId);
  }

  addPersistent(path: string, sessionId: number, recursive: boolean): void {
    (recursive ? this.recursive : this.persistent).add(path, sessionId);
  }

  /** Removes a session's watches of `type` on `path`; false if it had none (NOWATCHER). */
  remove(path: string, sessionId: number, type: WatcherType): boolean {
    let removed = false;
    if (type === 'DATA' || type === 'ANY') removed = this.data.delete(path, sessionId) || removed;
    if (type === 'CHILDREN' || type === 'ANY') removed = this.child.delete(path, sessionId) || removed;
    if (type === 'ANY') {
      removed = this.persistent.delete(path, sessionId) || removed;
      removed = this.recursive.delete(path, sessionId) || removed;
    }
    return removed;
  }

  /**
   * Whether a session holds a watch of `type` on exactly `path` (ZooKeeper's checkWatches). As in
   * ZooKeeper, a persistent watch counts as both a data and a child watch, a recursive one as a data
   * watch (on the path it was added on).
   */
  has(path: string, sessionId: number, type: WatcherType): boolean {
    const on = (r: Registry): boolean => r.get(path)?.has(sessionId) ?? false;
    const data = on(this.data) || on(this.persistent) || on(this.recursive);
    const child = on(this.child) || on(this.persistent);
    return type === 'DATA' ? data : type === 'CHILDREN' ? child : data || child;
  }

  /** Drops every watch of a session (it closed, expired or left this member): proportional to its own watches. */
  removeSession(sessionId: number): void {
    for (const r of [this.data, this.child, this.persistent, this.recursive]) r.removeSession(sessionId);
  }

  /** How many watches (path, session) this member holds. */
  count(): number {
    return this.data.count() + this.child.count() + this.persistent.count() + this.recursive.count();
  }

  /** Fires what one change covers, removing the one-shot watches it used up. */
  trigger(event: EventType, path: string): FiredWatch[] {
    const sessions = new Set<number>();
    if (event === 'NodeChildrenChanged') {
      for (const s of this.child.take(path)) sessions.add(s);
    } else {
      for (const s of this.data.take(path)) sessions.add(s);
      if (event === 'NodeDeleted') for (const s of this.child.take(path)) sessions.add(s);
    }
    for (const s of this.persistent.get(path) ?? []) sessions.add(s);
    if (event !== 'NodeChildrenChanged') {
      for (const p of ancestorsAndSelf(path)) for (const s of this.recursive.get(p) ?? []) sessions.add(s);
    }
    return [...sessions].sort((a, b) => a - b).map((sessionId) => ({ sessionId, event, path }));
  }
}
