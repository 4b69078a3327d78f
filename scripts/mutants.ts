/**
 * Plants one known bug at a time in a scratch copy of src/ and runs the simulator sweep against it
 * until it fails: proof that the simulator catches the bugs Zab implementations really had. Nothing
 * is changed in the working tree. `npm run mutants [-- --seeds N] [name…]`
 */
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { plantMutant } from './lib/plant-mutant.js';
import { MUTANTS } from './mutant-list.js';

const root = resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const seedsIndex = args.indexOf('--seeds');
const seeds = seedsIndex >= 0 ? Number(args.splice(seedsIndex, 2)[1]) : 2000;
const only = new Set(args);

/** How many unit tests fail against the mutant (the message-by-message tests are the second net). */
function runUnitTests(dir: string): number {
  const files = execFileSync('find', ['test/unit', '-name', '*.test.ts'], { cwd: dir, encoding: 'utf8' }).trim().split('\n');
  let out = '';
  try {
    out = execFileSync(process.execPath, ['--import', 'tsx', '--test', ...files], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch (e) {
    out = (e as { stdout?: string }).stdout ?? '';
  }
  return Number(/^# fail (\d+)/m.exec(out)?.[1] ?? -1);
}

interface Outcome {
  name: string;
  unitFailures: number;
  caught: boolean;
  seedsRun: string;
  seconds: number;
  invariant: string;
}

const outcomes: Outcome[] = [];
for (const mutant of MUTANTS) {
  if (only.size && !only.has(mutant.name)) continue;
  const dir = join(tmpdir(), `peerkeeper-mutant-${mutant.name}`);
  // Everything the unit tests import (bench/ and demo/ have tests of their own; bench/ uses
  // scripts/lib): a missing folder counted as unit tests that caught every mutant (7 of them).
  plantMutant(root, dir, mutant, ['src', 'test', 'bench', 'scripts', 'demo/src', 'demo/member']);
  const unitFailures = runUnitTests(dir);
  const started = performance.now();
  let output = '';
  try {
    const workload = mutant.workload ?? 'zab';
    output = execFileSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'sim', '--seeds', String(seeds), '--workload', workload, '--fail-fast'], {
      cwd: dir,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
  } catch (e) {
    output = (e as { stdout?: string }).stdout ?? '';
  }
  const seconds = (performance.now() - started) / 1000;
  const fail = /FAIL seed (\d+) .*?: (.+)/.exec(output);
  const ran = /^(\d+) seeds/m.exec(output);
  outcomes.push({
    name: mutant.name,
    unitFailures,
    caught: fail !== null,
    seedsRun: ran?.[1] ?? '?',
    seconds,
    invariant: fail ? `${fail[2]} (seed ${fail[1]})` : 'NOT CAUGHT',
  });
  const o = outcomes[outcomes.length - 1]!;
  console.log(
    `${o.caught ? 'caught' : 'MISSED'}  ${o.name.padEnd(26)} sim: ${o.seconds.toFixed(1).padStart(5)} s, ${o.seedsRun.padStart(5)} seeds, ${o.invariant}; unit tests failing: ${o.unitFailures}`,
  );
  console.log(`        ${mutant.description}`);
  rmSync(dir, { recursive: true, force: true });
}
const missed = outcomes.filter((o) => !o.caught);
const missedByBoth = missed.filter((o) => o.unitFailures === 0);
console.log(`${outcomes.length - missed.length} of ${outcomes.length} planted bugs caught by the simulator; ${missedByBoth.length} caught by neither the simulator nor the unit tests`);
for (const o of missedByBoth) console.log(`  not caught at all: ${o.name}`);
process.exitCode = missedByBoth.length ? 1 : 0;
