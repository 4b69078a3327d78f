import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { zxid } from '../../../src/zab/zxid.js';
import { ErrorCode } from '../../../src/tree/errors.js';
import { Leader, enc, randomRequest, rng } from './harness.js';

describe('the pending view (proposed, not yet applied)', () => {
  test('prepare sees creates, deletes and versions of txns still in flight', () => {
    const l = new Leader();
    const ok = (r: ReturnType<Leader['propose']>) => assert.equal(r.prepared.ok, true, !r.prepared.ok ? r.prepared.error.message : '');
    const code = (r: ReturnType<Leader['propose']>) => (r.prepared.ok ? ErrorCode.OK : r.prepared.error.code);
    ok(l.propose({ type: 'create', path: '/a', data: enc(''), mode: 'PERSISTENT' }));
    ok(l.propose({ type: 'create', path: '/a/b', data: enc(''), mode: 'PERSISTENT' }));
    assert.equal(code(l.propose({ type: 'create', path: '/a', data: enc(''), mode: 'PERSISTENT' })), ErrorCode.NODEEXISTS);
    assert.equal(code(l.propose({ type: 'delete', path: '/a', version: -1 })), ErrorCode.NOTEMPTY);
    ok(l.propose({ type: 'setData', path: '/a/b', data: enc('1'), version: 0 }));
    assert.equal(code(l.propose({ type: 'setData', path: '/a/b', data: enc('2'), version: 0 })), ErrorCode.BADVERSION);
    ok(l.propose({ type: 'delete', path: '/a/b', version: 1 }));
    assert.equal(code(l.propose({ type: 'setData', path: '/a/b', data: enc('3'), version: -1 })), ErrorCode.NONODE);
    assert.equal(l.tree.exists('/a'), null, 'nothing is applied yet');
    const results = l.applyAll();
    assert.deepEqual(results.map((r) => r.code), [0, 0, ErrorCode.NODEEXISTS, ErrorCode.NOTEMPTY, 0, ErrorCode.BADVERSION, 0, ErrorCode.NONODE]);
    assert.equal(l.preparer.pendingSize, 0);
  });

  test('pipelined sequential creates get distinct, consecutive numbers', () => {
    const l = new Leader();
    l.create('/q');
    const names = [1, 2, 3].map(() => {
      const { prepared } = l.propose({ type: 'create', path: '/q/n-', data: enc(''), mode: 'PERSISTENT_SEQUENTIAL' });
      return prepared.txn.type === 'create' ? prepared.txn.path : '';
    });
    assert.deepEqual(names, ['/q/n-0000000000', '/q/n-0000000001', '/q/n-0000000002']);
    l.applyAll();
    assert.deepEqual(l.tree.getChildren('/q').children, ['n-0000000000', 'n-0000000001', 'n-0000000002']);
  });

  test('a record replaced by a later txn survives the earlier txn’s apply', () => {
    const l = new Leader();
    l.create('/a');
    l.propose({ type: 'setData', path: '/a', data: enc('1'), version: 0 });
    l.propose({ type: 'setData', path: '/a', data: enc('2'), version: 1 });
    const first = l.log[l.log.length - 2]!;
    l.tree.apply(first.txn, first.zxid);
    // The tree is at version 1, the pending view at 2.
    assert.equal(l.tree.exists('/a')!.version, 1);
    assert.equal(l.preparer.pending.node('/a')!.stat.version, 2);
    const { prepared } = l.propose({ type: 'setData', path: '/a', data: enc('3'), version: 1 });
    assert.equal(!prepared.ok && prepared.error.code, ErrorCode.BADVERSION);
  });

  test('reset forgets everything in flight (a deposed leader)', () => {
    const l = new Leader();
    l.propose({ type: 'create', path: '/x', data: enc(''), mode: 'PERSISTENT' });
    assert.ok(l.preparer.pendingSize > 0);
    l.preparer.reset();
    assert.equal(l.preparer.pendingSize, 0);
    assert.equal(l.preparer.pending.node('/x'), undefined);
  });

  test('proposed() refuses a zxid the tree has already applied', () => {
    const l = new Leader();
    l.create('/a');
    const p = l.preparer.prepare({ type: 'create', path: '/b', data: enc(''), mode: 'PERSISTENT' }, { sessionId: 0, time: 1 });
    assert.throws(() => l.preparer.proposed(p.txn, zxid(1, 1)), /not after the applied/);
  });

  test('pipelining changes nothing: a pipelined leader logs the same txns as one that applies each at once', () => {
    for (let seed = 1; seed <= 30; seed++) {
      const serial = new Leader();
      const pipelined = new Leader();
      const rand = rng(seed);
      const requests = Array.from({ length: 300 }, () => randomRequest(rand));
      const batchRand = rng(seed * 7919);
      let i = 0;
      while (i < requests.length) {
        const batch = 1 + Math.floor(batchRand() * 8);
        for (const { request, sessionId } of requests.slice(i, i + batch)) {
          serial.write(request, sessionId);
          pipelined.propose(request, sessionId);
        }
        const applied = pipelined.applyAll();
        // What prepare decided on the pending view is what apply finds on the tree.
        for (const a of applied) {
          const entry = pipelined.log.find((e) => e.zxid.counter === a.zxid.counter)!;
          const expected = entry.txn.type === 'error' ? entry.txn.code : a.code;
          assert.equal(a.code, expected, `seed ${seed}: apply disagreed with prepare at ${a.zxid.counter}`);
          if (entry.txn.type !== 'error' && !(entry.txn.type === 'multi' && entry.txn.ops.some((o) => o.type === 'error'))) {
            assert.equal(a.code, ErrorCode.OK, `seed ${seed}: an accepted txn failed at apply (${a.zxid.counter})`);
          }
        }
        i += batch;
      }
      assert.deepEqual(pipelined.log, serial.log, `seed ${seed}`);
      assert.equal(pipelined.tree.digest, serial.tree.digest);
      assert.equal(pipelined.preparer.pendingSize, 0);
    }
  });
});
