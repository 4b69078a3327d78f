import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../../../src/tree/errors.js';
import { Leader } from './harness.js';

describe('containers', () => {
  test('a container becomes a candidate once its last child is gone, not before it had one', () => {
    const l = new Leader();
    l.create('/c', '', 'CONTAINER');
    assert.deepEqual(l.tree.containerCandidates(), []);
    l.create('/c/x');
    l.create('/c/y');
    assert.deepEqual(l.tree.containerCandidates(), []);
    l.ok({ type: 'delete', path: '/c/x', version: -1 });
    assert.deepEqual(l.tree.containerCandidates(), []);
    l.ok({ type: 'delete', path: '/c/y', version: -1 });
    assert.deepEqual(l.tree.containerCandidates(), ['/c']);
    // The tree never deletes it by itself.
    assert.ok(l.tree.exists('/c'));
  });

  test('never-used containers become candidates only with maxNeverUsedMs', () => {
    const l = new Leader();
    l.create('/c', '', 'CONTAINER'); // mtime 1010
    assert.deepEqual(l.tree.containerCandidates({ nowMs: 5000, maxNeverUsedMs: 0 }), []);
    assert.deepEqual(l.tree.containerCandidates({ nowMs: 2000, maxNeverUsedMs: 1000 }), []);
    assert.deepEqual(l.tree.containerCandidates({ nowMs: 2011, maxNeverUsedMs: 1000 }), ['/c']);
  });

  test('the leader deletes a candidate through deleteContainer, rechecked on the pending view', () => {
    const l = new Leader();
    l.openSession(7);
    l.create('/c', '', 'CONTAINER');
    l.create('/c/lock', '', 'EPHEMERAL', 7);
    l.ok({ type: 'closeSession', sessionId: 7 });
    assert.deepEqual(l.tree.containerCandidates(), ['/c']);
    const r = l.ok({ type: 'deleteContainer', path: '/c' });
    assert.deepEqual(r.result, { type: 'delete', path: '/c' });
    assert.deepEqual(r.triggers, [
      { type: 'NodeDeleted', path: '/c' },
      { type: 'NodeChildrenChanged', path: '/' },
    ]);
    assert.deepEqual(l.tree.containerCandidates(), []);
  });

  test('deleteContainer refuses a node that gained a child or is not a container', () => {
    const l = new Leader();
    l.create('/c', '', 'CONTAINER');
    l.create('/c/x');
    l.ok({ type: 'delete', path: '/c/x', version: -1 });
    // A child arrives (pending) after the scan: the container stays.
    l.propose({ type: 'create', path: '/c/y', data: new Uint8Array(0), mode: 'PERSISTENT' });
    const { prepared } = l.propose({ type: 'deleteContainer', path: '/c' });
    assert.equal(!prepared.ok && prepared.error.code, ErrorCode.NOTEMPTY);
    l.applyAll();
    l.create('/p');
    l.refused({ type: 'deleteContainer', path: '/p' }, ErrorCode.BADVERSION);
    l.refused({ type: 'deleteContainer', path: '/nope' }, ErrorCode.NONODE);
  });
});

describe('TTL nodes', () => {
  test('expire when childless and unwritten for longer than their TTL', () => {
    const l = new Leader();
    l.create('/t', '', 'PERSISTENT_WITH_TTL', 0, 100); // mtime 1010
    l.create('/u', '', 'PERSISTENT_WITH_TTL', 0, 500); // mtime 1020
    assert.deepEqual(l.tree.expiredTtlNodes(1110), []);
    assert.deepEqual(l.tree.expiredTtlNodes(1111), ['/t']);
    assert.deepEqual(l.tree.expiredTtlNodes(1521), ['/t', '/u']);
    // A write moves mtime and so restarts the clock.
    l.ok({ type: 'setData', path: '/t', data: new Uint8Array(1), version: -1 }); // mtime 1030
    assert.deepEqual(l.tree.expiredTtlNodes(1111), []);
    // A TTL node with a child does not expire.
    l.create('/u/child');
    assert.deepEqual(l.tree.expiredTtlNodes(99999), ['/t']);
  });

  test('deleteContainer removes an expired TTL node, and refuses one that is not expired by the leader’s clock', () => {
    const l = new Leader();
    l.create('/t', '', 'PERSISTENT_WITH_TTL', 0, 100); // mtime 1010
    l.time = 1050;
    l.refused({ type: 'deleteContainer', path: '/t' }, ErrorCode.BADVERSION); // at 1060
    l.time = 1200;
    l.ok({ type: 'deleteContainer', path: '/t' });
    assert.equal(l.tree.exists('/t'), null);
    assert.deepEqual(l.tree.expiredTtlNodes(1e9), []);
  });
});
