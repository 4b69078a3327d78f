/**
 * `peerkeeper signal [--port 4444] [--host 127.0.0.1] [--rooms-file rooms.json]`: run a signalling
 * server until SIGINT/SIGTERM. The main CLI calls `signalCommand(argv)` and uses the exit code.
 * Without --rooms-file the server is "open" (the first joiner of a room sets its verifier); with it,
 * only the rooms in the file exist, each with its secret: `{ "demo": "s3cret" }`. Secrets go in a
 * file rather than on the command line, where `ps` would show them.
 */
import { readFileSync } from 'node:fs';
import { describeIceConfig, type IceConfig } from './ice.js';
import { iceConfigFromFlags } from './ice-options.js';
import { startSignallingServer, type RoomSecretCheck } from './server.js';

export interface SignalArgs {
  port: number;
  host: string;
  roomsFile?: string;
  /** ICE servers handed to every member admitted to a room (TURN credentials from a file or the environment). */
  iceServers: string[];
  iceCredentials?: string;
  iceTransportPolicy?: string;
}

export const signalUsage = `peerkeeper signal [--port 4444] [--host 127.0.0.1] [--rooms-file rooms.json]
                 [--ice-server stun:host:port | turn:host:port?transport=udp (repeatable)]   handed to members in their room
                 [--ice-credentials FILE | $PEERKEEPER_TURN_USERNAME + $PEERKEEPER_TURN_CREDENTIAL] [--ice-transport-policy all|relay]`;

export function parseSignalArgs(argv: readonly string[]): SignalArgs {
  const args: SignalArgs = { port: 4444, host: '127.0.0.1', iceServers: [] };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    if (flag === '--port') {
      const port = Number(value());
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error('--port must be 0–65535 (0 picks a free port)');
      args.port = port;
    } else if (flag === '--host') args.host = value();
    else if (flag === '--rooms-file') args.roomsFile = value();
    else if (flag === '--ice-server') args.iceServers.push(...value().split(',').map((u) => u.trim()).filter((u) => u !== ''));
    else if (flag === '--ice-credentials') args.iceCredentials = value();
    else if (flag === '--ice-transport-policy') args.iceTransportPolicy = value();
    else throw new Error(`unknown option ${flag}\nusage: ${signalUsage}`);
  }
  return args;
}

function loadRooms(file: string): RoomSecretCheck {
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as unknown;
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error(`${file}: expected {"room": "secret", …}`);
  const secrets = new Map<string, string>();
  for (const [room, secret] of Object.entries(parsed)) {
    if (typeof secret !== 'string' || secret === '') throw new Error(`${file}: the secret of room ${room} must be a non-empty string`);
    secrets.set(room, secret);
  }
  return (room) => secrets.get(room);
}

/** Runs until SIGINT or SIGTERM, then closes every connection and resolves with the exit code. */
export async function signalCommand(argv: readonly string[]): Promise<number> {
  let args: SignalArgs;
  let check: RoomSecretCheck = 'open';
  let ice: IceConfig | undefined;
  try {
    args = parseSignalArgs(argv);
    if (args.roomsFile !== undefined) check = loadRooms(args.roomsFile);
    ice = iceConfigFromFlags({ servers: args.iceServers, credentialsFile: args.iceCredentials, policy: args.iceTransportPolicy });
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    return 2;
  }
  const server = await startSignallingServer({
    port: args.port,
    host: args.host,
    roomSecretCheck: check,
    ...(ice ? { ice } : {}),
    log: (line) => console.log(`[signal] ${line}`),
  });
  console.log(`peerkeeper signalling server listening on ${server.url} (${check === 'open' ? 'open rooms' : 'configured rooms'})`);
  if (ice) console.log(`[signal] handing out ICE: ${describeIceConfig(ice)}`);

  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  console.log('[signal] stopping');
  await server.close();
  return 0;
}
