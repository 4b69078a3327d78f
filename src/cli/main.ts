#!/usr/bin/env node
import { simCommand } from './sim-command.js';

const usage = `peerkeeper <command>

  sim [--seeds N] [--from S] [--members M] [--workers W] [--fail-fast]
                          run the deterministic simulator over many seeds
  sim --seed S [--trace]  replay one seed exactly, printing what happened
  demo                    a simulated ensemble in the terminal, in real time
  node --id N --members 1,2,3 --room R --signal URL --data DIR [--client-port 2281] [--zk-port P]
                          one ensemble member (WebRTC mesh, files, a local client port)
  start [--port 5173]     the browser demo (Vite), a signalling server and a Node ensemble (npm start)
  ensemble [--size 3]     a signalling server and N members on this machine, with status lines
  shell [--connect host:port,...] [--timeout 4000] [--read-only] [-c "cmd; cmd"]
                          a zkCli-like shell against members' client ports (type help inside)
  check --connect host:port,... [--wait 10000]
                          do the members hold the same tree? compares digests at a zxid all applied
  backup --connect host:port,... --out FILE
                          a consistent snapshot of a live ensemble (its tree at one zxid) in one file
  restore --file FILE --data DIR [--ids 1,2,3] [--force]
                          a verified backup into fresh member data directories, for a new ensemble
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
    case 'node': {
      const { nodeCommand } = await import('./node-command.js');
      return nodeCommand(rest);
    }
    case 'start': {
      const { startCommand } = await import('./start-command.js');
      return startCommand(rest);
    }
    case 'ensemble': {
      const { ensembleCommand } = await import('./ensemble-command.js');
      return ensembleCommand(rest);
    }
    case 'shell': {
      const { shellCommand } = await import('./shell-command.js');
      return shellCommand(rest);
    }
    case 'check': {
      const { checkCommand } = await import('./check-command.js');
      return checkCommand(rest);
    }
    case 'backup': {
      const { backupCommand } = await import('./backup-command.js');
      return backupCommand(rest);
    }
    case 'restore': {
      const { restoreCommand } = await import('./restore-command.js');
      return restoreCommand(rest);
    }
    case 'demo': {
      const { demoCommand } = await import('./demo-command.js');
      return demoCommand(rest);
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
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
    // Damaged storage is the disk's problem, not a bug: say which file and what, without a stack.
    if (err instanceof Error && err.name === 'StorageCorruptError') console.error(`refusing to start: ${err.message}`);
    else console.error(err instanceof Error && (err.name === 'UsageError' || !err.stack) ? err.message : err);
    process.exitCode = 2;
  },
);
