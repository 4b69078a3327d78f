/**
 * What a user did to the classroom, and the trace that replays it. The simulator is deterministic, so
 * a trace is just the seed, the ensemble size and each action with the virtual time it happened at;
 * replaying re-runs the world and applies the actions at the same instants. The event log is carried
 * along for people to read; replay ignores it.
 */

export type ClientName = 'A' | 'B';
export const CLIENT_NAMES: readonly ClientName[] = ['A', 'B'];

export type WriteMode = 'PERSISTENT' | 'EPHEMERAL' | 'PERSISTENT_SEQUENTIAL';

export type Action =
  | { readonly kind: 'create'; readonly client: ClientName; readonly path: string; readonly data: string; readonly mode: WriteMode }
  | { readonly kind: 'setData'; readonly client: ClientName; readonly path: string; readonly data: string }
  | { readonly kind: 'delete'; readonly client: ClientName; readonly path: string }
  /** A read, optionally leaving a watch. */
  | { readonly kind: 'read'; readonly client: ClientName; readonly path: string; readonly watch: boolean }
  | { readonly kind: 'kill'; readonly member: number }
  | { readonly kind: 'restart'; readonly member: number }
  /** A stop-the-world pause (think of a long GC): no ticks, messages wait, for `ms` virtual ms. */
  | { readonly kind: 'pause'; readonly member: number; readonly ms: number }
  /** Cut (or mend) the link between two members, both directions. */
  | { readonly kind: 'link'; readonly a: number; readonly b: number; readonly cut: boolean }
  /** Cut every link between `side` and the others. */
  | { readonly kind: 'partition'; readonly side: readonly number[] }
  /** Mend every cut link. */
  | { readonly kind: 'heal' }
  /** The message in flight with this id vanishes. */
  | { readonly kind: 'drop'; readonly message: number }
  | { readonly kind: 'network'; readonly slow: boolean }
  /** Attach a client to another member (it reconnects there). */
  | { readonly kind: 'home'; readonly client: ClientName; readonly member: number }
  /** The client process dies silently: no more heartbeats, its session will expire. */
  | { readonly kind: 'crashClient'; readonly client: ClientName }
  /** A new client process (a new session) in that slot. */
  | { readonly kind: 'newClient'; readonly client: ClientName };

export type ActionKind = Action['kind'];

export interface TimedAction {
  /** Virtual ms the action happened at. */
  readonly at: number;
  /**
   * How many simulator events had run before it: replay applies it right after that many (events
   * can share an instant, and the tour acts between two of them). Without it, after every event due
   * at or before `at`.
   */
  readonly events?: number;
  readonly action: Action;
}

export interface TraceEvent {
  readonly at: number;
  readonly text: string;
  readonly member?: number;
}

export const TRACE_FORMAT = 'peerkeeper-demo-trace';
export const TRACE_VERSION = 1;

export interface Trace {
  readonly format: typeof TRACE_FORMAT;
  readonly version: typeof TRACE_VERSION;
  readonly seed: number;
  readonly members: number;
  /** Virtual time the trace was exported at: replay runs to here. */
  readonly endMs: number;
  readonly actions: readonly TimedAction[];
  /** A hash of the world's state at endMs: a replay that ends with the same hash re-ran the same world. */
  readonly fingerprint?: string;
  /** For reading only. */
  readonly events?: readonly TraceEvent[];
}

export class TraceError extends Error {}

export function encodeTrace(trace: Trace): string {
  return JSON.stringify(trace, null, 1);
}

/** Parses and checks a trace; throws TraceError naming the first thing wrong. */
export function decodeTrace(text: string): Trace {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new TraceError(`not JSON: ${(e as Error).message}`);
  }
  if (!isObject(raw)) throw new TraceError('a trace is a JSON object');
  if (raw.format !== TRACE_FORMAT) throw new TraceError(`format must be "${TRACE_FORMAT}"`);
  if (raw.version !== TRACE_VERSION) throw new TraceError(`unsupported version ${String(raw.version)} (this page reads ${TRACE_VERSION})`);
  const seed = raw.seed;
  if (!Number.isSafeInteger(seed) || (seed as number) < 0) throw new TraceError('seed must be a whole number ≥ 0');
  const members = raw.members;
  if (members !== 3 && members !== 5) throw new TraceError('members must be 3 or 5');
  const endMs = raw.endMs;
  if (!isTime(endMs)) throw new TraceError('endMs must be a time ≥ 0');
  if (!Array.isArray(raw.actions)) throw new TraceError('actions must be a list');
  let last = 0;
  let lastEvents = 0;
  const actions: TimedAction[] = raw.actions.map((entry: unknown, i: number) => {
    if (!isObject(entry) || !isTime(entry.at)) throw new TraceError(`action ${i}: needs a time "at" ≥ 0`);
    if (entry.at < last) throw new TraceError(`action ${i}: at ${entry.at} is before the previous action (${last})`);
    if (entry.at > endMs) throw new TraceError(`action ${i}: at ${entry.at} is after endMs ${endMs}`);
    last = entry.at;
    if (entry.events !== undefined) {
      if (!Number.isSafeInteger(entry.events) || (entry.events as number) < lastEvents) throw new TraceError(`action ${i}: events must be a count that never goes down`);
      lastEvents = entry.events as number;
    }
    const problem = actionProblem(entry.action, members);
    if (problem) throw new TraceError(`action ${i}: ${problem}`);
    return { at: entry.at, ...(entry.events !== undefined ? { events: entry.events as number } : {}), action: entry.action as Action };
  });
  const events = Array.isArray(raw.events)
    ? raw.events.filter((e: unknown): e is TraceEvent => isObject(e) && isTime(e.at) && typeof e.text === 'string')
    : undefined;
  if (raw.fingerprint !== undefined && (typeof raw.fingerprint !== 'string' || !/^[0-9a-f]{8}$/.test(raw.fingerprint))) throw new TraceError('fingerprint must be 8 hex digits');
  const fingerprint = raw.fingerprint as string | undefined;
  return { format: TRACE_FORMAT, version: TRACE_VERSION, seed: seed as number, members, endMs, actions, ...(fingerprint ? { fingerprint } : {}), ...(events ? { events } : {}) };
}

