/**
 * Issue 16: Apache ZooKeeper's own shell, zkCli.sh (the Java client, Debian's `zookeeper` package),
 * scripted against a real 3-member peerkeeper ensemble through ZooKeeper's wire protocol: create -e/-s,
 * get -s/-w, set -v (right and wrong version), stat, ls, getAcl, delete, deleteall. Skips when
 * zkCli.sh is not installed.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { missing, zkConnectString, zkEnsemble } from './fixtures/zk-ensemble.js';

const ZKCLI = '/usr/share/zookeeper/bin/zkCli.sh';
const skip = missing('zkCli.sh (apt-get install zookeeper)', ZKCLI, '/usr/bin/java');

/** Runs the commands in one zkCli session (it reads them from stdin) and returns what it printed. */
function zkCli(server: string, commands: readonly string[]): string {
  const run = spawnSync(ZKCLI, ['-server', server], { input: `${commands.join('\n')}\nquit\n`, encoding: 'utf8', timeout: 120_000 });
  assert.equal(run.error, undefined, String(run.error));
  return `${run.stdout}\n${run.stderr}`;
}

describe('zkCli.sh against peerkeeper', { skip }, () => {
  const cluster = zkEnsemble();

  test('create -e/-s, get -s -w, set -v, stat, ls, getAcl, delete, deleteall', () => {
    const out = zkCli(zkConnectString(cluster), [
      'create /cli "hello"',
      'create -e /cli/eph e',
      'create -s /cli/seq- s',
      'get -s /cli',
      'set -v 0 /cli world',
      'set -v 0 /cli stale',
      'stat /cli',
      'ls /cli',
      'getAcl /cli',
      'get -w /cli/eph',
      'set /cli/eph changed',
      'delete /cli/eph',
      'deleteall /cli',
      'ls /',
    ]);
    assert.match(out, /WatchedEvent state:SyncConnected type:None path:null/);
    assert.match(out, /Created \/cli\n/);
    assert.match(out, /Created \/cli\/eph\n/);
    assert.match(out, /Created \/cli\/seq-\d{10}\n/);
    // get -s: the data, then the Stat with dataVersion 0 and the two children.
    assert.match(out, /hello\ncZxid = 0x[0-9a-f]+\n[\s\S]*?dataVersion = 0\n[\s\S]*?numChildren = 2/);
    // The second set names version 0 again: ZooKeeper's BADVERSION message.
    assert.match(out, /version No is not valid : \/cli/);
    assert.match(out, /dataVersion = 1\n/);
    assert.match(out, /\[eph, seq-\d{10}\]/);
    assert.match(out, /'world,'anyone\n: cdrwa/);
    // The data watch set by get -w fires on the set.
    assert.match(out, /WatchedEvent state:SyncConnected type:NodeDataChanged path:\/cli\/eph/);
    assert.match(out, /\[zookeeper\]\n/);
    assert.doesNotMatch(out, /\[cli/);
  });
});
