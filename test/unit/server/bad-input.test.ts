import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ClientToMember, Operation } from '../../../src/protocol/client.js';
import { ErrorCode } from '../../../src/tree/index.js';
import { codeName, Ensemble, op, show, type ClientConn } from './harness.js';

function digests(e: Ensemble): string[] {
  return e.ids.map((id) => e.digest(id));
}

function droppedWith(c: ClientConn, code: number): void {
  const bye = c.disconnect;
  assert.ok(bye, `expected a disconnect, got ${JSON.stringify(c.inbox.map(show))}`);
  assert.equal(codeName(bye.err), codeName(code), bye.reason);
  assert.ok(c.closedByMember, 'closed by the member');
}

/** Nothing anywhere holds `path`. */
function nowhere(e: Ensemble, path: string): void {
  for (const id of e.ids) assert.equal(e.member(id).dataTree.exists(path), null, `m${id} has ${path}`);
}

for (const via of ['leader', 'follower'] as const) {
  describe(`bad input through the ${via} changes nothing`, () => {
    function setup(): { e: Ensemble; member: number } {
      const e = Ensemble.started();
      const member = via === 'leader' ? e.mustLeader() : e.followers()[0]!;
      // Some state to keep.
      e.session(member).ok(op.create('/kept', 'x'));
      return { e, member };
    }

    test('a request before connect drops the connection', () => {
      const { e, member } = setup();
      const before = digests(e);
      const c = e.open(member);
      c.send(op.create('/sneaky'));
      e.pump();
      e.tick(3);
      droppedWith(c, ErrorCode.CONNECTIONLOSS);
      assert.equal(c.responses().length, 0);
      nowhere(e, '/sneaky');
      assert.deepEqual(digests(e), before);
    });

    test('pings and setWatches before connect are ignored', () => {
      const { e, member } = setup();
      const before = digests(e);
      const c = e.open(member);
      c.ping();
      c.sendRaw({ type: 'setWatches', lastZxid: { epoch: 0, counter: 0 }, data: ['/kept'], exist: [], children: [], persistent: [], persistentRecursive: [] });
      e.pump();
      assert.deepEqual(c.inbox, []);
      assert.equal(c.pongs, 0);
      assert.deepEqual(digests(e), before);
    });

    test('a second connect on an open connection drops it; no second session', () => {
      const { e, member } = setup();
      const c = e.session(member);
      const sessions = e.member(member).dataTree.sessions().length;
      const before = digests(e);
      c.sendRaw({ type: 'connect', sessionId: 0, password: new Uint8Array(0), timeoutMs: 100, lastZxidSeen: { epoch: 0, counter: 0 }, canBeReadOnly: false });
      e.pump();
      e.tick(3);
      droppedWith(c, ErrorCode.CONNECTIONLOSS);
      assert.equal(e.member(member).dataTree.sessions().length, sessions);
      assert.deepEqual(digests(e), before);
      // The session itself is fine: the client can resume it.
      assert.ok(e.reconnect(c, member).connected);
    });

    test('out-of-order xids (a write still in flight) drop the connection; the late-numbered request never runs', () => {
      const { e, member } = setup();
      const c = e.session(member);
      c.send(op.create('/first'), 5);
      c.send(op.create('/second'), 3);
      droppedWith(c, ErrorCode.CONNECTIONLOSS);
      e.pump();
      e.tick(3);
      nowhere(e, '/second');
      e.assertConverged();
    });

    test(
      'an xid that does not increase is refused even when nothing is in flight',
      () => {
        const { e, member } = setup();
        const c = e.session(member);
        c.send(op.create('/first'), 5);
        assert.equal(c.wait(5)?.err, 0);
        const before = digests(e);
        c.send(op.create('/again'), 5);
        e.pump();
        // Expected: refused at once, like an out-of-order xid with a write in flight.
        droppedWith(c, ErrorCode.CONNECTIONLOSS);
        nowhere(e, '/again');
        assert.deepEqual(digests(e), before);
      },
    );

    test('unknown operation names are answered with an error and change nothing', () => {
      const { e, member } = setup();
      const c = e.session(member);
      const before = digests(e);
      const weird = [
        { op: 'frobnicate', path: '/kept' },
        { op: 'frobnicate' },
        { op: 'getACL', path: '/kept' },
        { op: 'createSession' },
        { op: 'create2', path: '/new', data: new Uint8Array(0), mode: 'PERSISTENT' },
      ] as unknown as Operation[];
      for (const w of weird) {
        const r = c.request(w);
        assert.notEqual(r.err, 0, `${JSON.stringify(w)} was accepted: ${show(r)}`);
        assert.equal(r.result, undefined);
      }
      // Inside a multi, an unknown op fails the whole multi.
      const m = c.request(op.multi({ op: 'create', path: '/m1', data: new Uint8Array(0), mode: 'PERSISTENT' }, { op: 'frobnicate', path: '/m2' } as never));
      assert.equal(codeName(m.err), 'BADARGUMENTS', m.message);
      nowhere(e, '/m1');
      nowhere(e, '/new');
      assert.deepEqual(digests(e), before);
      assert.ok(c.open);
      c.ok(op.getData('/kept'));
    });

    test('unknown message types are ignored', () => {
      const { e, member } = setup();
      const c = e.session(member);
      const before = digests(e);
      c.sendRaw({ type: 'bogus', xid: 9 } as unknown as ClientToMember);
      e.pump();
      assert.deepEqual(c.take(), []);
      assert.deepEqual(digests(e), before);
      c.ok(op.getData('/kept'));
    });

    test('requests with malformed fields are refused with BADARGUMENTS', () => {
      const { e, member } = setup();
      const c = e.session(member);
      const before = digests(e);
      const malformed = [
        { op: 'create', path: '/m', data: 'not bytes', mode: 'PERSISTENT' },
        { op: 'create', path: '/m', data: new Uint8Array(0), mode: 'SOMETIMES' },
        { op: 'create', path: 42, data: new Uint8Array(0), mode: 'PERSISTENT' },
        { op: 'setData', path: '/kept', data: new Uint8Array(0), version: 'latest' },
        { op: 'delete', path: '/kept', version: 1.5 },
        { op: 'getData', watch: false },
        { op: 'exists', path: null, watch: false },
        { op: 'multi', ops: [{ op: 'create', path: '/m', data: 'not bytes', mode: 'PERSISTENT' }] },
      ] as unknown as Operation[];
      for (const w of malformed) {
        const r = c.request(w);
        assert.equal(codeName(r.err), 'BADARGUMENTS', `${JSON.stringify(w)}: ${show(r)}`);
      }
      nowhere(e, '/m');
      assert.deepEqual(digests(e), before);
      assert.ok(c.open);
    });
  });
}

describe('bad input: malformed operations are answered, never thrown', () => {

  test('multi whose ops are not an array is refused, not thrown', () => {
    const e = Ensemble.started();
    const c = e.session(e.followers()[0]!);
    const r = c.request({ op: 'multi', ops: 'all of them' } as unknown as Operation);
    assert.equal(codeName(r.err), 'BADARGUMENTS');
  });

  test('removeWatches without a type is refused, not thrown', () => {
    const e = Ensemble.started();
    const c = e.session(e.followers()[0]!);
    const r = c.request({ op: 'removeWatches', path: '/x' } as unknown as Operation);
    assert.equal(codeName(r.err), 'BADARGUMENTS');
  });

  test('addWatch without a path or with an unknown mode is refused', () => {
    const e = Ensemble.started();
    const c = e.session(e.followers()[0]!);
    const r1 = c.request({ op: 'addWatch', mode: 'PERSISTENT' } as unknown as Operation);
    assert.equal(codeName(r1.err), 'BADARGUMENTS');
    const r2 = c.request({ op: 'addWatch', path: '/x', mode: 'SOMETIMES' } as unknown as Operation);
    assert.equal(codeName(r2.err), 'BADARGUMENTS');
  });
});
