/**
 * ZooKeeperClient: ZooKeeper's API, promise-shaped, over the client ↔ member protocol.
 *
 * About CONNECTIONLOSS: a request rejected with it was in flight when the connection broke, and the
 * member may or may not have applied it (exactly as in ZooKeeper). Re-read before retrying a write
 * that is not idempotent. The same holds for SESSIONEXPIRED on a request that was in flight when the
 * session ended. Requests made while the client is between members wait for the next connection (up
 * to `connectWaitMs`) instead of failing at once; one that times out there was never sent.
 */
import type {
  MultiOp,
  MultiResult,
  Operation,
  OperationResponse,
  OperationResult,
  Scheduler,
  Stat,
  WatchEvent,
  WatchMode,
  WatcherType,
} from '../protocol/client.js';
import type { Zxid } from '../zab/zxid.js';
import { Emitter } from './emitter.js';
import { ErrorCode, ZooKeeperError } from './errors.js';
import { createOp, deleteOp, setDataOp, validateMultiOp } from './ops.js';
import { validatePath } from './paths.js';
import { realScheduler } from './scheduler.js';
import { SerialQueue } from './serial-queue.js';
import { Session, type Outcome } from './session.js';
import { Transaction } from './transaction.js';
import type {
  ChildrenResult,
  ClientOptions,
  ConnectionState,
  CreateOptions,
  CreateResult,
  Data,
  DataResult,
  StateChange,
  WatchOption,
  WatchedEvent,
  Watcher,
} from './types.js';
import { WatchRegistry, type WatchKind } from './watches.js';

/** How long a reconnect waits for one member's answer before trying the next one as well. */
const DEFAULT_CONNECT_STAGGER_MS = 200;

export interface ClientEvents {
  /** Every connection-state change, in order with watch events and request completions. */
  state: [StateChange];
  /** Events for the default watcher (`watch: true`). */
  watch: [WatchedEvent];
  /** A watcher or listener threw; without a listener here it goes to console.error. */
  error: [unknown];
}

type ResultOf<K extends OperationResult['op']> = Extract<OperationResult, { op: K }>;

export class ZooKeeperClient {
  readonly scheduler: Scheduler;
  readonly random: () => number;
  private readonly emitter = new Emitter<ClientEvents>();
  private readonly queue: SerialQueue;
  private readonly watches = new WatchRegistry();
  private readonly session: Session;
  private readonly defaultWatcher: Watcher;
  private readonly connectWaitMs: number;

  constructor(options: ClientOptions) {
    if (!(options.sessionTimeoutMs > 0)) throw new RangeError(`sessionTimeoutMs must be positive, got ${options.sessionTimeoutMs}`);
    if (!Number.isInteger(options.members) || options.members < 1) throw new RangeError(`members must be a positive integer, got ${options.members}`);
    this.scheduler = options.scheduler ?? realScheduler;
    this.random = options.random ?? Math.random;
    const timeout = options.sessionTimeoutMs;
    this.connectWaitMs = options.connectWaitMs ?? timeout;
    const userWatcher = options.watcher;
    this.defaultWatcher = (event) => {
      userWatcher?.(event);
      this.emitter.emit('watch', [event], (err) => this.reportError(err));
    };
    this.queue = new SerialQueue((err) => this.reportError(err));
    this.session = new Session(
      {
        connector: options.connector,
        members: options.members,
        sessionTimeoutMs: timeout,
        canBeReadOnly: options.canBeReadOnly ?? false,
        scheduler: this.scheduler,
        random: this.random,
        connectTimeoutMs: options.connectTimeoutMs ?? Math.ceil(timeout / options.members),
        connectStaggerMs: options.connectStaggerMs ?? Math.min(DEFAULT_CONNECT_STAGGER_MS, Math.ceil(timeout / options.members)),
        answerTimeoutMs: options.answerTimeoutMs,
        connectWaitMs: this.connectWaitMs,
        reconnectBackoffMs: options.reconnectBackoffMs ?? { initial: Math.ceil(Math.min(100, timeout / 20)), max: Math.ceil(Math.min(2000, timeout / 3)) },
        readWriteProbeMs: options.readWriteProbeMs ?? { initial: 100, max: 60_000 },
      },
      this.queue,
      {
        onWatchEvent: (event) => this.onWatchEvent(event),
        onStateChange: (change) => this.onStateChange(change),
        setWatches: (lastZxid) => (this.watches.isEmpty() ? null : this.watches.toSetWatches(lastZxid)),
      },
    );
  }

  // ---- the session, as the user sees it ---------------------------------------------------

  get state(): ConnectionState {
    return this.session.state;
  }

