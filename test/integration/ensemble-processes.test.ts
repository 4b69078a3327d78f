/**
 * Whole members as real child processes: WebRTC between them (@roamhq/wrtc), fsync'd files,
 * clients over each member's WebSocket endpoint.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { fromUtf8 } from '../../src/client/index.js';
import { Cluster, waitUntil } from './fixtures/cluster.js';

for (const size of [3, 5]) {
  describe(`${size} member processes`, () => {
    const cluster = new Cluster({ size });
    let spawnedAt = 0;
    let upAt = 0;
    before(async () => {
      await cluster.startSignal();
      spawnedAt = Date.now();
      await cluster.startAll();
      upAt = Date.now();
    });
    after(() => cluster.stopAll());

    test('elect one leader that every member follows', async () => {
      const leader = await cluster.waitForLeader();
      const now = Date.now();
      await cluster.converged();
      console.log(`# ${size} members: leader ${leader} agreed by all ${now - upAt} ms after every process listened, ${now - spawnedAt} ms after spawn`);
      const statuses = await cluster.statuses();
      assert.equal(statuses.filter((s) => s?.role === 'LEADING').length, 1);
      assert.deepEqual(new Set(statuses.map((s) => s?.epoch)).size, 1);
    });

    test('a write through any member is read on every member', async () => {
      const writers = await Promise.all(cluster.ids.map((id) => cluster.client([id])));
      for (const [i, w] of writers.entries()) await w.create(`/from-${cluster.ids[i]}`, `written via member ${cluster.ids[i]}`);
      for (const [i, reader] of writers.entries()) {
        await reader.sync('/');
        for (const id of cluster.ids) {
          const { data } = await reader.getData(`/from-${id}`);
          assert.equal(fromUtf8(data), `written via member ${id}`, `member ${cluster.ids[i]} reads /from-${id}`);
        }
      }
      const statuses = await waitUntil(
        async () => {
          const all = await cluster.statuses();
          return new Set(all.map((s) => `${s?.appliedZxid} ${s?.digest}`)).size === 1 ? all : undefined;
        },
        10_000,
        () => 'members did not converge on one zxid and digest',
      );
      assert.ok(statuses.every((s) => s !== null && s.digest === statuses[0]!.digest));
    });
  });
}
