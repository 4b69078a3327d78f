/**
 * `peerkeeper node`: one ensemble member in this process, until Ctrl-C / SIGTERM.
 * The room secret comes from --secret-file or $PEERKEEPER_SECRET (or --secret, which `ps` shows).
 */
import { readFileSync } from 'node:fs';
import { DEFAULT_TICK_MS, startNodeMember } from '../node/member-process.js';
import { DEFAULT_WEBRTC_BINDING } from '../node/webrtc-binding.js';
import { CORRUPT_TREE_HOOK, TEST_HOOKS_ENV, corruptionAllowed } from '../node/test-corruption.js';
import { DEFAULT_MAX_REQUEST_BYTES } from '../codec/limits.js';
import { DEFAULT_GLOBAL_OUTSTANDING_LIMIT, DEFAULT_MAX_CLIENT_CNXNS, DEFAULT_MAX_SESSIONS, type AdmissionLimits } from '../node/admission.js';
import { parseAllowedOrigins } from '../node/origin-check.js';
import { UsageError, iceFlags, parseFlags, parseIdList, parseUrlList, untilStopped, webrtcFlag, type ParsedFlags } from './args.js';
import { PARTITION_HOOK, partitionAllowed } from '../node/test-partition.js';
import { parseFourLetterWhitelist } from '../gateway/four-letter.js';
import { DEFAULT_CLIENT_PORT } from '../node/ports.js';
import { iceUsage } from '../signalling/ice-options.js';

export const nodeUsage = `peerkeeper node --id N --members 1,2,3 --room R --signal ws://127.0.0.1:4444[,ws://…]
                --data DIR [--client-port 2281] [--client-host 127.0.0.1]
                [--zk-port P [--zk-host 127.0.0.1] [--zk-4lw ruok,srvr,…|*]]   ZooKeeper's own client protocol (off by default)
                [--rendezvous-port P [--rendezvous-host 0.0.0.0]]
                [--secret S | --secret-file F | $PEERKEEPER_SECRET]
                [--tick-ms ${DEFAULT_TICK_MS}] [--snapshot-every 10000] [--log-retention 1000] [--exit-with-parent]
                [--min-session-timeout MS (2 ticks)] [--max-session-timeout MS (60000)]
                [--metrics-port P [--metrics-host 127.0.0.1]]   GET /metrics (Prometheus), /mntr, /status, /digests
                [--allow-origin http://host:port[,…]]   browser pages that may connect (repeatable; * = any)
                [--allow-host name[,…]]   names the client port answers to besides IPs, localhost and this machine's
                [--max-client-cnxns ${DEFAULT_MAX_CLIENT_CNXNS}] [--global-outstanding-limit ${DEFAULT_GLOBAL_OUTSTANDING_LIMIT}]
                [--max-request-bytes ${DEFAULT_MAX_REQUEST_BYTES}] [--max-sessions ${DEFAULT_MAX_SESSIONS}]
                [--webrtc datachannel|roamhq]   the WebRTC binding of the member's links (default ${DEFAULT_WEBRTC_BINDING})
                [--trace-file F]   record the write pipeline, saved to F at stop (npm run bench:trace)
                ${iceUsage}`;

const FLAGS = {
  id: 'int',
  members: 'string',
  room: 'string',
  secret: 'string',
  'secret-file': 'string',
  signal: 'string',
  data: 'string',
  'client-port': 'int',
  'client-host': 'string',
  'zk-port': 'int',
  'zk-host': 'string',
  'zk-4lw': 'string',
  'rendezvous-port': 'int',
  'rendezvous-host': 'string',
  'tick-ms': 'int',
  'snapshot-every': 'int',
  'log-retention': 'int',
  'min-session-timeout': 'int',
  'max-session-timeout': 'int',
  'exit-with-parent': 'bool',
  'metrics-port': 'int',
  'metrics-host': 'string',
  'trace-file': 'string',
  webrtc: 'string',
  'ice-server': 'list',
  'ice-credentials': 'string',
  'ice-transport-policy': 'string',
  'allow-origin': 'list',
  'allow-host': 'list',
  'max-client-cnxns': 'int',
  'global-outstanding-limit': 'int',
  'max-request-bytes': 'int',
  'max-sessions': 'int',
  /** TEST ONLY, and only with PEERKEEPER_TEST_HOOKS=corrupt-tree: see node/test-corruption.ts. */
  'test-corrupt-after': 'int',
  /** TEST ONLY, and only with PEERKEEPER_TEST_HOOKS=partition: SIGUSR2 cuts the member off and heals it (node/test-partition.ts). */
  'test-partition': 'bool',
} as const;

