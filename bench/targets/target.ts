/** What the scenarios need from an ensemble under test, the same for peerkeeper and ZooKeeper. */
import { fileURLToPath } from 'node:url';
import type { BenchClient } from '../lib/adapter.js';
import type { LoadResult } from '../lib/load.js';
import { spawnTracked, type Proc } from '../lib/procs.js';

export interface Settled {
  readonly leader: number;
  /** The leader's epoch: a change between two observations means a leader change. */
  readonly epoch: number;
  readonly followers: readonly number[];
}

export interface Target {
  readonly key: string;
  readonly label: string;
  readonly side: 'ours' | 'baseline';
  /** Ours compared with every baseline: the header of that ratio column (report.ts, ratioSources). */
  readonly ratioColumn?: string;
  readonly ids: readonly number[];
  /** What a reader needs to reproduce it (tick, ports are not interesting). */
  readonly config: Record<string, unknown>;
  start(): Promise<void>;
  /** Waits until every running member serves under one leader (all others following it). */
  settled(timeoutMs?: number): Promise<Settled>;
  /** A connected client that may use only the members `ids`. */
  client(ids: readonly number[], sessionTimeoutMs: number): Promise<BenchClient>;
  /**
   * kill -9 member `id` (a tab: crash its renderer); resolves once it is gone, with the
   * performance.now() at which the kill was issued: the failover clock starts there.
   */
  kill9(id: number): Promise<number>;
  /** Starts member `id` again on its old data and ports. */
  restart(id: number): Promise<void>;
  /** Spawns a provider process holding an ephemeral `path` in a session of `sessionTimeoutMs`. */
  provider(path: string, sessionTimeoutMs: number): Promise<Provider>;
  /**
   * Runs a throughput row's closed loop inside the target (browser tabs), from member `memberId`'s
   * client, instead of through `client()` from this process.
   */
  inPageLoad?(o: InPageLoad): Promise<LoadResult>;
  /** Rows this target cannot run, and why (shown as n/a). */
  readonly unsupported?: Readonly<Record<string, string>>;
  /** Recent log lines of the members (for a failure report). */
  logTail(): string;
  stop(): Promise<void>;
}

export interface InPageLoad {
  readonly key: string;
  readonly memberId: number;
  readonly outstanding: number;
  readonly warmupMs: number;
  readonly measureMs: number;
}

export interface Provider {
  readonly proc: Proc;
  /** What the provider printed when its ephemeral was in place. */
  readonly registered: string;
}

const REPO = fileURLToPath(new URL('../..', import.meta.url));

/** Runs `bench/providers/<script>` with tsx; resolves once it printed "registered". */
export async function spawnProvider(script: string, args: readonly string[]): Promise<Provider> {
  const file = fileURLToPath(new URL(`../providers/${script}`, import.meta.url));
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  const proc = spawnTracked(process.execPath, ['--import', 'tsx', file, ...args], { cwd: REPO, env });
  const m = await proc.waitFor(/^registered .*$/m, 30_000);
  return { proc, registered: m[0] };
}
