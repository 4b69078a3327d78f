/**
 * Leader election (ZooKeeper's recipe): candidates create ephemeral-sequential nodes; the smallest
 * leads. Each other candidate watches only its predecessor, so a leader's death wakes one candidate,
 * which checks whether it is now the smallest.
 *
 * Leadership is given up while disconnected (the session may be expiring without us knowing, and
 * another leader may follow): `onLeadershipLost` runs, and leadership comes back through `onLeader`
 * if our node is still the smallest after the reconnect (as Curator's LeaderLatch does).
 */
import type { ZooKeeperClient } from '../client.js';
import { fromUtf8 } from '../bytes.js';
import { ErrorCode, ZooKeeperError } from '../errors.js';
import { basename, joinPath, validatePath } from '../paths.js';
import { createProtectedSequential, deleteIfPresent } from './protected-create.js';
import { watchFirstSequential, type WatchHandle } from './rearming-watch.js';
import { ensurePath, randomId, retryOnConnectionLoss, sortBySequence } from './util.js';

export interface ElectionOptions {
  /** Who we are (stored in our candidate node; what `leader()` returns). Defaults to a random id. */
  readonly id?: string;
  readonly onLeader?: () => void;
  /** The current leader's id, each time it changes while we are not leading. */
  readonly onFollower?: (leaderId: string) => void;
  readonly onLeadershipLost?: (reason: string) => void;
  /** A background check failed for good (e.g. the session ended). */
  readonly onError?: (err: unknown) => void;
  readonly random?: () => number;
}

const MARKER = '-n_';

export class LeaderElection {
  readonly id: string;
  private readonly prefix: string;
  private candidate: string | null = null;
  private leading = false;
  private running = false;
  private checking = false;
  private again = false;
  private lastLeader: string | null = null;
  private offState: (() => void) | null = null;

  constructor(
    private readonly client: ZooKeeperClient,
    readonly path: string,
    private readonly options: ElectionOptions = {},
  ) {
    validatePath(path);
    const random = options.random ?? client.random;
    this.id = options.id ?? randomId(random);
    this.prefix = `${randomId(random)}${MARKER}`;
  }

  get isLeader(): boolean {
    return this.leading;
  }

  get candidatePath(): string | null {
    return this.candidate;
  }

  /** Enters the election; resolves once we know whether we lead (callbacks have run by then). */
  async start(): Promise<void> {
    if (this.running) throw new Error(`election ${this.path}: already started`);
    this.running = true;
    this.lastLeader = null;
    try {
      await ensurePath(this.client, this.path);
      this.candidate = await createProtectedSequential(this.client, this.path, this.prefix, this.id);
      this.offState = this.client.on('state', ({ state }) => {
        if (state === 'DISCONNECTED') this.lose('disconnected from the ensemble');
        else if (state === 'EXPIRED' || state === 'CLOSED') this.stop(`session ${state}`);
        else if (state === 'CONNECTED') this.trigger();
      });
      await this.check();
    } catch (err) {
      const candidate = this.candidate;
      this.stop('start failed');
      if (candidate !== null) await deleteIfPresent(this.client, candidate).catch(() => undefined);
      throw err;
    }
  }

  /** Leaves the election (our node goes; the next candidate takes over). */
  async resign(): Promise<void> {
    const candidate = this.candidate;
    this.stop('resigned');
    if (candidate !== null) await deleteIfPresent(this.client, candidate);
  }

  /** The id of the current leader, or null when there is no candidate. */
  async leader(): Promise<string | null> {
    for (;;) {
      const candidates = await this.candidates();
      if (candidates.length === 0) return null;
      try {
        const { data } = await retryOnConnectionLoss(this.client, () => this.client.getData(joinPath(this.path, candidates[0]!)));
        return fromUtf8(data);
      } catch (err) {
        if (!ZooKeeperError.is(err, ErrorCode.NONODE)) throw err; // it just left: look again
      }
    }
  }

  private trigger(): void {
    if (!this.running) return;
    if (this.checking) {
      this.again = true;
      return;
    }
    this.check().catch((err) => {
      this.stop(`check failed: ${err instanceof Error ? err.message : String(err)}`);
      this.options.onError?.(err);
    });
  }

