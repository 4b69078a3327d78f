import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { zxid, ZXID_ZERO } from '../../../src/zab/zxid.js';
import { DataTree } from '../../../src/tree/data-tree.js';
import { ErrorCode } from '../../../src/tree/errors.js';
import { nextCversion, nextVersion, reportedCversion } from '../../../src/tree/stat.js';
import { Leader, enc } from './harness.js';

describe('versions and conditional writes', () => {
  test('setData with the current version or -1 succeeds and bumps the version', () => {
    const l = new Leader();
    l.create('/a', 'v0');
    const r1 = l.ok({ type: 'setData', path: '/a', data: enc('v1'), version: 0 }).result;
    assert.equal(r1.type === 'setData' && r1.stat.version, 1);
    const r2 = l.ok({ type: 'setData', path: '/a', data: enc('v2'), version: -1 }).result;
    assert.equal(r2.type === 'setData' && r2.stat.version, 2);
  });

  test('a stale version is BADVERSION and names both versions', () => {
    const l = new Leader();
    l.create('/a');
    l.ok({ type: 'setData', path: '/a', data: enc('x'), version: 0 });
    const e = l.refused({ type: 'setData', path: '/a', data: enc('y'), version: 0 }, ErrorCode.BADVERSION);
    assert.match(e.error.message, /BadVersion for \/a: expected version 0, node is at 1/);
    l.refused({ type: 'delete', path: '/a', version: 5 }, ErrorCode.BADVERSION);
    l.refused({ type: 'check', path: '/a', version: 0 }, ErrorCode.BADVERSION);
    l.ok({ type: 'check', path: '/a', version: 1 });
    l.ok({ type: 'check', path: '/a', version: -1 });
    l.ok({ type: 'delete', path: '/a', version: 1 });
  });

  test('NONODE for writes to a missing node', () => {
    const l = new Leader();
    l.refused({ type: 'setData', path: '/x', data: enc(''), version: -1 }, ErrorCode.NONODE);
    l.refused({ type: 'delete', path: '/x', version: -1 }, ErrorCode.NONODE);
    l.refused({ type: 'check', path: '/x', version: -1 }, ErrorCode.NONODE);
  });

  test('NOTEMPTY: a node with children cannot be deleted, whatever the version', () => {
    const l = new Leader();
    l.create('/a');
    l.create('/a/b');
    const e = l.refused({ type: 'delete', path: '/a', version: -1 }, ErrorCode.NOTEMPTY);
    assert.match(e.error.message, /1 children/);
    l.ok({ type: 'delete', path: '/a/b', version: -1 });
    l.ok({ type: 'delete', path: '/a', version: -1 });
  });

  test('a version that is not a 32-bit integer is BADARGUMENTS', () => {
    const l = new Leader();
    l.create('/a');
    l.refused({ type: 'setData', path: '/a', data: enc(''), version: 1.5 }, ErrorCode.BADARGUMENTS);
    l.refused({ type: 'delete', path: '/a', version: '0' as unknown as number }, ErrorCode.BADARGUMENTS);
    l.refused({ type: 'check', path: '/a', version: 2 ** 31 }, ErrorCode.BADARGUMENTS);
  });

  test('versions wrap like a Java int but never become -1 (ZOOKEEPER-4743)', () => {
    assert.equal(nextVersion(0), 1);
    assert.equal(nextVersion(2147483647), -2147483648);
    assert.equal(nextVersion(-2), 0);
    assert.equal(nextCversion(2147483647), -2147483648);
    // And through the pipeline, from a tree whose node is at the top of the range.
    const state = new DataTree().exportState();
    const nodes = state.nodes.map((n) => n);
    const root = nodes.find((n) => n.path === '/')!;
    nodes.push({ path: '/v', data: new Uint8Array(0), kind: 'persistent', ttlMs: 0, stat: { ...root.stat, version: 2147483647 } });
    const l = new Leader(undefined, DataTree.fromState({ ...state, nodes }));
    const r = l.ok({ type: 'setData', path: '/v', data: enc(''), version: 2147483647 }).result;
    assert.equal(r.type === 'setData' && r.stat.version, -2147483648);
  });
});

