import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode, ZooKeeperError } from '../../../../src/client/errors.js';
import { ConfigStore, type Versioned } from '../../../../src/client/recipes/config.js';
import { rejection, world } from '../harness.js';

interface Settings {
  readonly replicas: number;
}

describe('config', () => {
  test('versioned get/set with compare-and-set', async () => {
    const w = world();
    const a = new ConfigStore<Settings>(await w.connectedClient('a'), '/app/config');
    const b = new ConfigStore<Settings>(await w.connectedClient('b'), '/app/config');
    assert.equal(await w.scheduler.run(a.get()), null);
    assert.equal(await w.scheduler.run(a.set({ replicas: 1 })), 0, 'created with its parents');
    const read = await w.scheduler.run(b.get());
    assert.deepEqual(read, { value: { replicas: 1 }, version: 0 });
    assert.equal(await w.scheduler.run(b.set({ replicas: 2 }, read!.version)), 1);
    const err = await rejection(w, a.set({ replicas: 3 }, 0));
    assert.ok(ZooKeeperError.is(err, ErrorCode.BADVERSION), 'a stale version loses');
    const updated = await w.scheduler.run(a.update((cur) => ({ replicas: (cur?.replicas ?? 0) + 10 })));
    assert.deepEqual(updated, { value: { replicas: 12 }, version: 2 });
  });

  test('change events through a data watch that re-arms', async () => {
    const w = world();
    const watcher = new ConfigStore<Settings>(await w.connectedClient('watcher'), '/cfg');
    const writer = new ConfigStore<Settings>(await w.connectedClient('writer'), '/cfg');
    const seen: Array<Versioned<Settings> | null> = [];
    const stop = watcher.watch((c) => seen.push(c));
    await w.scheduler.advance(10);
    for (let i = 1; i <= 3; i++) {
      await w.scheduler.run(writer.set({ replicas: i }));
      await w.scheduler.advance(10);
    }
    await w.scheduler.run((await w.connectedClient('admin')).delete('/cfg'));
    await w.scheduler.advance(10);
    assert.deepEqual(seen, [null, { value: { replicas: 1 }, version: 0 }, { value: { replicas: 2 }, version: 1 }, { value: { replicas: 3 }, version: 2 }, null]);
    stop();
    await w.scheduler.run(writer.set({ replicas: 9 }));
    await w.scheduler.advance(10);
    assert.equal(seen.length, 5, 'nothing after stop()');
  });
});
