/**
 * Every `peerkeeper` verb: its usage text and how to run it, each loaded only when that verb is used
 * (a member process should not pay for the simulator's or Vite's imports). `runCli` answers
 * `--help`/`-h` for every verb here, so a verb cannot be added without a usage.
 */
import { wantsHelp } from './args.js';

export interface Verb {
  /** One line for the top-level usage. */
  readonly summary: string;
  /** The verb's full usage, printed by `peerkeeper VERB --help`. */
  usage(): Promise<string>;
  run(argv: readonly string[]): Promise<number>;
}

export const VERBS: Readonly<Record<string, Verb>> = {
  sim: {
    summary: `sim [--seeds N] [--from S] [--members M] [--workers W] [--fail-fast]
                          run the deterministic simulator over many seeds
  sim --seed S [--trace]  replay one seed exactly, printing what happened`,
    usage: async () => (await import('./sim-command.js')).simUsage,
    run: async (argv) => (await import('./sim-command.js')).simCommand(argv),
  },
  demo: {
    summary: 'demo                    a simulated ensemble in the terminal, in real time',
    usage: async () => (await import('./demo-command.js')).demoUsage,
    run: async (argv) => (await import('./demo-command.js')).demoCommand(argv),
  },
  node: {
    summary: `node --id N --members 1,2,3 --room R --signal URL --data DIR [--client-port 2281] [--zk-port P]
                          one ensemble member (WebRTC mesh, files, a local client port)`,
    usage: async () => (await import('./node-command.js')).nodeUsage,
    run: async (argv) => (await import('./node-command.js')).nodeCommand(argv),
  },
  start: {
    summary: 'start [--port 5173]     the browser demo (Vite), a signalling server and a Node ensemble (npm start)',
    usage: async () => (await import('./start-command.js')).startUsage,
    run: async (argv) => (await import('./start-command.js')).startCommand(argv),
  },
  ensemble: {
    summary: 'ensemble [--size 3]     a signalling server and N members on this machine, with status lines',
    usage: async () => (await import('./ensemble-command.js')).ensembleUsage,
    run: async (argv) => (await import('./ensemble-command.js')).ensembleCommand(argv),
  },
  shell: {
    summary: `shell [--connect host:port,...] [--timeout 4000] [--read-only] [-c "cmd; cmd"]
                          a zkCli-like shell against members' client ports (type help inside)`,
    usage: async () => (await import('./shell-command.js')).shellUsage,
    run: async (argv) => (await import('./shell-command.js')).shellCommand(argv),
  },
  check: {
    summary: `check --connect host:port,... [--wait 10000]
                          do the members hold the same tree? compares digests at a zxid all applied`,
    usage: async () => (await import('./check-command.js')).checkUsage,
    run: async (argv) => (await import('./check-command.js')).checkCommand(argv),
  },
  backup: {
    summary: `backup --connect host:port,... --out FILE
                          a consistent snapshot of a live ensemble (its tree at one zxid) in one file`,
    usage: async () => (await import('./backup-command.js')).backupUsage,
    run: async (argv) => (await import('./backup-command.js')).backupCommand(argv),
  },
  restore: {
    summary: `restore --file FILE --data DIR [--ids 1,2,3] [--force]
                          a verified backup into fresh member data directories, for a new ensemble`,
    usage: async () => (await import('./restore-command.js')).restoreUsage,
    run: async (argv) => (await import('./restore-command.js')).restoreCommand(argv),
  },
  signal: {
    summary: `signal [--port 4444] [--host 127.0.0.1] [--rooms-file F]
                          the signalling server that introduces members to each other`,
    usage: async () => (await import('../signalling/command.js')).signalUsage,
    run: async (argv) => (await import('../signalling/command.js')).signalCommand(argv),
  },
};

export const topUsage = `peerkeeper <command> [--help]

${Object.values(VERBS)
  .map((v) => `  ${v.summary}`)
  .join('\n')}

  peerkeeper <command> --help prints that command's options.
`;

/** Runs one command line (without `node` and the script); resolves with the exit status. */
export async function runCli(argv: readonly string[], out: (text: string) => void = console.log, err: (text: string) => void = console.error): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    // `peerkeeper help node` is `peerkeeper node --help`.
    const about = command === 'help' && rest[0] !== undefined ? VERBS[rest[0]] : undefined;
    out(about ? await about.usage() : topUsage);
    return 0;
  }
  const verb = Object.hasOwn(VERBS, command) ? VERBS[command] : undefined;
  if (verb === undefined) {
    err(`unknown command ${command}\n\n${topUsage}`);
    return 2;
  }
  if (wantsHelp(rest)) {
    out(await verb.usage());
    return 0;
  }
  return verb.run(rest);
}
