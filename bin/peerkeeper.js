#!/usr/bin/env node
// The `peerkeeper` command: the built CLI (dist/cli/main.js). In a clone of the repository whose
// dist/ is missing or older than src/ (not yet `npm run build`), the TypeScript sources instead,
// through tsx (a devDependency there), so the command never runs stale code.
import { existsSync, readdirSync, statSync } from 'node:fs';

const built = new URL('../dist/cli/main.js', import.meta.url);
const sources = new URL('../src/', import.meta.url);
const buildStamp = new URL('../dist/.tsbuildinfo', import.meta.url);

// Directories too: a deleted or renamed file changes its directory's mtime.
function newestMtimeMs(dir) {
  let newest = statSync(dir).mtimeMs;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = new URL(entry.name + (entry.isDirectory() ? '/' : ''), dir);
    newest = Math.max(newest, entry.isDirectory() ? newestMtimeMs(path) : statSync(path).mtimeMs);
  }
  return newest;
}

const inClone = existsSync(sources);
const stale = inClone && (!existsSync(built) || !existsSync(buildStamp) || newestMtimeMs(sources) > statSync(buildStamp).mtimeMs);
if (stale) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(new URL('cli/main.ts', sources).href);
} else {
  await import(built.href);
}
