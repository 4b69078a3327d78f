/**
 * One shell session: the client, the history, and running a line of commands. Knows nothing about
 * terminals or stdin: `interactive.ts` and `shell-command.ts` feed it lines and give it the output.
 */
import { ZooKeeperError } from '../../client/errors.js';
import type { ZooKeeperClient } from '../../client/client.js';
import type { WatchedEvent } from '../../client/types.js';
import type { MemberStatus } from '../../node/status.js';
import { ShellError, findCommand, type HistoryEntry, type ShellContext } from './commands.js';
import { fetchMntr, fetchStatus, hostPort, openClient, parseConnectString } from './connection.js';
import { formatError, formatEvent } from './format.js';
import { ShellUsageError, parseArgs, parseLine, type Statement } from './parse.js';

export interface ShellOptions {
  readonly urls: readonly string[];
  readonly sessionTimeoutMs: number;
  readonly readOnly: boolean;
  /** A command's result line. */
  readonly out: (line: string) => void;
  /** A command's error line. */
  readonly err: (line: string) => void;
  /** Lines that arrive on their own: watch events, and connection states when `announceStates`. */
  readonly event?: (line: string) => void;
  readonly announceStates?: boolean;
}

const HISTORY_KEPT = 500;

export class Shell implements ShellContext {
  readonly requestTimeoutMs: number;
  private urls: readonly string[];
  private zk: ZooKeeperClient | null = null;
  /** Set while we close a session ourselves: its watchers' final None events are not news. */
  private closing = false;
  private entries: HistoryEntry[] = [];
  private nextNumber = 0;
  private redoDepth = 0;
  /** Commands that failed since the start. */
  failures = 0;
  quitting = false;

  constructor(private readonly options: ShellOptions) {
    this.urls = options.urls;
    this.requestTimeoutMs = options.sessionTimeoutMs;
  }

  readonly watcher = (event: WatchedEvent): void => {
    if (event.type === 'None' && this.closing) return;
    this.event(formatEvent(event));
  };

  private event(line: string): void {
    (this.options.event ?? this.options.out)(line);
  }

  out(line: string): void {
    this.options.out(line);
  }

  // ---- the session ----------------------------------------------------------------------

  /** Opens a session and waits for it; rejects (the client keeps trying) when none came in time. */
  async connect(connectString?: string): Promise<void> {
    if (connectString !== undefined) this.urls = parseConnectString(connectString);
    await this.close();
    const zk = openClient({ urls: this.urls, sessionTimeoutMs: this.options.sessionTimeoutMs, readOnly: this.options.readOnly, watcher: this.watcher });
    this.zk = zk;
    if (this.options.announceStates) {
      zk.on('state', (change) => {
        if (this.zk === zk && !this.closing) this.event(formatEvent({ type: 'None', path: null, state: change.state, zxid: null }));
      });
    }
    await zk.connected();
  }

  async close(): Promise<void> {
    const zk = this.zk;
    if (zk === null || zk.state === 'CLOSED' || zk.state === 'EXPIRED') return;
    this.closing = true;
    try {
      await zk.close();
    } finally {
      this.closing = false;
    }
  }

  client(): ZooKeeperClient {
    const zk = this.zk;
    if (zk === null || zk.state === 'CLOSED' || zk.state === 'EXPIRED') {
      throw new ShellError(`Not connected${zk === null ? '' : ` (session ${zk.state})`}: use connect [host:port,...]`);
    }
    return zk;
  }

  memberUrl(): string | null {
    const index = this.zk?.memberIndex;
    return index === null || index === undefined ? null : (this.urls[index] ?? null);
  }

  fetchStatus(url: string): Promise<MemberStatus> {
    return fetchStatus(url, this.requestTimeoutMs);
  }

  fetchMntr(url: string): Promise<string[]> {
    return fetchMntr(url, this.requestTimeoutMs);
  }

  /** `[peerkeeper: 127.0.0.1:2281(CONNECTED) 3] ` */
  prompt(): string {
    const url = this.memberUrl();
    const where = url !== null ? hostPort(url) : this.urls.map(hostPort).join(',');
    return `[peerkeeper: ${where}(${this.zk?.state ?? 'CLOSED'}) ${this.nextNumber}] `;
  }

  quit(): void {
    this.quitting = true;
  }

  history(): readonly HistoryEntry[] {
    return this.entries;
  }

  async redo(number: number): Promise<boolean> {
    const entry = this.entries.find((e) => e.number === number);
    if (entry === undefined) throw new ShellError(`no command ${number} in the history`);
    if (this.redoDepth > 0) throw new ShellError('redo cannot redo a redo');
    this.redoDepth++;
    try {
      return await this.execute(entry.text);
    } finally {
      this.redoDepth--;
    }
  }

  // ---- running commands -----------------------------------------------------------------

  /** Runs every command of `line` in order (all of them, even after one fails); false if any failed. */
  async execute(line: string): Promise<boolean> {
    let statements: Statement[];
    try {
      statements = parseLine(line);
    } catch (err) {
      this.fail((err as Error).message);
      return false;
    }
    let ok = true;
    for (const statement of statements) {
      if (this.quitting) break;
      if (!(await this.run(statement))) ok = false;
    }
    return ok;
  }

  private async run(statement: Statement): Promise<boolean> {
    if (this.redoDepth === 0) {
      this.entries.push({ number: this.nextNumber++, text: statement.text });
      if (this.entries.length > HISTORY_KEPT) this.entries.shift();
    }
    const command = findCommand(statement.name);
    if (command === undefined) {
      this.fail(`unknown command ${statement.name}: try help`);
      return false;
    }
    try {
      const args = parseArgs(command.raw ? [] : statement.args, command.flags);
      const [min, max] = command.arity;
      if (args.positional.length < min || args.positional.length > max) throw new ShellUsageError(args.positional.length < min ? 'missing argument' : 'too many arguments');
      await command.run(this, args, statement.args);
      return true;
    } catch (err) {
      if (err instanceof ShellUsageError) this.fail(`${err.message}\nusage: ${command.usage}`);
      else if (err instanceof ZooKeeperError || err instanceof ShellError) this.fail(formatError(err));
      else this.fail(`${command.name} failed: ${err instanceof Error ? err.message : String(err)}`);
      return false;
    }
  }

  private fail(message: string): void {
    this.failures++;
    if (message !== '') for (const line of message.split('\n')) this.options.err(line);
  }
}
