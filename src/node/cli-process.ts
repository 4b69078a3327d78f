/**
 * How to run the `peerkeeper` CLI in a child process, in the form this code is running in: built
 * JavaScript (the package, `npm start`) runs dist/cli/main.js under plain Node; the TypeScript
 * sources (tests, `npm run bench`, anything under tsx) run src/cli/main.ts through tsx's loader, so a
 * test always runs the members it spawns from the sources it was given, never a stale build.
 */
import { fileURLToPath } from 'node:url';

const fromSources = import.meta.url.endsWith('.ts');

export interface CliProcess {
  readonly file: string;
  readonly args: readonly string[];
}

export function cliProcess(args: readonly string[]): CliProcess {
  const main = fileURLToPath(new URL(`../cli/main.${fromSources ? 'ts' : 'js'}`, import.meta.url));
  // tsx is a devDependency: resolved only when running from sources, from here rather than the cwd.
  const loader = fromSources ? ['--import', import.meta.resolve('tsx')] : [];
  return { file: process.execPath, args: [...loader, main, ...args] };
}
