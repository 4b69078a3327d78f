import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { zxid } from '../../../src/zab/zxid.js';
import { DataTree } from '../../../src/tree/data-tree.js';
import { ErrorCode } from '../../../src/tree/errors.js';
import { isTxn, txnProblem, type Txn } from '../../../src/tree/txn.js';
import { enc } from './harness.js';

const create = (path: string, parentCversion: number): Txn => ({
  type: 'create', path, data: enc(''), mode: 'PERSISTENT', ephemeralOwner: 0, ttlMs: 0, parentCversion, time: 1,
});

describe('apply', () => {
  test('zxids must strictly increase', () => {
    const t = new DataTree();
    t.apply(create('/a', 1), zxid(1, 1));
    assert.throws(() => t.apply(create('/b', 2), zxid(1, 1)), /not after/);
    assert.throws(() => t.apply(create('/b', 2), zxid(0, 9)), /not after/);
    t.apply(create('/b', 2), zxid(2, 1));
    assert.deepEqual(t.lastZxid, zxid(2, 1));
  });

  test('a txn that no longer fits changes nothing and says why', () => {
    const t = new DataTree();
    t.apply(create('/a', 1), zxid(1, 1));
    const digest = t.digest;
    const cases: [Txn, number][] = [
      [create('/a', 2), ErrorCode.NODEEXISTS],
      [create('/x/y', 1), ErrorCode.NONODE],
      [create('/b', 7), ErrorCode.RUNTIMEINCONSISTENCY], // the leader's view of the parent was stale
      [{ type: 'setData', path: '/a', data: enc('x'), version: 5, time: 1 }, ErrorCode.BADVERSION],
      [{ type: 'setData', path: '/nope', data: enc('x'), version: 1, time: 1 }, ErrorCode.NONODE],
      [{ type: 'delete', path: '/nope', time: 1 }, ErrorCode.NONODE],
      [{ type: 'delete', path: '/', time: 1 }, ErrorCode.BADARGUMENTS],
      [create('/', 1), ErrorCode.NODEEXISTS],
      [{ type: 'check', path: '/a', version: 3, time: 1 }, ErrorCode.BADVERSION],
      [{ type: 'error', code: ErrorCode.NOAUTH, time: 1 }, ErrorCode.NOAUTH],
    ];
    let counter = 2;
    for (const [txn, code] of cases) {
      const r = t.apply(txn, zxid(1, counter++));
      assert.equal(r.code, code, JSON.stringify(txn));
      assert.deepEqual(r.triggers, []);
      assert.equal(t.digest, digest);
    }
  });

  test('isTxn accepts what prepare makes and rejects malformed txns', () => {
    assert.equal(isTxn(create('/a', 1)), true);
    assert.equal(isTxn({ type: 'multi', ops: [{ type: 'check', path: '/', version: 0 }], time: 0 }), true);
    assert.equal(isTxn({ type: 'closeSession', sessionId: 3, time: 0 }), true);
    assert.match(txnProblem({ type: 'delete', path: '/a' })!, /time/);
    assert.match(txnProblem({ ...create('/a', 1), mode: 'EPHEMERAL' })!, /ephemeralOwner/);
    assert.match(txnProblem({ ...create('/a', 1), ttlMs: 5 })!, /ttlMs/);
    assert.match(txnProblem({ ...create('/', 1) })!, /non-root/);
    assert.match(txnProblem({ type: 'setData', path: '/a', data: 'x', version: 1, time: 0 })!, /Uint8Array/);
    assert.match(txnProblem({ type: 'multi', ops: [{ type: 'createSession' }], time: 0 })!, /multi op 0/);
    assert.match(txnProblem({ type: 'error', code: 12345, time: 0 })!, /error code/);
    assert.match(txnProblem({ type: 'nope', time: 0 })!, /unknown txn type/);
  });
});
