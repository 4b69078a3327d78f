/**
 * Reading shell lines: words (with '…' and "…" quoting), `;` between commands, `|` between the ops
 * of a one-line `multi`, zkCli-style flags (`-s`, `-v 3`, `-v3`, bursts like `-es`), and the create
 * flags turned into a mode. Pure: no I/O, no client; every mistake is a `ShellUsageError`.
 */
import type { CreateMode, MultiOp } from '../../protocol/client.js';

/** Bad input on a shell line: the shell prints the message (and the command's usage line). */
export class ShellUsageError extends Error {
  override name = 'ShellUsageError';
}

/** A word of a command. `quoted` words are never flags and never separators. */
export interface Word {
  readonly kind: 'word';
  readonly text: string;
  readonly quoted: boolean;
}

/** `|` outside quotes: separates the ops of a `multi`. */
export interface Pipe {
  readonly kind: 'pipe';
}

export type Token = Word | Pipe;

/** One command of a line: its name and the tokens after it. */
export interface Statement {
  readonly name: string;
  readonly args: readonly Token[];
  /** The statement's own text, trimmed (what `history` and errors show). */
  readonly text: string;
}

const ESCAPES: Readonly<Record<string, string>> = { n: '\n', t: '\t', r: '\r', '0': '\0', '\\': '\\', '"': '"', "'": "'", ' ': ' ' };

/**
 * Splits a line into statements. Whitespace separates words; '…' is literal; "…" and a bare
 * backslash understand \n \t \r \0 \\ \" (anything else after a backslash stands for itself);
 * adjacent pieces join into one word (`a"b c"` is `ab c`). An unquoted `#` where a command would
 * start begins a comment that runs to the end of the line.
 */
export function parseLine(line: string): Statement[] {
  const statements: Statement[] = [];
  let tokens: Token[] = [];
  let start = 0;
  let word: string | null = null;
  let quoted = false;
  const endWord = (): void => {
    if (word !== null) tokens.push({ kind: 'word', text: word, quoted });
    word = null;
    quoted = false;
  };
  const endStatement = (end: number): void => {
    endWord();
    const first = tokens[0];
    if (first !== undefined) {
      if (first.kind !== 'word') throw new ShellUsageError('a line cannot start with |');
      statements.push({ name: first.text, args: tokens.slice(1), text: line.slice(start, end).trim() });
    }
    tokens = [];
    start = end + 1;
  };
  let i = 0;
  while (i < line.length) {
    const c = line[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      endWord();
      i++;
    } else if (c === ';') {
      endStatement(i);
      i++;
    } else if (c === '|') {
      endWord();
      tokens.push({ kind: 'pipe' });
      i++;
    } else if (c === '#' && word === null && tokens.length === 0) {
      endStatement(i);
      start = line.length;
      i = line.length;
    } else if (c === "'") {
      const close = line.indexOf("'", i + 1);
      if (close < 0) throw new ShellUsageError(`unterminated ' quote at column ${i + 1}`);
      word = (word ?? '') + line.slice(i + 1, close);
      quoted = true;
      i = close + 1;
    } else if (c === '"') {
      let text = '';
      let j = i + 1;
      for (;;) {
        if (j >= line.length) throw new ShellUsageError(`unterminated " quote at column ${i + 1}`);
        const d = line[j]!;
        if (d === '"') break;
        if (d === '\\' && j + 1 < line.length) {
          const e = line[j + 1]!;
          text += ESCAPES[e] ?? `\\${e}`;
          j += 2;
        } else {
          text += d;
          j++;
        }
      }
      word = (word ?? '') + text;
      quoted = true;
      i = j + 1;
    } else if (c === '\\') {
      if (i + 1 >= line.length) throw new ShellUsageError('a line cannot end with \\');
      const e = line[i + 1]!;
      word = (word ?? '') + (ESCAPES[e] ?? e);
      quoted = true;
      i += 2;
    } else {
      word = (word ?? '') + c;
      i++;
    }
  }
  endStatement(line.length);
  return statements;
}

// ---- flags ------------------------------------------------------------------------------------

export type FlagKind = 'bool' | 'int' | 'string';
/** Single letters, as zkCli spells them: `{ s: 'bool', v: 'int' }`. */
export type FlagSpec = Readonly<Record<string, FlagKind>>;

export interface ParsedArgs {
  readonly flags: ReadonlyMap<string, boolean | number | string>;
  readonly positional: readonly string[];
  bool(letter: string): boolean;
  int(letter: string): number | undefined;
  string(letter: string): string | undefined;
}

const FLAG_WORD = /^-[A-Za-z][A-Za-z0-9]*$/;

/**
 * zkCli's flags: anywhere among the arguments, `-abc` is `-a -b -c`, a flag that takes a value takes
 * the rest of its word or the next word (`-v3`, `-v 3`, `-v -1`). `--` ends the flags. A quoted word
 * and a word that does not start with `-` and a letter (`-1`, `-`) are positional. `|` is refused here.
 */
