import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_TTL_MS, type CreateMode } from '../../../src/tree/create-mode.js';
import { ErrorCode } from '../../../src/tree/errors.js';
import { Leader, dec, enc } from './harness.js';

const SESSION = 0x1234;

describe('create modes', () => {
  test('PERSISTENT: plain node, owned by nobody, survives its session', () => {
    const l = new Leader();
    l.openSession(SESSION);
    const r = l.create('/p', 'hello', 'PERSISTENT', SESSION);
    assert.equal(r.path, '/p');
    assert.equal(r.stat.ephemeralOwner, 0);
    assert.equal(dec(l.tree.getData('/p').data), 'hello');
    l.ok({ type: 'closeSession', sessionId: SESSION });
    assert.ok(l.tree.exists('/p'));
  });

  test('EPHEMERAL: owned by the creating session', () => {
    const l = new Leader();
    l.openSession(SESSION);
    const r = l.create('/e', '', 'EPHEMERAL', SESSION);
    assert.equal(r.stat.ephemeralOwner, SESSION);
    assert.equal(l.tree.node('/e')?.kind, 'ephemeral');
    assert.deepEqual(l.tree.getEphemerals(SESSION), ['/e']);
  });

  test('EPHEMERAL needs a client session', () => {
    const l = new Leader();
    l.refused({ type: 'create', path: '/e', data: enc(''), mode: 'EPHEMERAL' }, ErrorCode.BADARGUMENTS, 0);
  });

  test('a request from a session that is not open is SESSIONEXPIRED', () => {
    const l = new Leader();
    l.refused({ type: 'create', path: '/e', data: enc(''), mode: 'EPHEMERAL' }, ErrorCode.SESSIONEXPIRED, 77);
    l.refused({ type: 'create', path: '/p', data: enc(''), mode: 'PERSISTENT' }, ErrorCode.SESSIONEXPIRED, 77);
  });

  test('PERSISTENT_SEQUENTIAL and EPHEMERAL_SEQUENTIAL append the parent’s cversion', () => {
    const l = new Leader();
    l.openSession(SESSION);
    l.create('/q');
    assert.equal(l.create('/q/item-', '', 'PERSISTENT_SEQUENTIAL').path, '/q/item-0000000000');
    assert.equal(l.create('/q/item-', '', 'EPHEMERAL_SEQUENTIAL', SESSION).path, '/q/item-0000000001');
    l.create('/q/plain');
    // Plain creates count too: the counter is the parent's cversion, not a per-prefix counter.
    assert.equal(l.create('/q/other-', '', 'PERSISTENT_SEQUENTIAL').path, '/q/other-0000000003');
    // A prefix ending in "/" names the child by the counter alone.
    assert.equal(l.create('/q/', '', 'PERSISTENT_SEQUENTIAL').path, '/q/0000000004');
    assert.equal(l.tree.getChildren('/q').stat.cversion, 5);
  });

  test('sequence numbers keep counting after deletes (never reused)', () => {
    const l = new Leader();
    l.create('/q');
    const a = l.create('/q/n-', '', 'PERSISTENT_SEQUENTIAL').path;
    const b = l.create('/q/n-', '', 'PERSISTENT_SEQUENTIAL').path;
    l.ok({ type: 'delete', path: a, version: -1 });
    l.ok({ type: 'delete', path: b, version: -1 });
    assert.equal(l.tree.getChildren('/q').stat.numChildren, 0);
    assert.equal(l.create('/q/n-', '', 'PERSISTENT_SEQUENTIAL').path, '/q/n-0000000002');
  });

  test('sequential creates under the root', () => {
    const l = new Leader();
    assert.equal(l.create('/', '', 'PERSISTENT_SEQUENTIAL').path, '/0000000000');
  });

  test('a sequential name that already exists is NODEEXISTS', () => {
    const l = new Leader();
    l.create('/q');
    l.create('/q/x0000000001');
    // cversion is now 1, so the next sequential name is x0000000001, which a plain create took.
    l.refused({ type: 'create', path: '/q/x', data: enc(''), mode: 'PERSISTENT_SEQUENTIAL' }, ErrorCode.NODEEXISTS);
    assert.equal(l.create('/q/y', '', 'PERSISTENT_SEQUENTIAL').path, '/q/y0000000001');
  });

  test('CONTAINER and the TTL modes', () => {
    const l = new Leader();
    assert.equal(l.create('/c', '', 'CONTAINER').stat.ephemeralOwner, 0);
    assert.equal(l.tree.node('/c')?.kind, 'container');
    l.create('/t', '', 'PERSISTENT_WITH_TTL', 0, 5000);
    assert.deepEqual(l.tree.node('/t'), { ...l.tree.node('/t')!, kind: 'ttl', ttlMs: 5000 });
    assert.equal(l.create('/t-', '', 'PERSISTENT_SEQUENTIAL_WITH_TTL', 0, 1).path, '/t-0000000002');
  });

  test('TTL only with the TTL modes, and within (0, 2^40)', () => {
    const l = new Leader();
    const c = (mode: CreateMode, ttlMs?: number) =>
      ttlMs === undefined
        ? ({ type: 'create', path: '/t', data: enc(''), mode } as const)
        : ({ type: 'create', path: '/t', data: enc(''), mode, ttlMs } as const);
    l.refused(c('PERSISTENT_WITH_TTL'), ErrorCode.BADARGUMENTS);
    l.refused(c('PERSISTENT_WITH_TTL', 0), ErrorCode.BADARGUMENTS);
    l.refused(c('PERSISTENT_WITH_TTL', -5), ErrorCode.BADARGUMENTS);
    l.refused(c('PERSISTENT_WITH_TTL', 1.5), ErrorCode.BADARGUMENTS);
    l.refused(c('PERSISTENT_WITH_TTL', MAX_TTL_MS + 1), ErrorCode.BADARGUMENTS);
    l.refused(c('PERSISTENT_SEQUENTIAL_WITH_TTL', 0), ErrorCode.BADARGUMENTS);
    const e = l.refused(c('PERSISTENT', 1000), ErrorCode.BADARGUMENTS);
    assert.match(e.error.message, /only valid with the TTL modes/);
    l.refused(c('CONTAINER', 0), ErrorCode.BADARGUMENTS);
    l.create('/t', '', 'PERSISTENT_WITH_TTL', 0, MAX_TTL_MS);
  });

  test('an unknown mode or non-byte data is BADARGUMENTS', () => {
    const l = new Leader();
    l.refused({ type: 'create', path: '/x', data: enc(''), mode: 'SOMETIMES' as CreateMode }, ErrorCode.BADARGUMENTS);
    l.refused({ type: 'create', path: '/x', data: 'text' as unknown as Uint8Array, mode: 'PERSISTENT' }, ErrorCode.BADARGUMENTS);
  });
});

