import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode, ZooKeeperError } from '../../../../src/client/errors.js';
import { electLeader, watchLeader, type LeaderState } from '../../../../src/client/recipes/election.js';
import { Lock, watchLockHolder, withLock } from '../../../../src/client/recipes/lock.js';
import { Presence } from '../../../../src/client/recipes/presence.js';
import { rejection, world } from '../harness.js';

describe('conveniences for apps', () => {
  test('electLeader reports one leader to every candidate; watchLeader follows it without competing', async () => {
    const w = world();
    const seen = new Map<string, LeaderState>();
    const handles = [];
    for (const name of ['a', 'b', 'c']) {
      handles.push(await w.scheduler.run(electLeader(await w.connectedClient(name), '/app/leader', { id: name, onChange: (s) => seen.set(name, s) })));
    }
    const watched: (string | null)[] = [];
    const watcher = watchLeader(await w.connectedClient('observer'), '/app/leader', (id) => watched.push(id));
    await w.scheduler.run(watcher.ready);
    assert.deepEqual(Object.fromEntries(seen), { a: { leader: 'a', isLeader: true }, b: { leader: 'a', isLeader: false }, c: { leader: 'a', isLeader: false } });
    assert.deepEqual(watched, ['a']);
    await w.scheduler.run(handles[0]!.stop());
    await w.scheduler.advance(50);
    assert.equal(seen.get('b')!.isLeader, true);
    assert.equal(seen.get('b')!.leader, 'b');
    assert.equal(seen.get('c')!.leader, 'b');
    assert.equal(handles[2]!.leader, 'b');
    assert.deepEqual(watched, ['a', 'b']);
    watcher.stop();
  });

  test('watchLeader on a missing election reports null, then the first candidate', async () => {
    const w = world();
    const watched: (string | null)[] = [];
    const h = watchLeader(await w.connectedClient('o'), '/nobody/yet', (id) => watched.push(id));
    await w.scheduler.run(h.ready);
    await w.scheduler.run(electLeader(await w.connectedClient('x'), '/nobody/yet', { id: 'x' }));
    await w.scheduler.advance(50);
    assert.deepEqual(watched, [null, 'x']);
  });

  test('watchLockHolder shows who holds a lock, and the next holder after a crash frees it', async () => {
    const w = world({ tickMs: 100 });
    const holderClient = await w.connectedClient('holder', { sessionTimeoutMs: 2000 });
    const holders: (string | null)[] = [];
    const h = watchLockHolder(await w.connectedClient('viewer'), '/locks/item-1', (who) => holders.push(who));
    await w.scheduler.run(h.ready);
    await w.scheduler.run(new Lock(holderClient, '/locks/item-1', { data: 'tab 1' }).acquire());
    await w.scheduler.advance(50);
    const next = new Lock(await w.connectedClient('next'), '/locks/item-1', { data: 'tab 2' });
    const taking = next.acquire();
    w.ensemble.isolate('holder'); // the holder's tab closes: its session expires, its node goes
    await w.scheduler.run(taking);
    await w.scheduler.advance(50);
    assert.deepEqual(holders, [null, 'tab 1', 'tab 2']);
    assert.ok(next.held);
  });

  test('withLock releases after the work, also when it throws; a timeout means the work never ran', async () => {
    const w = world();
    const a = await w.connectedClient('a');
    assert.equal(await w.scheduler.run(withLock(a, '/l', () => 42)), 42);
    await assert.rejects(w.scheduler.run(withLock(a, '/l', () => Promise.reject(new Error('boom')))), /boom/);
    assert.deepEqual(await w.scheduler.run(a.getChildren('/l')), []);
    const held = new Lock(a, '/l');
    await w.scheduler.run(held.acquire());
    let ran = false;
    const err = await rejection(w, withLock(await w.connectedClient('b'), '/l', () => (ran = true), { timeoutMs: 500 }));
    assert.ok(ZooKeeperError.is(err, ErrorCode.OPERATIONTIMEOUT));
    assert.equal(ran, false);
  });

  test('Presence: everyone online with their info; a crashed member drops out; a name held by a live session waits', async () => {
    const w = world({ tickMs: 100 });
    const viewer = new Presence(await w.connectedClient('viewer'), '/app/online');
    const online: Record<string, string>[] = [];
    viewer.watch((m) => online.push(Object.fromEntries(m)));
    const aClient = await w.connectedClient('a', { sessionTimeoutMs: 2000 });
    await w.scheduler.run(new Presence(aClient, '/app/online').join('alice', '{"tab":1}'));
    await w.scheduler.run(new Presence(await w.connectedClient('b'), '/app/online').join('bob'));
    await w.scheduler.advance(50);
    assert.deepEqual(online.at(-1), { alice: '{"tab":1}', bob: '' });
    // alice's tab reloads: the new page's session waits for the old one to expire, then takes the name.
    const again = new Presence(await w.connectedClient('a2'), '/app/online');
    const rejoining = again.join('alice', '{"tab":1,"reloaded":true}');
    w.ensemble.isolate('a');
    await w.scheduler.run(rejoining);
    await w.scheduler.advance(50);
    assert.deepEqual(online.at(-1), { alice: '{"tab":1,"reloaded":true}', bob: '' });
    assert.ok(online.some((m) => !('alice' in m)), 'alice was seen offline in between');
    const err = await rejection(w, new Presence(await w.connectedClient('c'), '/app/online').join('bob', '', { timeoutMs: 300 }));
    assert.ok(ZooKeeperError.is(err, ErrorCode.OPERATIONTIMEOUT));
  });
});