export function parseArgs(args: readonly Token[], spec: FlagSpec): ParsedArgs {
  const flags = new Map<string, boolean | number | string>();
  const positional: string[] = [];
  let flagsDone = false;
  for (let i = 0; i < args.length; i++) {
    const token = args[i]!;
    if (token.kind === 'pipe') throw new ShellUsageError('| is only allowed in multi');
    if (flagsDone || token.quoted || !FLAG_WORD.test(token.text)) {
      if (!flagsDone && !token.quoted && token.text === '--') flagsDone = true;
      else positional.push(token.text);
      continue;
    }
    const letters = token.text.slice(1);
    for (let k = 0; k < letters.length; k++) {
      const letter = letters[k]!;
      const kind = spec[letter];
      if (kind === undefined) throw new ShellUsageError(`unknown option -${letter}`);
      if (kind === 'bool') {
        flags.set(letter, true);
        continue;
      }
      let raw: string;
      if (k + 1 < letters.length) raw = letters.slice(k + 1);
      else {
        const next = args[++i];
        if (next === undefined || next.kind !== 'word') throw new ShellUsageError(`option -${letter} needs a value`);
        raw = next.text;
      }
      flags.set(letter, kind === 'int' ? parseInteger(raw, `-${letter}`) : raw);
      break;
    }
  }
  return {
    flags,
    positional,
    bool: (letter) => flags.get(letter) === true,
    int: (letter) => flags.get(letter) as number | undefined,
    string: (letter) => flags.get(letter) as string | undefined,
  };
}

export function parseInteger(raw: string, what: string): number {
  if (!/^-?\d+$/.test(raw)) throw new ShellUsageError(`${what} must be an integer, got ${raw}`);
  const n = Number(raw);
  if (!Number.isSafeInteger(n)) throw new ShellUsageError(`${what} is out of range: ${raw}`);
  return n;
}

// ---- create modes -----------------------------------------------------------------------------

export interface CreateChoice {
  readonly mode: CreateMode;
  readonly ttlMs?: number;
}

export const CREATE_FLAGS: FlagSpec = { e: 'bool', s: 'bool', c: 'bool', t: 'int' };

/** zkCli's rules for `create -e -s -c -t ttl`. */
export function createMode(args: ParsedArgs): CreateChoice {
  const ephemeral = args.bool('e');
  const sequential = args.bool('s');
  const container = args.bool('c');
  const ttl = args.int('t');
  if (container && (ephemeral || sequential)) throw new ShellUsageError('-c cannot be combined with -s or -e: containers cannot be ephemeral or sequential');
  if (ttl !== undefined) {
    if (ephemeral) throw new ShellUsageError('TTLs cannot be used with ephemeral znodes');
    if (container) throw new ShellUsageError('TTLs cannot be used with container znodes');
    if (ttl <= 0) throw new ShellUsageError(`-t must be a positive number of milliseconds, got ${ttl}`);
    return { mode: sequential ? 'PERSISTENT_SEQUENTIAL_WITH_TTL' : 'PERSISTENT_WITH_TTL', ttlMs: ttl };
  }
  if (container) return { mode: 'CONTAINER' };
  if (ephemeral) return { mode: sequential ? 'EPHEMERAL_SEQUENTIAL' : 'EPHEMERAL' };
  return { mode: sequential ? 'PERSISTENT_SEQUENTIAL' : 'PERSISTENT' };
}

// ---- multi ------------------------------------------------------------------------------------

export const MULTI_USAGE =
  'multi create [-e] [-s] [-c] [-t ttl] path [data] | set [-v version] path data | delete [-v version] path | check path version | ...';

const encoder = new TextEncoder();

/**
 * `multi create /a x | set -v 2 /b y | delete /c | check /d 3`: the ops of one all-or-nothing
 * transaction, in order. `setData` is accepted for `set`; `check` also takes `-v version`.
 */
export function parseMulti(args: readonly Token[]): MultiOp[] {
  const groups: Word[][] = [[]];
  for (const token of args) {
    if (token.kind === 'pipe') groups.push([]);
    else groups[groups.length - 1]!.push(token);
  }
  if (groups.length === 1 && groups[0]!.length === 0) throw new ShellUsageError('multi needs at least one op');
  return groups.map((group, index) => {
    const [first, ...rest] = group;
    if (first === undefined) throw new ShellUsageError(`op ${index + 1} of multi is empty`);
    try {
      return multiOp(first.text, rest);
    } catch (err) {
      if (err instanceof ShellUsageError) throw new ShellUsageError(`op ${index + 1} (${first.text}): ${err.message}`);
      throw err;
    }
  });
}

function multiOp(name: string, words: readonly Word[]): MultiOp {
  switch (name) {
    case 'create': {
      const a = parseArgs(words, CREATE_FLAGS);
      const [path, data, extra] = a.positional;
      if (path === undefined || extra !== undefined) throw new ShellUsageError('usage: create [-e] [-s] [-c] [-t ttl] path [data]');
      const choice = createMode(a);
      return { op: 'create', path, data: encoder.encode(data ?? ''), mode: choice.mode, ...(choice.ttlMs !== undefined ? { ttlMs: choice.ttlMs } : {}) };
    }
    case 'set':
    case 'setData': {
      const a = parseArgs(words, { v: 'int' });
      const [path, data, extra] = a.positional;
      if (path === undefined || data === undefined || extra !== undefined) throw new ShellUsageError('usage: set [-v version] path data');
      return { op: 'setData', path, data: encoder.encode(data), version: a.int('v') ?? -1 };
    }
    case 'delete': {
      const a = parseArgs(words, { v: 'int' });
      const [path, extra] = a.positional;
      if (path === undefined || extra !== undefined) throw new ShellUsageError('usage: delete [-v version] path');
      return { op: 'delete', path, version: a.int('v') ?? -1 };
    }
    case 'check': {
      const a = parseArgs(words, { v: 'int' });
      const [path, raw, extra] = a.positional;
      const flag = a.int('v');
      if (path === undefined || extra !== undefined || (raw === undefined) === (flag === undefined)) {
        throw new ShellUsageError('usage: check path version (or check -v version path)');
      }
      return { op: 'check', path, version: flag ?? parseInteger(raw!, 'version') };
    }
    default:
      throw new ShellUsageError(`unknown op (multi takes create, set, delete and check)`);
  }
}
