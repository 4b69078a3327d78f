import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode, errorName, ZooKeeperError } from '../../../src/client/errors.js';
import { pathProblem, selfAndAncestors, parentOf } from '../../../src/client/paths.js';
import { MemberOrder } from '../../../src/client/member-order.js';
import { seeded } from './harness.js';

describe('error codes', () => {
  test("have ZooKeeper's numbers", () => {
    assert.deepEqual(
      [ErrorCode.CONNECTIONLOSS, ErrorCode.BADARGUMENTS, ErrorCode.NONODE, ErrorCode.BADVERSION, ErrorCode.NOCHILDRENFOREPHEMERALS,
        ErrorCode.NODEEXISTS, ErrorCode.NOTEMPTY, ErrorCode.SESSIONEXPIRED, ErrorCode.SESSIONMOVED, ErrorCode.NOTREADONLY, ErrorCode.NOWATCHER],
      [-4, -8, -101, -103, -108, -110, -111, -112, -118, -119, -121],
    );
    assert.equal(errorName(-110), 'NODEEXISTS');
    assert.equal(errorName(-999), 'UNKNOWN(-999)');
    const err = new ZooKeeperError(-999);
    assert.match(err.message, /UNKNOWN\(-999\): unknown error/);
  });
});

describe('paths', () => {
  test("follow ZooKeeper's rules", () => {
    for (const ok of ['/', '/a', '/a/b', '/a-b_c.d', '/a/.b', '/zk/…']) assert.equal(pathProblem(ok), null, ok);
    for (const bad of ['', 'a', '/a/', '//', '/a//b', '/.', '/a/..', '/\u0000', '/\u001f', '/\u007f', '/\ud83d\ude00']) assert.notEqual(pathProblem(bad), null, JSON.stringify(bad));
    assert.equal(pathProblem('/q/', true), null, 'sequential creates may end with /');
    assert.deepEqual(selfAndAncestors('/a/b'), ['/a/b', '/a', '/']);
    assert.equal(parentOf('/a'), '/');
  });
});

describe('member order', () => {
  test('is a seeded shuffle, then round-robin', () => {
    const order = new MemberOrder(5, seeded(3));
    const firstRound = Array.from({ length: 5 }, () => order.next());
    assert.deepEqual([...firstRound].sort(), [0, 1, 2, 3, 4]);
    assert.deepEqual(Array.from({ length: 5 }, () => order.next()), firstRound);
    const again = new MemberOrder(5, seeded(3));
    assert.deepEqual(Array.from({ length: 5 }, () => again.next()), firstRound);
    assert.equal(new MemberOrder(1, seeded(1)).nextOther(0), null);
  });
});
