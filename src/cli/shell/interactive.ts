/**
 * The shell at a terminal: node:readline with a prompt that shows the session, history kept in a
 * file, tab completion, and watch events printed above the prompt as they fire.
 */
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { clearLine, createInterface, cursorTo, type Interface } from 'node:readline';
import { COMMAND_NAMES } from './commands.js';
import { completeLine } from './complete.js';
import type { Shell } from './shell.js';

const HISTORY_LINES = 1000;
const COMPLETION_WAIT_MS = 1500;

/** $PEERKEEPER_HISTORY if set (empty: no history file), else ~/.peerkeeper_history. */
export function historyFile(env: NodeJS.ProcessEnv = process.env): string | null {
  const configured = env.PEERKEEPER_HISTORY;
  if (configured !== undefined) return configured === '' ? null : configured;
  return join(homedir(), '.peerkeeper_history');
}

function loadHistory(file: string | null): string[] {
  if (file === null) return [];
  try {
    const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '');
    const kept = lines.slice(-HISTORY_LINES);
    if (kept.length < lines.length) writeFileSync(file, `${kept.join('\n')}\n`);
    return kept;
  } catch {
    return [];
  }
}

function saveLine(file: string | null, line: string): void {
  if (file === null) return;
  try {
    appendFileSync(file, `${line}\n`, { mode: 0o600 });
  } catch {
    // A history we cannot write is not worth interrupting the user for.
  }
}

/** Watch events arrive while the user types: print them above the prompt, then redraw it. */
export class TerminalOutput {
  rl: Interface | null = null;
  /** A command is running: its output and events just go out in order, no prompt to redraw. */
  busy = true;

  line(text: string): void {
    process.stdout.write(`${text}\n`);
  }

  errorLine(text: string): void {
    process.stderr.write(`${text}\n`);
  }

  event(text: string): void {
    const rl = this.rl;
    if (this.busy || rl === null) {
      this.line(text);
      return;
    }
    clearLine(process.stdout, 0);
    cursorTo(process.stdout, 0);
    process.stdout.write(`${text}\n`);
    rl.prompt(true);
  }
}

export async function runInteractive(shell: Shell, output: TerminalOutput, file: string | null): Promise<void> {
  const past = loadHistory(file);
  const rl = createInterface({
    input: process.stdin,
    output: process.stdout,
    terminal: true,
    history: [...past].reverse(),
    historySize: HISTORY_LINES,
    removeHistoryDuplicates: true,
    completer: (line: string, callback: (err: null, result: [string[], string]) => void) => {
      const children = (path: string): Promise<readonly string[]> => {
        const zk = shell.client();
        return Promise.race([
          zk.getChildren(path),
          new Promise<never>((_, reject) => setTimeout(() => reject(new Error('slow')), COMPLETION_WAIT_MS).unref()),
        ]);
      };
      completeLine(line, COMMAND_NAMES, children).then(
        (result) => callback(null, result),
        () => callback(null, [[], line]),
      );
    },
  });
  output.rl = rl;
  let last = past[past.length - 1];
  rl.on('SIGINT', () => {
    // Ctrl-C on an empty line leaves (like Ctrl-D); on a half-typed line it drops the line.
    if (rl.line === '') rl.close();
    else {
      rl.write(null, { ctrl: true, name: 'e' });
      rl.write(null, { ctrl: true, name: 'u' });
    }
  });
  const showPrompt = (): void => {
    rl.setPrompt(shell.prompt());
    output.busy = false;
    rl.prompt();
  };
  showPrompt();
  for await (const line of rl) {
    output.busy = true;
    if (line.trim() !== '' && line !== last) {
      saveLine(file, line);
      last = line;
    }
    await shell.execute(line);
    if (shell.quitting) break;
    showPrompt();
  }
  output.busy = true;
  output.rl = null;
  // Ctrl-D or Ctrl-C left the prompt line open.
  if (!shell.quitting) process.stdout.write('\n');
  rl.close();
}
