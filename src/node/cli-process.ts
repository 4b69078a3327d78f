/**
 * How to run the `peerkeeper` CLI in a child process, by default in the form this code is running in: built
 * JavaScript (the package, `npm start`) runs dist/cli/main.js under plain Node; the TypeScript
 * sources (tests, `npm run bench`, anything under tsx) run src/cli/main.ts through tsx's loader, so a
 * test always runs the members it spawns from the sources it was given, never a stale build.
 */
import { fileURLToPath } from 'node:url';

/** 'built': dist/cli/main.js under plain Node; 'sources': src/cli/main.ts through tsx. */
export type CliForm = 'built' | 'sources';

/** The form this module was loaded in. */
export const OWN_FORM: CliForm = import.meta.url.endsWith('.ts') ? 'sources' : 'built';

export interface CliProcess {
  readonly file: string;
  readonly args: readonly string[];
}

// src/node/ and dist/node/ are both two levels below the package root.
const ROOT = new URL('../../', import.meta.url);

/** `form` 'built' from the sources (the benchmark measures what users run) needs `npm run build` first. */
export function cliProcess(args: readonly string[], form: CliForm = OWN_FORM): CliProcess {
  const fromSources = form === 'sources';
  const main = fileURLToPath(new URL(fromSources ? 'src/cli/main.ts' : 'dist/cli/main.js', ROOT));
  // tsx is a devDependency: resolved only when running from sources, from here rather than the cwd.
  const loader = fromSources ? ['--import', import.meta.resolve('tsx')] : [];
  return { file: process.execPath, args: [...loader, main, ...args] };
}
