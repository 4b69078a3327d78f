/**
 * `peerkeeper shell`: a zkCli-like shell against the members' client ports. At a terminal it is
 * interactive (prompt, history, completion, watch events as they fire); with stdin piped it runs
 * the lines it reads in order; with -c it runs the given commands. Without a terminal the exit code
 * says whether every command succeeded. The pieces live in ./shell/.
 */
import { createInterface } from 'node:readline';
import { DEFAULT_CLIENT_PORT } from '../node/ports.js';
import { UsageError, parseFlags } from './args.js';
import { parseConnectString } from './shell/connection.js';
import { formatError } from './shell/format.js';
import { TerminalOutput, historyFile, runInteractive } from './shell/interactive.js';
import { ShellUsageError } from './shell/parse.js';
import { Shell } from './shell/shell.js';

export const shellUsage = `peerkeeper shell [--connect host:port[,host:port...]] [--timeout 4000] [--read-only] [-c "cmd; cmd"]
  --connect    the members' client ports, host:port or ws:// URLs (default 127.0.0.1:2281)
  --timeout    the session timeout asked for, in ms
  --read-only  accept a member cut off from its quorum (reads only)
  -c           run these ;-separated commands and exit (non-zero if any failed)
  Without -c: interactive at a terminal (history in ~/.peerkeeper_history or $PEERKEEPER_HISTORY,
  empty to disable); otherwise one command line per line of stdin. Type help for the commands.`;

const FLAGS = { connect: 'string', timeout: 'int', 'read-only': 'bool', command: 'string', help: 'bool' } as const;

export async function shellCommand(argv: readonly string[]): Promise<number> {
  // zkCli's single-dash spellings.
  const f = parseFlags(
    argv.map((a) => (a === '-c' ? '--command' : a === '-server' ? '--connect' : a === '-r' ? '--read-only' : a === '-h' ? '--help' : a)),
    FLAGS,
  );
  if (f.bool('help')) {
    console.log(shellUsage);
    return 0;
  }
  if (f.positional.length > 0) throw new UsageError(`unexpected ${f.positional.join(' ')}\nusage: ${shellUsage}`);
  let urls: string[];
  try {
    urls = parseConnectString(f.string('connect') ?? `127.0.0.1:${DEFAULT_CLIENT_PORT}`);
  } catch (err) {
    if (err instanceof ShellUsageError) throw new UsageError(`--connect: ${err.message}`);
    throw err;
  }
  const timeout = f.int('timeout') ?? 4000;
  if (timeout < 100) throw new UsageError('--timeout must be at least 100 ms');
  const command = f.string('command');
  const interactive = command === undefined && process.stdin.isTTY === true;

  const terminal = new TerminalOutput();
  const shell = new Shell({
    urls,
    sessionTimeoutMs: timeout,
    readOnly: f.bool('read-only'),
    out: (line) => terminal.line(line),
    err: (line) => terminal.errorLine(line),
    event: (line) => terminal.event(line),
    announceStates: interactive,
  });

  if (interactive) terminal.line(`Connecting to ${urls.join(',')}`);
  try {
    await shell.connect();
  } catch (err) {
    terminal.errorLine(`Could not connect to ${urls.join(',')}: ${formatError(err)}`);
    if (!interactive) {
      await shell.close().catch(() => {});
      return 1;
    }
  }

  try {
    if (command !== undefined) await shell.execute(command);
    else if (interactive) await runInteractive(shell, terminal, historyFile());
    else {
      const lines = createInterface({ input: process.stdin, terminal: false, crlfDelay: Infinity });
      for await (const line of lines) {
        await shell.execute(line);
        if (shell.quitting) break;
      }
      lines.close();
    }
  } finally {
    await shell.close().catch((err: unknown) => terminal.errorLine(`close: ${formatError(err)}`));
    // quit before the end of piped input: stop reading, so nothing holds the process open.
    if (command === undefined) process.stdin.destroy();
  }
  return !interactive && shell.failures > 0 ? 1 : 0;
}
