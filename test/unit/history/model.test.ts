import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { TreeModel, UNSTAMPED } from '../../../src/sim/history/model.js';
import { ZK } from '../../../src/sim/history/errors.js';
import { bytes, check, create, del, getChildren, getData, multi, setData, z } from './helpers.js';

describe('history model', () => {
  test('sequential creates take the parent cversion as a 10-digit suffix; deletes do not bump the stored count', () => {
    const m = new TreeModel([{ path: '/q' }]);
    const a = m.attempt(create('/q/n-', 'a', 'PERSISTENT_SEQUENTIAL'), 1, UNSTAMPED);
    assert.ok(a.ok && a.result.op === 'create');
    assert.equal(a.result.path, '/q/n-0000000000');
    assert.ok(m.attempt(create('/q/x'), 1, UNSTAMPED).ok);
    assert.ok(m.attempt(del('/q/x'), 1, UNSTAMPED).ok);
    const b = m.attempt(create('/q/n-', 'b', 'EPHEMERAL_SEQUENTIAL'), 7, UNSTAMPED);
    assert.ok(b.ok && b.result.op === 'create');
    // Two creates before it (n-0, x); the delete of x left cversion alone, as ZooKeeper's does.
    assert.equal(b.result.path, '/q/n-0000000002');
    assert.equal(b.result.stat.ephemeralOwner, 7);
    assert.equal(m.get('/q')!.cversion, 3);
  });

  test('errors: every one the state justifies', () => {
    const m = new TreeModel();
    assert.deepEqual(fail(m.attempt(create('/a/b'), 1, UNSTAMPED)), [ZK.NONODE]);
    assert.ok(m.attempt(create('/a'), 1, UNSTAMPED).ok);
    assert.deepEqual(fail(m.attempt(create('/a'), 1, UNSTAMPED)), [ZK.NODEEXISTS]);
    assert.ok(m.attempt(create('/a/b'), 1, UNSTAMPED).ok);
    assert.deepEqual(fail(m.attempt(del('/a', 3), 1, UNSTAMPED)), [ZK.BADVERSION, ZK.NOTEMPTY]);
    assert.deepEqual(fail(m.attempt(setData('/a', 'x', 1), 1, UNSTAMPED)), [ZK.BADVERSION]);
    assert.deepEqual(fail(m.attempt(check('/zz', 0), 1, UNSTAMPED)), [ZK.NONODE]);
    assert.ok(m.attempt(create('/e', '', 'EPHEMERAL'), 5, UNSTAMPED).ok);
    assert.deepEqual(fail(m.attempt(create('/e/c'), 5, UNSTAMPED)), [ZK.NOCHILDRENFOREPHEMERALS]);
  });

  test('multi is all-or-nothing and names the failing op', () => {
    const m = new TreeModel();
    const h0 = [m.hash0, m.hash1];
    const r = m.attempt(multi(create('/a'), create('/b'), setData('/a', 'x', 5)), 1, UNSTAMPED);
    assert.ok(!r.ok);
    assert.equal(r.index, 2);
    assert.deepEqual(r.errs, [ZK.BADVERSION]);
    assert.equal(m.has('/a'), false);
    assert.deepEqual([m.hash0, m.hash1], h0);
    const ok = m.attempt(multi(create('/a'), setData('/a', 'x', 0), check('/a', 1)), 1, UNSTAMPED);
    assert.ok(ok.ok && ok.result.op === 'multi');
    assert.equal(ok.effects.length, 2);
    assert.equal(m.get('/a')!.version, 1);
  });

  test('rollback restores the exact state and hash', () => {
    const m = new TreeModel([{ path: '/q' }]);
    const before = [m.hash0, m.hash1];
    const mark = m.mark();
    m.attempt(create('/q/n-', 'a', 'PERSISTENT_SEQUENTIAL'), 1, UNSTAMPED);
    m.attempt(setData('/q', 'x'), 1, UNSTAMPED);
    m.attempt(create('/w'), 1, UNSTAMPED);
    assert.notDeepEqual([m.hash0, m.hash1], before);
    m.rollback(mark);
    assert.deepEqual([m.hash0, m.hash1], before);
    assert.deepEqual(m.childNames('/q'), []);
    assert.equal(m.get('/q')!.cversion, 0);
    // Same state reached by two routes hashes the same.
    const a = new TreeModel();
    a.attempt(create('/x'), 1, UNSTAMPED);
    a.attempt(create('/y'), 1, UNSTAMPED);
    const b = new TreeModel();
    b.attempt(create('/y'), 1, UNSTAMPED);
    b.attempt(create('/x'), 1, UNSTAMPED);
    assert.deepEqual([a.hash0, a.hash1], [b.hash0, b.hash1]);
  });

  test('closeSession deletes exactly the session ephemerals', () => {
    const m = new TreeModel();
    m.attempt(create('/a', '', 'EPHEMERAL'), 1, UNSTAMPED);
    m.attempt(create('/b', '', 'EPHEMERAL'), 2, UNSTAMPED);
    m.attempt(create('/c'), 1, UNSTAMPED);
    const r = m.attempt({ op: 'closeSession' }, 1, UNSTAMPED);
    assert.ok(r.ok);
    assert.deepEqual(r.effects, [{ kind: 'delete', path: '/a' }]);
    assert.deepEqual(m.childNames('/'), ['b', 'c']);
  });

  test('stamps give zxids; reads return the stat ZooKeeper would', () => {
    const m = new TreeModel();
    assert.equal(m.applyEffect({ kind: 'create', path: '/a', data: bytes('hi'), ephemeralOwner: 0 }, { zxid: z(1), timeMs: 5, opId: 1 }), null);
    assert.equal(m.applyEffect({ kind: 'create', path: '/a/b', data: bytes(''), ephemeralOwner: 0 }, { zxid: z(2), opId: 2 }), null);
    assert.equal(m.applyEffect({ kind: 'set', path: '/a', data: bytes('yo!'), version: 1 }, { zxid: z(3), timeMs: 9, opId: 3 }), null);
    assert.equal(m.applyEffect({ kind: 'delete', path: '/a/b' }, { zxid: z(4), opId: 4 }), null);
    const r = m.read(getData('/a'), 1);
    assert.ok(r.ok && r.result.op === 'getData');
    assert.deepEqual(r.result.stat, {
      // cversion as ZooKeeper 3.8 reports it: one create and one delete under /a.
      czxid: z(1), mzxid: z(3), pzxid: z(4), ctime: 5, mtime: 9, version: 1, cversion: 2, aversion: 0,
      ephemeralOwner: 0, dataLength: 3, numChildren: 0,
    });
    assert.equal(m.applyEffect({ kind: 'set', path: '/a', data: bytes(''), version: 7 }, { zxid: z(5), opId: 5 }), '/a would get version 2, not 7');
    const c = m.read(getChildren('/missing'), 1);
    assert.ok(!c.ok && c.err === ZK.NONODE);
  });
});

function fail(a: ReturnType<TreeModel['attempt']>): readonly number[] {
  assert.ok(!a.ok, 'expected the op to fail');
  return a.errs;
}
