/**
 * The member's client edge is total: any value a decoder can produce reaches `fromClient` without
 * throwing, a rejected message changes nothing in the tree or the sessions, and replies and writes
 * are bounded (issue 15, problems 1 and 3, and the oversized multi).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ClientToMember, MultiOp, Operation } from '../../../src/protocol/client.js';
import { ErrorCode } from '../../../src/tree/index.js';
import { codeName, Ensemble, enc, mop, op, show } from './harness.js';

function state(e: Ensemble): string[] {
  return e.ids.map((id) => `${e.digest(id)} ${e.member(id).dataTree.sessions().length}`);
}

describe('client edge: malformed messages never throw', () => {
  for (const via of ['leader', 'follower'] as const) {
    const setup = () => {
      const e = Ensemble.started();
      const member = via === 'leader' ? e.mustLeader() : e.followers()[0]!;
      e.session(member).ok(op.create('/kept', 'x'));
      return { e, member };
    };

    test(`through the ${via}: a nil frame, a number, a list, bytes drop only that connection`, () => {
      for (const raw of [null, undefined, 0, 64, 'connect', [], [1, 2], new Uint8Array(3), true]) {
        const { e, member } = setup();
        const other = e.session(member);
        const c = e.session(member);
        const before = state(e);
        c.sendRaw(raw as unknown as ClientToMember);
        e.pump();
        assert.equal(codeName(c.disconnect?.err ?? 0), 'MARSHALLINGERROR', `${String(raw)}: ${JSON.stringify(c.inbox.map(show))}`);
        assert.ok(c.closedByMember);
        e.tick(2);
        // The closed connection's session lives on until it expires; nothing else changed.
        assert.deepEqual(state(e), before);
        assert.equal(other.ok(op.getData('/kept')).err, 0);
      }
    });

    test(`through the ${via}: a request with a null, missing or non-map operation is answered MARSHALLINGERROR on its xid`, () => {
      const { e, member } = setup();
      const c = e.session(member);
      const before = state(e);
      for (const operation of [null, undefined, 7, 'create', [], new Uint8Array(1)]) {
        const xid = c.nextXid++;
        c.sendRaw({ type: 'request', xid, ...(operation === undefined ? {} : { operation }) } as unknown as ClientToMember);
        const r = c.wait(xid);
        assert.ok(r, `no answer for operation ${String(operation)}: ${JSON.stringify(c.inbox.map(show))}`);
        assert.equal(codeName(r.err), 'MARSHALLINGERROR', r.message);
        assert.ok(c.open);
      }
      // A read behind a refused request is answered after it, in order.
      const bad = c.nextXid++;
      c.sendRaw({ type: 'request', xid: bad, operation: null } as unknown as ClientToMember);
      const good = c.send(op.getData('/kept'));
      c.wait(good);
      const order = c.responses().map((r) => r.xid);
      assert.ok(order.indexOf(bad) < order.indexOf(good));
      assert.deepEqual(state(e), before);
    });

    test(`through the ${via}: nested fields of the wrong type are refused (connect, setWatches, multi)`, () => {
      const { e, member } = setup();
      const c = e.session(member);
      const d = e.session(member);
      const before = state(e);
      const connects = [
        { type: 'connect', sessionId: 0, password: new Uint8Array(0), timeoutMs: Infinity, lastZxidSeen: { epoch: 0, counter: 0 }, canBeReadOnly: false },
        { type: 'connect', sessionId: 0, password: new Uint8Array(0), timeoutMs: 1000, lastZxidSeen: null, canBeReadOnly: false },
        { type: 'connect', sessionId: 0, password: 'secret', timeoutMs: 1000, lastZxidSeen: { epoch: 0, counter: 0 }, canBeReadOnly: false },
        { type: 'connect', sessionId: 0.5, password: new Uint8Array(0), timeoutMs: 1000, lastZxidSeen: { epoch: 0, counter: 0 }, canBeReadOnly: false },
        { type: 'connect', sessionId: 0, password: new Uint8Array(0), timeoutMs: 1000, lastZxidSeen: { epoch: 0, counter: 0 }, canBeReadOnly: false, records: 'yes' },
      ];
      for (const m of connects) {
        const fresh = e.open(member);
        fresh.sendRaw(m as unknown as ClientToMember);
        e.pump();
        assert.equal(codeName(fresh.disconnect?.err ?? 0), 'MARSHALLINGERROR', JSON.stringify(m));
      }
      c.sendRaw({ type: 'setWatches', lastZxid: { epoch: 0, counter: 0 }, data: [null], exist: [], children: [], persistent: [], persistentRecursive: [] } as unknown as ClientToMember);
      e.pump();
      assert.equal(codeName(c.disconnect?.err ?? 0), 'MARSHALLINGERROR');
      for (const ops of [[null], [7], [{ op: 'create', path: enc('/bytes-path'), data: new Uint8Array(0), mode: 'PERSISTENT' }], [{ op: 'setData', path: '/kept', data: new Uint8Array(0), version: 2 ** 40 }]]) {
        const r = d.request({ op: 'multi', ops } as unknown as Operation);
        assert.equal(codeName(r.err), 'BADARGUMENTS', `${JSON.stringify(ops)}: ${r.message}`);
      }
      e.tick(2);
      assert.deepEqual(state(e), before);
    });
  }
});

describe('client edge: setWatches paths are checked before the tree reads them (found by the fuzz test)', () => {
  test('a path without a leading slash drops the connection; the member and the tree are untouched', () => {
    const e = Ensemble.started();
    const member = e.followers()[0]!;
    const c = e.session(member);
    const other = e.session(member);
    const before = state(e);
    c.sendRaw({ type: 'setWatches', lastZxid: { epoch: 0, counter: 0 }, data: ['no-slash'], exist: [], children: [], persistent: [], persistentRecursive: [] });
    e.pump();
    assert.equal(codeName(c.disconnect?.err ?? 0), 'MARSHALLINGERROR');
    assert.match(c.disconnect?.reason ?? '', /bad path "no-slash"/);
    assert.deepEqual(state(e), before);
    assert.equal(other.ok(op.exists('/')).err, 0);
  });
});

describe('client edge: bounded replies', () => {
  test('a child list over the reply limit is answered MARSHALLINGERROR, counted, and the member serves on', () => {
    const e = Ensemble.started({ maxReplyBytes: 64 * 1024 });
    const member = e.followers()[0]!;
    const c = e.session(member);
    c.ok(op.create('/big'));
    const name = 'n'.repeat(200);
    for (let i = 0; i < 400; i++) c.ok(op.create(`/big/${name}${i}`));
    const before = e.member(member).oversizedReplies;
    const r = c.request(op.getChildren('/big'));
    assert.equal(codeName(r.err), 'MARSHALLINGERROR');
    assert.match(r.message ?? '', /getChildren of 400 names.*frame limit.*numChildren/);
    assert.equal(r.result, undefined);
    assert.equal(e.member(member).oversizedReplies, before + 1);
    assert.ok(c.open);
    // What the user does instead: the count, from exists.
    const stat = c.ok(op.exists('/big')).result;
    assert.equal(stat?.op === 'exists' ? stat.stat?.numChildren : -1, 400);
    // A multi whose results are over the limit is refused the same way, after it applied (its effect stays).
    const ops: MultiOp[] = [];
    for (let i = 0; i < 300; i++) ops.push(mop.create(`/big/m${name}${i}`));
    const m = c.request(op.multi(...ops));
    assert.equal(codeName(m.err), 'MARSHALLINGERROR');
    assert.ok(e.member(member).dataTree.exists(`/big/m${name}0`));
    e.assertConverged();
  });

  test('a reply under the limit is untouched', () => {
    const e = Ensemble.started({ maxReplyBytes: 64 * 1024 });
    const c = e.session(e.mustLeader());
    c.ok(op.create('/a'));
    for (let i = 0; i < 10; i++) c.ok(op.create(`/a/${i}`));
    const r = c.ok(op.getChildren('/a'));
    assert.equal(r.result?.op === 'getChildren' ? r.result.children.length : 0, 10);
  });
});

describe('client edge: a multi over the request limit is refused up front', () => {
  test('BADARGUMENTS before it is forwarded; nothing proposed, nothing changes', () => {
    const e = Ensemble.started({ maxRequestBytes: 256 * 1024 });
    const member = e.followers()[0]!;
    const c = e.session(member);
    const before = state(e);
    const sentBefore = e.sent.length;
    const chunk = new Uint8Array(100 * 1024);
    const ops: MultiOp[] = [0, 1, 2].map((i) => ({ op: 'create', path: `/chunk${i}`, data: chunk, mode: 'PERSISTENT' }));
    const xid = c.send(op.multi(...ops));
    e.pump();
    const r = c.response(xid);
    assert.ok(r, 'answered at once, without a round trip to the leader');
    assert.equal(codeName(r.err), 'BADARGUMENTS');
    assert.match(r.message ?? '', /request limit/);
    assert.equal(e.sent.slice(sentBefore).filter((s) => JSON.stringify(s).includes('FORWARD')).length, 0);
    e.tick(2);
    assert.deepEqual(state(e), before);
    // Two of them fit.
    assert.equal(c.request(op.multi(ops[0]!, ops[1]!)).err, 0);
    assert.equal(ErrorCode.OK, 0);
  });
});
