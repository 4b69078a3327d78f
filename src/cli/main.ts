#!/usr/bin/env node
import { simCommand } from './sim-command.js';

const usage = `peerkeeper <command>

  sim [--seeds N] [--from S] [--members M] [--workers W] [--fail-fast]
                          run the deterministic simulator over many seeds
  sim --seed S [--trace]  replay one seed exactly, printing what happened
  demo                    a simulated ensemble in the terminal, in real time
  signal [--port 4444] [--host 127.0.0.1] [--rooms-file F]
                          the signalling server that introduces members to each other
`;

// `peerkeeper sim … | head` closes our stdout early: that is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'sim':
      return simCommand(rest);
    case 'signal': {
      const { signalCommand } = await import('../signalling/command.js');
      return signalCommand(rest);
    }
    case 'demo': {
      const { demoCommand } = await import('./demo-command.js');
      return demoCommand(rest);
    }
    case undefined:
    case 'help':
    case '--help':
      console.log(usage);
      return 0;
    default:
      console.error(`unknown command ${command}\n\n${usage}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 2;
  },
);
