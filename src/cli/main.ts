#!/usr/bin/env node
import { runCli } from './verbs.js';

// `peerkeeper sim … | head` closes our stdout early: that is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

runCli(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    // Damaged storage is the disk's problem, not a bug: say which file and what, without a stack.
    if (err instanceof Error && err.name === 'StorageCorruptError') console.error(`refusing to start: ${err.message}`);
    else console.error(err instanceof Error && (err.name === 'UsageError' || !err.stack) ? err.message : err);
    process.exitCode = 2;
  },
);
