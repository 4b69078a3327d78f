/**
 * The simulator's Zab invariant checker, fed hand-made traces: a valid run must pass, and each
 * violation it exists to catch must be reported under its invariant's name. (A checker gutted to
 * accept everything passes every seed; these tests do not.)
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Checker, Violation, type CheckedMember } from '../../../src/sim/checker.js';
import type { AppliedRecord } from '../../../src/sim/state-machine.js';
import type { ZabMessage } from '../../../src/zab/messages.js';
import { emptyDurableState, type DurableState } from '../../../src/zab/persistence.js';
import { ZXID_ZERO, zxid } from '../../../src/zab/zxid.js';

const idOf = (txn: unknown): string | undefined => (txn as { id?: string }).id;
const rec = (epoch: number, counter: number, id: string): AppliedRecord => ({ zxid: zxid(epoch, counter), id });

/** A member whose durable log holds `durable` and whose memory applied `applied`. */
function member(id: number, durable: readonly AppliedRecord[], applied: readonly AppliedRecord[] = [], over: Partial<DurableState> = {}): CheckedMember {
  const log = durable.map((r) => ({ zxid: r.zxid, txn: { id: r.id } }));
  return { id, durable: { ...emptyDurableState(), acceptedEpoch: 1, currentEpoch: 1, log, ...over }, records: applied, logBase: ZXID_ZERO, logEntries: log };
}

function violates(invariant: string, fn: () => void): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof Violation, `not a Violation: ${String(e)}`);
    assert.equal(e.invariant, invariant, e.message);
    return true;
  });
}

const a = rec(1, 1, 'a');
const b = rec(1, 2, 'b');

describe('Checker: a valid run passes', () => {
  test('establish, propose, quorum-durable apply on every member, ACKs after persist, converge', () => {
    const c = new Checker(2, idOf);
    const m = [member(1, [a, b], [a, b]), member(2, [a, b], [a, b]), member(3, [a, b], [a, b])];
    c.onEstablished(member(1, []), 1);
    c.onPropose(1, a.zxid, a.id);
    c.onPropose(1, b.zxid, b.id);
    c.onSend(m[1]!, { type: 'ACK', session: 1, epoch: 1, zxid: b.zxid });
    c.onSend(m[1]!, { type: 'ACKEPOCH', session: 1, epoch: 1, promised: true, currentEpoch: 0, lastZxid: ZXID_ZERO, history: { base: ZXID_ZERO, segments: [] } });
    c.onSend(m[1]!, { type: 'ACKNEWLEADER', session: 1, epoch: 1, zxid: b.zxid });
    c.onSend(m[0]!, { type: 'VOTE', round: 2, leader: 1, zxid: b.zxid, epoch: 1, state: 'LOOKING' });
    for (const x of m) {
      c.onApply(x, 0, a, () => m, 'digest-a');
      c.onApply(x, 1, b, () => m, 'digest-b');
    }
    c.checkLogMatching(m);
    c.ackedToClients.add('a');
    c.checkConverged(m);
    assert.deepEqual(c.committed.map((r) => r.id), ['a', 'b']);
    assert.ok(c.checks >= 12, `only ${c.checks} checks counted`);
  });
});

