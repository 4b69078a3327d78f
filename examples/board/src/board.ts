/**
 * The board's shared state, kept in the ensemble and followed with watches:
 *
 *   /board/config            { title }            ConfigStore: shared config with change events
 *   /board/tasks/task-NNNN   { text }             one node per task (persistent, sequential)
 *   /board/locks/task-NNNN   lock contenders      Lock: who edits a task; watchLockHolder shows it
 *   /board/leader            election candidates  electLeader: one leader tab, shown everywhere
 *   /board/online/tab-N      { since }            Presence: who is online (ephemeral)
 *
 * Everything session-bound is set up in `tab.perSession`, so it comes back on its own after the
 * tab was cut off long enough for its session to expire.
 */
import {
  ConfigStore,
  ErrorCode,
  Lock,
  Presence,
  ZooKeeperError,
  electLeader,
  ensurePath,
  watchChildren,
  watchLockHolder,
  type ZooKeeperClient,
} from 'peerkeeper';
import type { PeerkeeperTab } from 'peerkeeper/browser';

const ROOT = '/board';
const CONFIG = `${ROOT}/config`;
const TASKS = `${ROOT}/tasks`;
const LOCKS = `${ROOT}/locks`;
const LEADER = `${ROOT}/leader`;
const ONLINE = `${ROOT}/online`;

export interface BoardConfig {
  readonly title: string;
}

export interface TaskData {
  readonly text: string;
}

export interface BoardState {
  readonly me: string;
  title: string;
  /** Task id → its data (null until read). */
  tasks: Map<string, TaskData | null>;
  /** Task id → who holds its lock. */
  locks: Map<string, string>;
  online: string[];
  leader: string | null;
  isLeader: boolean;
  mode: string;
  role: string;
  connection: string;
  peers: readonly number[];
  /** The task this tab edits (holding its lock). */
  editing: string | null;
  error: string | null;
}

export const DEFAULT_TITLE = 'Untitled board';

/** A refusal in words a user understands; ZooKeeper's code name stays in front. */
export function describeError(err: unknown): string {
  if (ZooKeeperError.is(err, ErrorCode.NOTREADONLY)) return `NOTREADONLY: this tab is cut off from the others and read-only; try again once it reconnects`;
  if (err instanceof ZooKeeperError) return err.message;
  return err instanceof Error ? err.message : String(err);
}

/** Runs `write` now, or again each time the client is read-write again, until it succeeds. */
function whenWritable(client: ZooKeeperClient, write: () => Promise<unknown>, onError: (err: unknown) => void): () => void {
  let stopped = false;
  let busy = false;
  let done = false;
  const attempt = async () => {
    if (stopped || busy || done || client.state !== 'CONNECTED') return;
    busy = true;
    try {
      await write();
      done = true;
    } catch (err) {
      const transient = [ErrorCode.NOTREADONLY, ErrorCode.CONNECTIONLOSS, ErrorCode.OPERATIONTIMEOUT].some((code) => ZooKeeperError.is(err, code));
      if (!transient) onError(err);
    } finally {
      busy = false;
    }
  };
  const off = client.on('state', ({ state }) => {
    if (state === 'CONNECTED') void attempt();
  });
  void attempt();
  return () => {
    stopped = true;
    off();
  };
}

export class Board {
  readonly state: BoardState;
  private editLock: Lock | null = null;

  constructor(
    private readonly tab: PeerkeeperTab,
    private readonly changed: () => void,
  ) {
    this.state = {
      me: `tab-${tab.id}`,
      title: DEFAULT_TITLE,
      tasks: new Map(),
      locks: new Map(),
      online: [],
      leader: null,
      isLeader: false,
      mode: tab.mode,
      role: tab.role,
      connection: tab.client.state,
      peers: tab.status().peersUp,
      editing: null,
      error: null,
    };
    tab.on('mode', (mode) => this.set({ mode }));
    tab.on('role', (role) => this.set({ role }));
    tab.on('connection', (connection) => this.set({ connection }));
    tab.on('peers', ({ up }) => this.set({ peers: up }));
    tab.on('session', (client) => {
      this.editLock = null; // it went with the old session
      this.set({ connection: client.state, editing: null });
    });
    tab.perSession((client) => this.follow(client));
  }

  private set(patch: Partial<BoardState>): void {
    Object.assign(this.state, patch);
    this.changed();
  }

