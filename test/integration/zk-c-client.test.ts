/**
 * The seed's service-registry flow with Apache ZooKeeper's C client (libzookeeper_mt, from Debian's
 * libzookeeper-mt-dev, built here with gcc) against a real 3-member peerkeeper ensemble through
 * ZooKeeper's wire protocol (zk-clients/registry.c): the provider closes its session, or its process
 * is killed with SIGKILL and its session expires. Skips when gcc or the library is missing.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { missing, zkConnectString, zkEnsemble } from './fixtures/zk-ensemble.js';

const SOURCE = fileURLToPath(new URL('./zk-clients/registry.c', import.meta.url));
const skip = missing('the ZooKeeper C client (apt-get install libzookeeper-mt-dev gcc)', '/usr/include/zookeeper/zookeeper.h', '/usr/bin/gcc');

describe('ZooKeeper C client (service registry) against peerkeeper', { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'zk-c-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const cluster = zkEnsemble();

  const binary = join(dir, 'registry');
  before(() => {
    const build = spawnSync('gcc', ['-Wall', '-DTHREADED', '-o', binary, SOURCE, '-lzookeeper_mt', '-lpthread'], { encoding: 'utf8' });
    assert.equal(build.status, 0, `gcc failed:\n${build.stderr}`);
  });

  function registry(mode: 'close' | 'kill'): void {
    const run = spawnSync(binary, [zkConnectString(cluster), mode], { encoding: 'utf8', timeout: 50_000 });
    assert.equal(run.status, 0, `registry ${mode} failed (${run.signal ?? run.status}):\n${run.stdout}\n${run.stderr}`);
    assert.match(run.stdout, /^OK$/m);
  }

  test('provider registers an ephemeral, consumer reads and watches it, provider closes, the watch fires, the node is gone', { timeout: 60_000 }, () => {
    registry('close');
  });

  test('the provider process is killed with SIGKILL: the node outlives it until its session expires, then the watch fires and it is gone', { timeout: 60_000 }, () => {
    registry('kill');
  });
});
