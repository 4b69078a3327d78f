import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { codeName, dec, Ensemble, op, show, type ClientConn } from './harness.js';

function cutOff(e: Ensemble, member: number): void {
  e.isolate(member);
  // Past syncLimit (5 ticks) in any case; the member gives up on the quorum and serves nothing.
  e.tick(8);
  assert.equal(e.serving(member), false, `m${member} still serves after losing its peers`);
}

for (const who of ['follower', 'leader'] as const) {
  describe(`read-only mode: a ${who} cut off from the quorum`, () => {
    function setup(): { e: Ensemble; cut: number; rest: number[]; before: ClientConn; writer: ClientConn } {
      const e = Ensemble.started();
      const leader = e.mustLeader();
      const cut = who === 'leader' ? leader : e.followers()[0]!;
      const rest = e.ids.filter((id) => id !== cut);
      const before = e.session(cut, { timeoutMs: 200 });
      before.ok(op.create('/x', 'before'));
      before.ok(op.create('/mine', '', 'EPHEMERAL'));
      cutOff(e, cut);
      // The others go on (with a new leader if the leader was cut off).
      const newLeader = e.stabilize();
      assert.notEqual(newLeader, cut);
      const writer = e.session(rest[0]!);
      return { e, cut, rest, before, writer };
    }

    test('its clients are disconnected; a client with canBeReadOnly gets a read-only session, others are refused', () => {
      const { e, cut, before } = setup();
      assert.ok(before.closedByMember, JSON.stringify(before.inbox.map(show)));
      assert.equal(codeName(before.disconnect?.err ?? 0), 'CONNECTIONLOSS');

      // Without canBeReadOnly the connect waits for a quorum (an election usually ends in a few
      // ticks), and is refused once it has waited as long as a forwarded write may (2 × initLimit).
      const parked = e.connect(cut, { canBeReadOnly: false, maxTicks: 5 });
      assert.ok(parked.open && parked.inbox.length === 0, JSON.stringify(parked.inbox.map(show)));
      e.tick(20);
      assert.equal(codeName(parked.refused?.err ?? 0), 'CONNECTIONLOSS', JSON.stringify(parked.inbox.map(show)));
      assert.ok(parked.closedByMember);

      const ro = e.connect(cut, { canBeReadOnly: true });
      const connected = ro.connected;
      assert.ok(connected, JSON.stringify(ro.inbox.map(show)));
      assert.equal(connected.readOnly, true);
      assert.equal(connected.memberId, cut);
      assert.notEqual(connected.sessionId, 0);
      for (const id of e.ids) assert.ok(!e.member(id).dataTree.sessionOpen(connected.sessionId), 'a read-only session is not committed');

      // A session from before keeps its id in read-only mode (its password checks out locally).
      const resumed = e.reconnect(before, cut, { canBeReadOnly: true });
      assert.ok(resumed.connected, JSON.stringify(resumed.inbox.map(show)));
      assert.equal(resumed.connected.readOnly, true);
      assert.equal(resumed.connected.sessionId, before.sessionId);
      // A wrong password is still refused.
      const wrong = before.password.slice();
      wrong[3] = wrong[3]! ^ 1;
      assert.equal(codeName(e.connect(cut, { sessionId: before.sessionId, password: wrong, canBeReadOnly: true }).refused?.err ?? 0), 'SESSIONEXPIRED');
    });

    test('reads are answered and flagged readOnly; writes get NOTREADONLY and change nothing', () => {
      const { e, cut, rest, writer } = setup();
      const ro = e.session(cut, { canBeReadOnly: true });
      const digestsBefore = e.states();
      const r = ro.ok(op.getData('/x'));
      assert.equal(r.readOnly, true);
      assert.equal(r.result?.op === 'getData' && dec(r.result.data), 'before');
      assert.equal(ro.ok(op.exists('/x')).readOnly, true);
      assert.equal(ro.ok(op.getChildren('/', true)).readOnly, true);
      for (const w of [op.create('/ro'), op.setData('/x', 'no'), op.delete('/x'), op.check('/x', 0), op.multi({ op: 'create', path: '/ro2', data: new Uint8Array(0), mode: 'PERSISTENT' }), op.sync('/')]) {
        const res = ro.request(w);
        assert.equal(codeName(res.err), 'NOTREADONLY', `${w.op}: ${show(res)}`);
        assert.equal(res.readOnly, true);
        assert.ok(res.message);
      }
      assert.ok(ro.open, 'refused writes do not cost the connection');
      assert.deepEqual(e.states(), digestsBefore, 'nothing changed anywhere');
      // Stale by design: a write on the majority side is not seen here.
      writer.ok(op.setData('/x', 'after'));
      const stale = ro.ok(op.getData('/x'));
      assert.equal(stale.result?.op === 'getData' && dec(stale.result.data), 'before');
      assert.equal(stale.readOnly, true);
      e.assertConverged(rest);
    });

    test('when it rejoins the quorum its read-only clients are disconnected, and normal sessions work again', () => {
      const { e, cut, rest, writer } = setup();
      const ro1 = e.session(cut, { canBeReadOnly: true });
      const ro2 = e.session(cut, { canBeReadOnly: true });
      ro1.ok(op.getData('/x', true));
      e.tick(5); // read-only clients stay while the member is cut off (they ping)
      assert.ok(ro1.open && ro2.open);
      writer.ok(op.setData('/x', 'meanwhile'));
      const parked = e.connect(cut, { canBeReadOnly: false, maxTicks: 2 });
      assert.ok(parked.open && parked.inbox.length === 0, 'a read-write connect waits while the member has no quorum');
      e.rejoin(cut);
      e.stabilize();
      assert.ok(e.serving(cut));
      for (let t = 0; t < 3 && parked.inbox.length === 0; t++) e.tick();
      assert.equal(parked.connected?.readOnly, false, `the parked connect is served once the quorum is back: ${JSON.stringify(parked.inbox.map(show))}`);
      for (const ro of [ro1, ro2]) {
        assert.ok(ro.closedByMember, JSON.stringify(ro.inbox.map(show)));
        assert.equal(codeName(ro.disconnect?.err ?? 0), 'CONNECTIONLOSS');
      }
      e.assertConverged();
      const c = e.session(cut);
      assert.equal(c.connected?.readOnly, false);
      const r = c.ok(op.getData('/x'));
      assert.equal(r.readOnly, undefined);
      assert.equal(r.result?.op === 'getData' && dec(r.result.data), 'meanwhile');
      c.ok(op.create('/back'));
      e.assertConverged();
      assert.deepEqual(rest.map((id) => e.member(id).dataTree.exists('/back') !== null), [true, true]);
    });
  });
}
