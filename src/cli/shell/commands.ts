/**
 * The shell's commands, with zkCli's names, flags and usage lines where zkCli has them. Each command
 * gets its parsed arguments and a `ShellContext` (the client, the output, the session controls) and
 * either prints its result or throws: a `ShellUsageError` (the shell adds the usage line), a
 * `ZooKeeperError` (printed by ZooKeeper's name) or a `ShellError` (printed as is).
 */
import { ErrorCode, ZooKeeperError } from '../../client/errors.js';
import type { ZooKeeperClient } from '../../client/client.js';
import { joinPath } from '../../client/paths.js';
import type { Watcher } from '../../client/types.js';
import type { MemberStatus } from '../../node/status.js';
import type { WatchMode, WatcherType } from '../../protocol/client.js';
import { formatChildren, formatData, formatError, formatMultiResults, formatStat, formatStatus, describeMultiOp } from './format.js';
import { CREATE_FLAGS, MULTI_USAGE, ShellUsageError, createMode, parseInteger, parseMulti, type FlagSpec, type ParsedArgs, type Token } from './parse.js';

/** A failure the shell prints as it is (not connected, no member attached...). */
export class ShellError extends Error {
  override name = 'ShellError';
}

export interface HistoryEntry {
  readonly number: number;
  readonly text: string;
}

/** What commands may use of the shell around them. */
export interface ShellContext {
  /** The live client; throws a ShellError after `close` or expiry. */
  client(): ZooKeeperClient;
  /** The shell's one watcher (zkCli's default watcher): prints `WATCHER::` lines. */
  readonly watcher: Watcher;
  out(line: string): void;
  /** The URL of the member the session is attached to, null between members. */
  memberUrl(): string | null;
  readonly requestTimeoutMs: number;
  /** A new session (closing the current one) to `connectString`, or again to the same members. */
  connect(connectString?: string): Promise<void>;
  close(): Promise<void>;
  history(): readonly HistoryEntry[];
  /** Runs history entry `number` again; false if it failed. */
  redo(number: number): Promise<boolean>;
  quit(): void;
  fetchStatus(url: string): Promise<MemberStatus>;
  /** The member's mntr lines (`key<TAB>value`). */
  fetchMntr(url: string): Promise<string[]>;
}

export interface Command {
  readonly name: string;
  /** zkCli's usage line: `ls [-s] [-w] [-R] path`. */
  readonly usage: string;
  readonly summary: string;
  readonly flags: FlagSpec;
  /** How many positional arguments: [min, max]. */
  readonly arity: readonly [number, number];
  /** Gets the raw tokens instead of parsed arguments (`multi`). */
  readonly raw?: boolean;
  run(ctx: ShellContext, args: ParsedArgs, tokens: readonly Token[]): Promise<void>;
}

function watchOf(ctx: ShellContext, args: ParsedArgs): { watch?: Watcher } {
  return args.bool('w') ? { watch: ctx.watcher } : {};
}

function arg(args: ParsedArgs, i: number): string {
  const value = args.positional[i];
  if (value === undefined) throw new ShellUsageError('missing argument');
  return value;
}

/** Every path at and below `root`, parents before children, siblings sorted. */
async function subtree(zk: ZooKeeperClient, root: string, watch: { watch?: Watcher }): Promise<string[]> {
  const out: string[] = [];
  const visit = async (path: string, isRoot: boolean): Promise<void> => {
    let children: string[];
    try {
      children = await zk.getChildren(path, watch);
    } catch (err) {
      // Gone between listing its parent and listing it: skip, unless it is where we started.
      if (!isRoot && ZooKeeperError.is(err, ErrorCode.NONODE)) return;
      throw err;
    }
    out.push(path);
    for (const child of children.sort()) await visit(joinPath(path, child), false);
  };
  await visit(root, true);
  return out;
}

const RESERVED = '/zookeeper';

