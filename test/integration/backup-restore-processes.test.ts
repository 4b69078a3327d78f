/**
 * Backup and restore with real member processes: `peerkeeper backup` from a live 3-member ensemble
 * under a writer, every member stopped and wiped, `peerkeeper restore` into each, a new ensemble on
 * the restored directories → the same tree and digest at the backup's zxid (sessions and ephemerals
 * included); then the restored sessions, whose clients do not come back, expire with their
 * ephemerals, and the ensemble takes writes. Bad backup files are refused, writing nothing.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fromUtf8, type ZooKeeperClient } from '../../src/client/index.js';
import { decodeBackup } from '../../src/server/backup-file.js';
import type { DigestReport } from '../../src/server/runner.js';
import { Cluster, spawnPeerkeeper, waitUntil } from './fixtures/cluster.js';

async function run(args: readonly string[]): Promise<{ code: number | null; out: string }> {
  const p = spawnPeerkeeper(args);
  const code = await p.exited;
  return { code, out: p.output.join('') };
}

async function digests(cluster: Cluster, id: number): Promise<DigestReport> {
  const res = await fetch(`http://127.0.0.1:${cluster.member(id).clientPort}/digests`, { signal: AbortSignal.timeout(2000) });
  return (await res.json()) as DigestReport;
}

describe('backup and restore of a 3-member ensemble', () => {
  const cluster = new Cluster({ size: 3 });
  const file = join(cluster.root, 'ensemble.backup');
  let zxid = '';
  let digest = '';

  before(async () => {
    await cluster.startSignal();
    await cluster.startAll();
    await cluster.waitForLeader();
  });
  after(() => cluster.stopAll());

  test('GET /backup: a verified file from a serving member; 503 until it applied ?atLeast, 400 for a bad one', async () => {
    // A formed cluster has a serving quorum; member 1 may still be syncing (503) until all converge.
    await cluster.converged();
    const port = cluster.member(1).clientPort;
    const ok = await fetch(`http://127.0.0.1:${port}/backup`);
    assert.equal(ok.status, 200);
    const r = decodeBackup(new Uint8Array(await ok.arrayBuffer()));
    assert.ok(r.ok, r.ok ? '' : r.error.message);
    assert.equal(r.backup.header.member, 1);
    const ahead = await fetch(`http://127.0.0.1:${port}/backup?atLeast=999,1`);
    assert.equal(ahead.status, 503);
    assert.match(await ahead.text(), /not yet \(999,1\)/);
    assert.equal((await fetch(`http://127.0.0.1:${port}/backup?atLeast=soon`)).status, 400);
  });

  test('backup from a live ensemble, wipe every member, restore each → the same tree and digest; it takes writes', async () => {
    const c = await cluster.client();
    await c.create('/app', 'the app');
    await c.create('/app/config', JSON.stringify({ color: 'blue', retries: 3 }));
    const jobs: string[] = [];
    for (let i = 0; i < 3; i++) jobs.push(await c.create('/app/job-', `job ${i}`, { mode: 'PERSISTENT_SEQUENTIAL' }));
    await c.create('/app/queue', '', { mode: 'CONTAINER' });
    const item = await c.create('/app/queue/item-', 'queued', { mode: 'PERSISTENT_SEQUENTIAL' });
    await c.create('/app/big', new Uint8Array(200_000).fill(7));
    const owner = await cluster.client(cluster.ids, 4000);
    await owner.create('/app/alive', 'owner is here', { mode: 'EPHEMERAL' });
    const aliveSeq = await owner.create('/app/alive-', 'seq eph', { mode: 'EPHEMERAL_SEQUENTIAL' });

    // A writer keeps going while the backup is taken: the backup is one zxid, whatever happens around it.
    let writing = true;
    let written = 0;
    const writer = (async () => {
      await c.create('/app/busy', '0');
      while (writing) {
        await c.setData('/app/busy', String(written + 1));
        written++;
      }
    })();
    await waitUntil(() => (written > 20 ? true : undefined), 10_000, () => 'the writer did not start');
    const completedBefore = written;
    const b = await run(['backup', '--connect', cluster.ids.map((id) => `127.0.0.1:${cluster.member(id).clientPort}`).join(','), '--out', file]);
    const writtenAtBackup = written;
    await waitUntil(() => (written > writtenAtBackup + 20 ? true : undefined), 10_000, () => 'the writer stopped during the backup');
    writing = false;
    await writer;
    assert.equal(b.code, 0, b.out);
    console.log(`# ${b.out.trim().split('\n').join('\n# ')}`);
    const m = /at zxid (\(\d+,\d+\)), digest ([0-9a-f]{16}): (\d+) znodes, (\d+) sessions/.exec(b.out);
    assert.ok(m, b.out);
    [, zxid, digest] = m as unknown as [string, string, string];
    assert.ok(Number(m[4]) >= 2, `the owner's and the writer's sessions are in the backup: ${b.out}`);

    // Consistent: every member of the live ensemble had exactly that digest at that zxid.
    for (const id of cluster.ids) {
      const r = await digests(cluster, id);
      const at = r.entries.find((e) => `(${e.zxid.epoch},${e.zxid.counter})` === zxid);
      assert.ok(at, `member ${id} has no digest for ${zxid} in its window`);
      assert.equal(at.digest, digest, `member ${id} at ${zxid}`);
    }

    // Stop everything and wipe every member.
    for (const id of cluster.ids) await cluster.kill(id, 'SIGTERM');
    await owner.close(); // not connected: ends locally, the session lives on in the backup
    for (const id of cluster.ids) rmSync(cluster.member(id).dataDir, { recursive: true, force: true });

    // Restore every member at once (DIR/1, DIR/2, DIR/3), then move each into place.
    const root = join(cluster.root, 'restored');
    const r = await run(['restore', '--file', file, '--data', root, '--ids', cluster.ids.join(',')]);
    assert.equal(r.code, 0, r.out);
    console.log(`# ${r.out.trim().split('\n').join('\n# ')}`);
    assert.match(r.out, /sessions came back with the tree/);
    for (const id of cluster.ids) renameSync(join(root, String(id)), cluster.member(id).dataDir);

    await cluster.startAll();
    await cluster.waitForLeader();
    // The same tree at the same zxid on every restored member: the digest covers every node, its
    // data and Stat, and the open sessions.
    for (const id of cluster.ids) {
      const rep = await digests(cluster, id);
      const at = rep.entries.find((e) => `(${e.zxid.epoch},${e.zxid.counter})` === zxid);
      assert.ok(at, `restored member ${id} never was at ${zxid}: ${JSON.stringify(rep.entries.slice(0, 3))}`);
      assert.equal(at.digest, digest, `restored member ${id} at ${zxid}`);
    }

    const fresh: ZooKeeperClient = await cluster.client();
    await fresh.sync('/');
    const names = (paths: string[]): string[] => paths.map((p) => p.slice('/app/'.length));
    assert.deepEqual((await fresh.getChildren('/app')).sort(), ['alive', ...names([aliveSeq]), 'big', 'busy', 'config', ...names(jobs), 'queue'].sort());
    assert.equal(fromUtf8((await fresh.getData('/app/config')).data), JSON.stringify({ color: 'blue', retries: 3 }));
    assert.equal((await fresh.getData('/app/big')).data.length, 200_000);
    // Every write completed before the backup began is in it; none that began after it ended.
    const busy = Number(fromUtf8((await fresh.getData('/app/busy')).data));
    assert.ok(busy >= completedBefore && busy <= writtenAtBackup + 1, `busy ${busy}, completed before ${completedBefore}, after ${writtenAtBackup}`);
    assert.deepEqual(await fresh.getChildren('/app/queue'), [item.slice('/app/queue/'.length)]);

    // Sessions aside: the owner never comes back, so the new leader expires its session after its
    // timeout and the ephemerals go, on every member alike.
    await waitUntil(async () => ((await fresh.getChildren('/app')).some((n) => n.startsWith('alive')) ? undefined : true), 20_000, () => 'the restored session never expired');

    // The restored ensemble takes writes, and its members agree.
    await fresh.create('/after-restore', 'yes');
    await fresh.setData('/app/config', 'changed');
    // Sequence numbers carry on from the restored parent's cversion.
    const next = await fresh.create('/app/job-', 'next', { mode: 'PERSISTENT_SEQUENTIAL' });
    assert.ok(next > jobs.at(-1)! && next > aliveSeq.replace('alive-', 'job-'), next);
    await cluster.converged();
  });

  test('a truncated file, a flipped byte and a file that is not a backup are refused, writing nothing', async () => {
    const good = readFileSync(file);
    const cases: [string, Uint8Array, RegExp][] = [
      ['truncated', good.subarray(0, good.length - 100), /refused: truncated/],
      ['header only', good.subarray(0, 40), /refused: truncated/],
      ['flipped', (() => { const x = Buffer.from(good); x[x.length >> 1]! ^= 0x10; return x; })(), /refused: corrupt: the snapshot checksum/],
      ['flipped header', (() => { const x = Buffer.from(good); x[20]! ^= 0x01; return x; })(), /refused: corrupt: the header checksum/],
      ['not a backup', Buffer.from('{"this": "is json"}\n'), /refused: not a peerkeeper backup/],
    ];
    for (const [name, bytes, expected] of cases) {
      const bad = join(cluster.root, `${name.replace(/ /g, '-')}.backup`);
      writeFileSync(bad, bytes);
      const target = join(cluster.root, `target-${name.replace(/ /g, '-')}`);
      const r = await run(['restore', '--file', bad, '--data', target, '--ids', '1,2,3']);
      assert.equal(r.code, 1, `${name}: ${r.out}`);
      assert.match(r.out, expected, name);
      assert.match(r.out, /nothing was written/, name);
      assert.doesNotMatch(r.out, /\n\s+at /, `${name}: no stack trace`);
      assert.equal(existsSync(target), false, `${name}: nothing written`);
    }
    const missing = await run(['restore', '--file', join(cluster.root, 'no-such.backup'), '--data', join(cluster.root, 'target-missing')]);
    assert.equal(missing.code, 1, missing.out);
    assert.match(missing.out, /refused: no such file/);
  });

  test('restore refuses a non-empty data directory unless --force, and checks every directory before writing any', async () => {
    const root = join(cluster.root, 'partly-used');
    mkdirSync(join(root, '2'), { recursive: true });
    writeFileSync(join(root, '2', 'log-000000000000.log'), 'old member data');
    const r = await run(['restore', '--file', file, '--data', root, '--ids', '1,2,3']);
    assert.equal(r.code, 3, r.out);
    assert.match(r.out, /is not empty/);
    assert.equal(existsSync(join(root, '1')), false, 'member 1 was not written before member 2 was refused');
    const forced = await run(['restore', '--file', file, '--data', root, '--ids', '1,2,3', '--force']);
    assert.equal(forced.code, 0, forced.out);
    assert.ok(existsSync(join(root, '3')));
  });

  test('backup, restore and ensemble answer --help and -h with their usage', async () => {
    for (const verb of ['backup', 'restore', 'ensemble']) {
      for (const flag of ['--help', '-h']) {
        const r = await run([verb, flag]);
        assert.equal(r.code, 0, r.out);
        assert.match(r.out, new RegExp(`^peerkeeper ${verb} `));
      }
    }
  });
});
