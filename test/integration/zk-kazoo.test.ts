/**
 * Issue 16: kazoo (Python, Debian's python3-kazoo) against a real 3-member peerkeeper ensemble
 * through ZooKeeper's wire protocol: basic operations, a transaction, a Lock and a DataWatch
 * (zk-clients/kazoo_check.py). Skips when kazoo is not installed.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { zkConnectString, zkEnsemble } from './fixtures/zk-ensemble.js';

const PYTHON = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('./zk-clients/kazoo_check.py', import.meta.url));
const hasKazoo = spawnSync(PYTHON, ['-c', 'import kazoo'], { stdio: 'ignore' }).status === 0;

describe('kazoo against peerkeeper', { skip: hasKazoo ? false : 'kazoo is not installed (apt-get install python3-kazoo)' }, () => {
  const cluster = zkEnsemble();

  test('basic operations, a transaction, a Lock and a DataWatch', () => {
    const run = spawnSync(PYTHON, [SCRIPT, zkConnectString(cluster)], { encoding: 'utf8', timeout: 90_000 });
    assert.equal(run.status, 0, `kazoo_check.py failed:\n${run.stdout}\n${run.stderr}`);
    assert.match(run.stdout, /^OK$/m);
  });
});
