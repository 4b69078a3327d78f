/**
 * The checkers must be able to fail: a few of `npm run mutants`' planted bugs, each in a scratch copy
 * of src/, each run through a short simulator sweep (`npm run sim --fail-fast`) that must stop on it,
 * with the invariant that names it: gutting the Zab checker or the watch checker makes this fail.
 * Chosen for being caught within the first few seeds (the full set is `npm run mutants`). The history
 * checker and session liveness are caught only after more zk seeds than fit here: test/unit/history and
 * test/unit/sim feed them violating traces directly.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { plantMutant } from '../../scripts/lib/plant-mutant.js';
import { MUTANTS } from '../../scripts/mutant-list.js';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');
const scratch = mkdtempSync(join(tmpdir(), 'peerkeeper-mutant-smoke-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** Mutant name → the invariant that must report it (so the right checker is shown to work). */
const SMOKE: Record<string, RegExp> = {
  'ack-before-persist': /^ack after persist$/,
  'commit-without-quorum': /^durable quorum$/,
  'vote-before-drain': /^vote from durable state$/,
  'watch-after-reply': /^watch before reply$/,
};
const SEEDS = 25;

describe('mutant smoke run: planted bugs are caught', () => {
  for (const [name, invariant] of Object.entries(SMOKE)) {
    test(name, { timeout: 180_000 }, async () => {
      const mutant = MUTANTS.find((m) => m.name === name);
      assert.ok(mutant, `${name} is not in scripts/mutant-list.ts`);
      const dir = join(scratch, name);
      plantMutant(root, dir, mutant, ['src']);
      const args = ['--import', 'tsx', 'src/cli/main.ts', 'sim', '--seeds', String(SEEDS), '--workers', '1', '--fail-fast', '--workload', mutant.workload ?? 'zab'];
      let output = '';
      let code = 0;
      try {
        output = (await run(process.execPath, args, { cwd: dir, encoding: 'utf8', maxBuffer: 64 << 20 })).stdout;
      } catch (e) {
        const err = e as { stdout?: string; code?: number };
        output = err.stdout ?? '';
        code = err.code ?? -1;
      }
      const fail = /^FAIL seed (\d+) \(\d+ members\): (.+)$/m.exec(output);
      assert.ok(fail, `${mutant.description}: not caught in ${SEEDS} seeds\n${output.slice(-2000)}`);
      assert.equal(code, 1, 'a caught mutant must make npm run sim exit 1');
      assert.match(fail[2]!, invariant, `seed ${fail[1]} failed on the wrong invariant`);
      rmSync(dir, { recursive: true, force: true });
    });
  }
});
