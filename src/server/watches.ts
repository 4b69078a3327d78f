import type { EventType, WatcherType } from '../protocol/client.js';

export interface FiredWatch {
  readonly sessionId: number;
  readonly event: EventType;
  readonly path: string;
}

type Registry = Map<string, Set<number>>;

function add(registry: Registry, path: string, sessionId: number): void {
  let set = registry.get(path);
  if (!set) registry.set(path, (set = new Set()));
  set.add(sessionId);
}

function take(registry: Registry, path: string): Set<number> {
  const set = registry.get(path);
  if (!set) return new Set();
  registry.delete(path);
  return set;
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
  private readonly data: Registry = new Map();
  private readonly child: Registry = new Map();
  private readonly persistent: Registry = new Map();
  private readonly recursive: Registry = new Map();

  addData(path: string, sessionId: number): void {
    add(this.data, path, sessionId);
  }

  addChild(path: string, sessionId: number): void {
    add(this.child, path, sessionId);
  }

  addPersistent(path: string, sessionId: number, recursive: boolean): void {
    add(recursive ? this.recursive : this.persistent, path, sessionId);
  }

  /** Removes a session's watches of `type` on `path`; false if it had none (NOWATCHER). */
  remove(path: string, sessionId: number, type: WatcherType): boolean {
    let removed = false;
    const from = (r: Registry): void => {
      const set = r.get(path);
      if (set?.delete(sessionId)) {
        removed = true;
        if (set.size === 0) r.delete(path);
      }
    };
    if (type === 'DATA' || type === 'ANY') from(this.data);
    if (type === 'CHILDREN' || type === 'ANY') from(this.child);
    if (type === 'ANY') {
      from(this.persistent);
      from(this.recursive);
    }
    return removed;
  }

  removeSession(sessionId: number): void {
    for (const r of [this.data, this.child, this.persistent, this.recursive]) {
      for (const [path, set] of r) {
        set.delete(sessionId);
        if (set.size === 0) r.delete(path);
      }
    }
  }

  /** What a session has registered, for re-registration after it reconnects elsewhere. */
  count(): number {
    let n = 0;
    for (const r of [this.data, this.child, this.persistent, this.recursive]) for (const s of r.values()) n += s.size;
    return n;
  }

  /** Fires what one change covers, removing the one-shot watches it used up. */
  trigger(event: EventType, path: string): FiredWatch[] {
    const sessions = new Set<number>();
    if (event === 'NodeChildrenChanged') {
      for (const s of take(this.child, path)) sessions.add(s);
    } else {
      for (const s of take(this.data, path)) sessions.add(s);
      if (event === 'NodeDeleted') for (const s of take(this.child, path)) sessions.add(s);
    }
    for (const s of this.persistent.get(path) ?? []) sessions.add(s);
    if (event !== 'NodeChildrenChanged') {
      for (const p of ancestorsAndSelf(path)) for (const s of this.recursive.get(p) ?? []) sessions.add(s);
    }
    return [...sessions].sort((a, b) => a - b).map((sessionId) => ({ sessionId, event, path }));
  }
}
