/**
 * `npm run bench -- --profile` (or `npm run bench:profile`): where peerkeeper's time goes at 128
 * outstanding requests (`-- --targets peerkeeper-zk`: through the members' ZooKeeper port, driven by
 * node-zookeeper-client). Starts the 3-member ensemble with a profiler preloaded into every member
 * (profile-hook.mjs), runs setData ×128 and getData ×128 with the benchmark's own load generator and
 * a client on a follower, profiles this process (the client side) with the inspector meanwhile,
 * stops the members gracefully so they write their profiles, and prints the top self-time
 * functions and files per process, counting only the samples inside each row's measured window.
 * The .cpuprofile files stay in the printed directory (open them in Chrome DevTools → Performance).
 */
import { mkdtempSync, readFileSync, existsSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatSummary, selfTime, type CpuProfile } from './lib/cpuprofile.js';
import { Progress } from './lib/progress.js';
import { TargetRun, type ScenarioOptions } from './scenarios.js';
import { PeerkeeperTarget } from './targets/peerkeeper.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const HOOK = fileURLToPath(new URL('./profile-hook.mjs', import.meta.url));
const ROWS = ['set128', 'get128'] as const;

/** `protocol: 'zookeeper'` profiles the members' ZooKeeper port under node-zookeeper-client (`--targets peerkeeper-zk`). */
export async function runProfile(o: { seconds: number; protocol?: 'peerkeeper' | 'zookeeper' }): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'peerkeeper-bench-profile-'));
  const progress = new Progress();
  const protocol = o.protocol ?? 'peerkeeper';
  const target = new PeerkeeperTarget({ nodeOptions: `--import ${HOOK}`, env: { BENCH_CPU_PROFILE_DIR: dir }, protocol });
  const options: ScenarioOptions = {
    measureMs: o.seconds * 1000,
    rounds: 1,
    warmupMs: 1000,
    targetWarmupMs: 3000,
    trials: 1,
    rows: new Set(ROWS),
    sessionTimeoutMs: 10_000,
    providerSessionMs: 4000,
  };
  const run = new TargetRun(target, options, progress);
  const windows = new Map<string, [number, number]>();
  const client = new Session();
  client.connect();
  const post = (method: string, params?: object): Promise<any> =>
    new Promise((resolve, reject) => client.post(method, params ?? {}, (err, r) => (err ? reject(err) : resolve(r))));
  await post('Profiler.enable');
  await post('Profiler.start');
  const roles = new Map<number, string>();
  try {
    await run.setup();
    if (run.failure) throw new Error(run.failure);
    const s = await target.settled();
    roles.set(target.pid(s.leader)!, `member ${s.leader} (leader)`);
    roles.set(target.pid(s.followers[0]!)!, `member ${s.followers[0]} (follower, the client's member)`);
    for (const f of s.followers.slice(1)) roles.set(target.pid(f)!, `member ${f} (follower)`);
    let from = 0;
    for (const key of ROWS) {
      await run.throughput(key, {
        beforeRow: () => {
          from = nowUs() + options.warmupMs * 1000;
        },
        afterRow: () => {
          windows.set(key, [from, nowUs()]);
        },
      });
    }
    const after = await target.settled();
    if (after.leader !== s.leader) progress.log(`note: the leader changed during profiling (member ${s.leader} → ${after.leader}); roles are as at the start`);
  } finally {
    await run.teardown();
  }
  const { profile: clientProfile } = (await post('Profiler.stop')) as { profile: CpuProfile };
  client.disconnect();
  writeFileSync(join(dir, `bench-client-${process.pid}.cpuprofile`), JSON.stringify(clientProfile));
  progress.done();

  const cells = run.cells;
  console.log('');
  console.log(`${target.label} CPU profile, 128 outstanding, ${o.seconds} s per row (client on a follower)`);
  for (const key of ROWS) {
    const c = cells[key];
    console.log(`  ${key}: ${c?.ok ? `${Math.round(c.opsPerSec ?? 0)} ops/s, p50 ${c.p50Ms?.toFixed(1)} ms, p99 ${c.p99Ms?.toFixed(1)} ms (profiling slows it down)` : `FAILED ${c?.error ?? ''}`}`);
  }
  const processes: [string, CpuProfile | null][] = [
    ...[...roles].map(([pid, role]): [string, CpuProfile | null] => {
      const file = join(dir, `member-${pid}.cpuprofile`);
      return [role, existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as CpuProfile) : null];
    }),
    [`bench process (load generator + ${protocol === 'zookeeper' ? 'node-zookeeper-client' : 'ZooKeeperClient'})`, clientProfile],
  ];
  for (const key of ROWS) {
    const w = windows.get(key);
    if (!w) continue;
    console.log('');
    console.log(`=== ${key}: ${((w[1] - w[0]) / 1e6).toFixed(1)} s window`);
    for (const [role, profile] of processes) {
      if (!profile) {
        console.log(`${role}: no profile written`);
        continue;
      }
      for (const line of formatSummary(role, selfTime(profile, ROOT, w[0], w[1], 40))) console.log(line);
    }
  }
  console.log('');
  console.log(`profiles (Chrome DevTools → Performance → load): ${dir}`);
  return Object.values(cells).every((c) => c.ok) ? 0 : 1;
}

function nowUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}
