/**
 * The write search on hand-written histories: what clients saw, no ground truth. Each must-fail case
 * also checks that the explanation names the ops a person needs.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { checkWrites } from '../../../src/sim/history/linearizability.js';
import { ZK } from '../../../src/sim/history/errors.js';
import type { CommittedTxn, HistoryOp } from '../../../src/sim/history/types.js';
import { check, create, createResult, del, multi, op, setData, setResult, stat } from './helpers.js';

function violation(ops: HistoryOp[]): string {
  const r = checkWrites(ops);
  assert.equal(r.verdict, 'violation', `expected a violation, got ${r.verdict}`);
  assert.equal(r.violations.length, 1);
  const v = r.violations[0]!;
  assert.equal(v.kind, 'not-linearizable');
  return v.message;
}

function passes(ops: HistoryOp[], initial: { path: string }[] = []): void {
  const r = checkWrites(ops, [], { initial });
  assert.equal(r.verdict, 'ok', r.violations.map((v) => v.message).join('\n\n'));
}

describe('write linearizability: must fail', () => {
  test('reordered writes: a write sent after another was answered shows the state before it', () => {
    const c = op(1, create('/a', 'x'), 0, 5, 'ok', createResult('/a', 'x'));
    const w1 = op(1, setData('/a', 'one'), 10, 20, 'ok', setResult(2, 'one'));
    const w2 = op(2, setData('/a', 'two'), 30, 40, 'ok', setResult(1, 'two'));
    const msg = violation([c, w1, w2]);
    assert.match(msg, new RegExp(`#${w1.id} .*cannot be placed`));
    assert.match(msg, new RegExp(`shows the effect of #${w2.id} .*was sent at 30ms, after #${w1.id} was answered at 20ms`));
  });

  test('lost write: an acknowledged create is missing when another session creates the same node', () => {
    const c1 = op(1, create('/a', 'x'), 0, 10, 'ok', createResult('/a', 'x'));
    const c2 = op(2, create('/a', 'y'), 20, 30, 'ok', createResult('/a', 'y'));
    const msg = violation([c1, c2]);
    assert.match(msg, new RegExp(`#${c2.id} .*cannot be placed`));
    assert.match(msg, new RegExp(`state before #${c1.id} .*answered at 10ms, before #${c2.id} was sent at 20ms`));
    assert.match(msg, /\/a already exists/);
  });

  test('a BADVERSION that no order explains', () => {
    const c = op(1, create('/a'), 0, 5, 'ok');
    const s = op(1, setData('/a', 'v1', 0), 10, 20, 'ok', setResult(1, 'v1'));
    // Version 1 is exactly what /a has once s is done, and s was answered before this was sent.
    const bad = op(2, setData('/a', 'v2', 1), 30, 40, ZK.BADVERSION);
    const msg = violation([c, s, bad]);
    assert.match(msg, new RegExp(`#${bad.id} .*BADVERSION`));
    assert.match(msg, /would succeed/);
    assert.match(msg, new RegExp(`state before #${s.id}`));
  });

  test('a multi seen half-applied', () => {
    const ca = op(1, create('/a'), 0, 5, 'ok');
    const cb = op(1, create('/b'), 6, 9, 'ok');
    const m = op(1, multi(setData('/a', 'm'), setData('/b', 'm')), 10, 20, 'ok', {
      op: 'multi',
      results: [{ op: 'setData', stat: stat({ version: 1, dataLength: 1 }) }, { op: 'setData', stat: stat({ version: 1, dataLength: 1 }) }],
    });
    const a2 = op(2, setData('/a', 'x', 1), 30, 40, 'ok', setResult(2, 'x')); // saw the multi on /a
    const b2 = op(2, setData('/b', 'x', 0), 50, 60, 'ok', setResult(1, 'x')); // …but not on /b
    const msg = violation([ca, cb, m, a2, b2]);
    assert.match(msg, new RegExp(`#${b2.id} .*cannot be placed`));
    assert.match(msg, new RegExp(`state before #${m.id} .*multi`));
  });

  test('NOTEMPTY on a node whose children were all deleted before', () => {
    const ops = [
      op(1, create('/p'), 0, 5, 'ok'),
      op(1, create('/p/c'), 6, 9, 'ok'),
      op(1, del('/p/c'), 10, 20, 'ok'),
      op(2, del('/p'), 30, 40, ZK.NOTEMPTY),
    ];
    assert.match(violation(ops), /NOTEMPTY/);
  });

  test('sequential creates whose names contradict their real-time order', () => {
    const ops = [
      op(1, create('/q/n-', '', 'PERSISTENT_SEQUENTIAL'), 0, 10, 'ok', createResult('/q/n-0000000001')),
      op(2, create('/q/n-', '', 'PERSISTENT_SEQUENTIAL'), 20, 30, 'ok', createResult('/q/n-0000000000')),
    ];
    const r = checkWrites(ops, [], { initial: [{ path: '/q' }] });
    assert.equal(r.verdict, 'violation');
  });

  test('a failed multi must fail at the op the client names', () => {
    const ops = [
      op(1, create('/a'), 0, 5, 'ok'),
      {
        ...op(2, multi(check('/a', 0), setData('/a', 'x', 3)), 10, 20, ZK.BADVERSION),
        result: { op: 'multi' as const, results: [{ op: 'error' as const, err: ZK.BADVERSION }, { op: 'error' as const, err: ZK.RUNTIMEINCONSISTENCY }] },
      },
    ];
    assert.match(violation(ops), /the client says op 1 failed, but op 2 fails first/);
  });

  test('an unknown-outcome write cannot explain a result seen before it was sent', () => {
    const ops = [
      op(1, create('/a'), 0, 5, 'ok'),
      op(2, setData('/a', 'x'), 10, 20, 'ok', setResult(2, 'x')), // needs one more set before it
      op(3, setData('/a', 'y'), 30, null, 'unknown'),
    ];
    violation(ops);
  });
});

describe('write linearizability: must pass', () => {
  test('concurrent overlapping writes with several valid orders', () => {
    passes([
      op(9, create('/a'), 0, 5, 'ok'),
      op(1, setData('/a', 'x'), 10, 50, 'ok', setResult(3, 'x')),
      op(2, setData('/a', 'yy'), 12, 48, 'ok', setResult(1, 'yy')),
      op(3, setData('/a', 'zzz'), 15, 60, 'ok', setResult(2, 'zzz')),
      // Three sessions race to create /b: one wins, whichever it is.
      op(1, create('/b', '1'), 70, 90, ZK.NODEEXISTS),
      op(2, create('/b', '2'), 71, 80, 'ok', createResult('/b', '2')),
      op(3, create('/b', '3'), 72, 95, ZK.NODEEXISTS),
      // CAS: both read version 0; one wins, the other gets BADVERSION.
      op(1, setData('/b', 'p', 0), 100, 120, ZK.BADVERSION),
      op(2, setData('/b', 'q', 0), 101, 110, 'ok', setResult(1, 'q')),
    ]);
  });

  test('unknown-outcome writes that did happen and that did not', () => {
    passes([
      op(1, create('/a'), 0, 5, 'ok'),
      op(1, setData('/a', 'lost?'), 10, 20, 'unknown'), // happened: the next set sees version 2
      op(2, setData('/a', 'x', 1), 30, 40, 'ok', setResult(2, 'x')),
      op(1, create('/b'), 50, null, 'unknown'), // never happened: /b is created later by someone else
      op(2, create('/b', 'y'), 60, 70, 'ok', createResult('/b', 'y')),
      op(3, del('/c'), 80, null, 'unknown'), // could not have happened (no /c): fine either way
    ]);
  });

  test('an unknown write may take effect long after its client gave up', () => {
    passes([
      op(1, create('/a'), 0, 5, 'ok'),
      op(1, setData('/a', 'late'), 10, 20, 'unknown'),
      op(2, setData('/a', 'x', 0), 30, 40, 'ok', setResult(1, 'x')),
      op(2, setData('/a', 'y', 2), 50, 60, 'ok', setResult(3, 'y')), // the late one landed between
    ]);
  });

  test('sequential creates racing: names follow the linearization, not the send order', () => {
    passes(
      [
        op(1, create('/q/n-', '', 'EPHEMERAL_SEQUENTIAL'), 0, 30, 'ok', createResult('/q/n-0000000001', '', 1)),
        op(2, create('/q/n-', '', 'EPHEMERAL_SEQUENTIAL'), 5, 20, 'ok', createResult('/q/n-0000000000', '', 2)),
        op(3, del('/q/n-0000000000'), 40, 50, 'ok'),
        op(3, create('/q/n-', '', 'PERSISTENT_SEQUENTIAL'), 60, 70, 'ok', createResult('/q/n-0000000002')),
      ],
      [{ path: '/q' }],
    );
  });

  test('definite errors other than state errors are left out', () => {
    passes([
      op(1, create('/a'), 0, 5, 'ok'),
      op(2, create('/a'), 10, 20, ZK.NOTREADONLY),
      op(2, setData('/a', 'x', 7), 30, 40, ZK.SESSIONEXPIRED), // indefinite: may or may not have happened
      op(1, setData('/a', 'y', 0), 50, 60, 'ok', setResult(1, 'y')),
    ]);
  });

  test('session expiry (a system txn) deletes an ephemeral between two creates', () => {
    const ops = [
      op(1, create('/e', '', 'EPHEMERAL'), 0, 10, 'ok', createResult('/e', '', 1)),
      op(2, create('/e', '', 'EPHEMERAL'), 20, 30, ZK.NODEEXISTS),
      op(2, create('/e', '', 'EPHEMERAL'), 200, 210, 'ok', createResult('/e', '', 2)),
    ];
    const expiry = { zxid: { epoch: 1, counter: 5 }, opId: null, effects: [{ kind: 'delete' as const, path: '/e' }], proposedMs: 100, committedMs: 120 };
    assert.equal(checkWrites(ops, [expiry]).verdict, 'ok');
    // Without the expiry the second create is impossible…
    assert.equal(checkWrites(ops, []).verdict, 'violation');
    // …and an expiry committed only after the create was answered cannot explain it.
    assert.equal(checkWrites(ops, [{ ...expiry, proposedMs: 300, committedMs: 320 }]).verdict, 'violation');
  });

  test('closeSession by the client removes its ephemerals in every partition', () => {
    passes([
      op(1, create('/x', '', 'EPHEMERAL'), 0, 10, 'ok'),
      op(1, create('/y', '', 'EPHEMERAL'), 0, 10, 'ok'),
      op(1, { op: 'closeSession' }, 20, 30, 'ok'),
      op(2, create('/x'), 40, 50, 'ok'),
      op(2, create('/y'), 40, 50, 'ok'),
    ]);
  });

  test('paths under a parent nobody creates or deletes stay in separate partitions', () => {
    const ops: HistoryOp[] = [];
    for (let k = 0; k < 5; k++) ops.push(op(1, create(`/k${k}`), k * 10, k * 10 + 5, 'ok'));
    ops.push(op(1, multi(setData('/k0', 'a'), setData('/k1', 'b')), 100, 110, 'ok'));
    ops.push(op(1, create('/q/n-', '', 'PERSISTENT_SEQUENTIAL'), 100, 110, 'ok'));
    ops.push(op(1, create('/q/m'), 120, 130, 'ok'));
    const r = checkWrites(ops, [], { initial: [{ path: '/q' }] });
    assert.equal(r.verdict, 'ok');
    assert.deepEqual(
      r.partitions.map((p) => p.paths.join(' ')),
      ['/k0 /k1', '/k2', '/k3', '/k4', '/q /q/m'],
    );
  });
});

describe('write linearizability: bounds and the ground truth', () => {
  // Unknown sequential creates from many sessions, none of which happened, then a result none of them
  // explains: each subset and order of them names the nodes differently, so ruling them all out is a
  // search over permutations.
  function manyUnknowns(): { ops: HistoryOp[]; committed: CommittedTxn[] } {
    const ops: HistoryOp[] = [];
    for (let i = 0; i < 12; i++) ops.push(op(2 + i, create('/q/n-', '', 'EPHEMERAL_SEQUENTIAL'), 10 + i, null, 'unknown'));
    ops.push(op(1, create('/q/n-', '', 'PERSISTENT_SEQUENTIAL'), 100, 110, 'ok', createResult('/q/n-0000000099')));
    const committed: CommittedTxn[] = [{ zxid: { epoch: 1, counter: 1 }, opId: ops[12]!.id, effects: [] }];
    return { ops, committed };
  }

  test('a search that would run away stops at the bound and says so', () => {
    const { ops, committed } = manyUnknowns();
    const r = checkWrites(ops, committed, { initial: [{ path: '/q' }], maxStatesPerPartition: 2_000, unknownFromTruth: 'never' });
    assert.equal(r.verdict, 'inconclusive');
    assert.match(r.inconclusive[0]!, /writes to \/q \(13 ops\): gave up after \d+ search states/);
  });

  test('where observations alone are inconclusive, the ground truth decides which unknown writes happened', () => {
    const { ops, committed } = manyUnknowns();
    const r = checkWrites(ops, committed, { initial: [{ path: '/q' }], maxStatesPerPartition: 2_000 });
    assert.equal(r.verdict, 'violation');
    assert.equal(r.partitions[0]!.decidedBy, 'truth');
    assert.match(r.violations[0]!.message, /ground truth deciding which unknown-outcome writes happened/);
  });

  test('a committed unknown write is placed no later than the first answer stamped past its zxid', () => {
    const c = op(1, create('/a'), 0, 5, 'ok');
    const u = op(2, setData('/a', 'x'), 10, null, 'unknown');
    // Session 3 was answered at 30ms by a member stamped (1,2), so u (committed at (1,2)) happened by then…
    const s3 = { ...op(3, create('/b'), 20, 30, 'ok'), zxid: { epoch: 1, counter: 2 } };
    // …and yet this write, sent after that, saw /a at version 0.
    const late = op(4, setData('/a', 'y', 0), 40, 50, 'ok', setResult(1, 'y'));
    const committed = [
      { zxid: { epoch: 1, counter: 1 }, opId: c.id, effects: [] },
      { zxid: { epoch: 1, counter: 2 }, opId: u.id, effects: [{ kind: 'set' as const, path: '/a', data: new Uint8Array([120]) }] },
    ];
    assert.equal(checkWrites([c, u, s3, late], committed, { unknownFromTruth: 'never' }).verdict, 'ok');
    assert.equal(checkWrites([c, u, s3, late], committed, { unknownFromTruth: 'always' }).verdict, 'violation');
  });
});
