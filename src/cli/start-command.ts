/**
 * `peerkeeper start` (what `npm start` runs): the teaching demo and the member pages served by Vite,
 * the signalling server (open rooms, so tabs pick their own room and secret), and an embedded
 * ensemble of Node members as child processes that tabs and programs can use.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchEnsemble, type LaunchedEnsemble } from '../node/launch.js';
import { DEFAULT_CLIENT_PORT, DEFAULT_ZK_PORT, zkConnectString } from '../node/ports.js';
import { statusLine } from '../node/supervisor.js';
import { UsageError, iceFlags, parseFlags, untilStopped, webrtcFlag } from './args.js';

const FLAGS = {
  port: 'int',
  size: 'int',
  'signal-port': 'int',
  'client-port': 'int',
  'zk-port': 'int',
  'no-zk': 'bool',
  data: 'string',
  'no-node': 'bool',
  verbose: 'bool',
  webrtc: 'string',
  'ice-server': 'list',
  'ice-credentials': 'string',
  'ice-transport-policy': 'string',
} as const;

export const startUsage = 'peerkeeper start [--port 5173] [--size 3] [--signal-port 4444] [--client-port 2281] [--zk-port 2181 | --no-zk] [--data ./data/start] [--no-node] [--webrtc roamhq|datachannel] [--verbose] [--ice-server URL (repeatable)] [--ice-credentials FILE] [--ice-transport-policy all|relay]';

export async function startCommand(argv: readonly string[]): Promise<number> {
  const f = parseFlags(argv, FLAGS);
  const ice = iceFlags(f);
  const size = f.int('size') ?? 3;
  if (size < 1 || size > 9) throw new UsageError('--size must be 1–9');
  const room = 'node-ensemble';
  const secret = process.env.PEERKEEPER_SECRET ?? randomBytes(12).toString('hex');
  const verbose = f.bool('verbose');
  const webrtc = webrtcFlag(f);
  // Vite first: the members must allow its origin (the demo's pages) on their client ports.
  let launched: LaunchedEnsemble | null = null;
  // The demo's pages and Vite come with a clone of the repository, not with the installed package.
  const viteConfig = fileURLToPath(new URL('../../vite.config.ts', import.meta.url));
  if (!existsSync(viteConfig)) throw new UsageError('start serves the browser demo from a clone of the repository (npm start); an installed package has `peerkeeper ensemble`');
  const { createServer } = await import('vite');
  // Vite exits the process on SIGTERM by itself (status 143) before we could stop the Node members:
  // its handler goes, ours (below) closes Vite and then the ensemble.
  const sigtermBefore = new Set(process.listeners('SIGTERM'));
  const stdinEndBefore = new Set(process.stdin.listeners('end'));
  const vite = await createServer({
    configFile: viteConfig,
    server: { port: f.int('port') ?? 5173, strictPort: false },
    plugins: [
      {
        // Pages ask `GET /peerkeeper.json` where the signalling server and the Node ensemble are.
        name: 'peerkeeper-start-info',
        configureServer(server) {
          server.middlewares.use('/peerkeeper.json', (_req, res) => {
            res.setHeader('content-type', 'application/json');
            res.end(JSON.stringify({ signal: launched?.server.url ?? null, nodeRoom: launched ? room : null, nodeClientPorts: launched?.clientPorts ?? [] }));
          });
        },
      },
    ],
  });
  await vite.listen();
  for (const l of process.listeners('SIGTERM')) if (!sigtermBefore.has(l)) process.off('SIGTERM', l);
  for (const l of process.stdin.listeners('end')) if (!stdinEndBefore.has(l)) process.stdin.off('end', l as () => void);
  const url = vite.resolvedUrls?.local[0] ?? `http://127.0.0.1:${vite.config.server.port}/`;
  launched = f.bool('no-node')
    ? null
    : await launchEnsemble({
        size,
        room,
        secret,
        dataRoot: resolve(f.string('data') ?? './data/start'),
        signalPort: f.int('signal-port') ?? 4444,
        clientPortBase: f.int('client-port') ?? DEFAULT_CLIENT_PORT,
        zkPortBase: f.bool('no-zk') ? null : (f.int('zk-port') ?? DEFAULT_ZK_PORT),
        rooms: 'open',
        ...(webrtc ? { webrtc } : {}),
        ...(ice ? { ice } : {}),
        allowOrigins: demoOrigins(vite.resolvedUrls?.local ?? [url], vite.resolvedUrls?.network ?? []),
        onLine: (_id, line) => {
          if (verbose) console.log(line);
        },
        onEvent: (_id, message) => console.log(`[supervisor] ${message}`),
      });
  // ice=none (no ICE servers: one machine) would win over the ICE configuration handed out to the tabs.
  console.log(`\npeerkeeper demo: ${url}member.html${ice ? '' : '?ice=none'}  (open it in 3 tabs: they form an ensemble)`);
  console.log(`  the classroom (a simulated ensemble you can slow down, break and replay): ${url}`);
  if (launched) {
    console.log(`  signalling server ${launched.server.url}; Node ensemble (room ${room}) on client ports ${launched.clientPorts.join(', ')}`);
    console.log(`  shell: npx peerkeeper shell --connect ${launched.clientPorts.map((p) => `127.0.0.1:${p}`).join(',')}`);
    if (launched.zkPorts.length > 0) console.log(`  ZooKeeper clients (zkCli.sh, kazoo, Curator, …): ${zkConnectString(launched.zkPorts)}`);
  }
  console.log('Ctrl-C stops everything.\n');

  let shown = '';
  const running = launched;
  const timer = running
    ? setInterval(() => {
        void running.supervisor.poll().then(() => {
          const block = running.supervisor.members.map(statusLine).join('\n');
          // Role changes only: the demo is where the details live.
          const roles = running.supervisor.members.map((m) => `${m.id}:${m.status?.role ?? '-'}:${m.status?.epoch ?? '-'}`).join(' ');
          if (roles !== shown) {
            shown = roles;
            console.log(block);
          }
        });
      }, 1000)
    : null;

  const why = await untilStopped();
  console.log(`stopping (${why})`);
  if (timer) clearInterval(timer);
  await vite.close();
  await launched?.stop();
  // Vite's file watchers and the dependency optimiser may hold the loop a while longer; we are done.
  process.exit(0);
}

/**
 * The origins the demo's pages are served from (Vite's local and network URLs), with localhost and
 * 127.0.0.1 both allowed for the local port: a browser names the origin after the host typed.
 */
export function demoOrigins(local: readonly string[], network: readonly string[]): string[] {
  const out = new Set<string>();
  for (const u of [...local, ...network]) {
    const url = new URL(u);
    out.add(url.origin);
    if (url.hostname === 'localhost' || url.hostname === '127.0.0.1') {
      out.add(`${url.protocol}//localhost:${url.port}`);
      out.add(`${url.protocol}//127.0.0.1:${url.port}`);
    }
  }
  return [...out];
}
