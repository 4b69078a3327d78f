import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { zxid } from '../../../src/zab/zxid.js';
import { ErrorCode } from '../../../src/tree/errors.js';
import { Leader, enc } from './harness.js';

const A = 0xa1;
const B = 0xb2;

describe('sessions', () => {
  test('createSession records the session and its timeout', () => {
    const l = new Leader();
    l.openSession(A, 4000);
    assert.equal(l.tree.sessionOpen(A), true);
    assert.equal(l.tree.sessionTimeoutMs(A), 4000);
    assert.deepEqual(l.tree.sessions(), [{ sessionId: A, timeoutMs: 4000 }]);
  });

  test('a duplicate or malformed createSession is refused', () => {
    const l = new Leader();
    l.openSession(A);
    l.refused({ type: 'createSession', sessionId: A, timeoutMs: 1000 }, ErrorCode.BADARGUMENTS);
    l.refused({ type: 'createSession', sessionId: 0, timeoutMs: 1000 }, ErrorCode.BADARGUMENTS);
    l.refused({ type: 'createSession', sessionId: 5, timeoutMs: -1 }, ErrorCode.BADARGUMENTS);
  });

  test('closeSession deletes exactly that session’s ephemerals, at its zxid', () => {
    const l = new Leader();
    l.openSession(A);
    l.openSession(B);
    l.create('/svc');
    l.create('/svc/a1', '', 'EPHEMERAL', A);
    l.create('/svc/b1', '', 'EPHEMERAL', B);
    l.create('/svc/a-', '', 'EPHEMERAL_SEQUENTIAL', A);
    l.create('/a-top', '', 'EPHEMERAL', A);
    l.create('/svc/persist', '', 'PERSISTENT', A);
    assert.deepEqual(l.tree.getEphemerals(A), ['/a-top', '/svc/a-0000000002', '/svc/a1']);
    assert.deepEqual(l.tree.getEphemerals(A, '/svc/'), ['/svc/a-0000000002', '/svc/a1']);

    const r = l.ok({ type: 'closeSession', sessionId: A });
    assert.deepEqual(r.result, { type: 'closeSession', sessionId: A, deletedPaths: ['/a-top', '/svc/a-0000000002', '/svc/a1'] });
    assert.deepEqual(l.tree.getChildren('/svc').children, ['b1', 'persist']);
    assert.equal(l.tree.exists('/a-top'), null);
    assert.deepEqual(l.tree.getEphemerals(A), []);
    assert.equal(l.tree.sessionOpen(A), false);
    // The parent's pzxid is the closeSession's zxid; its cversion counts the two deletes (4 creates + 2).
    const svc = l.tree.exists('/svc')!;
    assert.deepEqual(svc.pzxid, r.zxid);
    assert.equal(svc.cversion, 6);
    assert.equal(svc.numChildren, 2);
    assert.equal(l.tree.digest, l.tree.fullDigest());
  });

  test('after close, the session can no longer write; closing twice is SESSIONEXPIRED', () => {
    const l = new Leader();
    l.openSession(A);
    l.ok({ type: 'closeSession', sessionId: A });
    l.refused({ type: 'create', path: '/e', data: enc(''), mode: 'EPHEMERAL' }, ErrorCode.SESSIONEXPIRED, A);
    l.refused({ type: 'setData', path: '/', data: enc(''), version: -1 }, ErrorCode.SESSIONEXPIRED, A);
    l.refused({ type: 'closeSession', sessionId: A }, ErrorCode.SESSIONEXPIRED);
  });

  test('a closeSession still pending already closes the session for later requests', () => {
    const l = new Leader();
    l.openSession(A);
    l.propose({ type: 'closeSession', sessionId: A });
    const { prepared } = l.propose({ type: 'create', path: '/late', data: enc(''), mode: 'EPHEMERAL' }, A);
    assert.equal(prepared.ok, false);
    assert.equal(!prepared.ok && prepared.error.code, ErrorCode.SESSIONEXPIRED);
    l.applyAll();
    assert.equal(l.tree.exists('/late'), null);
  });

  test('ephemerals created while the close is in flight are still removed by it', () => {
    const l = new Leader();
    l.openSession(A);
    // Pipelined: create (pending) then close (pending); the close removes the pending ephemeral too.
    l.propose({ type: 'create', path: '/e1', data: enc(''), mode: 'EPHEMERAL' }, A);
    l.propose({ type: 'closeSession', sessionId: A });
    assert.equal(l.preparer.pending.node('/e1'), undefined);
    const results = l.applyAll();
    assert.deepEqual(results[1]!.result, { type: 'closeSession', sessionId: A, deletedPaths: ['/e1'] });
    assert.equal(l.tree.exists('/e1'), null);
  });

  test('an ephemeral create for a session the tree does not know fails at apply without a trace', () => {
    const l = new Leader();
    const digest = l.tree.digest;
    const r = l.tree.apply(
      { type: 'create', path: '/e', data: enc(''), mode: 'EPHEMERAL', ephemeralOwner: 99, ttlMs: 0, parentCversion: 1, time: 5 },
      zxid(1, 1),
    );
    assert.equal(r.code, ErrorCode.SESSIONEXPIRED);
    assert.equal(l.tree.digest, digest);
  });
});
