/**
 * Double barrier (ZooKeeper's recipe): `enter` returns once `size` participants are in; `leave`
 * returns once all of them have left. Participants are ephemeral children named by their id, so a
 * crashed participant leaves by itself when its session ends.
 *
 * Enter: watch for the "ready" node, join, and whoever sees the count reached creates "ready".
 * Leave: the lowest participant waits for the highest to go; everyone else leaves and waits for the
 * lowest — a handful of watches, not everyone watching everyone.
 * The "ready" node goes when the last participant leaves; use a fresh barrier path per round if
 * rounds can overlap.
 */
import type { ZooKeeperClient } from '../client.js';
import { ErrorCode, ZooKeeperError } from '../errors.js';
import { joinPath, validatePath } from '../paths.js';
import type { Watcher } from '../types.js';
import { deleteIfPresent } from './protected-create.js';
import { checkSegment, deadlineFrom, ensurePath, forgetWatcher, randomId, retryOnConnectionLoss, timeoutError, waitForChange } from './util.js';

const READY = 'ready';

export interface BarrierOptions {
  /** This participant's name under the barrier node; defaults to a random id. */
  readonly id?: string;
  readonly random?: () => number;
}

export class DoubleBarrier {
  readonly id: string;
  private readonly ourPath: string;
  private readonly readyPath: string;

  constructor(
    private readonly client: ZooKeeperClient,
    readonly path: string,
    readonly size: number,
    options: BarrierOptions = {},
  ) {
    validatePath(path);
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`barrier size must be a positive integer, got ${size}`);
    this.id = options.id ?? `p-${randomId(options.random ?? client.random)}`;
    checkSegment('participant id', this.id);
    if (this.id === READY) throw new RangeError(`"${READY}" is reserved`);
    this.ourPath = joinPath(path, this.id);
    this.readyPath = joinPath(path, READY);
  }

  /** Resolves when `size` participants have entered. On timeout we step out again (OPERATIONTIMEOUT). */
  async enter(options: { readonly timeoutMs?: number } = {}): Promise<void> {
    const deadline = deadlineFrom(this.client, options.timeoutMs);
    await ensurePath(this.client, this.path);
    let opened: () => void = () => undefined;
    const ready = new Promise<'ready'>((resolve) => (opened = () => resolve('ready')));
    const watcher: Watcher = () => opened();
    // Watch before joining, so the last one's "ready" cannot slip past us.
    const already = await retryOnConnectionLoss(this.client, () => this.client.exists(this.readyPath, { watch: watcher }));
    await this.join();
    if (already !== null) return;
    const children = await this.participants();
    if (children.length >= this.size) {
      try {
        await retryOnConnectionLoss(this.client, () => this.client.create(this.readyPath));
      } catch (err) {
        if (!ZooKeeperError.is(err, ErrorCode.NODEEXISTS)) throw err;
      }
      return;
    }
    if (deadline === Number.POSITIVE_INFINITY) {
      await ready;
      return;
    }
    let timer: unknown = null;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = this.client.scheduler.setTimeout(() => resolve('timeout'), Math.max(0, deadline - this.client.scheduler.now()));
    });
    const outcome = await Promise.race([ready, timedOut]);
    this.client.scheduler.clearTimeout(timer);
    if (outcome === 'timeout') {
      forgetWatcher(this.client, this.readyPath, watcher);
      await deleteIfPresent(this.client, this.ourPath);
      throw timeoutError(`barrier ${this.path} enter`, options.timeoutMs);
    }
  }

  /** Resolves when every participant has left. */
  async leave(options: { readonly timeoutMs?: number } = {}): Promise<void> {
    const deadline = deadlineFrom(this.client, options.timeoutMs);
    for (;;) {
      const children = (await this.participants()).sort();
      if (children.length === 0) break;
      const lowest = children[0]!;
      const highest = children[children.length - 1]!;
      const present = children.includes(this.id);
      if (present && children.length === 1) {
        await deleteIfPresent(this.client, this.ourPath);
        break;
      }
      let waitFor: string;
      if (present && lowest === this.id) {
        waitFor = highest;
      } else {
        if (present) await deleteIfPresent(this.client, this.ourPath);
        waitFor = lowest;
      }
      if ((await waitForChange(this.client, joinPath(this.path, waitFor), deadline)) === 'timeout') {
        throw timeoutError(`barrier ${this.path} leave`, options.timeoutMs);
      }
    }
    await deleteIfPresent(this.client, this.readyPath);
  }

  private async join(): Promise<void> {
    try {
      await retryOnConnectionLoss(this.client, () => this.client.create(this.ourPath, undefined, { mode: 'EPHEMERAL' }));
    } catch (err) {
      if (!ZooKeeperError.is(err, ErrorCode.NODEEXISTS)) throw err;
      // Ours from a create that lost its reply is fine; another live participant's is not.
      const stat = await retryOnConnectionLoss(this.client, () => this.client.exists(this.ourPath));
      if (stat !== null && stat.ephemeralOwner !== this.client.sessionId) {
        throw new ZooKeeperError(ErrorCode.NODEEXISTS, { path: this.ourPath, message: 'another participant uses this id' });
      }
      if (stat === null) await this.join();
    }
  }

  private async participants(): Promise<string[]> {
    const children = await retryOnConnectionLoss(this.client, () => this.client.getChildren(this.path));
    return children.filter((name) => name !== READY);
  }
}