export async function nodeCommand(argv: readonly string[]): Promise<number> {
  const f = parseFlags(argv, FLAGS);
  const need = (name: string): string => {
    const v = f.string(name);
    if (v === undefined || v === '') throw new UsageError(`--${name} is required\nusage: ${nodeUsage}`);
    return v;
  };
  const id = f.int('id');
  if (id === undefined) throw new UsageError(`--id is required\nusage: ${nodeUsage}`);
  const members = parseIdList(need('members'), '--members');
  if (!members.includes(id)) throw new UsageError(`--id ${id} is not one of --members ${members.join(',')}`);
  const secretFile = f.string('secret-file');
  const secret = f.string('secret') ?? (secretFile ? readFileSync(secretFile, 'utf8').trim() : process.env.PEERKEEPER_SECRET);
  if (!secret) throw new UsageError('a room secret is required: --secret-file F, $PEERKEEPER_SECRET or --secret S');
  const tickMs = f.int('tick-ms');
  if (tickMs !== undefined && (tickMs < 5 || tickMs > 60_000)) throw new UsageError('--tick-ms must be 5–60000');
  const snapshotEvery = f.int('snapshot-every');
  if (snapshotEvery !== undefined && snapshotEvery < 1) throw new UsageError('--snapshot-every must be at least 1');
  // Txns kept past a snapshot, so a follower a little behind gets a DIFF rather than the whole tree.
  const logRetention = f.int('log-retention');
  if (logRetention !== undefined && logRetention < 0) throw new UsageError('--log-retention must be 0 or more');
  const clientHost = f.string('client-host');
  const minSession = f.int('min-session-timeout');
  const maxSession = f.int('max-session-timeout');
  if (minSession !== undefined && maxSession !== undefined && minSession > maxSession) throw new UsageError('--min-session-timeout is above --max-session-timeout');
  const rendezvousPort = f.int('rendezvous-port');
  const rendezvousHost = f.string('rendezvous-host');
  const metricsPort = f.int('metrics-port');
  const metricsHost = f.string('metrics-host');
  const traceFile = f.string('trace-file');
  const webrtc = webrtcFlag(f);
  let allowOrigins: string[];
  try {
    allowOrigins = parseAllowedOrigins(f.list('allow-origin'));
  } catch (err) {
    throw new UsageError(`--allow-origin: ${(err as Error).message}`);
  }
  const limits = admissionFlags(f);
  const corruptAfter = f.int('test-corrupt-after');
  if (corruptAfter !== undefined) {
    if (!corruptionAllowed()) throw new UsageError(`--test-corrupt-after deliberately corrupts this member's data; it is refused unless ${TEST_HOOKS_ENV}=${CORRUPT_TREE_HOOK} is set`);
    if (corruptAfter < 1) throw new UsageError('--test-corrupt-after must be at least 1');
  }
  const testPartition = f.bool('test-partition');
  if (testPartition && !partitionAllowed()) {
    throw new UsageError(`--test-partition lets a signal cut this member off the network; it is refused unless ${TEST_HOOKS_ENV}=${PARTITION_HOOK} is set`);
  }

  const zkPort = f.int('zk-port');
  if (zkPort !== undefined && (zkPort < 0 || zkPort > 65535)) throw new UsageError('--zk-port must be 0–65535');
  const zkHost = f.string('zk-host');
  const zk4lw = f.string('zk-4lw');
  let zkFourLetterWhitelist: Set<string> | undefined;
  try {
    if (zk4lw !== undefined) zkFourLetterWhitelist = parseFourLetterWhitelist(zk4lw);
  } catch (err) {
    throw new UsageError(`--zk-4lw: ${(err as Error).message}`);
  }
  const ice = iceFlags(f);
  const member = await startNodeMember({
    id,
    members,
    room: need('room'),
    secret,
    signal: parseUrlList(need('signal'), '--signal'),
    dataDir: need('data'),
    clientPort: f.int('client-port') ?? DEFAULT_CLIENT_PORT,
    ...(clientHost ? { clientHost } : {}),
    ...(zkPort !== undefined ? { zkPort } : {}),
    ...(zkHost ? { zkHost } : {}),
    ...(zkFourLetterWhitelist ? { zkFourLetterWhitelist } : {}),
    ...(rendezvousPort !== undefined ? { rendezvousPort } : {}),
    ...(rendezvousHost ? { rendezvousHost } : {}),
    ...(tickMs !== undefined ? { tickMs } : {}),
    ...(snapshotEvery !== undefined ? { snapshotEveryTxns: snapshotEvery } : {}),
    ...(logRetention !== undefined ? { zab: { logRetentionEntries: logRetention } } : {}),
    ...(minSession !== undefined ? { minSessionTimeoutMs: minSession } : {}),
    ...(maxSession !== undefined ? { maxSessionTimeoutMs: maxSession } : {}),
    ...(metricsPort !== undefined ? { metricsPort } : {}),
    ...(metricsHost ? { metricsHost } : {}),
    ...(corruptAfter !== undefined ? { testCorruptAfterTxns: corruptAfter } : {}),
    ...(traceFile ? { traceFile } : {}),
    ...(webrtc ? { webrtc } : {}),
    ...(ice ? { ice } : {}),
    allowOrigins,
    allowHosts: f.list('allow-host'),
    limits,
    ...(testPartition ? { testPartition } : {}),
  });
  const why = await untilStopped(f.bool('exit-with-parent'));
  console.log(`[member ${id}] stopping (${why})`);
  await member.stop();
  // Files and sockets are closed. The WebRTC binding's native threads take ~3–4 s more to wind down
  // by themselves (test/integration/fixtures/webrtc-exit.ts shows they do); a stopped member need not wait.
  process.exit(0);
}

/** The admission flags given (node/admission.ts has the defaults). */
function admissionFlags(f: ParsedFlags): Partial<AdmissionLimits> {
  const limits: { -readonly [K in keyof AdmissionLimits]?: number } = {};
  const cnxns = f.int('max-client-cnxns');
  if (cnxns !== undefined) limits.maxClientCnxns = cnxns; // 0: unlimited, as in ZooKeeper
  const outstanding = f.int('global-outstanding-limit');
  if (outstanding !== undefined) {
    if (outstanding < 1) throw new UsageError('--global-outstanding-limit must be at least 1');
    limits.globalOutstandingLimit = outstanding;
  }
  const bytes = f.int('max-request-bytes');
  if (bytes !== undefined) {
    if (bytes < 1024) throw new UsageError('--max-request-bytes must be at least 1024');
    limits.maxRequestBytes = bytes;
  }
  const sessions = f.int('max-sessions');
  if (sessions !== undefined) {
    if (sessions < 1) throw new UsageError('--max-sessions must be at least 1');
    limits.maxSessions = sessions;
  }
  return limits;
}
