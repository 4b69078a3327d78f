/**
 * checkHistory end to end: the three checkers together on scenarios, and the ground-truth checks that
 * only the committed txns can reveal.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { checkHistory } from '../../../src/sim/history/index.js';
import { ZK } from '../../../src/sim/history/errors.js';
import type { CommittedTxn, HistoryReport, ViolationKind } from '../../../src/sim/history/types.js';
import { bytes, closeSession, create, del, exists, getChildren, getData, multi, Scenario, setData, sync, z } from './helpers.js';

function kinds(r: HistoryReport): ViolationKind[] {
  return [...new Set(r.violations.map((v) => v.kind))].sort();
}

function ok(s: Scenario, committed: readonly CommittedTxn[] = s.committed): HistoryReport {
  const r = checkHistory(s.ops, committed, { initial: s.initial });
  assert.equal(r.verdict, 'ok', r.summary);
  return r;
}

describe('checkHistory: must pass', () => {
  test('a small session life: ephemerals, sequential children, multi, sync, close, expiry', () => {
    const s = new Scenario([{ path: '/svc' }]);
    s.write(1, create('/svc/a', '1.2.3.4:80', 'EPHEMERAL'), 0, 10);
    s.write(2, create('/svc/lock-', '', 'EPHEMERAL_SEQUENTIAL'), 5, 15);
    s.write(3, create('/svc/lock-', '', 'EPHEMERAL_SEQUENTIAL'), 6, 16);
    s.read(3, getChildren('/svc'), 20, 25);
    s.write(1, multi(create('/cfg', 'x'), setData('/cfg', 'y', 0)), 30, 40);
    s.write(2, setData('/cfg', 'z', 0), 32, 42); // BADVERSION: the multi already made it version 1
    s.sync(2, 50, 55);
    s.read(2, getData('/cfg'), 60, 65);
    s.write(1, closeSession(), 70, 80);
    s.system([{ kind: 'delete', path: '/svc/lock-0000000001' }], { proposedMs: 90, committedMs: 95 });
    s.read(2, getChildren('/svc'), 100, 105);
    s.write(2, create('/svc/a', 'me'), 110, 120);
    const r = ok(s);
    assert.equal(r.stats.writesChecked, 7);
    assert.equal(r.stats.readsChecked, 3);
    assert.match(r.summary, /verdict: ok/);
  });

  test('unknown-outcome writes, committed and not', () => {
    const s = new Scenario();
    s.write(1, create('/a', 'x'), 0, 10);
    s.write(1, setData('/a', 'maybe'), 20, 30, { unknown: true, commit: true });
    s.write(2, create('/b'), 20, null, { unknown: true, commit: false });
    s.write(3, setData('/a', 'sure', 1), 40, 50);
    s.write(3, create('/b', 'mine'), 60, 70);
    s.read(3, getData('/a'), 80, 90);
    ok(s);
  });
});

describe('checkHistory: must fail', () => {
  test('a lost write: acknowledged, missing from the truth and from later reads', () => {
    const s = new Scenario();
    const w = s.write(1, create('/a', 'x'), 0, 10, { lose: true });
    s.read(2, exists('/a'), 20, 30);
    s.write(2, create('/a', 'y'), 40, 50);
    const r = checkHistory(s.ops, s.committed);
    assert.deepEqual(kinds(r), ['lost-write', 'not-linearizable']);
    const lost = r.violations.find((v) => v.kind === 'lost-write')!;
    assert.deepEqual(lost.opIds, [w.id]);
    assert.match(lost.message, /Lost write: #1 \(session 1: create \/a data="x" → ok, created \/a; sent 0ms, answered 10ms/);
    assert.match(r.summary, /verdict: violation/);
  });

  test('reordered writes: committed against real time', () => {
    const s = new Scenario();
    s.write(1, create('/a'), 0, 5);
    // w2 commits first although w1 was answered before w2 was sent.
    const w2 = s.write(2, setData('/a', 'two'), 30, 40);
    const w1 = s.write(1, setData('/a', 'one'), 10, 20);
    const r = checkHistory(s.ops, s.committed);
    assert.deepEqual(kinds(r), ['not-linearizable', 'real-time-order']);
    const rt = r.violations.find((v) => v.kind === 'real-time-order')!;
    assert.deepEqual(rt.opIds, [w2.id, w1.id]);
    assert.match(rt.message, /#3 was answered at 20ms, before #2 was sent at 30ms/);
  });

  test('an error answered, yet committed', () => {
    const s = new Scenario();
    s.write(1, create('/a'), 0, 5);
    s.raw({ session: 2, op: setData('/a', 'x', 5), invokeMs: 10, completeMs: 20, outcome: 'error', err: ZK.BADVERSION });
    s.committed.push({ zxid: z(2), opId: 2, effects: [{ kind: 'set', path: '/a', data: bytes('x') }] });
    const r = checkHistory(s.ops, s.committed);
    assert.ok(kinds(r).includes('error-but-committed'), r.summary);
    assert.ok(kinds(r).includes('truth-inconsistent'), r.summary); // and the model says it could not apply
  });

  test('an op committed twice', () => {
    const s = new Scenario();
    s.write(1, create('/a'), 0, 5);
    const w = s.write(1, setData('/a', 'x'), 10, 20);
    s.committed.push({ ...s.committed[1]!, zxid: z(3) });
    const r = checkHistory(s.ops, s.committed);
    assert.ok(kinds(r).includes('duplicate-commit'), r.summary);
    assert.deepEqual(r.violations.find((v) => v.kind === 'duplicate-commit')!.opIds, [w.id]);
  });

  test('a txn whose sequential suffix is not the parent cversion', () => {
    const s = new Scenario([{ path: '/q' }]);
    s.write(1, create('/q/n-', '', 'PERSISTENT_SEQUENTIAL'), 0, 5);
    const c = s.committed[0]!;
    const wrong = [{ ...c, effects: [{ ...c.effects[0]!, path: '/q/n-0000000001' }] }];
    const r = checkHistory(s.ops, wrong, { initial: s.initial });
    assert.ok(kinds(r).includes('truth-inconsistent'), r.summary);
    assert.match(r.summary, /did create \/q\/n-0000000001.*but at that state the op does create \/q\/n-0000000000/);
  });

  test('a client told a different version than its txn wrote', () => {
    const s = new Scenario();
    s.write(1, create('/a'), 0, 5);
    const w = s.write(1, setData('/a', 'x'), 10, 20);
    const result = w.result!;
    assert.equal(result.op, 'setData');
    (w as { result: unknown }).result = { ...result, stat: { ...(result.op === 'setData' ? result.stat : null)!, version: 4 } };
    const r = checkHistory(s.ops, s.committed);
    assert.deepEqual(kinds(r), ['not-linearizable', 'result-mismatch']);
  });

  test('answered before the member applied it', () => {
    const s = new Scenario();
    s.write(1, create('/a'), 0, 5);
    const w = s.write(1, setData('/a', 'x'), 10, 20);
    (w as { zxid: unknown }).zxid = z(1);
    assert.deepEqual(kinds(checkHistory(s.ops, s.committed)), ['stamp-before-commit']);
  });

  test('a closeSession that left an ephemeral behind', () => {
    const s = new Scenario();
    s.write(1, create('/e', '', 'EPHEMERAL'), 0, 5);
    s.write(1, closeSession(), 10, 20);
    const truth = s.committed.map((t) => (t.opId === 2 ? { ...t, effects: [] } : t));
    s.read(2, exists('/e'), 30, 35); // the read agrees with the (wrong) truth
    const r = checkHistory(s.ops, truth);
    assert.ok(kinds(r).includes('result-mismatch'), r.summary);
  });

  test('the summary lists each violation with its explanation', () => {
    const s = new Scenario();
    s.write(1, create('/a', 'x'), 0, 10);
    s.sync(2, 20, 30, null);
    s.read(2, getData('/a'), 40, 50, 0);
    const r = checkHistory(s.ops, s.committed);
    assert.equal(r.verdict, 'violation');
    assert.match(r.summary, /violation 1 \[reads\/stale-after-sync\]\nStale read after sync: #3 /);
    assert.equal(sync().op, 'sync');
    assert.equal(del('/a').op, 'delete');
  });
});

describe('checkHistory: malformed input', () => {
  test('is the recorder’s bug, said plainly', () => {
    const s = new Scenario();
    const a = s.write(1, create('/a'), 0, 5);
    assert.throws(() => checkHistory([a, a], s.committed), /op id 1 appears twice/);
    assert.throws(() => checkHistory([{ ...a, completeMs: -1 }], s.committed), /answered at -1ms, before it was sent at 0ms/);
  });
});
