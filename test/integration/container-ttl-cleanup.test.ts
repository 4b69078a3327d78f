/**
 * The leader's cleanup end to end on a real 3-member ensemble (real runners, in one process): a
 * container whose last child is deleted disappears, a TTL node left alone past its TTL expires, on
 * every member — and what must stay (a container never used, a TTL node with a child, a node with a
 * long TTL) stays. Disabling the leader's cleanup (LeaderDuties.tick) fails the first two.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ZooKeeperClient } from '../../src/client/index.js';
import { startLocalEnsemble, type LocalEnsemble } from '../../src/server/local-ensemble.js';
import { waitUntil } from '../../scripts/lib/waiting.js';

const WAIT_MS = 30_000;

describe('container and TTL cleanup on a 3-member ensemble', { timeout: 120_000 }, () => {
  let ensemble: LocalEnsemble;
  let zk: ZooKeeperClient;
  /** Whether `path` exists in member `m`'s tree (every member must apply the cleanup). */
  const onMember = (m: number, path: string): boolean => ensemble.members[m]!.member.dataTree.exists(path) !== null;
  const everywhere = (path: string, present: boolean): true | undefined => (ensemble.members.every((_, m) => onMember(m, path) === present) ? true : undefined);

  before(async () => {
    ensemble = await startLocalEnsemble({ size: 3, tickMs: 20 });
    zk = new ZooKeeperClient({ connector: ensemble.connector, members: 3, sessionTimeoutMs: 4000 });
  });
  after(async () => {
    await zk.close().catch(() => {});
    ensemble.stop();
  });

  test('a container whose last child is deleted disappears; an unused one stays', async () => {
    await zk.create('/queue', '', { mode: 'CONTAINER' });
    await zk.create('/idle', '', { mode: 'CONTAINER' });
    await zk.create('/queue/job', 'x');
    await zk.delete('/queue/job');
    await waitUntil(() => everywhere('/queue', false), WAIT_MS, () => 'the emptied container was never removed');
    assert.equal(await zk.exists('/queue'), null);
    await zk.sync('/');
    assert.ok(await zk.exists('/idle'), 'a container that never had a child is not swept');
  });

  test('a TTL node expires once unmodified and childless for its TTL; one with a child stays', async () => {
    await zk.create('/lease', 'v', { mode: 'PERSISTENT_WITH_TTL', ttlMs: 200 });
    await zk.create('/held', 'v', { mode: 'PERSISTENT_WITH_TTL', ttlMs: 200 });
    await zk.create('/held/child', 'c');
    await zk.create('/long', 'v', { mode: 'PERSISTENT_WITH_TTL', ttlMs: 3_600_000 });
    await waitUntil(() => everywhere('/lease', false), WAIT_MS, () => 'the TTL node never expired');
    assert.equal(await zk.exists('/lease'), null);
    await zk.sync('/');
    assert.ok(await zk.exists('/held'), 'a TTL node with a child stays');
    assert.ok(await zk.exists('/long'), 'a TTL node within its TTL stays');
  });
});
