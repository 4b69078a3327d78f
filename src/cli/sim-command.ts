import { runSeed, reproCommand, type WorkloadKind } from '../sim/run.js';
import type { SimResult } from '../sim/simulation.js';
import type { SimStats } from '../sim/stats.js';
import { sweep } from '../sim/sweep.js';

export interface SimArgs {
  seeds: number;
  from: number;
  seed?: number;
  members?: number;
  workers?: number;
  trace: boolean;
  failFast: boolean;
  workload: WorkloadKind;
}

export const simUsage = `peerkeeper sim [--seeds 200] [--from 1] [--members M] [--workload zab|zk|zk-runner] [--workers W] [--fail-fast]
peerkeeper sim --seed S [--members M] [--workload zab|zk|zk-runner] [--trace]

  The deterministic simulator: whole ensembles on virtual time and a virtual network with random
  crashes, partitions, lost and late messages, each run checked for Zab's and ZooKeeper's guarantees.
  --seeds N runs seeds from..from+N-1 (over W worker threads); a failure prints the command that
  replays it. --seed S replays one seed exactly; --trace prints every event of it.
  --workload zab: bare Zab writes; zk: ZooKeeper clients whose history is checked.
  Exit status: 0 every seed ran and passed; 1 a seed failed, fewer seeds completed than asked, the
  checker checked nothing or a client history was inconclusive; 2 bad usage.`;

export function parseSimArgs(argv: readonly string[]): SimArgs {
  const args: SimArgs = { seeds: 200, from: 1, trace: false, failFast: false, workload: 'zab' };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = (): number => {
      const v = Number(argv[++i]);
      if (!Number.isSafeInteger(v) || v < 0) throw new Error(`${flag} needs a whole number`);
      return v;
    };
    if (flag === '--seeds') args.seeds = value();
    else if (flag === '--from') args.from = value();
    else if (flag === '--seed') args.seed = value();
    else if (flag === '--members') args.members = value();
    else if (flag === '--workers') args.workers = value();
    else if (flag === '--trace') args.trace = true;
    else if (flag === '--fail-fast') args.failFast = true;
    else if (flag === '--workload') {
      const w = argv[++i];
      if (w !== 'zab' && w !== 'zk' && w !== 'zk-runner') throw new Error('--workload is zab (bare Zab writes), zk (ZooKeeper clients, history checked) or zk-runner (the same against the production runner)');
      args.workload = w;
    } else throw new Error(`unknown option ${flag} (try --seeds N, --from S, --seed S, --members M, --workload zab|zk, --workers W, --trace, --fail-fast)`);
  }
  if (args.members !== undefined && (args.members < 1 || args.members % 2 === 0)) {
    throw new Error('--members must be odd (3, 5, 7): an even ensemble tolerates no more failures than the odd one below it');
  }
  return args;
}

export function describeFailure(r: SimResult, membersFlag: number | undefined, workload: WorkloadKind = 'zab'): string {
  return [
    `FAIL seed ${r.seed} (${r.members} members): ${r.violation?.invariant}`,
    `  ${r.violation?.message.split('\n')[0]}`,
    `  reproduce: ${reproCommand(r.seed, membersFlag, workload)}`,
  ].join('\n');
}