  /** One look at the candidates: lead if we are the smallest, else watch our predecessor. */
  private async check(): Promise<void> {
    this.checking = true;
    try {
      do {
        this.again = false;
        await this.checkOnce();
      } while (this.again && this.running);
    } finally {
      this.checking = false;
    }
  }

  private async checkOnce(): Promise<void> {
    for (;;) {
      if (!this.running || this.candidate === null) return;
      const candidates = await this.candidates();
      const index = candidates.indexOf(basename(this.candidate));
      if (index < 0) {
        this.stop('our candidate node vanished');
        return;
      }
      if (index === 0) {
        if (!this.leading && this.client.state === 'CONNECTED') {
          this.leading = true;
          this.options.onLeader?.();
        }
        return;
      }
      this.lose('another candidate is ahead');
      const predecessor = joinPath(this.path, candidates[index - 1]!);
      const stat = await retryOnConnectionLoss(this.client, () => this.client.exists(predecessor, { watch: () => this.trigger() }));
      if (stat === null) continue; // it left while we looked: look again
      const leader = await this.leaderOf(candidates[0]!);
      if (leader !== null && leader !== this.lastLeader) {
        this.lastLeader = leader;
        this.options.onFollower?.(leader);
      }
      return;
    }
  }

  private async leaderOf(name: string): Promise<string | null> {
    try {
      return fromUtf8((await retryOnConnectionLoss(this.client, () => this.client.getData(joinPath(this.path, name)))).data);
    } catch (err) {
      if (ZooKeeperError.is(err, ErrorCode.NONODE)) return null;
      throw err;
    }
  }

  private async candidates(): Promise<string[]> {
    const children = await retryOnConnectionLoss(this.client, () => this.client.getChildren(this.path));
    return sortBySequence(children.filter((name) => name.includes(MARKER)));
  }

  private lose(reason: string): void {
    if (!this.leading) return;
    this.leading = false;
    this.options.onLeadershipLost?.(reason);
  }

  private stop(reason: string): void {
    this.lose(reason);
    this.running = false;
    this.candidate = null;
    this.offState?.();
    this.offState = null;
  }
}

/**
 * Follows who leads the election at `path` — candidate or not: `onChange` gets the leader's id
 * now and after each change (null: no candidate). One child watch, however many candidates.
 */
export function watchLeader(client: ZooKeeperClient, path: string, onChange: (leaderId: string | null) => void, onStop?: (reason: unknown) => void): WatchHandle {
  validatePath(path);
  return watchFirstSequential(client, path, MARKER, onChange, onStop);
}

export interface LeaderState {
  /** The leader's id, null while nobody leads. */
  readonly leader: string | null;
  /** True while this client holds the leadership (false while disconnected: it may be lost). */
  readonly isLeader: boolean;
}

export interface ElectLeaderHandle extends LeaderState {
  /** Our id in the election. */
  readonly id: string;
  /** Leaves the election (the next candidate takes over) and stops following it. */
  stop(): Promise<void>;
}

/**
 * "Elect one leader among us": enters the election at `path` as `options.id` and reports
 * `{ leader, isLeader }` each time either changes — a LeaderElection and a watchLeader in one.
 * Resolves once entered; the first report has run by then.
 */
export async function electLeader(
  client: ZooKeeperClient,
  path: string,
  options: { readonly id?: string; readonly onChange?: (state: LeaderState) => void; readonly onError?: (err: unknown) => void } = {},
): Promise<ElectLeaderHandle> {
  let leader: string | null = null;
  let last = '';
  const report = () => {
    const state = { leader, isLeader: election.isLeader };
    const key = JSON.stringify(state);
    if (key === last) return;
    last = key;
    options.onChange?.(state);
  };
  const election = new LeaderElection(client, path, {
    ...(options.id !== undefined ? { id: options.id } : {}),
    onLeader: report,
    onFollower: report,
    onLeadershipLost: report,
    ...(options.onError ? { onError: options.onError } : {}),
  });
  await election.start();
  const watch = watchLeader(client, path, (id) => {
    leader = id;
    report();
  });
  await watch.ready;
  return {
    id: election.id,
    get leader() {
      return leader;
    },
    get isLeader() {
      return election.isLeader;
    },
    async stop() {
      watch.stop();
      await election.resign();
    },
  };
}