  private fail(err: unknown): void {
    this.set({ error: describeError(err) });
  }

  /** Everything this tab follows and owns for one session; returns how to undo it. */
  private follow(client: ZooKeeperClient): () => void {
    const stops: (() => unknown)[] = [];
    const config = new ConfigStore<BoardConfig>(client, CONFIG);
    stops.push(config.watch((c) => this.set({ title: c?.value.title || DEFAULT_TITLE })));

    const presence = new Presence(client, ONLINE);
    stops.push(presence.watch((online) => this.set({ online: [...online.keys()].sort() })));
    stops.push(whenWritable(client, () => presence.join(this.state.me, JSON.stringify({ since: Date.now() })), (e) => this.fail(e)));

    let election: { stop(): Promise<void> } | null = null;
    stops.push(
      whenWritable(
        client,
        async () => {
          election = await electLeader(client, LEADER, { id: this.state.me, onChange: ({ leader, isLeader }) => this.set({ leader, isLeader }) });
        },
        (e) => this.fail(e),
      ),
    );
    stops.push(() => election?.stop().catch(() => undefined));
    stops.push(this.followTasks(client));
    return () => {
      for (const stop of stops) stop();
    };
  }

  /** Each task's data and lock holder, with one watch per task added or dropped as tasks come and go. */
  private followTasks(client: ZooKeeperClient): () => void {
    const perTask = new Map<string, () => void>();
    const list = watchChildren(client, TASKS, (names) => {
      const present = new Set(names ?? []);
      for (const [id, stop] of perTask) {
        if (present.has(id)) continue;
        stop();
        perTask.delete(id);
        this.state.tasks.delete(id);
        this.state.locks.delete(id);
      }
      for (const id of present) {
        if (perTask.has(id)) continue;
        this.state.tasks.set(id, null);
        const stopData = new ConfigStore<TaskData>(client, `${TASKS}/${id}`).watch((task) => {
          if (task !== null) this.state.tasks.set(id, task.value);
          this.changed();
        });
        const holder = watchLockHolder(client, `${LOCKS}/${id}`, (who) => {
          if (who === null) this.state.locks.delete(id);
          else this.state.locks.set(id, who);
          this.changed();
        });
        perTask.set(id, () => {
          stopData();
          holder.stop();
        });
      }
      this.changed();
    });
    return () => {
      list.stop();
      for (const stop of perTask.values()) stop();
      perTask.clear();
    };
  }

  // ---- what the user does ---------------------------------------------------------------

  async rename(title: string): Promise<void> {
    await this.run(() => new ConfigStore<BoardConfig>(this.tab.client, CONFIG).set({ title }));
  }

  async addTask(text: string): Promise<void> {
    await this.run(async () => {
      const client = this.tab.client;
      await ensurePath(client, TASKS);
      await client.create(`${TASKS}/task-`, JSON.stringify({ text } satisfies TaskData), { mode: 'PERSISTENT_SEQUENTIAL' });
    });
  }

  /** Takes the task's lock (giving up at once if another tab holds it) and opens the editor. */
  async startEditing(id: string): Promise<void> {
    if (this.editLock !== null) return;
    await this.run(async () => {
      const lock = new Lock(this.tab.client, `${LOCKS}/${id}`, { data: this.state.me });
      try {
        await lock.acquire({ timeoutMs: 300 });
      } catch (err) {
        if (ZooKeeperError.is(err, ErrorCode.OPERATIONTIMEOUT)) throw new Error(`${id} is locked by ${this.state.locks.get(id) ?? 'another tab'}`);
        throw err;
      }
      this.editLock = lock;
      this.set({ editing: id });
    });
  }

  async save(text: string): Promise<void> {
    const id = this.state.editing;
    const lock = this.editLock;
    if (id === null || lock === null) return;
    await this.run(async () => {
      if (!lock.held) throw new Error(`the lock on ${id} was lost (the session ended): edit again`);
      await new ConfigStore<TaskData>(this.tab.client, `${TASKS}/${id}`).set({ text });
      await this.stopEditing();
    });
  }

  async stopEditing(): Promise<void> {
    const lock = this.editLock;
    this.editLock = null;
    this.set({ editing: null });
    await lock?.release().catch((e: unknown) => this.fail(e));
  }

  private async run(action: () => Promise<unknown>): Promise<void> {
    try {
      await action();
      this.set({ error: null });
    } catch (err) {
      this.fail(err);
    }
  }
}
