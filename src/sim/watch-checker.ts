import type { EventType, Operation } from '../protocol/client.js';
import { compareZxid, formatZxid, type Zxid } from '../zab/zxid.js';
import { Violation } from './checker.js';

type Registry = 'data' | 'child';

interface Registration {
  readonly path: string;
  readonly registry: Registry;
  /** The read that set it saw the tree at this zxid: changes after it are the watch's to report. */
  from: Zxid;
  /**
   * Set after a reconnect: the lastZxid the client re-registered it with. The new member judges from
   * the node's state now, so a change undone in between (created then deleted) is legitimately missed.
   */
  resync: Zxid | null;
}

interface Change {
  readonly zxid: Zxid;
  readonly event: EventType;
}

function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

/** Which registry an event uses up, ZooKeeper's way: data and exists watches share one. */
function covers(registry: Registry, event: EventType): boolean {
  return registry === 'data' ? event !== 'NodeChildrenChanged' : event === 'NodeChildrenChanged' || event === 'NodeDeleted';
}

/**
 * One-shot watches, checked on the wire of one client: a watch set by a read fires once, for the
 * first change after the state that read saw, and before any answer that shows a state including
 * that change (pitfall 19). Changes come from the committed ground truth.
 */
export class WatchChecker {
  private readonly live = new Map<string, Registration>();
  /** Per path, the committed changes that a watch on it would report, in zxid order. */
  private readonly changes: Map<string, Change[]>;

  constructor(changes: Map<string, Change[]>) {
    this.changes = changes;
  }

  /** Records what a committed txn changed, for every client's checker (shared index). */
  static record(index: Map<string, Change[]>, zxid: Zxid, effects: readonly { kind: 'create' | 'delete' | 'set'; path: string }[]): void {
    const add = (path: string, event: EventType): void => {
      let list = index.get(path);
      if (!list) index.set(path, (list = []));
      list.push({ zxid, event });
    };
    for (const e of effects) {
      if (e.kind === 'set') add(e.path, 'NodeDataChanged');
      else {
        add(e.path, e.kind === 'create' ? 'NodeCreated' : 'NodeDeleted');
        add(parentOf(e.path), 'NodeChildrenChanged');
      }
    }
  }

  /** A read answered at `stamp` with a watch: the member set it as it read. */
  registered(op: Operation, err: number, found: boolean, stamp: Zxid): void {
    if (!('watch' in op) || !op.watch) return;
    // getData/getChildren on a missing node set nothing; exists on a missing node waits for its creation.
    if (err !== 0 || (!found && op.op !== 'exists')) return;
    const registry: Registry = op.op === 'getChildren' ? 'child' : 'data';
    const key = `${registry}:${op.path}`;
    const existing = this.live.get(key);
    // A second read with a watch on the same path shares the member's one watch (set earlier).
    if (!existing) this.live.set(key, { path: op.path, registry, from: stamp, resync: null });
  }

  /** A watch event arrived: it must use up a watch that the first change after its read covers. */
  fired(event: EventType, path: string, client: number): void {
    let used = false;
    for (const registry of ['data', 'child'] as const) {
      const key = `${registry}:${path}`;
      const r = this.live.get(key);
      if (r && covers(registry, event)) {
        this.live.delete(key);
        used = true;
      }
    }
    if (!used) throw new Violation('watch once', `client ${client} got ${event} for ${path} with no watch left to fire (fired twice, or never set)`);
  }

  /** The session reconnected to a member, re-registering its watches as of `lastZxid`. */
  reconnected(lastZxid: Zxid): void {
    for (const r of this.live.values()) r.resync = lastZxid;
  }

  /** An answer stamped `stamp` arrived: every watch whose change is at or before it must have fired already. */
  answered(stamp: Zxid, client: number): void {
    for (const r of this.live.values()) {
      if (r.resync) {
        const visible = this.visibleChange(r, r.resync, stamp);
        if (visible) {
          throw new Violation(
            'watch before reply',
            `client ${client}: a ${r.registry} watch on ${r.path}, re-registered at ${formatZxid(r.resync)} after a reconnect, did not fire although ${visible} by ${formatZxid(stamp)}, the stamp of the next answer`,
          );
        }
        r.from = stamp;
        r.resync = null;
        continue;
      }
      const first = this.firstChange(r);
      if (first && compareZxid(first.zxid, stamp) <= 0) {
        throw new Violation(
          'watch before reply',
          `client ${client}: a ${r.registry} watch on ${r.path} (set at ${formatZxid(r.from)}) did not fire for ${first.event} at ${formatZxid(first.zxid)}, yet an answer stamped ${formatZxid(stamp)} arrived`,
        );
      }
    }
  }

  /** The session ended: its watches are gone with it. */
  clear(): void {
    this.live.clear();
  }

  /** What a member re-registering the watch at `since` must report by `now`, judged from the state then and now. */
  private visibleChange(r: Registration, since: Zxid, now: Zxid): string | null {
    const list = this.changes.get(r.path) ?? [];
    const existedAt = (z: Zxid): boolean => {
      let exists = false;
      for (const c of list) {
        if (compareZxid(c.zxid, z) > 0) break;
        if (c.event === 'NodeCreated') exists = true;
        else if (c.event === 'NodeDeleted') exists = false;
      }
      return exists;
    };
    const changedBetween = (events: EventType[]): boolean =>
      list.some((c) => compareZxid(c.zxid, since) > 0 && compareZxid(c.zxid, now) <= 0 && events.includes(c.event));
    const before = existedAt(since);
    const after = existedAt(now);
    if (r.registry === 'data') {
      if (before && !after) return 'the node was deleted';
      if (after && changedBetween(['NodeCreated', 'NodeDataChanged'])) return 'the node was created or changed';
      return null;
    }
    if (before && !after) return 'the node was deleted';
    if (after && changedBetween(['NodeChildrenChanged'])) return 'its children changed';
    return null;
  }

  private firstChange(r: Registration): Change | undefined {
    for (const c of this.changes.get(r.path) ?? []) {
      if (compareZxid(c.zxid, r.from) > 0 && covers(r.registry, c.event)) return c;
    }
    return undefined;
  }
}
