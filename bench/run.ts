/**
 * `npm run bench`: the same load against a 3-member peerkeeper ensemble (Node processes over WebRTC)
 * and a 3-server Apache ZooKeeper 3.8 ensemble on this machine, side by side, with the ratio
 * peerkeeper / ZooKeeper per row from the same run: a table, then one `BENCH_JSON {…}` line.
 *
 *   npm run bench [-- options]
 *     --seconds S        measured seconds per round of a throughput row (default 3)
 *     --rounds N         rounds of the throughput rows, targets taking turns each round (default 2)
 *     --warmup S         unmeasured seconds before each round of a throughput row (default 1)
 *     --trials N         trials of the failover and ephemeral rows (default 3)
 *     --zk-ticks 50,2000 ZooKeeper tickTime(s) to run, one column group each (default 50,2000)
 *     --targets LIST     peerkeeper,peerkeeper-zk,zookeeper,browser (default all that can run here;
 *                        peerkeeper-zk: the members' ZooKeeper port driven by ZooKeeper's client)
 *     --webrtc LIST      the members' WebRTC binding(s): datachannel,roamhq runs a peerkeeper target per
 *                        binding, each with its own ratio column (default: the default binding only)
 *     --rows LIST        set1,set16,set128,createDelete16,get128,failover,ephemeral (default all)
 *     --quick            1 round of 2 s, 0.5 s warm-up, 1 trial (a smoke run)
 *     --install          apt-get install zookeeper first if it is missing (root only)
 *     --profile          instead: CPU-profile the peerkeeper members at 128 outstanding (bench/profile.ts;
 *                        with --targets peerkeeper-zk through their ZooKeeper port)
 *
 * Progress goes to stderr (one line, `\r` on a terminal); the table and BENCH_JSON to stdout.
 * See bench/README.md for what each row does and how to read the numbers.
 */
import { spawnSync } from 'node:child_process';
import { cpus, loadavg, platform, release, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { killEverything } from './lib/cleanup.js';
import { Progress } from './lib/progress.js';
import { benchJson, orderTargets, renderNotes, renderTable, type Cell, type TargetResult } from './lib/report.js';
import { ROWS, THROUGHPUT_KEYS, TargetRun, type ScenarioOptions } from './scenarios.js';
import { PeerkeeperTarget } from './targets/peerkeeper.js';
import { DEFAULT_WEBRTC_BINDING, WEBRTC_BINDINGS, isWebRtcBindingName, type WebRtcBindingName } from '../src/node/webrtc-binding.js';
import type { Target } from './targets/target.js';
import { nodeZookeeperClientMissing, ZooKeeperTarget, zookeeperMissing } from './targets/zookeeper.js';

const LEGEND = [
  '×N: N requests outstanding on one connection to a follower (create+delete: N pairs in flight); 100-byte values; fsync on everywhere.',
  'value: ops/s (pairs/s) for throughput rows, p50/p99 latency in ms; time rows: the median of the trials in ms, p50/p99 columns = fastest/slowest trial.',
  'leader failover: kill -9 the leader → first successful write from a client on the other members. ephemeral cleanup: kill -9 a provider',
  '  process holding an ephemeral (4 s session) → a watching consumer sees NodeDeleted (the session clock runs from its last heartbeat).',
  'ratio: peerkeeper ÷ that ZooKeeper on the value: > 1 = peerkeeper does more per second (throughput) or takes longer (time rows).',
  'zk-ratio: the same for peerkeeper through ZooKeeper\'s protocol (--zk-port), driven by the same node-zookeeper-client code as ZooKeeper.',
  '*: see the notes below the table.',
];

/** What --targets accepts: `zookeeper` is one column group per --zk-ticks. */
const TARGET_KEYS = ['peerkeeper', 'peerkeeper-zk', 'zookeeper', 'browser'];

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string' },
    rounds: { type: 'string' },
    warmup: { type: 'string' },
    trials: { type: 'string' },
    'zk-ticks': { type: 'string' },
    targets: { type: 'string' },
    webrtc: { type: 'string' },
    rows: { type: 'string' },
    quick: { type: 'boolean' },
    install: { type: 'boolean' },
    profile: { type: 'boolean' },
    'profile-seconds': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
  strict: true,
});