describe('Checker: every violation is reported', () => {
  test('two leaders of one epoch', () => {
    const c = new Checker(2, idOf);
    c.onEstablished(member(1, []), 1);
    violates('one leader per epoch', () => c.onEstablished(member(2, []), 1));
  });

  test('an apply held durably by less than a quorum', () => {
    const c = new Checker(2, idOf);
    const m = [member(1, [a], [a]), member(2, []), member(3, [])];
    violates('durable quorum', () => c.onApply(m[0]!, 0, a, () => m));
  });

  test('two members apply different txns at one position', () => {
    const c = new Checker(2, idOf);
    const m = [member(1, [a]), member(2, [a]), member(3, [])];
    c.onApply(m[0]!, 0, a, () => m);
    violates('agreement', () => c.onApply(m[1]!, 0, rec(1, 1, 'other'), () => m));
  });

  test('a gap in one epoch, and a first commit that is not counter 1', () => {
    const c = new Checker(1, idOf);
    const m = [member(1, [a, rec(1, 3, 'c')])];
    c.onApply(m[0]!, 0, a, () => m);
    violates('primary order', () => c.onApply(m[0]!, 1, rec(1, 3, 'c'), () => m));
    const fresh = new Checker(1, idOf);
    violates('primary order', () => fresh.onApply(member(1, [b]), 0, b, () => [member(1, [b])]));
  });

  test('commits going backwards', () => {
    const c = new Checker(1, idOf);
    const m = [member(1, [a])];
    c.onApply(m[0]!, 0, a, () => m);
    violates('total order', () => c.onApply(m[0]!, 1, rec(1, 1, 'x'), () => m));
  });

  test('one txn committed twice', () => {
    const c = new Checker(1, idOf);
    const dup = rec(1, 2, 'a');
    const m = [member(1, [a, dup])];
    c.onApply(m[0]!, 0, a, () => m);
    violates('integrity', () => c.onApply(m[0]!, 1, dup, () => m));
  });

  test('ACK, ACK(NEWLEADER) and ACKEPOCH before what they claim is durable', () => {
    const c = new Checker(2, idOf);
    const behind = member(2, [a], [], { acceptedEpoch: 1, currentEpoch: 1 });
    violates('ack after persist', () => c.onSend(behind, { type: 'ACK', session: 1, epoch: 1, zxid: b.zxid }));
    violates('ack after persist', () => c.onSend(behind, { type: 'ACKNEWLEADER', session: 1, epoch: 1, zxid: b.zxid }));
    violates('ack after persist', () => c.onSend(behind, { type: 'ACKNEWLEADER', session: 1, epoch: 2, zxid: a.zxid }));
    const ackEpoch: ZabMessage = { type: 'ACKEPOCH', session: 1, epoch: 2, promised: true, currentEpoch: 1, lastZxid: a.zxid, history: { base: ZXID_ZERO, segments: [] } };
    violates('ack after persist', () => c.onSend(behind, ackEpoch));
  });

  test('a vote for itself with a zxid only memory holds', () => {
    const c = new Checker(2, idOf);
    violates('vote from durable state', () => c.onSend(member(1, [a]), { type: 'VOTE', round: 1, leader: 1, zxid: b.zxid, epoch: 1, state: 'LOOKING' }));
  });

  test('a proposal by a member that did not establish the epoch, and two txns at one zxid', () => {
    const c = new Checker(2, idOf);
    violates('primary integrity', () => c.onPropose(1, a.zxid, 'a'));
    c.onEstablished(member(1, []), 1);
    c.onPropose(1, a.zxid, 'a');
    violates('one proposal per zxid', () => c.onPropose(1, a.zxid, 'other'));
  });

  test('logs that hold different txns at one zxid', () => {
    const c = new Checker(2, idOf);
    violates('log matching', () => c.checkLogMatching([member(1, [a]), member(2, [rec(1, 1, 'other')])]));
  });

  test('a new leader that lacks a txn committed in an earlier epoch', () => {
    const c = new Checker(2, idOf);
    const m = [member(1, [a]), member(2, [a]), member(3, [])];
    c.onApply(m[0]!, 0, a, () => m);
    violates('leader completeness', () => c.onEstablished(m[2]!, 2));
  });

  test('two trees that differ at one zxid', () => {
    const c = new Checker(1, idOf);
    const m1 = [member(1, [a])];
    c.onApply(m1[0]!, 0, a, () => m1, 'digest-1');
    violates('same state at the same zxid', () => c.onApply(member(2, [a]), 0, a, () => m1, 'digest-2'));
  });

  test('a restore that goes back, or disagrees with what was committed', () => {
    const c = new Checker(1, idOf);
    const m = [member(1, [a, b])];
    c.onApply(m[0]!, 0, a, () => m);
    violates('monotonic state', () => c.onRestore(member(1, [], []), 1, undefined, ZXID_ZERO));
    violates('agreement', () => c.onRestore(member(1, [], [rec(1, 1, 'other')]), 0, undefined, a.zxid));
    violates('agreement', () => c.committedUpTo(zxid(5, 5), 1));
  });

  test('a member that did not converge, and an acknowledged write that was lost', () => {
    const c = new Checker(1, idOf);
    const m = [member(1, [a], [a])];
    c.onApply(m[0]!, 0, a, () => m);
    violates('convergence', () => c.checkConverged([m[0]!, member(2, [], [])]));
    c.ackedToClients.add('lost');
    violates('durability', () => c.checkConverged(m));
  });
});
