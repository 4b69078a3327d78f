/** Small helpers the recipes share: paths, sequence numbers, retries across reconnects, waiting. */
import type { ZooKeeperClient } from '../client.js';
import { ErrorCode, ZooKeeperError } from '../errors.js';
import { joinPath, validatePath } from '../paths.js';
import type { Watcher } from '../types.js';

/** Creates `path` and its missing ancestors as persistent nodes (ZooKeeper's mkdirp); existing ones are fine. */
export async function ensurePath(client: ZooKeeperClient, path: string): Promise<void> {
  validatePath(path);
  if (path === '/') return;
  if ((await retryOnConnectionLoss(client, () => client.exists(path))) !== null) return;
  let current = '';
  for (const segment of path.slice(1).split('/')) {
    current += `/${segment}`;
    const target = current;
    try {
      await retryOnConnectionLoss(client, () => client.create(target));
    } catch (err) {
      if (!ZooKeeperError.is(err, ErrorCode.NODEEXISTS)) throw err;
    }
  }
}

/** A name that is one path segment: "UserService", not "a/b" or "". */
export function checkSegment(what: string, name: string): void {
  if (name.length === 0 || name.includes('/')) {
    throw new ZooKeeperError(ErrorCode.BADARGUMENTS, { message: `${what} must be one non-empty path segment, got "${name}"` });
  }
  validatePath(joinPath('/', name));
}

/** The 10-digit counter a *_SEQUENTIAL create appended; NaN for other names. */
export function sequenceOf(name: string): number {
  const digits = name.slice(-10);
  return /^\d{10}$/.test(digits) ? Number(digits) : Number.NaN;
}

/** Sequential children in creation order (other names dropped). */
export function sortBySequence(names: readonly string[]): string[] {
  return names.filter((n) => !Number.isNaN(sequenceOf(n))).sort((a, b) => sequenceOf(a) - sequenceOf(b));
}

/** 16 hex digits from the injected random source (so a simulation stays reproducible). */
export function randomId(random: () => number): string {
  let out = '';
  for (let i = 0; i < 4; i++) out += Math.floor(random() * 0x10000).toString(16).padStart(4, '0');
  return out;
}

/**
 * Runs `fn`, and again after the next connection when it fails with CONNECTIONLOSS. Only for
 * operations that are safe to repeat (reads, or writes whose effect the caller re-checks).
 */
export async function retryOnConnectionLoss<T>(client: ZooKeeperClient, fn: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (!ZooKeeperError.is(err, ErrorCode.CONNECTIONLOSS)) throw err;
      if (!(await nextConnection(client))) throw new ZooKeeperError(ErrorCode.SESSIONEXPIRED, { message: `client is ${client.state}` });
    }
  }
}

/** Resolves true once connected (now or later), false if the session ends first. No timeout. */
export function nextConnection(client: ZooKeeperClient): Promise<boolean> {
  const now = client.state;
  if (now === 'CONNECTED' || now === 'CONNECTED_READ_ONLY') return Promise.resolve(true);
  if (now === 'EXPIRED' || now === 'CLOSED') return Promise.resolve(false);
  return new Promise((resolve) => {
    const off = client.on('state', ({ state }) => {
      if (state === 'CONNECTED' || state === 'CONNECTED_READ_ONLY') resolve(true);
      else if (state === 'EXPIRED' || state === 'CLOSED') resolve(false);
      else return;
      off();
    });
  });
}

/**
 * Waits until `path` changes (typically: is deleted) or `deadlineAt` (scheduler time) passes.
 * Resolves 'changed' (also when the node is already gone) or 'timeout'. Watches only this one node:
 * that is what keeps the lock and election free of the herd effect.
 */
export async function waitForChange(client: ZooKeeperClient, path: string, deadlineAt: number): Promise<'changed' | 'timeout'> {
  let fired: () => void = () => undefined;
  const changed = new Promise<void>((resolve) => (fired = resolve));
  const watcher: Watcher = () => fired();
  const stat = await retryOnConnectionLoss(client, () => client.exists(path, { watch: watcher }));
  if (stat === null) {
    forgetWatcher(client, path, watcher);
    return 'changed';
  }
  if (deadlineAt === Number.POSITIVE_INFINITY) {
    await changed;
    return 'changed';
  }
  const scheduler = client.scheduler;
  let timer: unknown = null;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = scheduler.setTimeout(() => resolve('timeout'), Math.max(0, deadlineAt - scheduler.now()));
  });
  const outcome = await Promise.race([changed.then(() => 'changed' as const), timedOut]);
  scheduler.clearTimeout(timer);
  if (outcome === 'timeout') forgetWatcher(client, path, watcher);
  return outcome;
}

/** Drops a watcher we no longer need (best effort: it may have fired meanwhile). */
export function forgetWatcher(client: ZooKeeperClient, path: string, watcher: Watcher): void {
  client.removeWatches(path, 'ANY', watcher, { local: true }).catch(() => undefined);
}

export function deadlineFrom(client: ZooKeeperClient, timeoutMs: number | undefined): number {
  return timeoutMs === undefined ? Number.POSITIVE_INFINITY : client.scheduler.now() + timeoutMs;
}

export function timeoutError(what: string, timeoutMs: number | undefined): ZooKeeperError {
  return new ZooKeeperError(ErrorCode.OPERATIONTIMEOUT, { message: `${what} not done within ${timeoutMs}ms` });
}
