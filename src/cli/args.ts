/**
 * A small flag parser shared by the subcommands: `--name value`, `--name=value`, `--flag`; a 'list'
 * flag may be repeated and each value may be a comma list (`--allow-origin a --allow-origin b,c`).
 */
import { DEFAULT_WEBRTC_BINDING, WEBRTC_BINDINGS, isWebRtcBindingName, type WebRtcBindingName } from '../node/webrtc-binding.js';
import type { IceConfig } from '../signalling/ice.js';
import { iceConfigFromFlags } from '../signalling/ice-options.js';

export type FlagKind = 'string' | 'int' | 'bool' | 'list';

export type FlagSpec = Readonly<Record<string, FlagKind>>;

export interface ParsedFlags {
  readonly values: ReadonlyMap<string, string | number | boolean>;
  readonly positional: readonly string[];
  string(name: string): string | undefined;
  int(name: string): number | undefined;
  bool(name: string): boolean;
  /** A 'list' flag's values, every occurrence and comma-separated part, in order; [] when absent. */
  list(name: string): string[];
}

export class UsageError extends Error {
  override name = 'UsageError';
}

/** `--webrtc roamhq|datachannel`: the Node members' WebRTC binding (node/webrtc-binding.ts); absent: the default. */
export function webrtcFlag(f: ParsedFlags): WebRtcBindingName | undefined {
  const v = f.string('webrtc');
  if (v === undefined) return undefined;
  if (!isWebRtcBindingName(v)) throw new UsageError(`--webrtc must be one of ${WEBRTC_BINDINGS.join(', ')} (default ${DEFAULT_WEBRTC_BINDING})`);
  return v;
}

export function parseFlags(argv: readonly string[], spec: FlagSpec): ParsedFlags {
  const values = new Map<string, string | number | boolean>();
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const kind = spec[name];
    if (kind === undefined) throw new UsageError(`unknown option --${name}`);
    if (kind === 'bool') {
      if (eq >= 0) throw new UsageError(`--${name} takes no value`);
      values.set(name, true);
      continue;
    }
    const raw = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
    if (raw === undefined) throw new UsageError(`--${name} needs a value`);
    if (kind === 'int') {
      const n = Number(raw);
      if (!Number.isSafeInteger(n) || n < 0) throw new UsageError(`--${name} must be a non-negative integer, got ${raw}`);
      values.set(name, n);
    } else if (kind === 'list') {
      const before = values.get(name);
      values.set(name, before === undefined ? raw : `${before as string},${raw}`);
    } else values.set(name, raw);
  }
  return {
    values,
    positional,
    string: (name) => values.get(name) as string | undefined,
    int: (name) => values.get(name) as number | undefined,
    bool: (name) => values.get(name) === true,
    list: (name) => {
      const v = values.get(name);
      return typeof v === 'string' ? v.split(',').map((x) => x.trim()).filter((x) => x !== '') : [];
    },
  };
}

/** "1,2,3" → [1, 2, 3]: distinct non-negative integers. */
export function parseIdList(raw: string, what: string): number[] {
  const ids = raw.split(',').map((s) => Number(s.trim()));
  if (ids.length === 0 || ids.some((n) => !Number.isSafeInteger(n) || n < 0)) throw new UsageError(`${what} must be a comma-separated list of member ids, got ${raw}`);
  if (new Set(ids).size !== ids.length) throw new UsageError(`${what} has duplicates: ${raw}`);
  return ids;
}

export function parseUrlList(raw: string, what: string): string[] {
  const urls = raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (urls.length === 0) throw new UsageError(`${what} needs at least one URL`);
  for (const u of urls) {
    let parsed: URL;
    try {
      parsed = new URL(u);
    } catch {
      throw new UsageError(`${what}: ${u} is not a URL`);
    }
    if (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:') throw new UsageError(`${what}: ${u} must be a ws:// or wss:// URL`);
  }
  return urls;
}

/** Resolves when the process is asked to stop (Ctrl-C, kill), or its stdin closes if `withStdin`. */
export function untilStopped(withStdin = false): Promise<string> {
  return new Promise((resolve) => {
    const done = (why: string) => () => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      // A resumed stdin holds the event loop open: let go of it so the process can exit.
      if (withStdin) process.stdin.destroy();
      resolve(why);
    };
    const onInt = done('SIGINT');
    const onTerm = done('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
    if (withStdin) {
      // A parent that spawned us with a stdin pipe dies → the pipe closes → we stop too.
      process.stdin.on('end', done('stdin closed'));
      process.stdin.on('error', done('stdin closed'));
      process.stdin.resume();
    }
  });
}

/** `--help` or `-h` anywhere among a subcommand's arguments. */
export function wantsHelp(argv: readonly string[]): boolean {
  return argv.includes('--help') || argv.includes('-h');
}

/** `--ice-server`, `--ice-credentials`, `--ice-transport-policy` (and the TURN credentials' environment) as an ICE configuration. */
export function iceFlags(f: ParsedFlags): IceConfig | undefined {
  try {
    return iceConfigFromFlags({ servers: f.list('ice-server'), credentialsFile: f.string('ice-credentials'), policy: f.string('ice-transport-policy') });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}
