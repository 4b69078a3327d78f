/**
 * kazoo (Python, Debian's python3-kazoo) against a real 3-member peerkeeper ensemble through
 * ZooKeeper's wire protocol: basic operations, a transaction, a Lock and a DataWatch
 * (zk-clients/kazoo_check.py); then kazoo's recipes running while the leader is killed with SIGKILL
 * (zk-clients/kazoo_recipes.py), their guarantees checked after. Skips when kazoo is not installed.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { zkAddress, zkConnectString, zkEnsemble } from './fixtures/zk-ensemble.js';

const PYTHON = '/usr/bin/python3';
const CHECK = fileURLToPath(new URL('./zk-clients/kazoo_check.py', import.meta.url));
const RECIPES = fileURLToPath(new URL('./zk-clients/kazoo_recipes.py', import.meta.url));
const hasKazoo = spawnSync(PYTHON, ['-c', 'import kazoo'], { stdio: 'ignore' }).status === 0;

describe('kazoo against peerkeeper', { skip: hasKazoo ? false : 'kazoo is not installed (apt-get install python3-kazoo)' }, () => {
  const cluster = zkEnsemble();

  test('basic operations, a transaction, a Lock and a DataWatch', { timeout: 60_000 }, () => {
    const run = spawnSync(PYTHON, [CHECK, zkConnectString(cluster)], { encoding: 'utf8', timeout: 50_000 });
    assert.equal(run.status, 0, `kazoo_check.py failed:\n${run.stdout}\n${run.stderr}`);
    assert.match(run.stdout, /^OK$/m);
  });

  test('recipes carry on through a SIGKILL of the leader, their guarantees intact', { timeout: 120_000 }, async () => {
    const leader = await cluster.waitForLeader();
    // The leader first: kazoo_recipes.py puts its first client there.
    const order = [leader, ...cluster.ids.filter((id) => id !== leader)];
    const py = spawn(PYTHON, [RECIPES, zkConnectString(cluster, order)], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    py.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    py.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    const exited = new Promise<number | null>((resolve) => py.on('exit', (code) => resolve(code)));
    const guard = setTimeout(() => py.kill('SIGKILL'), 110_000);
    try {
      await new Promise<void>((resolve, reject) => {
        const check = (): void => {
          if (/^READY$/m.test(out)) resolve();
        };
        py.stdout.on('data', check);
        void exited.then(() => reject(new Error(`kazoo_recipes.py exited before READY:\n${out}\n${err}`)));
      });
      await cluster.kill(leader);
      py.stdin.write('killed\n');
      const code = await exited;
      if (code !== 0) {
        const members = cluster.ids.filter((id) => cluster.member(id).proc).map((id) => `member ${id}:\n${cluster.member(id).proc!.output.join('').slice(-3000)}`);
        assert.fail(`kazoo_recipes.py failed (${code}):\n${out}\n${err.slice(-12000)}\nstatuses: ${JSON.stringify(await cluster.statuses())}\n${members.join('\n')}`);
      }
      assert.match(out, /^OK$/m);
      const counts = out.split('\n').find((l) => l.startsWith('{'));
      if (counts) console.log(`kazoo recipes through a leader kill (member ${leader} of ${zkAddress(cluster, order[1]!)}…): ${counts}`);
    } finally {
      clearTimeout(guard);
      py.kill('SIGKILL');
    }
  });
});
