/**
 * The client's side of watches (ZooKeeper's ZKWatchManager): which watcher functions wait on which
 * path, consumed once for one-shot kinds. The member sends at most one event per (path, change) to a
 * connection; this registry fans it out to every local watcher it concerns, each distinct function once.
 */
import type { EventType, SetWatchesRequest, WatcherType } from '../protocol/client.js';
import type { Zxid } from '../zab/zxid.js';
import { selfAndAncestors } from './paths.js';
import type { Watcher, WatchedEventType } from './types.js';

/** data: getData or exists on an existing node; exist: exists on a missing node; child: getChildren. */
export type WatchKind = 'data' | 'exist' | 'child' | 'persistent' | 'persistentRecursive';

const ONE_SHOT_BY_EVENT: Readonly<Record<EventType, readonly WatchKind[]>> = {
  NodeCreated: ['data', 'exist'],
  NodeDataChanged: ['data', 'exist'],
  NodeDeleted: ['data', 'exist', 'child'],
  NodeChildrenChanged: ['child'],
};

const KINDS_BY_TYPE: Readonly<Record<WatcherType, readonly WatchKind[]>> = {
  CHILDREN: ['child'],
  DATA: ['data', 'exist'],
  ANY: ['data', 'exist', 'child', 'persistent', 'persistentRecursive'],
};

export interface RemovedWatcher {
  readonly watcher: Watcher;
  readonly event: WatchedEventType;
}

export class WatchRegistry {
  private readonly byKind: Record<WatchKind, Map<string, Set<Watcher>>> = {
    data: new Map(),
    exist: new Map(),
    child: new Map(),
    persistent: new Map(),
    persistentRecursive: new Map(),
  };

  add(kind: WatchKind, path: string, watcher: Watcher): void {
    const map = this.byKind[kind];
    let set = map.get(path);
    if (set === undefined) map.set(path, (set = new Set()));
    set.add(watcher);
  }

  /** The watchers an event from the member goes to; one-shot registrations it triggers are consumed. */
  materialize(type: EventType, path: string): Set<Watcher> {
    const out = new Set<Watcher>();
    for (const kind of ONE_SHOT_BY_EVENT[type]) {
      const set = this.byKind[kind].get(path);
      if (set === undefined) continue;
      this.byKind[kind].delete(path);
      for (const w of set) out.add(w);
    }
    for (const w of this.byKind.persistent.get(path) ?? []) out.add(w);
    // Recursive watches see every change below them except child-list changes (ZooKeeper's rule:
    // the NodeCreated/NodeDeleted of the child already says it).
    if (type !== 'NodeChildrenChanged') {
      for (const p of selfAndAncestors(path)) {
        for (const w of this.byKind.persistentRecursive.get(p) ?? []) out.add(w);
      }
    }
    return out;
  }

  /** What to re-register on a new connection. */
  toSetWatches(lastZxid: Zxid): SetWatchesRequest {
    const keys = (kind: WatchKind) => [...this.byKind[kind].keys()];
    return {
      type: 'setWatches',
      lastZxid,
      data: keys('data'),
      exist: keys('exist'),
      children: keys('child'),
      persistent: keys('persistent'),
      persistentRecursive: keys('persistentRecursive'),
    };
  }

  isEmpty(): boolean {
    return Object.values(this.byKind).every((m) => m.size === 0);
  }

  /** Watchers matching (path, type[, watcher]) — what removeWatches would remove. */
  matching(path: string, type: WatcherType, watcher?: Watcher): RemovedWatcher[] {
    const out: RemovedWatcher[] = [];
    for (const kind of KINDS_BY_TYPE[type]) {
      for (const w of this.byKind[kind].get(path) ?? []) {
        if (watcher === undefined || w === watcher) out.push({ watcher: w, event: removalEvent(kind) });
      }
    }
    return out;
  }

  /**
   * Which member-side registrations go away if (path, type[, watcher]) is removed here: the member
   * holds one registration per kind and path for the whole connection, so it is told only when no
   * local watcher of that kind is left. ANY when nothing at all is left on the path.
   */
  memberRemovals(path: string, type: WatcherType, watcher?: Watcher): WatcherType[] {
    const left = (kinds: readonly WatchKind[]) =>
      kinds.some((kind) => {
        const set = this.byKind[kind].get(path);
        if (set === undefined) return false;
        if (!KINDS_BY_TYPE[type].includes(kind)) return set.size > 0;
        return watcher === undefined ? false : [...set].some((w) => w !== watcher);
      });
    const had = (kinds: readonly WatchKind[]) => kinds.some((kind) => (this.byKind[kind].get(path)?.size ?? 0) > 0);
    const dataGone = had(KINDS_BY_TYPE.DATA) && !left(KINDS_BY_TYPE.DATA);
    const childGone = had(KINDS_BY_TYPE.CHILDREN) && !left(KINDS_BY_TYPE.CHILDREN);
    if (!left(KINDS_BY_TYPE.ANY)) return ['ANY'];
    // A persistent registration cannot be removed alone without ANY: it stays on the member and its
    // events find no local watcher, which is harmless.
    return [...(dataGone ? (['DATA'] as const) : []), ...(childGone ? (['CHILDREN'] as const) : [])];
  }

  remove(path: string, type: WatcherType, watcher?: Watcher): RemovedWatcher[] {
    const out: RemovedWatcher[] = [];
    for (const kind of KINDS_BY_TYPE[type]) {
      const set = this.byKind[kind].get(path);
      if (set === undefined) continue;
      for (const w of [...set]) {
        if (watcher !== undefined && w !== watcher) continue;
        set.delete(w);
        out.push({ watcher: w, event: removalEvent(kind) });
      }
      if (set.size === 0) this.byKind[kind].delete(path);
    }
    return out;
  }

  /** Every watcher, once, and forget them all (the session is over). */
  clear(): Set<Watcher> {
    const out = new Set<Watcher>();
    for (const map of Object.values(this.byKind)) {
      for (const set of map.values()) for (const w of set) out.add(w);
      map.clear();
    }
    return out;
  }
}

function removalEvent(kind: WatchKind): WatchedEventType {
  if (kind === 'child') return 'ChildWatchRemoved';
  if (kind === 'data' || kind === 'exist') return 'DataWatchRemoved';
  return 'PersistentWatchRemoved';
}
