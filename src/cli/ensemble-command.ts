/**
 * `peerkeeper ensemble --size 3`: a signalling server (in this process) and N members (child
 * processes) on this machine, with a status line per member whenever something changes.
 */
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { launchEnsemble } from '../node/launch.js';
import { DEFAULT_CLIENT_PORT, DEFAULT_ZK_PORT, zkConnectString } from '../node/ports.js';
import { statusLine } from '../node/supervisor.js';
import { UsageError, parseFlags, untilStopped } from './args.js';

export const ensembleUsage =
  'peerkeeper ensemble [--size 3] [--room demo] [--data ./data] [--signal-port 4444] [--client-port 2281] [--zk-port 2181 | --no-zk] [--tick-ms 50] [--quiet]';

const FLAGS = {
  size: 'int',
  room: 'string',
  data: 'string',
  'signal-port': 'int',
  'client-port': 'int',
  'zk-port': 'int',
  'no-zk': 'bool',
  'tick-ms': 'int',
  quiet: 'bool',
} as const;

export async function ensembleCommand(argv: readonly string[]): Promise<number> {
  const f = parseFlags(argv, FLAGS);
  const size = f.int('size') ?? 3;
  if (size < 1 || size > 9) throw new UsageError('--size must be 1–9');
  const room = f.string('room') ?? 'demo';
  const dataRoot = resolve(f.string('data') ?? './data');
  const clientBase = f.int('client-port') ?? DEFAULT_CLIENT_PORT;
  const zkBase = f.bool('no-zk') ? null : (f.int('zk-port') ?? DEFAULT_ZK_PORT);
  const tickMs = f.int('tick-ms');
  // A fresh secret per run: only these members (and whoever reads it here) can join the room.
  const secret = process.env.PEERKEEPER_SECRET ?? randomBytes(16).toString('hex');

  const quiet = f.bool('quiet');
  const launched = await launchEnsemble({
    size,
    room,
    secret,
    dataRoot,
    signalPort: f.int('signal-port') ?? 4444,
    clientPortBase: clientBase,
    zkPortBase: zkBase,
    ...(tickMs !== undefined ? { tickMs } : {}),
    rooms: 'configured',
    onLine: (_id, line) => {
      if (!quiet) console.log(line);
    },
  });
  const { server, supervisor, clientPorts, zkPorts } = launched;
  console.log(`signalling server ${server.url}, room ${room}; ${size} members, data in ${dataRoot}`);
  console.log(`connect: peerkeeper shell --connect ${clientPorts.map((p) => `127.0.0.1:${p}`).join(',')}`);
  if (zkPorts.length > 0) console.log(`ZooKeeper clients (zkCli.sh, kazoo, Curator, …): ${zkConnectString(zkPorts)}`);

  let shown = '';
  const timer = setInterval(() => {
    void supervisor.poll().then(() => {
      const block = supervisor.members.map(statusLine).join('\n');
      if (block !== shown) {
        shown = block;
        console.log(`--- ${new Date().toISOString()}\n${block}`);
      }
    });
  }, 1000);

  const why = await untilStopped();
  console.log(`stopping the ensemble (${why})`);
  clearInterval(timer);
  await launched.stop();
  return 0;
}
