import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCode, ZooKeeperClient, ZooKeeperError } from '../../src/client/index.js';
import { ServiceRegistry } from '../../src/client/recipes/index.js';
import type { MemberConnection } from '../../src/protocol/client.js';
import { startLocalEnsemble } from '../../src/server/local-ensemble.js';

test('the seed scenario in one process: register, discover, the provider dies, its method disappears', async () => {
  const ensemble = await startLocalEnsemble({ size: 3, tickMs: 20 });
  try {
    let providerAlive = true;
    const providerConnections: MemberConnection[] = [];
    const provider = new ZooKeeperClient({
      members: 3,
      sessionTimeoutMs: 300,
      connector: (index, handlers) => {
        if (!providerAlive) return null;
        const c = ensemble.connector(index, handlers);
        if (c) providerConnections.push(c);
        return c;
      },
    });
    await new ServiceRegistry(provider).register('UserService', 'Login', '127.0.0.1:8000');

    const consumer = new ZooKeeperClient({ connector: ensemble.connector, members: 3, sessionTimeoutMs: 400 });
    const registry = new ServiceRegistry(consumer);
    const changes: (string | null)[] = [];
    const gone = new Promise<void>((resolve) => {
      void registry.discover('UserService', 'Login', {
        onChange: (address) => {
          changes.push(address);
          if (address === null) resolve();
        },
      });
    });
    assert.equal(await registry.discover('UserService', 'Login'), '127.0.0.1:8000');
    // Every member serves the same committed state.
    const stats = await Promise.all(ensemble.members.map(async (_, i) => {
      const reader = new ZooKeeperClient({ connector: (_j, h) => ensemble.connector(i, h), members: 1, sessionTimeoutMs: 400 });
      await reader.sync('/');
      const r = await reader.getData('/UserService/Login');
      await reader.close();
      return new TextDecoder().decode(r.data);
    }));
    assert.deepEqual(stats, ['127.0.0.1:8000', '127.0.0.1:8000', '127.0.0.1:8000']);

    providerAlive = false;
    for (const c of providerConnections) c.close();
    await gone;
    assert.equal(changes[changes.length - 1], null);
    assert.equal(await consumer.exists('/UserService/Login'), null);
    assert.notEqual(await consumer.exists('/UserService'), null, 'the persistent service node stays');
    registry.close();
    await consumer.close();
    await provider.close().catch(() => {});
  } finally {
    ensemble.stop();
  }
});

test('a local ensemble survives the loss of its leader and keeps every acknowledged write', async () => {
  const ensemble = await startLocalEnsemble({ size: 3, tickMs: 20 });
  try {
    const zk = new ZooKeeperClient({ connector: ensemble.connector, members: 3, sessionTimeoutMs: 2000 });
    // A write in flight when the leader dies fails with CONNECTIONLOSS: it may or may not have
    // happened, so the application looks before it tries again (ZooKeeper's contract).
    const create = async (path: string): Promise<void> => {
      for (;;) {
        try {
          await zk.create(path, 'v');
          return;
        } catch (e) {
          if (!(e instanceof ZooKeeperError)) throw e;
          if (e.code === ErrorCode.NODEEXISTS) return;
          if (e.code !== ErrorCode.CONNECTIONLOSS) throw e;
          if (await zk.exists(path).catch(() => null)) return;
        }
      }
    };
    for (let i = 0; i < 20; i++) await create(`/n${i}`);
    const leader = ensemble.members.find((m) => m.member.status().role === 'LEADING')!;
    ensemble.kill(leader.id);
    for (let i = 20; i < 30; i++) await create(`/n${i}`);
    const children = await zk.getChildren('/');
    for (let i = 0; i < 30; i++) assert.ok(children.includes(`n${i}`), `n${i} lost`);
    await zk.close();
  } finally {
    ensemble.stop();
  }
});

test('ZooKeeperClient: getAllChildrenNumber counts every descendant; checkWatches says whether the member holds a watch', { timeout: 30_000 }, async () => {
  const ensemble = await startLocalEnsemble({ size: 3, tickMs: 20 });
  try {
    const zk = new ZooKeeperClient({ connector: ensemble.connector, members: 3, sessionTimeoutMs: 2000 });
    for (const p of ['/t', '/t/a', '/t/a/b', '/t/c']) await zk.create(p, '');
    assert.equal(await zk.getAllChildrenNumber('/t'), 3);
    assert.equal(await zk.getAllChildrenNumber('/t/a/b'), 0);
    await assert.rejects(zk.getAllChildrenNumber('/missing'), (e: unknown) => e instanceof ZooKeeperError && e.code === ErrorCode.NONODE);

    await assert.rejects(zk.checkWatches('/t', 'DATA'), (e: unknown) => e instanceof ZooKeeperError && e.code === ErrorCode.NOWATCHER);
    await zk.getData('/t', { watch: true });
    await zk.checkWatches('/t', 'DATA');
    await zk.checkWatches('/t');
    await assert.rejects(zk.checkWatches('/t', 'CHILDREN'), (e: unknown) => e instanceof ZooKeeperError && e.code === ErrorCode.NOWATCHER);
    await zk.close();
  } finally {
    ensemble.stop();
  }
});
