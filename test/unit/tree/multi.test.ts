import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { zxid } from '../../../src/zab/zxid.js';
import { ErrorCode } from '../../../src/tree/errors.js';
import type { MultiOpRequest } from '../../../src/tree/request.js';
import { Leader, dec, enc } from './harness.js';

const create = (path: string, data = ''): MultiOpRequest => ({ type: 'create', path, data: enc(data), mode: 'PERSISTENT' });

describe('multi', () => {
  test('applies every op at one zxid and reports a result per op', () => {
    const l = new Leader();
    l.create('/old', 'x');
    const r = l.ok({
      type: 'multi',
      ops: [
        create('/a', '1'),
        { type: 'check', path: '/old', version: 0 },
        { type: 'setData', path: '/old', data: enc('y'), version: 0 },
        { type: 'delete', path: '/old', version: 1 },
      ],
    });
    assert.equal(r.result.type, 'multi');
    const results = r.result.type === 'multi' ? r.result.results : [];
    assert.deepEqual(results.map((x) => x.type), ['create', 'check', 'setData', 'delete']);
    assert.deepEqual(results[0]!.type === 'create' && results[0]!.stat.czxid, r.zxid);
    assert.equal(results[2]!.type === 'setData' && results[2]!.stat.version, 1);
    assert.equal(l.tree.exists('/old'), null);
    assert.equal(dec(l.tree.getData('/a').data), '1');
  });

  test('each op sees what the earlier ops did', () => {
    const l = new Leader();
    l.ok({
      type: 'multi',
      ops: [
        create('/a'),
        create('/a/b'),
        { type: 'setData', path: '/a/b', data: enc('1'), version: 0 },
        { type: 'setData', path: '/a/b', data: enc('2'), version: 1 },
        { type: 'create', path: '/a/s-', data: enc(''), mode: 'PERSISTENT_SEQUENTIAL' },
        { type: 'create', path: '/a/s-', data: enc(''), mode: 'PERSISTENT_SEQUENTIAL' },
        { type: 'delete', path: '/a/s-0000000001', version: 0 },
      ],
    });
    assert.deepEqual(l.tree.getChildren('/a').children, ['b', 's-0000000002']);
    assert.equal(l.tree.exists('/a/b')!.version, 2);
    // Three creates and one delete: the client sees 4 (the stored count of creates stays 3).
    assert.equal(l.tree.exists('/a')!.cversion, 4);
  });

  test('fails as a whole: OK before the failing op, its code, RUNTIMEINCONSISTENCY after', () => {
    const l = new Leader();
    l.create('/a');
    const p = l.refused(
      {
        type: 'multi',
        ops: [create('/x'), { type: 'check', path: '/a', version: 7 }, create('/y'), { type: 'delete', path: '/a', version: -1 }],
      },
      ErrorCode.BADVERSION,
    );
    assert.deepEqual(p.error.results, [ErrorCode.OK, ErrorCode.BADVERSION, ErrorCode.RUNTIMEINCONSISTENCY, ErrorCode.RUNTIMEINCONSISTENCY]);
    assert.match(p.error.message, /BadVersion for \/a: multi op 1 \(check\) failed: expected version 7/);
    assert.equal(l.tree.exists('/x'), null);
    // Every member reports the same per-op codes from the txn alone.
    const { applied } = l.write({ type: 'multi', ops: [create('/x'), create('/x')] });
    assert.equal(applied.code, ErrorCode.NODEEXISTS);
    assert.deepEqual(applied.result, {
      type: 'multi',
      results: [{ type: 'error', code: ErrorCode.OK }, { type: 'error', code: ErrorCode.NODEEXISTS }],
    });
    assert.equal(l.tree.exists('/x'), null);
  });

  test('a failure that depends on an earlier op in the same multi', () => {
    const l = new Leader();
    l.refused({ type: 'multi', ops: [create('/a'), { type: 'delete', path: '/', version: -1 }] }, ErrorCode.BADARGUMENTS);
    l.refused({ type: 'multi', ops: [create('/a'), create('/a/b'), { type: 'delete', path: '/a', version: -1 }] }, ErrorCode.NOTEMPTY);
    l.refused({ type: 'multi', ops: [create('/a'), { type: 'setData', path: '/a', data: enc(''), version: 1 }] }, ErrorCode.BADVERSION);
    assert.equal(l.tree.exists('/a'), null);
  });

  test('an empty multi succeeds with no results', () => {
    const l = new Leader();
    const r = l.ok({ type: 'multi', ops: [] });
    assert.deepEqual(r.result, { type: 'multi', results: [] });
  });

  test('only create, delete, setData and check may be ops', () => {
    const l = new Leader();
    const p = l.refused(
      { type: 'multi', ops: [create('/a'), { type: 'createSession', sessionId: 5, timeoutMs: 1 } as unknown as MultiOpRequest] },
      ErrorCode.BADARGUMENTS,
    );
    assert.deepEqual(p.error.results, [ErrorCode.OK, ErrorCode.BADARGUMENTS]);
    l.refused({ type: 'multi', ops: 'nope' as unknown as MultiOpRequest[] }, ErrorCode.BADARGUMENTS);
  });

  test('apply checks the whole multi before changing anything', () => {
    const l = new Leader();
    const digest = l.tree.digest;
    // A txn that does not fit (as if prepare had been wrong): the second op's parent is missing.
    const r = l.tree.apply(
      {
        type: 'multi',
        time: 5,
        ops: [
          { type: 'create', path: '/a', data: enc(''), mode: 'PERSISTENT', ephemeralOwner: 0, ttlMs: 0, parentCversion: 1 },
          { type: 'create', path: '/b/c', data: enc(''), mode: 'PERSISTENT', ephemeralOwner: 0, ttlMs: 0, parentCversion: 1 },
          { type: 'delete', path: '/a' },
        ],
      },
      zxid(1, 1),
    );
    assert.equal(r.code, ErrorCode.NONODE);
    assert.deepEqual(r.result, {
      type: 'multi',
      results: [
        { type: 'error', code: ErrorCode.OK },
        { type: 'error', code: ErrorCode.NONODE },
        { type: 'error', code: ErrorCode.RUNTIMEINCONSISTENCY },
      ],
    });
    assert.deepEqual(r.triggers, []);
    assert.equal(l.tree.exists('/a'), null);
    assert.equal(l.tree.digest, digest);
  });
});
