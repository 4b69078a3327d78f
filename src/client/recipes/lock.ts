/**
 * Distributed lock (ZooKeeper's recipe): each contender creates an ephemeral-sequential node under
 * the lock node; the smallest holds the lock; every other contender watches only the node just
 * before its own. A release (or a crash: the ephemeral goes with the session) wakes exactly one
 * waiter — no herd effect.
 *
 * The lock is only as good as the session: when the client goes EXPIRED the lock is gone too
 * (watch the client's 'state' events if the protected work can outlive that).
 */
import type { ZooKeeperClient } from '../client.js';
import { ErrorCode, ZooKeeperError } from '../errors.js';
import { basename, joinPath, validatePath } from '../paths.js';
import type { Data } from '../types.js';
import { createProtectedSequential, deleteIfPresent } from './protected-create.js';
import { watchFirstSequential, type WatchHandle } from './rearming-watch.js';
import { deadlineFrom, ensurePath, randomId, retryOnConnectionLoss, sortBySequence, timeoutError, waitForChange } from './util.js';

export interface LockOptions {
  /** Stored in our contender node (e.g. who we are), for people inspecting the lock. */
  readonly data?: Data;
  /** For the contender id; defaults to the client's random source. */
  readonly random?: () => number;
}

const MARKER = '-lock-';

export class Lock {
  private readonly id: string;
  private ourPath: string | null = null;
  private holding = false;

  constructor(
    private readonly client: ZooKeeperClient,
    readonly path: string,
    private readonly options: LockOptions = {},
  ) {
    validatePath(path);
    this.id = randomId(options.random ?? client.random);
  }

  /** True between a successful acquire() and release(), while the session lives. */
  get held(): boolean {
    return this.holding && this.client.state !== 'EXPIRED' && this.client.state !== 'CLOSED';
  }

  /** Our contender node while acquiring or holding. */
  get nodePath(): string | null {
    return this.ourPath;
  }

  /**
   * Resolves when the lock is ours. With `timeoutMs`, gives up (withdrawing our node) and rejects
   * with OPERATIONTIMEOUT. Not reentrant.
   */
  async acquire(options: { readonly timeoutMs?: number } = {}): Promise<void> {
    if (this.ourPath !== null) throw new Error(`lock ${this.path}: acquire() while already held or acquiring`);
    const deadline = deadlineFrom(this.client, options.timeoutMs);
    try {
      await ensurePath(this.client, this.path);
      this.ourPath = await createProtectedSequential(this.client, this.path, `${this.id}${MARKER}`, this.options.data);
      for (;;) {
        const contenders = await this.contenders();
        const index = contenders.indexOf(basename(this.ourPath));
        if (index < 0) {
          throw new ZooKeeperError(ErrorCode.NONODE, { path: this.ourPath, message: 'our lock node vanished (session expired, or it was deleted)' });
        }
        if (index === 0) {
          this.holding = true;
          return;
        }
        const predecessor = joinPath(this.path, contenders[index - 1]!);
        if ((await waitForChange(this.client, predecessor, deadline)) === 'timeout') throw timeoutError(`lock ${this.path}`, options.timeoutMs);
      }
    } catch (err) {
      await this.withdraw().catch(() => undefined); // the original error is the one that matters
      throw err;
    }
  }

  async release(): Promise<void> {
    this.holding = false;
    await this.withdraw();
  }

  private async contenders(): Promise<string[]> {
    const children = await retryOnConnectionLoss(this.client, () => this.client.getChildren(this.path));
    return sortBySequence(children.filter((name) => name.includes(MARKER)));
  }

  private async withdraw(): Promise<void> {
    const path = this.ourPath;
    this.ourPath = null;
    if (path !== null) await deleteIfPresent(this.client, path);
  }
}

/**
 * Follows who holds the lock at `path`: `onChange` gets the holder's `data` (as UTF-8; '' when it
 * gave none) now and after each change, null while the lock is free. For showing "locked by …"
 * to everyone else; taking the lock is still `acquire()`.
 */
export function watchLockHolder(client: ZooKeeperClient, path: string, onChange: (holder: string | null) => void, onStop?: (reason: unknown) => void): WatchHandle {
  validatePath(path);
  return watchFirstSequential(client, path, MARKER, onChange, onStop);
}

/**
 * Runs `work` holding the lock at `path`, and releases it afterwards whatever happens. With
 * `timeoutMs`, rejects with OPERATIONTIMEOUT when the lock was not ours in time (`work` never ran).
 */
export async function withLock<T>(
  client: ZooKeeperClient,
  path: string,
  work: (lock: Lock) => Promise<T> | T,
  options: LockOptions & { readonly timeoutMs?: number } = {},
): Promise<T> {
  const lock = new Lock(client, path, options);
  await lock.acquire(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {});
  try {
    return await work(lock);
  } finally {
    await lock.release();
  }
}
