import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode, ZkError, errorCodeName, isErrorCode } from '../../../src/tree/errors.js';
import {
  baseName,
  childPath,
  formatSequence,
  isReservedPath,
  parentPath,
  pathProblem,
  sequentialParent,
  validatePath,
} from '../../../src/tree/paths.js';
import { Leader, enc } from './harness.js';

describe('error codes', () => {
  test('carry ZooKeeper’s numeric values', () => {
    assert.equal(ErrorCode.OK, 0);
    assert.equal(ErrorCode.SYSTEMERROR, -1);
    assert.equal(ErrorCode.RUNTIMEINCONSISTENCY, -2);
    assert.equal(ErrorCode.DATAINCONSISTENCY, -3);
    assert.equal(ErrorCode.CONNECTIONLOSS, -4);
    assert.equal(ErrorCode.MARSHALLINGERROR, -5);
    assert.equal(ErrorCode.UNIMPLEMENTED, -6);
    assert.equal(ErrorCode.OPERATIONTIMEOUT, -7);
    assert.equal(ErrorCode.BADARGUMENTS, -8);
    assert.equal(ErrorCode.UNKNOWNSESSION, -12);
    assert.equal(ErrorCode.APIERROR, -100);
    assert.equal(ErrorCode.NONODE, -101);
    assert.equal(ErrorCode.NOAUTH, -102);
    assert.equal(ErrorCode.BADVERSION, -103);
    assert.equal(ErrorCode.NOCHILDRENFOREPHEMERALS, -108);
    assert.equal(ErrorCode.NODEEXISTS, -110);
    assert.equal(ErrorCode.NOTEMPTY, -111);
    assert.equal(ErrorCode.SESSIONEXPIRED, -112);
    assert.equal(ErrorCode.INVALIDACL, -114);
    assert.equal(ErrorCode.AUTHFAILED, -115);
    assert.equal(ErrorCode.SESSIONMOVED, -118);
    assert.equal(ErrorCode.NOTREADONLY, -119);
    assert.equal(ErrorCode.NOWATCHER, -121);
    assert.equal(ErrorCode.REQUESTTIMEOUT, -122);
    assert.equal(ErrorCode.QUOTAEXCEEDED, -125);
    assert.equal(ErrorCode.THROTTLEDOP, -127);
    assert.equal(errorCodeName(-101), 'NONODE');
    assert.equal(isErrorCode(-110), true);
    assert.equal(isErrorCode(-109), false);
  });

  test('ZkError is an Error with the code and a message naming the path', () => {
    const e = new ZkError(ErrorCode.NONODE, '/a/b', 'parent /a does not exist');
    assert.ok(e instanceof Error);
    assert.equal(e.code, -101);
    assert.equal(e.path, '/a/b');
    assert.equal(e.message, 'KeeperErrorCode = NoNode for /a/b: parent /a does not exist');
    assert.match(new ZkError(ErrorCode.BADARGUMENTS, '/a\u0001').message, /for "\/a\\u0001"/);
  });
});

describe('path rules', () => {
  const bad = (path: unknown, sequential = false): string => {
    try {
      validatePath(path, sequential);
    } catch (e) {
      assert.ok(e instanceof ZkError);
      assert.equal(e.code, ErrorCode.BADARGUMENTS);
      return e.message;
    }
    return assert.fail(`${JSON.stringify(path)} was accepted`);
  };

  test('accepts absolute paths made of non-empty names', () => {
    for (const p of ['/', '/a', '/a/b/c', '/a.b', '/.a', '/a..', '/...', '/a b', '/é', '/\u00a0', '/\uffef']) {
      assert.equal(pathProblem(p), undefined, p);
    }
  });

  test('rejects each broken rule with BADARGUMENTS and says which', () => {
    assert.match(bad(''), /empty/);
    assert.match(bad('a/b'), /start with/);
    assert.match(bad('/a/'), /end with/);
    assert.match(bad('/a//b'), /empty node name/);
    assert.match(bad('//'), /end with/);
    assert.match(bad('/a/./b'), /relative/);
    assert.match(bad('/a/..'), /relative/);
    assert.match(bad('/.'), /relative/);
    assert.match(bad('/a\u0000b'), /invalid character/);
    assert.match(bad(42), /must be a string/);
    assert.match(bad(undefined), /must be a string/);
  });

  test('rejects ZooKeeper’s disallowed unicode ranges', () => {
    for (const c of ['\u0001', '\u001f', '\u007f', '\u009f', '\ud800', '\udfff', '\ue000', '\uf8ff', '\ufff0', '\uffff']) {
      assert.match(bad(`/a${c}`), /invalid character/, JSON.stringify(c));
    }
    assert.match(bad('/😀'), /invalid character/); // outside the BMP: surrogates
    assert.equal(pathProblem('/\u0020\u007e\u00a0\uf900'), undefined);
  });

  test('a sequential prefix may end in "/" (the counter completes it), but not in "//"', () => {
    assert.equal(pathProblem('/locks/', true), undefined);
    assert.equal(pathProblem('/', true), undefined);
    assert.equal(pathProblem('/locks/lock-', true), undefined);
    assert.match(bad('/locks//', true), /empty/);
    assert.match(bad('/locks/./', true), /relative/);
  });

  test('parent, base name, child and sequential parent', () => {
    assert.equal(parentPath('/a'), '/');
    assert.equal(parentPath('/a/b/c'), '/a/b');
    assert.throws(() => parentPath('/'));
    assert.equal(baseName('/a/b'), 'b');
    assert.equal(childPath('/', 'a'), '/a');
    assert.equal(childPath('/a', 'b'), '/a/b');
    assert.equal(sequentialParent('/locks/'), '/locks');
    assert.equal(sequentialParent('/locks/lock-'), '/locks');
    assert.equal(sequentialParent('/x'), '/');
    assert.equal(isReservedPath('/zookeeper'), true);
    assert.equal(isReservedPath('/zookeeper/quota'), true);
    assert.equal(isReservedPath('/zookeeperx'), false);
  });

  test('the sequence suffix is the cversion printed like Java’s %010d', () => {
    assert.equal(formatSequence(0), '0000000000');
    assert.equal(formatSequence(42), '0000000042');
    assert.equal(formatSequence(2147483647), '2147483647');
    assert.equal(formatSequence(-5), '-000000005');
    assert.equal(formatSequence(-2147483648), '-2147483648');
  });
});