const COMMANDS: readonly Command[] = [
  {
    name: 'ls',
    usage: 'ls [-s] [-w] [-R] path',
    summary: 'list the children of a node (-R: the whole subtree, -s: with its stat, -w: watch)',
    flags: { s: 'bool', w: 'bool', R: 'bool' },
    arity: [1, 1],
    async run(ctx, a) {
      const zk = ctx.client();
      const path = arg(a, 0);
      if (a.bool('R')) {
        for (const p of await subtree(zk, path, watchOf(ctx, a))) ctx.out(p);
        return;
      }
      if (a.bool('s')) {
        const { children, stat } = await zk.getChildren2(path, watchOf(ctx, a));
        ctx.out(formatChildren(children.sort()));
        for (const line of formatStat(stat)) ctx.out(line);
      } else {
        ctx.out(formatChildren((await zk.getChildren(path, watchOf(ctx, a))).sort()));
      }
    },
  },
  {
    name: 'get',
    usage: 'get [-s] [-w] path',
    summary: "print a node's data (UTF-8 text, or hex when it is not), -s: and its stat",
    flags: { s: 'bool', w: 'bool' },
    arity: [1, 1],
    async run(ctx, a) {
      const { data, stat } = await ctx.client().getData(arg(a, 0), watchOf(ctx, a));
      ctx.out(formatData(data));
      if (a.bool('s')) for (const line of formatStat(stat)) ctx.out(line);
    },
  },
  {
    name: 'set',
    usage: 'set [-s] [-v version] path data',
    summary: "replace a node's data (-v: only at that version, -s: print the new stat)",
    flags: { s: 'bool', v: 'int' },
    arity: [2, 2],
    async run(ctx, a) {
      const stat = await ctx.client().setData(arg(a, 0), arg(a, 1), a.int('v') ?? -1);
      if (a.bool('s')) for (const line of formatStat(stat)) ctx.out(line);
    },
  },
  {
    name: 'create',
    usage: 'create [-e] [-s] [-c] [-t ttl] path [data]',
    summary: 'create a node (-e ephemeral, -s sequential, -c container, -t TTL in ms)',
    flags: CREATE_FLAGS,
    arity: [1, 2],
    async run(ctx, a) {
      const choice = createMode(a);
      const created = await ctx.client().create(arg(a, 0), a.positional[1] ?? '', choice);
      ctx.out(`Created ${created}`);
    },
  },
  {
    name: 'delete',
    usage: 'delete [-v version] path',
    summary: 'delete a node without children (-v: only at that version)',
    flags: { v: 'int' },
    arity: [1, 1],
    async run(ctx, a) {
      await ctx.client().delete(arg(a, 0), a.int('v') ?? -1);
    },
  },
  {
    name: 'deleteall',
    usage: 'deleteall path',
    summary: 'delete a node and everything below it',
    flags: {},
    arity: [1, 1],
    async run(ctx, a) {
      const zk = ctx.client();
      const paths = await subtree(zk, arg(a, 0), {});
      for (const p of paths.reverse()) {
        if (p === '/' || p === RESERVED || p.startsWith(`${RESERVED}/`)) continue;
        try {
          await zk.delete(p);
        } catch (err) {
          if (!ZooKeeperError.is(err, ErrorCode.NONODE)) throw err;
        }
      }
    },
  },
  {
    name: 'stat',
    usage: 'stat [-w] path',
    summary: "print a node's stat (-w: watch it, or its creation when it does not exist)",
    flags: { w: 'bool' },
    arity: [1, 1],
    async run(ctx, a) {
      const path = arg(a, 0);
      const stat = await ctx.client().exists(path, watchOf(ctx, a));
      if (stat === null) throw new ZooKeeperError(ErrorCode.NONODE, { path });
      for (const line of formatStat(stat)) ctx.out(line);
    },
  },
  {
    name: 'sync',
    usage: 'sync path',
    summary: 'wait until the attached member has every write committed before now',
    flags: {},
    arity: [1, 1],
    async run(ctx, a) {
      await ctx.client().sync(arg(a, 0));
      ctx.out('Sync is OK');
    },
  },
  {
    name: 'addWatch',
    usage: 'addWatch [-m mode] path',
    summary: 'a watch that stays until removed; mode PERSISTENT or PERSISTENT_RECURSIVE (default)',
    flags: { m: 'string' },
    arity: [1, 1],
    async run(ctx, a) {
      const raw = (a.string('m') ?? 'PERSISTENT_RECURSIVE').toUpperCase();
      if (raw !== 'PERSISTENT' && raw !== 'PERSISTENT_RECURSIVE') throw new ShellUsageError(`-m must be PERSISTENT or PERSISTENT_RECURSIVE, got ${a.string('m')}`);
      await ctx.client().addWatch(arg(a, 0), raw as WatchMode, ctx.watcher);
    },
  },
  {
    name: 'removewatches',
    usage: 'removewatches path [-c|-d|-a] [-l]',
    summary: 'remove watches (-c child, -d data, -a any (default); -l: locally, without the member)',
    flags: { c: 'bool', d: 'bool', a: 'bool', l: 'bool' },
    arity: [1, 1],
    async run(ctx, a) {
      const chosen = (['c', 'd', 'a'] as const).filter((f) => a.bool(f));
      if (chosen.length > 1) throw new ShellUsageError('choose one of -c, -d and -a');
      const type: WatcherType = chosen[0] === 'c' ? 'CHILDREN' : chosen[0] === 'd' ? 'DATA' : 'ANY';
      await ctx.client().removeWatches(arg(a, 0), type, undefined, { local: a.bool('l') });
    },
  },
  {
    name: 'watch',
    usage: 'watch path',
    summary: 'a one-shot watch on the data and children of a node (or on its creation)',
    flags: {},
    arity: [1, 1],
    async run(ctx, a) {
      const zk = ctx.client();
      const path = arg(a, 0);
      const stat = await zk.exists(path, { watch: ctx.watcher });
      if (stat === null) {
        ctx.out(`Watching ${path} for its creation`);
        return;
      }
      try {
        await zk.getChildren(path, { watch: ctx.watcher });
      } catch (err) {
        // Deleted in between: the data watch set by exists fires NodeDeleted.
        if (!ZooKeeperError.is(err, ErrorCode.NONODE)) throw err;
      }
      ctx.out(`Watching ${path} (data and children)`);
    },
  },
  {
    name: 'getEphemerals',
    usage: 'getEphemerals [path]',
    summary: 'the ephemeral nodes this session owns (under path)',
    flags: {},
    arity: [0, 1],
    async run(ctx, a) {
      ctx.out(formatChildren((await ctx.client().getEphemerals(a.positional[0] ?? '/')).sort()));
    },
  },
  {
    name: 'multi',
    usage: MULTI_USAGE,
    summary: 'all-or-nothing: ops separated by | (quote data that contains | or ;)',
    flags: {},
    arity: [0, Infinity],
    raw: true,
    async run(ctx, _a, tokens) {
      const ops = parseMulti(tokens);
      let results;
      try {
        results = await ctx.client().multi(ops);
      } catch (err) {
        if (!(err instanceof ZooKeeperError) || err.results === undefined) throw err;
        const index = err.results.findIndex((r) => r.op === 'error' && r.err !== ErrorCode.OK && r.err !== ErrorCode.RUNTIMEINCONSISTENCY);
        const op = ops[index];
        if (op === undefined) throw err;
        throw new ShellError(`multi failed, nothing applied: op ${index + 1} (${describeMultiOp(op)}): ${formatError(new ZooKeeperError(err.code), op.path)}`);
      }
      for (const line of formatMultiResults(ops, results)) ctx.out(line);
    },
  },
  {
    name: 'srvr',
    usage: 'srvr',
    summary: 'the status of the member this session is attached to (GET /status)',
    flags: {},
    arity: [0, 0],
    async run(ctx) {
      ctx.client();
      const url = ctx.memberUrl();
      if (url === null) throw new ShellError(`Not attached to a member (${ctx.client().state})`);
      for (const line of formatStatus(url, await ctx.fetchStatus(url))) ctx.out(line);
    },
  },
  {
    name: 'mntr',
    usage: 'mntr',
    summary: "the attached member's metrics, ZooKeeper's mntr style: key<TAB>value (GET /mntr)",
    flags: {},
    arity: [0, 0],
    async run(ctx) {
      ctx.client();
      const url = ctx.memberUrl();
      if (url === null) throw new ShellError(`Not attached to a member (${ctx.client().state})`);
      for (const line of await ctx.fetchMntr(url)) ctx.out(line);
    },
  },
  {
    name: 'connect',
    usage: 'connect [host:port,...]',
    summary: 'close this session and open a new one (to these members, or the same ones)',
    flags: {},
    arity: [0, 1],
    async run(ctx, a) {
      await ctx.connect(a.positional[0]);
    },
  },
  {
    name: 'close',
    usage: 'close',
    summary: 'close the session (its ephemeral nodes go now)',
    flags: {},
    arity: [0, 0],
    async run(ctx) {
      await ctx.close();
    },
  },
  {
    name: 'history',
    usage: 'history',
    summary: 'the last commands, numbered',
    flags: {},
    arity: [0, 0],
    async run(ctx) {
      for (const e of ctx.history().slice(-20)) ctx.out(`${e.number} - ${e.text}`);
    },
  },
  {
    name: 'redo',
    usage: 'redo cmdno',
    summary: 'run command number cmdno of the history again',
    flags: {},
    arity: [1, 1],
    async run(ctx, a) {
      if (!(await ctx.redo(parseInteger(arg(a, 0), 'cmdno')))) throw new ShellError('');
    },
  },
  {
    name: 'help',
    usage: 'help',
    summary: 'this list',
    flags: {},
    arity: [0, 1],
    async run(ctx) {
      for (const line of helpText()) ctx.out(line);
    },
  },
  {
    name: 'quit',
    usage: 'quit',
    summary: 'close the session and leave',
    flags: {},
    arity: [0, 0],
    async run(ctx) {
      ctx.quit();
    },
  },
];

