/** Child processes for the benchmark: tracked for cleanup, output kept (last lines) for diagnostics. */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { freePort, waitUntil } from '../../scripts/lib/waiting.js';
import { trackPid, untrackPid } from './cleanup.js';

export { freePort, waitUntil };

export interface Proc {
  readonly child: ChildProcess;
  readonly pid: number;
  /** The last lines of stdout + stderr. */
  readonly tail: string[];
  /** The first match of `re` in the output so far or still to come. */
  waitFor(re: RegExp, timeoutMs: number): Promise<RegExpExecArray>;
  readonly exited: Promise<number | string | null>;
  kill(signal?: NodeJS.Signals): void;
}

const TAIL_LINES = 40;

export function spawnTracked(command: string, args: readonly string[], options: SpawnOptions = {}, onLine?: (line: string) => void): Proc {
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], ...options });
  if (child.pid === undefined) throw new Error(`could not start ${command}`);
  const pid = child.pid;
  trackPid(pid);
  const tail: string[] = [];
  let text = '';
  const waiters = new Set<() => void>();
  for (const stream of [child.stdout, child.stderr]) {
    let rest = '';
    stream?.setEncoding('utf8').on('data', (d: string) => {
      text = (text + d).slice(-20_000);
      const lines = (rest + d).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) {
        tail.push(line);
        if (tail.length > TAIL_LINES) tail.shift();
        onLine?.(line);
      }
      for (const w of [...waiters]) w();
    });
  }
  // A dead child's stdin may raise EPIPE when we close it; nobody needs to hear about that.
  child.stdin?.on('error', () => {});
  const exited = new Promise<number | string | null>((resolve) =>
    child.on('exit', (code, signal) => {
      untrackPid(pid);
      resolve(code ?? signal);
      for (const w of [...waiters]) w();
    }),
  );
  return {
    child,
    pid,
    tail,
    exited,
    kill(signal: NodeJS.Signals = 'SIGKILL') {
      try {
        process.kill(pid, signal);
      } catch {
        // gone already
      }
    },
    waitFor(re, timeoutMs) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timed out after ${timeoutMs} ms waiting for ${re} from ${command}; last output:\n${tail.join('\n')}`));
        }, timeoutMs);
        function check(): void {
          const m = re.exec(text);
          if (m) {
            clearTimeout(timer);
            waiters.delete(check);
            resolve(m);
          } else if (child.exitCode !== null || child.signalCode !== null) {
            clearTimeout(timer);
            waiters.delete(check);
            reject(new Error(`${command} exited (${child.exitCode ?? child.signalCode}) before ${re}; last output:\n${tail.join('\n')}`));
          }
        }
        waiters.add(check);
        check();
      });
    },
  };
}

/** `n` distinct free ports. */
export async function freePorts(n: number): Promise<number[]> {
  const out = new Set<number>();
  while (out.size < n) out.add(await freePort());
  return [...out];
}