  /** 0 until a member created the session. */
  get sessionId(): number {
    return this.session.sessionId;
  }

  get sessionPassword(): Uint8Array {
    return this.session.password;
  }

  /** What the member granted (0 before the first connection); pings go at a third of it. */
  get negotiatedTimeoutMs(): number {
    return this.session.negotiatedTimeoutMs;
  }

  /** The highest zxid seen in any reply, pong or watch event. */
  get lastZxidSeen(): Zxid {
    return this.session.lastZxidSeen;
  }

  /** The connector index of the member we are attached to, null between members. */
  get memberIndex(): number | null {
    return this.session.memberIndex;
  }

  /** Why the last connect attempt failed, while the client is looking for a member. */
  get lastConnectFailure(): string | null {
    return this.session.lastFailure;
  }

  on<K extends keyof ClientEvents>(event: K, fn: (...args: ClientEvents[K]) => void): () => void {
    return this.emitter.on(event, fn);
  }

  once<K extends keyof ClientEvents>(event: K, fn: (...args: ClientEvents[K]) => void): () => void {
    return this.emitter.once(event, fn);
  }

  off<K extends keyof ClientEvents>(event: K, fn: (...args: ClientEvents[K]) => void): void {
    this.emitter.off(event, fn);
  }

  /** Resolves once attached to a member (read-only counts); rejects on EXPIRED, CLOSED or timeout. */
  connected(timeoutMs = this.connectWaitMs): Promise<void> {
    return new Promise((resolve, reject) => {
      const settle = (state: ConnectionState): boolean => {
        if (state === 'CONNECTED' || state === 'CONNECTED_READ_ONLY') resolve();
        else if (state === 'EXPIRED' || state === 'CLOSED') reject(new ZooKeeperError(ErrorCode.SESSIONEXPIRED, { message: `client is ${state}` }));
        else return false;
        return true;
      };
      if (settle(this.state)) return;
      const timer = this.scheduler.setTimeout(() => {
        off();
        reject(new ZooKeeperError(ErrorCode.CONNECTIONLOSS, { message: `not connected within ${timeoutMs}ms (${this.lastConnectFailure ?? 'no member answered'})` }));
      }, timeoutMs);
      const off = this.on('state', (change) => {
        if (!settle(change.state)) return;
        off();
        this.scheduler.clearTimeout(timer);
      });
    });
  }

  // ---- writes ---------------------------------------------------------------------------

  /** Resolves with the created path (with the sequence number appended for *_SEQUENTIAL modes). */
  async create(path: string, data?: Data, options?: CreateOptions): Promise<string> {
    return (await this.create2(path, data, options)).path;
  }

  async create2(path: string, data?: Data, options?: CreateOptions): Promise<CreateResult> {
    const result = await this.call(createOp(path, data, options), 'create', path);
    return { path: result.path, stat: result.stat };
  }

  /** version -1 matches any version; otherwise BADVERSION unless the node is at `version`. */
  async setData(path: string, data: Data, version = -1): Promise<Stat> {
    return (await this.call(setDataOp(path, data, version), 'setData', path)).stat;
  }

  async delete(path: string, version = -1): Promise<void> {
    await this.call(deleteOp(path, version), 'delete', path);
  }

  /** All or nothing. Rejects with the failing op's code; `error.results` has every op's outcome. */
  async multi(ops: readonly MultiOp[]): Promise<MultiResult[]> {
    const checked = ops.map(validateMultiOp);
    const response = await this.send({ op: 'multi', ops: checked });
    const results = response.result?.op === 'multi' ? response.result.results : undefined;
    // The member reports the failing op's code; if it only marked it in the results, find it there.
    const failed = results?.find((r) => r.op === 'error' && r.err !== ErrorCode.OK && r.err !== ErrorCode.RUNTIMEINCONSISTENCY);
    const err = response.err !== ErrorCode.OK ? response.err : failed?.op === 'error' ? failed.err : ErrorCode.OK;
    if (err !== ErrorCode.OK) {
      const index = failed === undefined || results === undefined ? -1 : results.indexOf(failed);
      const message = response.message ?? (index >= 0 ? `op ${index} (${checked[index]?.op} ${checked[index]?.path}) failed` : undefined);
      throw new ZooKeeperError(err, { ...(message !== undefined ? { message } : {}), ...(results !== undefined ? { results } : {}) });
    }
    if (results === undefined) throw malformed('multi', response);
    return [...results];
  }

  transaction(): Transaction {
    return new Transaction((ops) => this.multi(ops));
  }

  // ---- reads ----------------------------------------------------------------------------

