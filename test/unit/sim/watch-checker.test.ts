/**
 * The simulator's watch checker on hand-made client wires: one-shot watches that fire once, before
 * any answer showing their change, pass; a watch that fires late, twice or unasked is reported.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Violation } from '../../../src/sim/checker.js';
import { WatchChecker } from '../../../src/sim/watch-checker.js';
import { zxid } from '../../../src/zab/zxid.js';

/** The committed truth: /a created at (1,1), its data set at (1,3), deleted at (1,5); /b created at (1,2), deleted at (1,4). */
function world(): WatchChecker {
  const index: Parameters<typeof WatchChecker.record>[0] = new Map();
  WatchChecker.record(index, zxid(1, 1), [{ kind: 'create', path: '/a' }]);
  WatchChecker.record(index, zxid(1, 2), [{ kind: 'create', path: '/b' }]);
  WatchChecker.record(index, zxid(1, 3), [{ kind: 'set', path: '/a' }]);
  WatchChecker.record(index, zxid(1, 4), [{ kind: 'delete', path: '/b' }]);
  WatchChecker.record(index, zxid(1, 5), [{ kind: 'delete', path: '/a' }]);
  return new WatchChecker(index);
}

function violates(invariant: string, fn: () => void): void {
  assert.throws(fn, (e: unknown) => e instanceof Violation && e.invariant === invariant);
}

describe('WatchChecker: valid wires pass', () => {
  test('a data watch fires for the next change before the answer that shows it, once', () => {
    const w = world();
    w.registered({ op: 'getData', path: '/a', watch: true }, 0, true, zxid(1, 2));
    w.answered(zxid(1, 2), 7);
    w.fired('NodeDataChanged', '/a', 7);
    w.answered(zxid(1, 5), 7); // used up: later changes are not its to report
  });

  test('a child watch fires for a child created after the read', () => {
    const w = world();
    w.registered({ op: 'getChildren', path: '/', watch: true, withStat: false }, 0, true, zxid(1, 1));
    w.fired('NodeChildrenChanged', '/', 7);
    w.answered(zxid(1, 4), 7);
  });

  test('no watch is set by a failed read or a getData on a missing node', () => {
    const w = world();
    w.registered({ op: 'getData', path: '/a', watch: true }, -101, false, zxid(1, 0));
    w.registered({ op: 'getData', path: '/b', watch: true }, 0, false, zxid(1, 4));
    w.answered(zxid(1, 5), 7);
  });

  test('after a reconnect, a node created and deleted in between may go unreported', () => {
    const w = world();
    w.registered({ op: 'exists', path: '/b', watch: true }, 0, false, zxid(1, 1));
    w.reconnected(zxid(1, 1));
    w.answered(zxid(1, 4), 7);
  });

  test('a closed session leaves no watches behind', () => {
    const w = world();
    w.registered({ op: 'getData', path: '/a', watch: true }, 0, true, zxid(1, 2));
    w.clear();
    w.answered(zxid(1, 5), 7);
  });
});

describe('WatchChecker: violations are reported', () => {
  test('an answer that shows the change arrives before the watch fired', () => {
    const w = world();
    w.registered({ op: 'getData', path: '/a', watch: true }, 0, true, zxid(1, 2));
    violates('watch before reply', () => w.answered(zxid(1, 3), 7));
  });

  test('an exists watch on a missing node that misses its creation', () => {
    const w = world();
    w.registered({ op: 'exists', path: '/b', watch: true }, 0, false, zxid(1, 1));
    violates('watch before reply', () => w.answered(zxid(1, 2), 7));
  });

  test('a watch that fires twice', () => {
    const w = world();
    w.registered({ op: 'getData', path: '/a', watch: true }, 0, true, zxid(1, 2));
    w.fired('NodeDataChanged', '/a', 7);
    violates('watch once', () => w.fired('NodeDeleted', '/a', 7));
  });

  test('an event nobody asked for, or of a kind the watch does not cover', () => {
    const w = world();
    violates('watch once', () => w.fired('NodeDataChanged', '/a', 7));
    w.registered({ op: 'getChildren', path: '/a', watch: true, withStat: false }, 0, true, zxid(1, 2));
    violates('watch once', () => w.fired('NodeDataChanged', '/a', 7));
  });

  test('after a reconnect, a deletion the re-registered watch must report', () => {
    const w = world();
    w.registered({ op: 'getData', path: '/a', watch: true }, 0, true, zxid(1, 3));
    w.reconnected(zxid(1, 3));
    violates('watch before reply', () => w.answered(zxid(1, 5), 7));
  });
});
