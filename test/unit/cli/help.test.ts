/** Every verb answers --help and -h with its own usage and exit 0, without running anything. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VERBS, runCli, topUsage } from '../../../src/cli/verbs.js';

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(argv, (t) => (out += `${t}\n`), (t) => (err += `${t}\n`));
  return { code, out, err };
}

const verbs = Object.keys(VERBS);

test('the CLI has the verbs its README and scripts use', { timeout: 10_000 }, () => {
  for (const v of ['signal', 'node', 'ensemble', 'start', 'shell', 'check', 'backup', 'restore', 'sim', 'demo']) assert.ok(verbs.includes(v), v);
});

for (const verb of verbs) {
  for (const flag of ['--help', '-h']) {
    test(`peerkeeper ${verb} ${flag} prints its usage and exits 0`, { timeout: 20_000 }, async () => {
      const r = await run([verb, flag]);
      assert.equal(r.code, 0, r.err);
      assert.equal(r.err, '');
      assert.match(r.out, new RegExp(`^peerkeeper ${verb}\\b`));
    });
  }
  test(`peerkeeper help ${verb} is ${verb} --help`, { timeout: 20_000 }, async () => {
    assert.deepEqual(await run(['help', verb]), await run([verb, '--help']));
  });
}

test('the top-level usage names every verb and exits 0', { timeout: 10_000 }, async () => {
  for (const argv of [[], ['--help'], ['-h'], ['help']]) {
    const r = await run(argv);
    assert.equal(r.code, 0);
    assert.equal(r.out, `${topUsage}\n`);
  }
  for (const verb of verbs) assert.match(topUsage, new RegExp(`^  ${verb}\\b`, 'm'));
});

test('an unknown verb is a usage error (exit 2) with the usage on stderr', { timeout: 10_000 }, async () => {
  const r = await run(['frobnicate', '--help']);
  assert.equal(r.code, 2);
  assert.equal(r.out, '');
  assert.match(r.err, /unknown command frobnicate/);
});