  async getData(path: string, options: WatchOption = {}): Promise<DataResult> {
    validatePath(path);
    const watcher = this.watcherFor(options.watch);
    const result = await this.call({ op: 'getData', path, watch: watcher !== null }, 'getData', path, (response) => {
      if (watcher !== null && response.err === ErrorCode.OK) this.watches.add('data', path, watcher);
    });
    return { data: result.data, stat: result.stat };
  }

  /** The node's Stat, or null. A watch on a missing node fires when it is created. */
  async exists(path: string, options: WatchOption = {}): Promise<Stat | null> {
    validatePath(path);
    const watcher = this.watcherFor(options.watch);
    const response = await this.send({ op: 'exists', path, watch: watcher !== null }, (reply) => {
      if (watcher === null) return;
      // ZooKeeper's rule: an existing node gets a data watch, a missing one an exist watch.
      const stat = reply.result?.op === 'exists' ? reply.result.stat : null;
      if (reply.err === ErrorCode.OK) this.watches.add(stat !== null ? 'data' : 'exist', path, watcher);
      else if (reply.err === ErrorCode.NONODE) this.watches.add('exist', path, watcher);
    });
    if (response.err === ErrorCode.NONODE) return null;
    if (response.err !== ErrorCode.OK) throw replyError(response, path);
    if (response.result?.op !== 'exists') throw malformed('exists', response);
    return response.result.stat;
  }

  async getChildren(path: string, options: WatchOption = {}): Promise<string[]> {
    return (await this.children(path, options, false)).children;
  }

  async getChildren2(path: string, options: WatchOption = {}): Promise<ChildrenResult> {
    const { children, stat } = await this.children(path, options, true);
    if (stat === undefined) throw new ZooKeeperError(ErrorCode.MARSHALLINGERROR, { path, message: 'member sent no stat for getChildren2' });
    return { children, stat };
  }

  /** The ephemeral nodes this session owns whose path starts with `prefix`. */
  async getEphemerals(prefix = '/'): Promise<string[]> {
    validatePath(prefix);
    return [...(await this.call({ op: 'getEphemerals', prefix }, 'getEphemerals', prefix)).paths];
  }

  /** How many nodes lie below `path` (its children, theirs, and so on; not `path` itself). NONODE if it is missing. */
  async getAllChildrenNumber(path: string): Promise<number> {
    validatePath(path);
    return (await this.call({ op: 'getAllChildrenNumber', path }, 'getAllChildrenNumber', path)).count;
  }

  /**
   * Resolves if the member holds a watch of `type` on `path` for this session (a persistent watch
   * counts as DATA and CHILDREN, a recursive one as DATA); NOWATCHER otherwise. Changes nothing.
   */
  async checkWatches(path: string, type: WatcherType = 'ANY'): Promise<void> {
    validatePath(path);
    await this.call({ op: 'checkWatches', path, type }, 'checkWatches', path);
  }

  /** Resolves once the member has applied every write committed before the sync started. */
  async sync(path: string): Promise<string> {
    validatePath(path);
    return (await this.call({ op: 'sync', path }, 'sync', path)).path;
  }

  // ---- watches --------------------------------------------------------------------------

  /**
   * A watch that stays until removed: PERSISTENT sees every change of `path` itself (including its
   * child list); PERSISTENT_RECURSIVE sees created/deleted/changed nodes at and below `path`.
   */
  async addWatch(path: string, mode: WatchMode, listener: Watcher = this.defaultWatcher): Promise<void> {
    validatePath(path);
    if (mode !== 'PERSISTENT' && mode !== 'PERSISTENT_RECURSIVE') {
      throw new ZooKeeperError(ErrorCode.BADARGUMENTS, { path, message: `unknown watch mode ${String(mode)}` });
    }
    const kind: WatchKind = mode === 'PERSISTENT' ? 'persistent' : 'persistentRecursive';
    await this.call({ op: 'addWatch', path, mode }, 'addWatch', path, (response) => {
      if (response.err === ErrorCode.OK) this.watches.add(kind, path, listener);
    });
  }

  /**
   * Removes watchers of `type` on `path` (all of them, or just `watcher`); each gets a *WatchRemoved
   * event. NOWATCHER if none match. The member is told only when no local watcher of that kind is
   * left; `local: true` skips the member entirely (works while disconnected).
   */
  async removeWatches(path: string, type: WatcherType = 'ANY', watcher?: Watcher, options: { local?: boolean } = {}): Promise<void> {
    validatePath(path);
    if (this.watches.matching(path, type, watcher).length === 0) {
      throw new ZooKeeperError(ErrorCode.NOWATCHER, { path, message: `no ${type} watcher registered here` });
    }
    if (options.local !== true) {
      for (const memberType of this.watches.memberRemovals(path, type, watcher)) {
        const response = await this.send({ op: 'removeWatches', path, type: memberType });
        // NOWATCHER from the member: it already fired (the event is on its way); nothing to undo.
        if (response.err !== ErrorCode.OK && response.err !== ErrorCode.NOWATCHER) throw replyError(response, path);
      }
    }
    const state = this.state;
    for (const removed of this.watches.remove(path, type, watcher)) {
      this.queue.push(() => removed.watcher({ type: removed.event, path, state, zxid: null }));
    }
  }

