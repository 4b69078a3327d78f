/**
 * Issue 16: Apache ZooKeeper's own shell, zkCli.sh (the Java client, Debian's `zookeeper` package),
 * scripted against a real 3-member peerkeeper ensemble through ZooKeeper's wire protocol: create -e/-s,
 * get -s/-w, set -v (right and wrong version), stat, ls, getAcl, delete, deleteall; then create -e -s,
 * ls -R/-s/-w, stat -w, addWatch -m PERSISTENT_RECURSIVE, delete -v, getEphemerals,
 * getAllChildrenNumber, sync and deleteall of a deeper tree. Skips when zkCli.sh is not installed.
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
  test('create -e -s, ls -R/-s/-w, stat -w, addWatch -m PERSISTENT_RECURSIVE, delete -v, getEphemerals, getAllChildrenNumber, sync, deleteall of a tree', () => {
    const out = zkCli(zkConnectString(cluster), [
      'create /z2 a',
      'create -e -s /z2/es- x',
      'create /z2/d1 b',
      'create /z2/d1/d2 deep',
      'ls -R /z2',
      'ls -s /z2',
      'ls -w /z2',
      'create /z2/c c',
      'stat -w /z2/d1/d2',
      'set /z2/d1/d2 v2',
      'addWatch -m PERSISTENT_RECURSIVE /z2',
      'create /z2/d1/d3 x',
      'delete -v 5 /z2/d1/d3',
      'getEphemerals /z2',
      'getAllChildrenNumber /z2',
      'sync /z2',
      'deleteall /z2',
      'ls /',
    ]);
    const seq = /Created \/z2\/(es-\d{10})\n/.exec(out)?.[1];
    assert.ok(seq, out);
    // ls -R: the tree, breadth first.
    assert.match(out, new RegExp(`\\/z2\\n\\/z2\\/d1\\n\\/z2\\/${seq}\\n\\/z2\\/d1\\/d2\\n`));
    // ls -s: the children, then the parent's Stat.
    assert.match(out, new RegExp(`\\[d1, ${seq}\\]\\ncZxid = [\\s\\S]*?numChildren = 2\\n`));
    // ls -w fires on the next child; stat -w on the next set.
    assert.match(out, /WatchedEvent state:SyncConnected type:NodeChildrenChanged path:\/z2\n/);
    assert.match(out, /WatchedEvent state:SyncConnected type:NodeDataChanged path:\/z2\/d1\/d2\n/);
    // The persistent recursive watch: a create two levels down, then every node deleteall removes.
    assert.match(out, /type:NodeCreated path:\/z2\/d1\/d3\n/);
    for (const p of ['/z2/d1/d3', '/z2/d1/d2', `/z2/${seq}`, '/z2/d1', '/z2/c', '/z2']) assert.match(out, new RegExp(`type:NodeDeleted path:${p.replace(/\//g, '\\/')}\\n`), p);
    assert.match(out, /version No is not valid : \/z2\/d1\/d3\n/);
    assert.match(out, new RegExp(`\\[\\/z2\\/${seq}\\]\\n`)); // getEphemerals
    assert.match(out, /\n5\n/); // getAllChildrenNumber: d1, es-, d1/d2, c, d1/d3
    assert.match(out, /Sync is OK/);
    // The last list printed is `ls /`: /z2 is gone.
    const lists = out.match(/^\[.*\]$/gm) ?? [];
    assert.match(lists.at(-1) ?? '', /zookeeper/);
    assert.doesNotMatch(lists.at(-1) ?? '', /\bz2\b/);
  });
});
