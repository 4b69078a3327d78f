/**
 * Nothing the benchmark starts outlives it: every child process (members, ZooKeeper JVMs,
 * providers) and every temp directory is registered here. Normal runs stop them in order; on
 * Ctrl-C, SIGTERM, an uncaught error or any exit the rest are SIGKILLed and the directories removed.
 */
import { rmSync } from 'node:fs';

const pids = new Set<number>();
const dirs = new Set<string>();
let installed = false;

export function trackPid(pid: number | undefined): void {
  if (pid !== undefined) pids.add(pid);
  install();
}

export function trackedPids(): number[] {
  return [...pids];
}

export function untrackPid(pid: number | undefined): void {
  if (pid !== undefined) pids.delete(pid);
}

export function trackDir(dir: string): void {
  dirs.add(dir);
  install();
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  dirs.delete(dir);
}

/** Synchronous, so it also works from `process.on('exit')`. */
export function killEverything(): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  pids.clear();
  for (const dir of dirs) {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // best effort: a process may still be writing into it
    }
  }
  dirs.clear();
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', killEverything);
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
    ['SIGHUP', 129],
  ] as const) {
    process.on(signal, () => {
      process.stderr.write(`\nbench: ${signal}, stopping every child process\n`);
      killEverything();
      process.exit(code);
    });
  }
  process.on('uncaughtException', (err) => {
    process.stderr.write(`\nbench: uncaught ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    killEverything();
    process.exit(1);
  });
}
