/**
 * `peerkeeper ensemble --size 3`: a signalling server (in this process) and N members (child
 * processes) on this machine, with a status line per member whenever something changes.
 */
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { launchEnsemble } from '../node/launch.js';
import { parseAllowedOrigins } from '../node/origin-check.js';
import { DEFAULT_CLIENT_PORT, DEFAULT_ZK_PORT, zkConnectString } from '../node/ports.js';
import { statusLine } from '../node/supervisor.js';
import { UsageError, iceFlags, parseFlags, untilStopped, wantsHelp, webrtcFlag } from './args.js';

export const ensembleUsage = `peerkeeper ensemble [--size 3] [--room demo] [--data ./data] [--signal-port 4444] [--client-port 2281] [--zk-port 2181 | --no-zk] [--tick-ms 50] [--webrtc roamhq|datachannel] [--allow-origin http://host:port[,…]] [--no-restart] [--quiet]
                    [--ice-server stun:… | turn:… (repeatable)] [--ice-credentials FILE] [--ice-transport-policy all|relay]

  A signalling server and N members (child processes) on this machine: member i keeps its data in
  DATA/i, serves ZooKeeper's protocol on zk-port + i - 1 (--no-zk: none), peerkeeper's
  WebSocket clients on client-port + i - 1 and a rendezvous on signal-port + i.

  A member that exits on its own (a crash, a kill -9) is started again after 0.5 s, the delay
  doubling at each exit up to 30 s and back to 0.5 s once the member has stayed up 10 s; each exit
  and restart is logged. --no-restart leaves it down. Ctrl-C stops everything (nothing restarts).
  --allow-origin lets browser pages from those origins use the members' client ports.
  --webrtc picks the members' WebRTC binding (@roamhq/wrtc by default, or node-datachannel).
  --quiet hides the members' own log lines (exits, restarts and status lines still show).
  --ice-server and the rest go to every member (TURN credentials from FILE or $PEERKEEPER_TURN_USERNAME
  and $PEERKEEPER_TURN_CREDENTIAL, passed in the members' environment) and are handed out by the
  signalling server to whoever else joins its room.`;

const FLAGS = {
  size: 'int',
  room: 'string',
  data: 'string',
  'signal-port': 'int',
  'client-port': 'int',
  'zk-port': 'int',
  'no-zk': 'bool',
  'tick-ms': 'int',
  webrtc: 'string',
  'no-restart': 'bool',
  'allow-origin': 'list',
  quiet: 'bool',
  'ice-server': 'list',
  'ice-credentials': 'string',
  'ice-transport-policy': 'string',
} as const;

export async function ensembleCommand(argv: readonly string[]): Promise<number> {
  if (wantsHelp(argv)) {
    console.log(ensembleUsage);
    return 0;
  }
  const f = parseFlags(argv, FLAGS);
  const ice = iceFlags(f);
  const size = f.int('size') ?? 3;
  if (size < 1 || size > 9) throw new UsageError('--size must be 1–9');
  const room = f.string('room') ?? 'demo';
  const dataRoot = resolve(f.string('data') ?? './data');
  const clientBase = f.int('client-port') ?? DEFAULT_CLIENT_PORT;
  const zkBase = f.bool('no-zk') ? null : (f.int('zk-port') ?? DEFAULT_ZK_PORT);
  const tickMs = f.int('tick-ms');
  const webrtc = webrtcFlag(f);
  // A fresh secret per run: only these members (and whoever reads it here) can join the room.
  const secret = process.env.PEERKEEPER_SECRET ?? randomBytes(16).toString('hex');

  let allowOrigins: string[];
  try {
    allowOrigins = parseAllowedOrigins(f.list('allow-origin'));
  } catch (err) {
    throw new UsageError(`--allow-origin: ${(err as Error).message}`);
  }

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
    ...(webrtc ? { webrtc } : {}),
    allowOrigins,
    rooms: 'configured',
    ...(ice ? { ice } : {}),
    onLine: (_id, line) => {
      if (!quiet) console.log(line);
    },
    onEvent: (_id, message) => console.log(`[supervisor] ${message}`),
    restart: !f.bool('no-restart'),
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