export function formatCoverage(s: SimStats): string {
  const rows: [string, number][] = [
    ['leader changes', s.leaderChanges],
    ['epochs established', s.established],
    ['elections started', s.elections],
    ['DIFF syncs', s.diffs],
    ['TRUNC syncs', s.truncs],
    ['SNAP syncs', s.snaps],
    ['crashes', s.crashes],
    ['  of them at a sync step', s.syncCrashes],
    ['  torn log writes', s.tornWrites],
    ['partitions', s.partitions],
    ['connection drops', s.linkDrops],
    ['member pauses', s.pauses],
    ['lossy/duplicating/reordering periods', s.noisyPeriods],
    ['zxid counter rollovers', s.epochRollovers],
    ['snapshots taken', s.snapshots],
    ['proposals', s.proposals],
    ['commits', s.commits],
    ['writes acknowledged to clients', s.clientAcks],
    ['messages', s.messages],
    ['invariant checks', s.checks],
    ['histories checked', s.historiesChecked],
    ['client operations checked (history)', s.historyOps],
    ['histories too tangled to decide', s.historyInconclusive],
  ];
  // The history rows only mean something for the ZooKeeper workload.
  const shown = s.historiesChecked ? rows : rows.filter(([k]) => !/histor/.test(k));
  return shown.map(([k, v]) => `  ${k.padEnd(38)} ${v.toLocaleString('en-US')}`).join('\n');
}

export async function simCommand(argv: readonly string[]): Promise<number> {
  const args = parseSimArgs(argv);
  if (args.seed !== undefined) {
    const r = await runSeed({
      seed: args.seed,
      workload: args.workload,
      ...(args.members ? { members: args.members } : {}),
      ...(args.trace ? { trace: (line: string) => console.log(line) } : {}),
    });
    console.log(r.ok ? `seed ${r.seed} (${r.members} members): ok` : describeFailure(r, args.members, args.workload));
    if (!r.ok) console.log(r.violation?.message);
    console.log(formatCoverage(r.stats));
    return r.ok ? 0 : 1;
  }
  const started = Date.now();
  let lastPrint = 0;
  const result = await sweep({
    from: args.from,
    count: args.seeds,
    ...(args.members ? { members: args.members } : {}),
    ...(args.workers ? { workers: args.workers } : {}),
    workload: args.workload,
    failFast: args.failFast,
    onProgress: (done, failures) => {
      const now = Date.now();
      if (process.stderr.isTTY && (now - lastPrint > 200 || done === args.seeds)) {
        lastPrint = now;
        const rate = done / ((now - started) / 1000);
        process.stderr.write(`\r  ${done}/${args.seeds} seeds, ${failures} failing, ${rate.toFixed(0)} seeds/s   `);
      }
    },
  });
  if (process.stderr.isTTY) process.stderr.write('\n');
  const secs = result.wallMs / 1000;
  console.log(
    `${result.seeds} seeds${args.members ? ` of ${args.members} members` : ' (3, 5 and 7 members)'}, workload ${args.workload}, in ${secs.toFixed(1)} s: ` +
      `${(result.seeds / secs).toFixed(1)} seeds/s, ${(result.stats.virtualMs / 1000).toFixed(0)} simulated seconds`,
  );
  console.log(formatCoverage(result.stats));
  for (const f of result.failures.slice(0, 10)) console.log(describeFailure(f, args.members, args.workload));
  console.log(result.failures.length === 0 ? 'no violations' : `${result.failures.length} failing seeds`);
  const verdict = sweepVerdict(result.seeds, args.seeds, result.failures.length, result.stats);
  if (verdict.problem) console.log(verdict.problem);
  return verdict.exitCode;
}

/**
 * Passing means every requested seed ran and was checked: a worker that died, or a checker that looked
 * at nothing, must not read as "no violations". (With --fail-fast a failure ends the sweep early.)
 */
export function sweepVerdict(completed: number, requested: number, failures: number, stats: SimStats): { exitCode: 0 | 1; problem: string | null } {
  if (failures > 0) return { exitCode: 1, problem: null };
  if (completed < requested) return { exitCode: 1, problem: `INCOMPLETE: only ${completed} of ${requested} seeds completed` };
  if (requested > 0 && stats.checks === 0) return { exitCode: 1, problem: 'UNCHECKED: the invariant checker made 0 checks' };
  if (stats.historyInconclusive > 0) return { exitCode: 1, problem: `INCONCLUSIVE: ${stats.historyInconclusive} client histories were too tangled to decide` };
  return { exitCode: 0, problem: null };
}
