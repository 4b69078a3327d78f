/**
 * The read checker: a well-behaved scenario passes; breaking one guarantee is named.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { checkReads } from '../../../src/sim/history/reads.js';
import type { ViolationKind } from '../../../src/sim/history/types.js';
import { bytes, create, exists, getChildren, getData, multi, Scenario, setData, stat, z } from './helpers.js';

function kinds(s: Scenario, fifo = false): ViolationKind[] {
  return checkReads(s.ops, s.committed, { initial: s.initial, fifo }).violations.map((v) => v.kind);
}

function only(s: Scenario, kind: ViolationKind): string {
  const r = checkReads(s.ops, s.committed, { initial: s.initial });
  assert.deepEqual(r.violations.map((v) => v.kind), [kind], r.violations.map((v) => v.message).join('\n\n'));
  return r.violations[0]!.message;
}

/** /a created at (1,1), set at (1,2). */
function base(): Scenario {
  const s = new Scenario();
  s.write(1, create('/a', 'v0'), 0, 10);
  s.write(1, setData('/a', 'v1'), 20, 30);
  return s;
}

describe('reads: must pass', () => {
  test('stale but correct reads on other sessions, monotonic, own writes seen, sync honoured', () => {
    const s = base();
    s.read(2, getData('/a'), 40, 45, 1); // stale: fine for another session
    s.read(2, getData('/a'), 50, 55, 2);
    s.read(1, getData('/a'), 40, 45, 2); // session 1 sees its own write
    s.sync(3, 60, 70, 2);
    s.read(3, getData('/a'), 80, 90, 2);
    s.read(4, exists('/zz'), 80, 90, 0);
    s.read(4, getChildren('/'), 95, 99, 2);
    assert.deepEqual(kinds(s), []);
  });

  test('NONODE answers are checked against the state too', () => {
    const s = base();
    s.read(2, getData('/nope'), 40, 45);
    s.read(3, getData('/a'), 40, 45, 0); // before /a was created: NONODE is right
    assert.deepEqual(kinds(s), []);
  });
});

describe('reads: must fail', () => {
  test('a stale read after sync', () => {
    const s = base();
    const sy = s.sync(2, 40, 50, null); // the sync itself carries no stamp here
    const r = s.read(2, getData('/a'), 60, 70, 1);
    const msg = only(s, 'stale-after-sync');
    assert.match(msg, new RegExp(`#${r.id} .*stamped \\(1,1\\)`));
    assert.match(msg, new RegExp(`#${sy.id} `));
    assert.match(msg, /committed at \(1,2\) and answered at 30ms, before the sync was sent at 40ms/);
  });

  test('a sync answered behind a write that completed before it began', () => {
    const s = base();
    s.sync(2, 40, 50, 1);
    assert.match(only(s, 'stale-after-sync'), /answered at \(1,1\), behind #2 /);
  });

  test('a read going back in time within a session', () => {
    const s = base();
    s.read(2, getData('/a'), 40, 45, 2);
    const back = s.read(2, getData('/a'), 50, 55, 1);
    const msg = only(s, 'non-monotonic');
    assert.match(msg, new RegExp(`Session 2 went back in time: #${back.id} .*stamped \\(1,1\\).*already seen \\(1,2\\)`));
  });

  test('a session not seeing its own write', () => {
    const s = new Scenario();
    s.write(1, create('/a', 'v0'), 0, 10, { unstamped: true });
    s.write(1, setData('/a', 'v1'), 20, 30, { unstamped: true });
    s.read(1, getData('/a'), 40, 45, 1);
    assert.match(only(s, 'missed-own-write'), /did not see its own write: #2 .*committed at \(1,2\)/);
  });

  test('own writes in FIFO mode: a read sent behind a pending write must see it', () => {
    const s = new Scenario();
    s.write(1, create('/a', 'v0'), 0, 10, { unstamped: true });
    s.write(1, setData('/a', 'v1'), 20, 60, { unstamped: true });
    s.read(1, getData('/a'), 25, 65, 1);
    assert.deepEqual(kinds(s), []);
    assert.deepEqual(kinds(s, true), ['missed-own-write']);
  });

  test('a read whose result is not the state at its stamp', () => {
    const s = base();
    s.raw({
      session: 2,
      op: getData('/a'),
      invokeMs: 40,
      completeMs: 45,
      outcome: 'ok',
      zxid: z(1),
      // (1,2)'s data under (1,1)'s stamp: the member answered from state ahead of what it claimed.
      result: { op: 'getData', data: bytes('v1'), stat: stat({ czxid: z(1), mzxid: z(1), pzxid: z(1), ctime: 0, mtime: 0, dataLength: 2 }) },
    });
    const msg = only(s, 'wrong-read');
    assert.match(msg, /data "v1" \(expected "v0"\)/);
    assert.match(msg, /\/a last written by #1 at \(1,1\)/);
  });

  test('a multi seen half-applied by a read', () => {
    const s = new Scenario();
    s.write(1, create('/a', 'a0'), 0, 5);
    s.write(1, create('/b', 'b0'), 6, 9);
    s.write(1, multi(setData('/a', 'a1'), setData('/b', 'b1')), 10, 20);
    s.read(2, getData('/a'), 30, 35, 3);
    const r = s.read(2, getData('/b'), 40, 45, 3);
    // Pretend the member returned /b's old data at the multi's zxid.
    (r as { result: unknown }).result = { op: 'getData', data: bytes('b0'), stat: stat({ czxid: z(2), mzxid: z(2), pzxid: z(2), ctime: 6, mtime: 6, dataLength: 2 }) };
    const msg = only(s, 'wrong-read');
    assert.match(msg, /data "b0" \(expected "b1"\); mzxid \(1,2\) \(expected \(1,3\)\); mtime 6 \(expected 10\); version 0 \(expected 1\)/);
  });

  test('a stamp that names no committed txn', () => {
    const s = base();
    s.raw({ session: 2, op: exists('/a'), invokeMs: 40, completeMs: 45, outcome: 'ok', zxid: z(7), result: { op: 'exists', stat: null } });
    assert.deepEqual(kinds(s).sort(), ['stamp-not-committed', 'wrong-read']);
  });
});