describe('stat fields after each op', () => {
  test('create, setData, child create, child delete, check, multi', () => {
    const l = new Leader();
    const root0 = l.tree.exists('/')!;
    assert.deepEqual(root0, {
      czxid: ZXID_ZERO, mzxid: ZXID_ZERO, pzxid: ZXID_ZERO, ctime: 0, mtime: 0,
      // −1, as ZooKeeper shows it: /zookeeper is a child the root's count of creates never saw.
      version: 0, cversion: -1, aversion: 0, ephemeralOwner: 0, dataLength: 0, numChildren: 1,
    });

    l.create('/a', 'abc'); // (1,1) at 1010
    assert.deepEqual(l.tree.exists('/a'), {
      czxid: zxid(1, 1), mzxid: zxid(1, 1), pzxid: zxid(1, 1), ctime: 1010, mtime: 1010,
      version: 0, cversion: 0, aversion: 0, ephemeralOwner: 0, dataLength: 3, numChildren: 0,
    });
    assert.deepEqual(l.tree.exists('/'), { ...root0, cversion: 0, pzxid: zxid(1, 1), numChildren: 2 });

    l.ok({ type: 'setData', path: '/a', data: enc('hello'), version: 0 }); // (1,2) at 1020
    assert.deepEqual(l.tree.exists('/a'), {
      czxid: zxid(1, 1), mzxid: zxid(1, 2), pzxid: zxid(1, 1), ctime: 1010, mtime: 1020,
      version: 1, cversion: 0, aversion: 0, ephemeralOwner: 0, dataLength: 5, numChildren: 0,
    });

    l.create('/a/b'); // (1,3): the parent's child stats move, its data stats do not
    assert.deepEqual(l.tree.exists('/a'), {
      czxid: zxid(1, 1), mzxid: zxid(1, 2), pzxid: zxid(1, 3), ctime: 1010, mtime: 1020,
      version: 1, cversion: 1, aversion: 0, ephemeralOwner: 0, dataLength: 5, numChildren: 1,
    });

    l.ok({ type: 'delete', path: '/a/b', version: 0 }); // (1,4): pzxid moves, and cversion counts the delete
    assert.deepEqual(l.tree.exists('/a'), {
      czxid: zxid(1, 1), mzxid: zxid(1, 2), pzxid: zxid(1, 4), ctime: 1010, mtime: 1020,
      version: 1, cversion: 2, aversion: 0, ephemeralOwner: 0, dataLength: 5, numChildren: 0,
    });

    const before = l.tree.exists('/a');
    l.ok({ type: 'check', path: '/a', version: 1 }); // (1,5): nothing
    assert.deepEqual(l.tree.exists('/a'), before);

    l.ok({
      type: 'multi',
      ops: [
        { type: 'create', path: '/a/c', data: enc('12'), mode: 'PERSISTENT' },
        { type: 'setData', path: '/a', data: enc(''), version: 1 },
      ],
    }); // (1,6) at 1060: one zxid and one time for every op
    assert.deepEqual(l.tree.exists('/a'), {
      czxid: zxid(1, 1), mzxid: zxid(1, 6), pzxid: zxid(1, 6), ctime: 1010, mtime: 1060,
      version: 2, cversion: 3, aversion: 0, ephemeralOwner: 0, dataLength: 0, numChildren: 1,
    });
    assert.deepEqual(l.tree.exists('/a/c'), {
      czxid: zxid(1, 6), mzxid: zxid(1, 6), pzxid: zxid(1, 6), ctime: 1060, mtime: 1060,
      version: 0, cversion: 0, aversion: 0, ephemeralOwner: 0, dataLength: 2, numChildren: 0,
    });
    assert.deepEqual(l.tree.lastZxid, zxid(1, 6));
  });

  test('results carry the stat the op produced', () => {
    const l = new Leader();
    const created = l.create('/a', 'xy');
    assert.deepEqual(created.stat, l.tree.exists('/a'));
    const set = l.ok({ type: 'setData', path: '/a', data: enc('xyz'), version: 0 }).result;
    assert.deepEqual(set.type === 'setData' && set.stat, l.tree.exists('/a'));
  });

  test('a failed request still takes a zxid but changes no stat', () => {
    const l = new Leader();
    l.create('/a');
    const before = l.tree.exportState().nodes;
    const { applied } = l.write({ type: 'delete', path: '/missing', version: -1 });
    assert.equal(applied.code, ErrorCode.NONODE);
    assert.deepEqual(applied.zxid, zxid(1, 2));
    assert.deepEqual(l.tree.lastZxid, zxid(1, 2));
    assert.deepEqual(l.tree.exportState().nodes, before);
  });
});

describe('cversion as clients see it (ZooKeeper 3.8: creates plus deletes)', () => {
  test('a delete steps the reported cversion; sequential names keep counting creates only', () => {
    const l = new Leader();
    l.create('/p');
    l.create('/p/a');
    l.create('/p/b');
    assert.equal(l.tree.exists('/p')!.cversion, 2);
    l.ok({ type: 'delete', path: '/p/a', version: -1 });
    assert.equal(l.tree.exists('/p')!.cversion, 3);
    // ZooKeeper names this child 0000000002, not 3: the suffix is the stored count of creates.
    const s = l.ok({ type: 'create', path: '/p/s-', data: enc(''), mode: 'PERSISTENT_SEQUENTIAL' }).result;
    assert.equal(s.type === 'create' && s.path, '/p/s-0000000002');
    assert.equal(l.tree.getChildren('/p').stat.cversion, 4);
    // The stored count is what snapshots and the digest carry, unchanged by the delete.
    assert.equal(l.tree.exportState().nodes.find((n) => n.path === '/p')!.stat.cversion, 3);
    assert.equal(l.tree.digest, l.tree.fullDigest());
  });

  test('reportedCversion wraps like a Java int', () => {
    assert.equal(reportedCversion(0x7fffffff, 0), -2);
    assert.equal(reportedCversion(5, 3), 7);
    assert.equal(reportedCversion(0, 1), -1);
  });
});
