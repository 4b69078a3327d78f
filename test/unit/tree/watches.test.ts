import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Leader, enc } from './harness.js';

describe('watch triggers', () => {
  test('create fires NodeCreated on the node and NodeChildrenChanged on the parent', () => {
    const l = new Leader();
    assert.deepEqual(l.ok({ type: 'create', path: '/a', data: enc(''), mode: 'PERSISTENT' }).triggers, [
      { type: 'NodeCreated', path: '/a' },
      { type: 'NodeChildrenChanged', path: '/' },
    ]);
    assert.deepEqual(l.ok({ type: 'create', path: '/a/b-', data: enc(''), mode: 'PERSISTENT_SEQUENTIAL' }).triggers, [
      { type: 'NodeCreated', path: '/a/b-0000000000' },
      { type: 'NodeChildrenChanged', path: '/a' },
    ]);
  });

  test('setData fires NodeDataChanged; delete fires NodeDeleted and NodeChildrenChanged', () => {
    const l = new Leader();
    l.create('/a');
    l.create('/a/b');
    assert.deepEqual(l.ok({ type: 'setData', path: '/a/b', data: enc('x'), version: -1 }).triggers, [
      { type: 'NodeDataChanged', path: '/a/b' },
    ]);
    assert.deepEqual(l.ok({ type: 'delete', path: '/a/b', version: -1 }).triggers, [
      { type: 'NodeDeleted', path: '/a/b' },
      { type: 'NodeChildrenChanged', path: '/a' },
    ]);
  });

  test('check, createSession and failed requests fire nothing', () => {
    const l = new Leader();
    l.create('/a');
    assert.deepEqual(l.ok({ type: 'check', path: '/a', version: 0 }).triggers, []);
    assert.deepEqual(l.ok({ type: 'createSession', sessionId: 3, timeoutMs: 10 }).triggers, []);
    assert.deepEqual(l.write({ type: 'setData', path: '/a', data: enc(''), version: 9 }).applied.triggers, []);
  });

  test('closeSession fires a delete pair per ephemeral, in path order', () => {
    const l = new Leader();
    l.openSession(3);
    l.create('/s');
    l.create('/s/z', '', 'EPHEMERAL', 3);
    l.create('/a', '', 'EPHEMERAL', 3);
    assert.deepEqual(l.ok({ type: 'closeSession', sessionId: 3 }).triggers, [
      { type: 'NodeDeleted', path: '/a' },
      { type: 'NodeChildrenChanged', path: '/' },
      { type: 'NodeDeleted', path: '/s/z' },
      { type: 'NodeChildrenChanged', path: '/s' },
    ]);
  });

  test('a multi fires its ops’ triggers in op order; a failed multi fires none', () => {
    const l = new Leader();
    l.create('/a');
    const r = l.ok({
      type: 'multi',
      ops: [
        { type: 'create', path: '/b', data: enc(''), mode: 'PERSISTENT' },
        { type: 'setData', path: '/a', data: enc('1'), version: 0 },
        { type: 'delete', path: '/b', version: 0 },
      ],
    });
    assert.deepEqual(r.triggers, [
      { type: 'NodeCreated', path: '/b' },
      { type: 'NodeChildrenChanged', path: '/' },
      { type: 'NodeDataChanged', path: '/a' },
      { type: 'NodeDeleted', path: '/b' },
      { type: 'NodeChildrenChanged', path: '/' },
    ]);
    const failed = l.write({
      type: 'multi',
      ops: [
        { type: 'setData', path: '/a', data: enc('2'), version: 1 },
        { type: 'delete', path: '/nope', version: -1 },
      ],
    });
    assert.deepEqual(failed.applied.triggers, []);
  });
});