describe('create failures', () => {
  test('NODEEXISTS, and NONODE when the parent is missing', () => {
    const l = new Leader();
    l.create('/a');
    l.refused({ type: 'create', path: '/a', data: enc(''), mode: 'PERSISTENT' }, ErrorCode.NODEEXISTS);
    const e = l.refused({ type: 'create', path: '/b/c', data: enc(''), mode: 'PERSISTENT' }, ErrorCode.NONODE);
    assert.match(e.error.message, /parent \/b does not exist/);
    l.refused({ type: 'create', path: '/b/c-', data: enc(''), mode: 'PERSISTENT_SEQUENTIAL' }, ErrorCode.NONODE);
  });

  test('NOCHILDRENFOREPHEMERALS under an ephemeral, whatever the child’s mode', () => {
    const l = new Leader();
    l.openSession(SESSION);
    l.create('/e', '', 'EPHEMERAL', SESSION);
    for (const mode of ['PERSISTENT', 'EPHEMERAL', 'PERSISTENT_SEQUENTIAL', 'CONTAINER'] as const) {
      l.refused({ type: 'create', path: '/e/x', data: enc(''), mode }, ErrorCode.NOCHILDRENFOREPHEMERALS, SESSION);
    }
  });

  test('containers and TTL nodes may have children', () => {
    const l = new Leader();
    l.create('/c', '', 'CONTAINER');
    l.create('/c/x');
    l.create('/t', '', 'PERSISTENT_WITH_TTL', 0, 10);
    l.create('/t/x');
  });
});

describe('data size limit', () => {
  test('defaults to 1 MiB per znode: at the limit is fine, one byte more is BADARGUMENTS', () => {
    const l = new Leader();
    l.ok({ type: 'create', path: '/big', data: new Uint8Array(1024 * 1024), mode: 'PERSISTENT' });
    const e = l.refused({ type: 'create', path: '/bigger', data: new Uint8Array(1024 * 1024 + 1), mode: 'PERSISTENT' }, ErrorCode.BADARGUMENTS);
    assert.match(e.error.message, /1048577 bytes, more than the 1048576-byte limit/);
    l.refused({ type: 'setData', path: '/big', data: new Uint8Array(1024 * 1024 + 1), version: -1 }, ErrorCode.BADARGUMENTS);
  });

  test('is configurable', () => {
    const l = new Leader({ maxDataBytes: 4 });
    l.create('/a', 'abcd');
    l.refused({ type: 'setData', path: '/a', data: enc('abcde'), version: -1 }, ErrorCode.BADARGUMENTS);
    l.refused({ type: 'multi', ops: [{ type: 'create', path: '/b', data: enc('12345'), mode: 'PERSISTENT' }] }, ErrorCode.BADARGUMENTS);
  });

  test('the tree keeps its own copy of the data', () => {
    const l = new Leader();
    const data = enc('abc');
    l.ok({ type: 'create', path: '/a', data, mode: 'PERSISTENT' });
    data[0] = 0x7a;
    const read = l.tree.getData('/a').data;
    read[1] = 0x7a;
    assert.equal(dec(l.tree.getData('/a').data), 'abc');
    assert.equal(l.tree.digest, l.tree.fullDigest());
  });
});