describe('paths in requests', () => {
  test('every write answers a bad path with BADARGUMENTS and changes nothing', () => {
    const l = new Leader();
    l.create('/a');
    l.refused({ type: 'create', path: '/a/', data: enc(''), mode: 'PERSISTENT' }, ErrorCode.BADARGUMENTS);
    l.refused({ type: 'create', path: 'a', data: enc(''), mode: 'PERSISTENT' }, ErrorCode.BADARGUMENTS);
    l.refused({ type: 'create', path: '/a/..', data: enc(''), mode: 'PERSISTENT' }, ErrorCode.BADARGUMENTS);
    l.refused({ type: 'create', path: '/a/\u0001', data: enc(''), mode: 'PERSISTENT_SEQUENTIAL' }, ErrorCode.BADARGUMENTS);
    // ZooKeeper's order: the part before the last "/" must be a node before the name is judged.
    l.refused({ type: 'create', path: '/a//', data: enc(''), mode: 'PERSISTENT_SEQUENTIAL' }, ErrorCode.NONODE);
    l.refused({ type: 'create', path: '/a/./b', data: enc(''), mode: 'PERSISTENT' }, ErrorCode.NONODE);
    l.refused({ type: 'create', path: 'a/b', data: enc(''), mode: 'PERSISTENT' }, ErrorCode.NONODE);
    l.refused({ type: 'create', path: '/missing/\u0000', data: enc(''), mode: 'PERSISTENT' }, ErrorCode.BADARGUMENTS);
    l.refused({ type: 'setData', path: '/a/../a', data: enc('x'), version: -1 }, ErrorCode.BADARGUMENTS);
    l.refused({ type: 'delete', path: '/a\u0000', version: -1 }, ErrorCode.BADARGUMENTS);
    l.refused({ type: 'check', path: '', version: -1 }, ErrorCode.BADARGUMENTS);
  });

  test('the /zookeeper subtree is readable but not writable', () => {
    const l = new Leader();
    assert.deepEqual(l.tree.getChildren('/').children, ['zookeeper']);
    assert.ok(l.tree.exists('/zookeeper'));
    const e = l.refused({ type: 'create', path: '/zookeeper/x', data: enc(''), mode: 'PERSISTENT' }, ErrorCode.BADARGUMENTS);
    assert.match(e.error.message, /reserved/);
    l.refused({ type: 'create', path: '/zookeeper/', data: enc(''), mode: 'PERSISTENT_SEQUENTIAL' }, ErrorCode.BADARGUMENTS);
    l.refused({ type: 'create', path: '/zookeeper', data: enc(''), mode: 'PERSISTENT' }, ErrorCode.BADARGUMENTS);
    l.refused({ type: 'setData', path: '/zookeeper', data: enc('x'), version: -1 }, ErrorCode.BADARGUMENTS);
    l.refused({ type: 'delete', path: '/zookeeper', version: -1 }, ErrorCode.BADARGUMENTS);
    // A check reads, so it is allowed.
    l.ok({ type: 'check', path: '/zookeeper', version: 0 });
    // A sibling whose name merely starts with "zookeeper" is an ordinary node.
    assert.equal(l.create('/zookeeper', '', 'PERSISTENT_SEQUENTIAL').path, '/zookeeper0000000000');
  });

  test('the root cannot be created or deleted', () => {
    const l = new Leader();
    l.refused({ type: 'create', path: '/', data: enc(''), mode: 'PERSISTENT' }, ErrorCode.NODEEXISTS);
    l.refused({ type: 'delete', path: '/', version: -1 }, ErrorCode.BADARGUMENTS);
  });

  test('reads validate the path and report a missing node as NONODE', () => {
    const l = new Leader();
    assert.throws(() => l.tree.getData('/a/'), (e: ZkError) => e.code === ErrorCode.BADARGUMENTS);
    assert.throws(() => l.tree.getData('/nope'), (e: ZkError) => e.code === ErrorCode.NONODE && /\/nope/.test(e.message));
    assert.throws(() => l.tree.getChildren('/nope'), (e: ZkError) => e.code === ErrorCode.NONODE);
    assert.equal(l.tree.exists('/nope'), null);
  });
});