/** Why `value` is not an action for an ensemble of `members`, or null. */
export function actionProblem(value: unknown, members: number): string | null {
  if (!isObject(value)) return 'an action is an object';
  const member = (key: string): string | null => {
    const v = value[key];
    return Number.isInteger(v) && (v as number) >= 1 && (v as number) <= members ? null : `${key} must be a member 1..${members}`;
  };
  const client = (): string | null => (value.client === 'A' || value.client === 'B' ? null : 'client must be "A" or "B"');
  const path = (): string | null => (typeof value.path === 'string' && value.path.startsWith('/') && value.path.length <= 200 ? null : 'path must start with /');
  const data = (): string | null => (typeof value.data === 'string' && value.data.length <= 1000 ? null : 'data must be a string');
  const first = (...checks: (string | null)[]): string | null => checks.find((c) => c !== null) ?? null;
  switch (value.kind) {
    case 'create':
      return first(client(), path(), data(), value.mode === 'PERSISTENT' || value.mode === 'EPHEMERAL' || value.mode === 'PERSISTENT_SEQUENTIAL' ? null : 'bad mode');
    case 'setData':
      return first(client(), path(), data());
    case 'delete':
      return first(client(), path());
    case 'read':
      return first(client(), path(), typeof value.watch === 'boolean' ? null : 'watch must be true or false');
    case 'kill':
    case 'restart':
      return member('member');
    case 'pause':
      return first(member('member'), isTime(value.ms) && (value.ms as number) > 0 ? null : 'ms must be positive');
    case 'link':
      return first(member('a'), member('b'), value.a !== value.b ? null : 'a link joins two different members', typeof value.cut === 'boolean' ? null : 'cut must be true or false');
    case 'partition': {
      const side = value.side;
      if (!Array.isArray(side) || side.length === 0 || side.length >= members) return 'side must list some, not all, members';
      return side.every((m) => Number.isInteger(m) && m >= 1 && m <= members) && new Set(side).size === side.length ? null : 'side must list distinct members';
    }
    case 'heal':
      return null;
    case 'drop':
      return Number.isSafeInteger(value.message) && (value.message as number) > 0 ? null : 'message must be a message id';
    case 'network':
      return typeof value.slow === 'boolean' ? null : 'slow must be true or false';
    case 'home':
      return first(client(), member('member'));
    case 'crashClient':
    case 'newClient':
      return client();
    default:
      return `unknown action kind ${JSON.stringify(value.kind)}`;
  }
}

/** One line a person reads in the timeline. */
export function describeAction(a: Action): string {
  switch (a.kind) {
    case 'create':
      return `client ${a.client}: create ${a.path}${a.mode === 'PERSISTENT' ? '' : ` (${a.mode.toLowerCase().replace('_', ' ')})`} = "${a.data}"`;
    case 'setData':
      return `client ${a.client}: set ${a.path} = "${a.data}"`;
    case 'delete':
      return `client ${a.client}: delete ${a.path}`;
    case 'read':
      return `client ${a.client}: read ${a.path}${a.watch ? ' and watch it' : ''}`;
    case 'kill':
      return `kill m${a.member}`;
    case 'restart':
      return `restart m${a.member}`;
    case 'pause':
      return `pause m${a.member} for ${a.ms} ms (a long GC pause)`;
    case 'link':
      return `${a.cut ? 'cut' : 'mend'} the link m${a.a} ↔ m${a.b}`;
    case 'partition':
      return `partition {${a.side.map((m) => `m${m}`).join(', ')}} from the rest`;
    case 'heal':
      return 'heal every link';
    case 'drop':
      return `drop message #${a.message}`;
    case 'network':
      return a.slow ? 'slow network (3× the delay)' : 'normal network';
    case 'home':
      return `client ${a.client} moves to m${a.member}`;
    case 'crashClient':
      return `client ${a.client} dies silently (its session will expire)`;
    case 'newClient':
      return `client ${a.client} starts again with a new session`;
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isTime(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0;
}

/** FNV-1a, 32 bits, as 8 hex digits: a short name for a long fingerprint. */
export function hash32(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}