  // ---- the end --------------------------------------------------------------------------

  /**
   * Closes the session (its ephemerals go now, not at expiry) after the replies to everything in
   * flight. Watchers get a final `None` event with state CLOSED. Safe to call twice.
   */
  close(): Promise<void> {
    const timeout = this.negotiatedTimeoutMs > 0 ? Math.floor((this.negotiatedTimeoutMs * 2) / 3) : this.connectWaitMs;
    return this.session.close(timeout);
  }

  // ---- plumbing -------------------------------------------------------------------------

  private watcherFor(watch: boolean | Watcher | undefined): Watcher | null {
    if (typeof watch === 'function') return watch;
    return watch === true ? this.defaultWatcher : null;
  }

  private children(path: string, options: WatchOption, withStat: boolean): Promise<{ children: string[]; stat?: Stat }> {
    validatePath(path);
    const watcher = this.watcherFor(options.watch);
    return this.call({ op: 'getChildren', path, watch: watcher !== null, withStat }, 'getChildren', path, (response) => {
      if (watcher !== null && response.err === ErrorCode.OK) this.watches.add('child', path, watcher);
    }).then((result) => (result.stat !== undefined ? { children: [...result.children], stat: result.stat } : { children: [...result.children] }));
  }

  /**
   * Sends `operation`; resolves with the member's reply (any error code) and rejects only when no
   * reply came. `onReply` runs in the client's queue, before any later event is dispatched: that is
   * where watches are registered, so an event that follows the reply finds its watcher.
   */
  private send(operation: Operation, onReply?: (response: OperationResponse) => void): Promise<OperationResponse> {
    return new Promise((resolve, reject) => {
      this.session.submit(operation, (outcome: Outcome) => {
        if (!outcome.ok) {
          reject(new ZooKeeperError(outcome.err, { ...('path' in operation ? { path: operation.path } : {}), message: outcome.message }));
          return;
        }
        onReply?.(outcome.response);
        resolve(outcome.response);
      });
    });
  }

  /** `send`, then insist on OK and a result of the expected kind. */
  private async call<K extends OperationResult['op']>(
    operation: Operation,
    kind: K,
    path: string,
    onReply?: (response: OperationResponse) => void,
  ): Promise<ResultOf<K>> {
    const response = await this.send(operation, onReply);
    if (response.err !== ErrorCode.OK) throw replyError(response, path);
    if (response.result?.op !== kind) throw malformed(kind, response);
    return response.result as ResultOf<K>;
  }

  private onWatchEvent(event: WatchEvent): void {
    const watched: WatchedEvent = { type: event.event, path: event.path, state: this.state, zxid: event.zxid };
    for (const watcher of this.watches.materialize(event.event, event.path)) this.invoke(watcher, watched);
  }

  private onStateChange(change: StateChange): void {
    this.emitter.emit('state', [change], (err) => this.reportError(err));
    if (change.state === 'EXPIRED' || change.state === 'CLOSED') {
      // The last event each watcher gets: nothing it waits for can happen in this session any more.
      const event: WatchedEvent = { type: 'None', path: null, state: change.state, zxid: null };
      for (const watcher of this.watches.clear()) this.invoke(watcher, event);
    }
  }

  private invoke(watcher: Watcher, event: WatchedEvent): void {
    try {
      watcher(event);
    } catch (err) {
      this.reportError(err);
    }
  }

  private reportError(err: unknown): void {
    if (this.emitter.listenerCount('error') > 0) {
      this.emitter.emit('error', [err], (inner) => console.error('peerkeeper client: error listener threw', inner));
    } else {
      console.error('peerkeeper client: a watcher or listener threw', err);
    }
  }
}

function replyError(response: OperationResponse, path: string): ZooKeeperError {
  return new ZooKeeperError(response.err, { path, ...(response.message !== undefined ? { message: response.message } : {}) });
}

function malformed(expected: string, response: OperationResponse): ZooKeeperError {
  return new ZooKeeperError(ErrorCode.MARSHALLINGERROR, {
    message: `member answered a ${expected} with ${response.result === undefined ? 'no result' : `a ${response.result.op} result`}`,
  });
}
