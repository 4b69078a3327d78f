/**
 * The mesh without its signalling server, and a member that does not know the room secret: real
 * member processes.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formedCluster, nodeExists, retryThroughFailover, waitUntil } from './fixtures/cluster.js';

describe('signalling server stopped after formation', () => {
  const cluster = formedCluster({ size: 3 });

  test('a killed and restarted member rejoins through the mesh; the ensemble keeps serving', async () => {
    const client = await cluster.client();
    await client.create('/before-stop', 'x');
    await cluster.stopSignal();

    const leader = await cluster.waitForLeader();
    const victim = cluster.ids.find((id) => id !== leader)!;
    // Writes go through a client that stays off the victim: one whose connection the kill cuts gets
    // CONNECTIONLOSS, as it should, and that is not what this test is about.
    const writer = await cluster.client(cluster.ids.filter((id) => id !== victim));
    await cluster.kill(victim);
    await writer.create('/while-down', 'y');
    const restartedAt = Date.now();
    await cluster.start(victim);
    const status = await waitUntil(
      async () => {
        const s = await cluster.status(victim);
        return s && s.serving && s.peersUp.length === cluster.ids.length - 1 ? s : undefined;
      },
      20_000,
      () => `member ${victim} did not rejoin without the signalling server`,
    );
    console.log(`# member ${victim} back with links to ${status.peersUp.join(',')} and serving ${Date.now() - restartedAt} ms after its restart, no signalling server`);
    const reader = await cluster.client([victim]);
    await reader.sync('/');
    assert.ok(await reader.exists('/while-down'), 'the restarted member caught up on what it missed');

    // And the leader itself, for good measure: a new one is elected and the old one rejoins.
    await cluster.kill(leader);
    await retryThroughFailover(() => writer.create('/after-leader-kill', 'z'), nodeExists);
    await cluster.start(leader);
    await waitUntil(
      async () => ((await cluster.status(leader))?.serving ? true : undefined),
      20_000,
      () => `old leader ${leader} did not rejoin without the signalling server`,
    );
  });
});

describe('a member with the wrong secret', () => {
  const cluster = formedCluster({ size: 3 });

  test('is refused by the signalling server, the rendezvous and the mesh, and changes nothing', async () => {
    const client = await cluster.client([1, 2]);
    await client.create('/guarded', 'before');
    const leader = await cluster.waitForLeader();
    const victim = cluster.ids.find((id) => id !== leader)!;
    await cluster.kill(victim);
    const survivors = cluster.ids.filter((id) => id !== victim);
    await cluster.converged(survivors);
    const before = await Promise.all(survivors.map((id) => cluster.status(id)));

    // An impostor takes the dead member's place and data, but not its secret.
    const impostor = await cluster.start(victim, { secret: 'not-the-room-secret' });
    await impostor.proc!.waitFor(/refused|failed|wrong|proof/i);
    await new Promise((r) => setTimeout(r, 3000));
    const s = await cluster.status(victim);
    assert.deepEqual(s?.peersUp, [], 'no member accepted a link from the impostor');
    assert.notEqual(s?.serving, true);
    const now = await Promise.all(survivors.map((id) => cluster.status(id)));
    assert.deepEqual(
      now.map((x) => [x?.epoch, x?.appliedZxid, x?.digest, x?.leader]),
      before.map((x) => [x?.epoch, x?.appliedZxid, x?.digest, x?.leader]),
      'the ensemble did not notice',
    );
    await cluster.kill(victim);

    // The real member, with the right secret and the same files, comes back.
    await cluster.start(victim);
    await waitUntil(async () => ((await cluster.status(victim))?.serving ? true : undefined), 20_000, () => `member ${victim} did not rejoin`);
  });
});
