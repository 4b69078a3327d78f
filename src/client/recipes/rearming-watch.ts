/**
 * A watch that re-arms itself: read with a one-shot watcher, and when it fires read again (with a
 * new watch), reporting each new value. ZooKeeper watches are one-shot by design so that a slow
 * consumer sees the latest state rather than every step; this keeps that property (values can be
 * skipped, never reordered) while looking like a subscription. Survives reconnects (the client
 * re-registers the watch); stops when the session ends.
 */
import type { Stat } from '../../protocol/client.js';
import type { ZooKeeperClient } from '../client.js';
import { ErrorCode, ZooKeeperError } from '../errors.js';
import type { Watcher } from '../types.js';
import { fromUtf8 } from '../bytes.js';
import { joinPath } from '../paths.js';
import { forgetWatcher, nextConnection, sortBySequence } from './util.js';

export interface WatchHandle {
  /** Resolves after the first value was reported (or the watch stopped). */
  readonly ready: Promise<void>;
  stop(): void;
}

export interface RearmingOptions<T> {
  /** The node the watcher is set on. */
  readonly path: string;
  /** One read that arms `watcher` on `path`. */
  read(watcher: Watcher): Promise<T>;
  /** Equal values are not reported twice. */
  same(a: T, b: T): boolean;
  onChange(value: T): void;
  /** The watch stopped by itself: the session ended, or an unexpected error. */
  onStop?(reason: unknown): void;
}

export function rearmingWatch<T>(client: ZooKeeperClient, options: RearmingOptions<T>): WatchHandle {
  let stopped = false;
  let running = false;
  let again = false;
  let last: { value: T } | null = null;
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (markReady = resolve));

  const stop = (reason?: unknown) => {
    if (stopped) return;
    stopped = true;
    markReady();
    if (reason !== undefined) options.onStop?.(reason);
  };

  const watcher: Watcher = (event) => {
    if (event.type === 'None') stop(new ZooKeeperError(ErrorCode.SESSIONEXPIRED, { message: `client is ${event.state}` }));
    else trigger();
  };

  const readOnce = async (): Promise<void> => {
    for (;;) {
      if (stopped) return;
      try {
        const value = await options.read(watcher);
        if (stopped) return;
        if (last === null || !options.same(last.value, value)) {
          last = { value };
          options.onChange(value);
        }
        markReady();
        return;
      } catch (err) {
        if (ZooKeeperError.is(err, ErrorCode.CONNECTIONLOSS) && (await nextConnection(client))) continue;
        stop(err);
        return;
      }
    }
  };

  // One read at a time; a watch firing during a read asks for one more read after it.
  const trigger = () => {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = true;
    void (async () => {
      do {
        again = false;
        await readOnce();
      } while (again && !stopped);
      running = false;
    })();
  };

  trigger();
  return {
    ready,
    stop() {
      if (stopped) return;
      stop();
      forgetWatcher(client, options.path, watcher);
    },
  };
}

export interface NodeSnapshot {
  readonly data: Uint8Array;
  readonly stat: Stat;
}

/** Re-arming data watch on one node: reports its data and Stat, or null while it does not exist. */
export function watchNode(
  client: ZooKeeperClient,
  path: string,
  onChange: (node: NodeSnapshot | null) => void,
  onStop?: (reason: unknown) => void,
): WatchHandle {
  return rearmingWatch<NodeSnapshot | null>(client, {
    path,
    async read(watcher) {
      for (;;) {
        try {
          return await client.getData(path, { watch: watcher });
        } catch (err) {
          if (!ZooKeeperError.is(err, ErrorCode.NONODE)) throw err;
        }
        // Missing: an exists watch says when it appears. If it appeared in between, read again.
        if ((await client.exists(path, { watch: watcher })) === null) return null;
      }
    },
    same: (a, b) => (a === null || b === null ? a === b : a.stat.version === b.stat.version && sameZxid(a.stat.czxid, b.stat.czxid)),
    onChange,
    ...(onStop !== undefined ? { onStop } : {}),
  });
}

/** Re-arming child watch: reports the sorted child names, or null while the node does not exist. */
export function watchChildren(
  client: ZooKeeperClient,
  path: string,
  onChange: (children: string[] | null) => void,
  onStop?: (reason: unknown) => void,
): WatchHandle {
  return rearmingWatch<string[] | null>(client, {
    path,
    async read(watcher) {
      for (;;) {
        try {
          return (await client.getChildren(path, { watch: watcher })).sort();
        } catch (err) {
          if (!ZooKeeperError.is(err, ErrorCode.NONODE)) throw err;
        }
        if ((await client.exists(path, { watch: watcher })) === null) return null;
      }
    },
    same: (a, b) => (a === null || b === null ? a === b : a.length === b.length && a.every((v, i) => v === b[i])),
    onChange,
    ...(onStop !== undefined ? { onStop } : {}),
  });
}

function sameZxid(a: Stat['czxid'], b: Stat['czxid']): boolean {
  return a.epoch === b.epoch && a.counter === b.counter;
}

/**
 * Re-arming watch on the first (lowest-sequence) child of `path` whose name contains `marker`:
 * reports its data as UTF-8, or null while there is none. What lock and election nodes say about
 * who holds or leads, seen by anyone — a contender or not.
 */
export function watchFirstSequential(
  client: ZooKeeperClient,
  path: string,
  marker: string,
  onChange: (data: string | null) => void,
  onStop?: (reason: unknown) => void,
): WatchHandle {
  return rearmingWatch<string | null>(client, {
    path,
    async read(watcher) {
      for (;;) {
        let children: string[];
        try {
          children = await client.getChildren(path, { watch: watcher });
        } catch (err) {
          if (!ZooKeeperError.is(err, ErrorCode.NONODE)) throw err;
          if ((await client.exists(path, { watch: watcher })) === null) return null;
          continue;
        }
        const first = sortBySequence(children.filter((name) => name.includes(marker)))[0];
        if (first === undefined) return null;
        try {
          return fromUtf8((await client.getData(joinPath(path, first))).data);
        } catch (err) {
          if (!ZooKeeperError.is(err, ErrorCode.NONODE)) throw err; // it left while we looked: look again
        }
      }
    },
    same: (a, b) => a === b,
    onChange,
    ...(onStop !== undefined ? { onStop } : {}),
  });
}