if (args.help) {
  const text = (await import('node:fs')).readFileSync(new URL(import.meta.url), 'utf8');
  console.log(/\/\*\*([\s\S]*?)\*\//.exec(text)?.[1]?.replace(/^ \* ?/gm, '').trim());
  process.exit(0);
}

const num = (v: string | undefined, dflt: number, what: string): number => {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${what} must be a non-negative number`);
  return n;
};

const code = args.profile
  ? await (await import('./profile.js')).runProfile({ seconds: num(args['profile-seconds'], 8, 'profile-seconds'), protocol: args.targets === 'peerkeeper-zk' ? 'zookeeper' : 'peerkeeper' })
  : await main();
// Everything was stopped in order; whatever handle is left (a client socket closing, a
// child's pipe) must not keep the benchmark alive. stdout is synchronous on Linux pipes/files/TTYs.
killEverything();
process.exit(code);

async function main(): Promise<number> {
  const quick = args.quick ?? false;
  const options: ScenarioOptions = {
    measureMs: num(args.seconds, quick ? 2 : 3, 'seconds') * 1000,
    rounds: Math.max(1, Math.round(num(args.rounds, quick ? 1 : 2, 'rounds'))),
    warmupMs: num(args.warmup, quick ? 0.5 : 1, 'warmup') * 1000,
    targetWarmupMs: quick ? 1000 : 8000,
    trials: Math.max(1, Math.round(num(args.trials, quick ? 1 : 3, 'trials'))),
    rows: new Set(args.rows ? args.rows.split(',') : ROWS.map((r) => r.key)),
    sessionTimeoutMs: 10_000,
    providerSessionMs: 4000,
  };
  for (const r of options.rows) if (!ROWS.some((x) => x.key === r)) throw new Error(`unknown row ${r}; rows: ${ROWS.map((x) => x.key).join(',')}`);
  const wantedTargets = new Set((args.targets ?? TARGET_KEYS.join(',')).split(','));
  for (const t of wantedTargets) if (!TARGET_KEYS.includes(t)) throw new Error(`unknown target ${t}; targets: ${TARGET_KEYS.join(',')}`);
  const zkTicks = (args['zk-ticks'] ?? '50,2000').split(',').map((t) => num(t, 50, 'zk-ticks'));
  const rows = ROWS.filter((r) => options.rows.has(r.key));
  const progress = new Progress();
  const started = Date.now();
  const meta = {
    version: 1,
    startedAt: new Date(started).toISOString(),
    machine: { cpus: cpus().length, cpu: cpus()[0]?.model ?? '?', memGiB: Math.round(totalmem() / 2 ** 30), os: `${platform()} ${release()}`, node: process.version, loadavgAtStart: loadavg().map((v) => +v.toFixed(2)) },
    options: { rounds: options.rounds, measureSecondsPerRound: options.measureMs / 1000, warmupSeconds: options.warmupMs / 1000, targetWarmupSeconds: options.targetWarmupMs / 1000, trials: options.trials, providerSessionMs: options.providerSessionMs },
  };

  // Every target first (a skipped one with its reason), then the rows target after target.
  const targets: Target[] = [];
  const skipped: TargetResult[] = [];
  const bindings = (args.webrtc ?? DEFAULT_WEBRTC_BINDING).split(',');
  for (const b of bindings) if (!isWebRtcBindingName(b)) throw new Error(`unknown --webrtc ${b}; bindings: ${WEBRTC_BINDINGS.join(',')}`);
  const webrtcs = bindings as WebRtcBindingName[];
  if (wantedTargets.has('peerkeeper')) for (const webrtc of webrtcs) targets.push(new PeerkeeperTarget({ webrtc }));
  if (wantedTargets.has('peerkeeper-zk')) {
    const missing = await nodeZookeeperClientMissing();
    if (missing) {
      progress.log(`peerkeeper through ZooKeeper's protocol: skipped (${missing})`);
      skipped.push({ key: 'peerkeeper-zk', label: 'peerkeeper, ZK protocol', side: 'ours', ratioColumn: 'zk-ratio', skipped: missing, config: {}, cells: {} });
    } else for (const webrtc of webrtcs) targets.push(new PeerkeeperTarget({ protocol: 'zookeeper', webrtc }));
  }
  if (wantedTargets.has('browser')) {
    const { browserTargetMissing, BrowserTarget } = await import('./targets/browser.js');
    const missing = await browserTargetMissing();
    if (missing) {
      progress.log(`peerkeeper in browser tabs: skipped (${missing})`);
      skipped.push({ key: 'peerkeeper-browser', label: 'peerkeeper (3 tabs)', side: 'ours', skipped: missing, config: {}, cells: {} });
    } else targets.push(new BrowserTarget());
  }
  if (wantedTargets.has('zookeeper')) {
    let missing = await zookeeperMissing();
    if (missing && args.install) missing = installZookeeper(progress) ?? (await zookeeperMissing());
    if (missing) {
      progress.log(`ZooKeeper: skipped (${missing}); ratios are n/a`);
      for (const tick of zkTicks) skipped.push({ key: `zookeeper-tick${tick}`, label: `ZooKeeper tick ${tick}`, side: 'baseline', skipped: missing, config: { tickTime: tick }, cells: {} });
    } else {
      for (const tick of zkTicks) targets.push(new ZooKeeperTarget({ tickMs: tick }));
    }
  }

  const runs = targets.map((t) => new TargetRun(t, options, progress));
  try {
    for (const r of runs) await r.setup();
    for (let round = 0; round < options.rounds; round++) {
      for (const key of THROUGHPUT_KEYS) {
        if (!options.rows.has(key)) continue;
        for (const r of runs) await r.throughput(key);
      }
    }
    if (options.rows.has('failover')) for (const r of runs) await r.failover();
    if (options.rows.has('ephemeral')) for (const r of runs) await r.ephemeral();
  } finally {
    for (const r of runs) await r.teardown();
  }
  const results: TargetResult[] = [
    ...runs.map((r): TargetResult => {
      const cells: Record<string, Cell> = { ...r.cells };
      for (const row of rows) cells[row.key] ??= { ok: false, error: r.failure ?? 'not run' };
      return { key: r.target.key, label: r.target.label, side: r.target.side, ...(r.target.ratioColumn ? { ratioColumn: r.target.ratioColumn } : {}), config: r.target.config, cells };
    }),
    ...skipped,
  ];
  progress.done();

  // Ours first (peerkeeper, peerkeeper-zk, then the tabs), then the baselines: the ratio columns follow each baseline.
  const ordered = orderTargets(results);
  const elapsed = (Date.now() - started) / 1000;
  console.log('');
  console.log(`peerkeeper vs Apache ZooKeeper: ${meta.machine.cpus} cores (${meta.machine.cpu}), node ${process.version}, ${elapsed.toFixed(0)} s`);
  console.log(renderTable(rows, ordered));
  console.log('');
  console.log(`throughput rows: ${options.rounds} round(s) × ${options.measureMs / 1000} s measured (after ${options.warmupMs / 1000} s warm-up each), the targets taking turns; time rows: ${options.trials} trial(s).`);
  for (const line of LEGEND) console.log(line);
  for (const n of renderNotes(rows, ordered)) console.log(n);
  console.log(benchJson({ ...meta, elapsedSeconds: +elapsed.toFixed(1) }, rows, ordered));
  const failed = ordered.some((t) => !t.skipped && rows.some((r) => !t.cells[r.key]?.ok && t.cells[r.key]?.na === undefined));
  return failed ? 1 : 0;
}


/** `apt-get install -y zookeeper` when run as root; returns why it could not, or null. */
function installZookeeper(progress: Progress): string | null {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return 'ZooKeeper is missing and --install needs root';
  progress.begin('apt-get install -y zookeeper');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  let r = spawnSync('apt-get', ['install', '-y', 'zookeeper'], { stdio: 'ignore', env });
  if (r.status !== 0) {
    spawnSync('apt-get', ['update'], { stdio: 'ignore', env });
    r = spawnSync('apt-get', ['install', '-y', 'zookeeper'], { stdio: 'ignore', env });
  }
  return r.status === 0 ? null : `apt-get install zookeeper failed (exit ${r.status})`;
}