const BY_NAME = new Map(COMMANDS.map((c) => [c.name.toLowerCase(), c]));

export const COMMAND_NAMES: readonly string[] = COMMANDS.map((c) => c.name);

/** zkCli spells some commands in camelCase; we accept any case. `exit` is `quit`. */
export function findCommand(name: string): Command | undefined {
  const key = name.toLowerCase();
  return BY_NAME.get(key === 'exit' ? 'quit' : key);
}

export function helpText(): string[] {
  const width = Math.max(...COMMANDS.map((c) => (c.name === 'multi' ? 0 : c.usage.length)));
  return [
    'peerkeeper shell — ZooKeeper commands against an ensemble (zkCli names and flags)',
    '',
    ...COMMANDS.filter((c) => c.name !== 'multi').map((c) => `  ${c.usage.padEnd(width)}  ${c.summary}`),
    '',
    'multi: one transaction on one line, ops separated by |, all applied or none:',
    '  multi create [-e] [-s] [-c] [-t ttl] path [data] | set [-v version] path data | delete [-v version] path | check path version',
    '  e.g.  multi create /a x | set /b y | delete /c | check /d 3',
    '',
    "Lines: several commands separated by ;  data with spaces, | or ; in '...' or \"...\" (\"\\n\" etc. inside double quotes);",
    'a line starting with # is a comment. Watch events print as WATCHER:: lines when they fire.',
  ];
}
