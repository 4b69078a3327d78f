import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../../../src/tree/index.js';
import { compareZxid, formatZxid, zxid } from '../../../src/zab/zxid.js';
import { codeName, Ensemble, highestZxid, op, show, type ClientConn } from './harness.js';

/** A member that follows, and another one (both serving). */
function twoFollowers(e: Ensemble): [number, number] {
  const f = e.followers();
  assert.equal(f.length, 2, 'expected two serving followers');
  return [f[0]!, f[1]!];
}

function existsEverywhere(e: Ensemble, path: string): boolean[] {
  return e.ids.map((id) => e.member(id).dataTree.exists(path) !== null);
}

function refusedWith(conn: ClientConn, code: number): void {
  const r = conn.refused;
  assert.ok(r, `expected connectRefused, got ${JSON.stringify(conn.inbox.map(show))}`);
  assert.equal(codeName(r.err), codeName(code), r.reason);
  assert.equal(conn.connected, undefined);
  assert.ok(conn.closedByMember, 'a refused connection is closed by the member');
}

describe('sessions: creation', () => {
  test('connect with session 0 gets a positive id, a 16-byte password and a timeout clamped to [2, 20] ticks', () => {
    const e = Ensemble.started({ tickMs: 10 });
    const leader = e.mustLeader();
    const [f1] = twoFollowers(e);
    const cases: { member: number; asked: number; got: number }[] = [
      { member: f1, asked: 1, got: 20 }, // below 2 ticks
      { member: leader, asked: 150, got: 150 }, // within the range: kept
      { member: f1, asked: 1_000_000, got: 200 }, // above 20 ticks
      { member: leader, asked: 20, got: 20 },
      { member: f1, asked: 200, got: 200 },
    ];
    const ids = new Set<number>();
    const passwords = new Set<string>();
    for (const c of cases) {
      const conn = e.connect(c.member, { timeoutMs: c.asked });
      const connected = conn.connected;
      assert.ok(connected, `m${c.member}: ${JSON.stringify(conn.inbox.map(show))}`);
      assert.ok(Number.isSafeInteger(connected.sessionId) && connected.sessionId > 0, `session id ${connected.sessionId}`);
      assert.ok(connected.password instanceof Uint8Array);
      assert.equal(connected.password.length, 16);
      assert.equal(connected.timeoutMs, c.got, `asked ${c.asked} ms`);
      assert.equal(connected.readOnly, false);
      assert.equal(connected.memberId, c.member);
      ids.add(connected.sessionId);
      passwords.add(Buffer.from(connected.password).toString('hex'));
      // The session is committed: every member knows it, with the negotiated timeout.
      for (const id of e.ids) assert.equal(e.member(id).dataTree.sessionTimeoutMs(connected.sessionId), c.got, `m${id}`);
    }
    assert.equal(ids.size, cases.length, 'session ids are unique');
    assert.equal(passwords.size, cases.length, 'passwords differ');
    e.assertConverged();
  });

  test('configured bounds replace the tick-based ones: a short tick still gives the session a client asks for', () => {
    const e = Ensemble.started({ tickMs: 10, minSessionTimeoutMs: 100, maxSessionTimeoutMs: 5000 });
    const [f1] = twoFollowers(e);
    for (const [asked, got] of [[4000, 4000], [50, 100], [1_000_000, 5000]] as const) {
      const conn = e.connect(f1, { timeoutMs: asked });
      assert.equal(conn.connected?.timeoutMs, got, `asked ${asked} ms`);
      for (const id of e.ids) assert.equal(e.member(id).dataTree.sessionTimeoutMs(conn.sessionId), got, `m${id}`);
    }
  });

  test('the leader clamps a forwarded session timeout again: a member cannot create a session that never expires', () => {
    const e = Ensemble.started({ tickMs: 10 });
    const leader = e.mustLeader();
    const [f1] = twoFollowers(e);
    const before = new Set(e.member(leader).dataTree.sessions().map((s) => s.sessionId));
    e.member(leader).fromPeer(f1, {
      layer: 'server',
      message: { type: 'FORWARD', sessionId: 0, xid: -1, request: { kind: 'createSession', timeoutMs: 1e12, password: new Uint8Array(16), connection: 999 } },
    });
    e.pump();
    e.tick(2);
    const created = e.member(leader).dataTree.sessions().filter((s) => !before.has(s.sessionId));
    assert.equal(created.length, 1);
    assert.equal(created[0]!.timeoutMs, 200, '20 ticks at most');
  });

  test('a session committed by followers before the leader’s own disk caught up is usable at once', () => {
    // The quorum that commits createSession need not include the leader: its follower answers the
    // client while the leader has not applied the txn yet, and the client's next request reaches the
    // leader. Found by the 5-process test (SESSIONEXPIRED for a session a few ms old).
    const e = Ensemble.started({ tickMs: 10 });
    const leader = e.mustLeader();
    const [f1] = twoFollowers(e);
    e.holdDisk(leader);
    const conn = e.connect(f1);
    assert.ok(conn.connected, 'committed by the two followers');
    const sent = conn.send(op.create('/right-away'));
    e.pump();
    e.releaseDisk(leader);
    e.tick(2);
    const r = conn.response(sent);
    assert.ok(r, 'answered');
    assert.equal(codeName(r.err), codeName(ErrorCode.OK), JSON.stringify(r));
    e.assertConverged();
  });

  test('the first thing a new connection hears is `connected`', () => {
    const e = Ensemble.started();
    const [f1] = twoFollowers(e);
    const conn = e.connect(f1);
    assert.deepEqual(conn.inbox.map((m) => m.type), ['connected']);
  });
});

describe('sessions: moving between members', () => {
  test('reconnecting to another member with the same id and password resumes the session; ephemerals survive', () => {
    const e = Ensemble.started();
    const leader = e.mustLeader();
    const [f1, f2] = twoFollowers(e);
    const c1 = e.session(f1, { timeoutMs: 60 });
    const sid = c1.sessionId;
    c1.ok(op.create('/e', 'mine', 'EPHEMERAL'));
    c1.ok(op.create('/s-', '', 'EPHEMERAL_SEQUENTIAL'));
    c1.close();

    // Another follower, then the leader: each hop resumes from the previous connection's view.
    let prev: ClientConn = c1;
    for (const [hop, target] of [f2, leader].entries()) {
      const before = e.digest(target);
      const c2 = e.reconnect(prev, target);
      assert.ok(c2.connected, JSON.stringify(c2.inbox.map(show)));
      assert.equal(c2.sessionId, sid, 'same session');
      assert.deepEqual([...c2.password], [...c1.password], 'same password');
      assert.equal(c2.connected.timeoutMs, 60);
      assert.equal(c2.connected.readOnly, false);
      assert.equal(e.digest(target), before, 'a resumed session is not a new txn');
      const stat = c2.ok(op.exists('/e')).result;
      assert.ok(stat?.op === 'exists' && stat.stat !== null && stat.stat.ephemeralOwner === sid, 'ephemeral still owned by the session');
      const eph = c2.ok(op.getEphemerals('/')).result;
      assert.deepEqual(eph?.op === 'getEphemerals' ? eph.paths : null, ['/e', '/s-0000000001']);
      c2.ok(op.setData('/e', 'still mine', hop));
      // Live through many timeouts on the new member (pings every tick).
      e.tick(30);
      assert.deepEqual(existsEverywhere(e, '/e'), [true, true, true]);
      for (const id of e.ids) assert.ok(e.member(id).dataTree.sessionOpen(sid), `m${id} has the session`);
      c2.close();
      prev = c2;
    }
    e.assertConverged();
  });

  test('a wrong password or an unknown session is refused with SESSIONEXPIRED', () => {
    const e = Ensemble.started();
    const leader = e.mustLeader();
    const [f1, f2] = twoFollowers(e);
    const c1 = e.session(f1);
    const sid = c1.sessionId;
    c1.close();
    const digests = e.states();
    const wrong = c1.password.slice();
    wrong[0] = wrong[0]! ^ 0xff;
    for (const member of [f2, leader, f1]) {
      refusedWith(e.connect(member, { sessionId: sid, password: wrong }), ErrorCode.SESSIONEXPIRED);
      refusedWith(e.connect(member, { sessionId: sid, password: c1.password.slice(0, 15) }), ErrorCode.SESSIONEXPIRED);
      refusedWith(e.connect(member, { sessionId: sid, password: new Uint8Array(0) }), ErrorCode.SESSIONEXPIRED);
      refusedWith(e.connect(member, { sessionId: sid + 1000, password: c1.password }), ErrorCode.SESSIONEXPIRED);
    }
    assert.deepEqual(e.states(), digests, 'refusals change nothing');
    // The real owner still gets in.
    assert.ok(e.reconnect(c1, f2).connected);
  });

  test('a client that has seen more than the member has applied is refused (try another member)', () => {
    const e = Ensemble.started();
    const leader = e.mustLeader();
    const [f1, f2] = twoFollowers(e);
    // A zxid from the future: every member is behind it.
    const sessions = e.member(f1).dataTree.sessions().length;
    for (const member of [leader, f1]) {
      const c = e.connect(member, { lastZxidSeen: zxid(99, 1) });
      refusedWith(c, ErrorCode.CONNECTIONLOSS);
      assert.match(c.refused!.reason, /behind|another/);
    }
    assert.equal(e.member(f1).dataTree.sessions().length, sessions, 'no session was created');

    // A real lag: f2 does not hear from the leader while a write commits through f1.
    e.hold(leader, f2);
    const writer = e.session(f1);
    const created = writer.ok(op.create('/new', 'x'));
    assert.ok(compareZxid(e.treeZxid(f2), created.zxid) < 0, 'f2 is behind');
    const resumed = e.reconnect(writer, f2);
    refusedWith(resumed, ErrorCode.CONNECTIONLOSS);
    // Also a fresh session that saw the write elsewhere, read-only allowed: still refused.
    refusedWith(e.connect(f2, { lastZxidSeen: created.zxid, canBeReadOnly: true }), ErrorCode.CONNECTIONLOSS);
    e.release(leader, f2);
    const again = e.reconnect(writer, f2);
    assert.ok(again.connected, JSON.stringify(again.inbox.map(show)));
    const r = again.ok(op.getData('/new'));
    assert.ok(compareZxid(r.zxid, created.zxid) >= 0, 'no going back in time');
  });
});

describe('sessions: leader change', () => {
  test('a session and its ephemerals survive a leader change; the client resumes it on any member', () => {
    const e = Ensemble.started();
    const oldLeader = e.mustLeader();
    const [f1, f2] = twoFollowers(e);
    const c = e.session(f1, { timeoutMs: 100 });
    const sid = c.sessionId;
    c.ok(op.create('/eph', '', 'EPHEMERAL'));
    e.isolate(oldLeader);
    const newLeader = e.stabilize();
    assert.notEqual(newLeader, oldLeader);
    // f1 left the quorum for a moment: its clients were told to reconnect.
    assert.ok(c.closedByMember, JSON.stringify(c.inbox.map(show)));
    const c2 = e.reconnect(c, f2);
    assert.ok(c2.connected, JSON.stringify(c2.inbox.map(show)));
    assert.equal(c2.sessionId, sid);
    e.tick(30); // the new leader tracks the session; pings through f2 keep it alive
    assert.ok(c2.open);
    for (const id of [f1, f2]) assert.ok(e.member(id).dataTree.exists('/eph'), `m${id}`);
    c2.ok(op.setData('/eph', 'x'));
    e.rejoin(oldLeader);
    e.stabilize();
    e.assertConverged();
    assert.ok(e.member(oldLeader).dataTree.exists('/eph'));
    // And it still expires under the new leader once quiet.
    c2.keepAlive = false;
    e.tick(15);
    assert.deepEqual(existsEverywhere(e, '/eph'), [false, false, false]);
    e.assertConverged();
  });
});

describe('sessions: a new leader whose clock stood still', () => {
  test('a member that wins an election while its ticks are held gives every session a full timeout from when it took over', () => {
    const e = Ensemble.started();
    const oldLeader = e.mustLeader();
    const [fA, fB] = twoFollowers(e).sort((a, b) => a - b) as [number, number];
    const c = e.session(fA, { timeoutMs: 100 });
    const sid = c.sessionId;
    c.ok(op.create('/eph', '', 'EPHEMERAL'));
    // fB's clock stops (a long GC pause) while the session lives on through fA: 40 ticks, 4 timeouts.
    e.holdTicks(fB);
    e.tick(40);
    assert.ok(c.open);
    // The leader goes; fB (the higher id, same history) wins on messages alone, before it ticks again.
    e.isolate(oldLeader);
    assert.equal(e.leader(), fB, e.states().join(' '));
    e.releaseTicks(fB);
    c.keepAlive = false;
    // Its first tick as leader: the session's clock started when fB took over, not at its last tick 40 ticks ago.
    e.tick(1);
    assert.deepEqual(e.applied(fA, 'closeSession'), [], 'expired at the new leader’s first tick');
    assert.ok(e.member(fB).dataTree.exists('/eph'));
    // And it still expires once quiet for a whole timeout on the new leader's clock.
    e.tick(15);
    assert.ok(e.applied(fB, 'closeSession').some((d) => (d.txn.body as { sessionId: number }).sessionId === sid));
  });

  test('a leader whose clock stood still counts the touches that reached it meanwhile at the time they arrived', () => {
    const e = Ensemble.started({ minSessionTimeoutMs: 20 });
    const leader = e.mustLeader();
    const [f] = twoFollowers(e);
    const c = e.session(f, { timeoutMs: 30 });
    c.ok(op.create('/eph', '', 'EPHEMERAL'));
    // The leader's ticks stop for 4 ticks (less than syncLimit, more than the 3-tick session timeout);
    // the client keeps pinging its follower, whose touches keep reaching the leader.
    e.holdTicks(leader);
    e.tick(4);
    e.releaseTicks(leader);
    e.tick(1);
    assert.deepEqual(e.applied(leader, 'closeSession'), [], 'a session touched throughout expired');
    assert.ok(c.open);
  });

  test('a member that leads before it ever ticked stamps txns with the time it started at, not 0', () => {
    const e = new Ensemble({ startMs: 1_000_000 });
    // Member 3 (the highest id) never ticks: it wins the first election on messages alone.
    e.holdTicks(3);
    assert.equal(e.stabilize(), 3, e.states().join(' '));
    const c = e.session(1);
    const created = c.ok(op.create('/t', 'x'));
    assert.equal((created.result as { stat: { ctime: number } }).stat.ctime, 1_000_000);
  });
});

describe('sessions: expiry', () => {
  test('a quiet session expires: one closeSession at the same zxid everywhere, ephemerals gone on every member', () => {
    const e = Ensemble.started();
    const leader = e.mustLeader();
    const [f1, f2] = twoFollowers(e);
    const quiet = e.session(f1, { timeoutMs: 50 });
    const sid = quiet.sessionId;
    quiet.ok(op.create('/app', ''));
    quiet.ok(op.create('/app/eph', 'x', 'EPHEMERAL'));
    quiet.ok(op.create('/app/seq-', 'x', 'EPHEMERAL_SEQUENTIAL'));
    quiet.ok(op.create('/app/keep', 'x')); // persistent: stays
    quiet.keepAlive = false;
    const lastHeardMs = e.nowMs;

    // Observers on every member, one with an exists watch on the ephemeral.
    const observers = e.ids.map((id) => e.session(id, { timeoutMs: 200 }));
    observers[0]!.ok(op.exists('/app/eph', true));
    observers[0]!.take();

    // Within the timeout nothing happens.
    e.tick(4);
    assert.equal(e.applied(leader, 'closeSession').length, 0, 'not expired yet');
    assert.deepEqual(existsEverywhere(e, '/app/eph'), [true, true, true]);

    e.tick(4);
    const closes = e.ids.map((id) => e.applied(id, 'closeSession'));
    for (const [i, c] of closes.entries()) assert.equal(c.length, 1, `m${e.ids[i]} applied one closeSession`);
    const at = closes.map((c) => formatZxid(c[0]!.zxid));
    assert.ok(at.every((z) => z === at[0]), `same zxid everywhere: ${at.join(' ')}`);
    const close = closes[0]![0]!;
    assert.equal(close.txn.body.type === 'closeSession' && close.txn.body.sessionId, sid);
    assert.equal(close.txn.origin, leader, 'the leader proposed it');
    const closedAt = close.txn.body.time;
    assert.ok(closedAt >= lastHeardMs + 50, `closed at ${closedAt}, last heard at ${lastHeardMs}: not before the timeout`);
    assert.ok(closedAt <= lastHeardMs + 50 + 2 * e.tickMs, `closed at ${closedAt}, last heard at ${lastHeardMs}: soon after the timeout`);
    // Each member's digest right after the close is the same.
    const digestsAtClose = e.ids.map((id) => e.applied(id).find((d) => formatZxid(d.zxid) === at[0])!.digest);
    assert.ok(digestsAtClose.every((d) => d === digestsAtClose[0]), `digests at the close: ${digestsAtClose.join(' ')}`);

    // Gone everywhere, as seen by clients of each member, persistent node kept.
    for (const [i, obs] of observers.entries()) {
      assert.equal(obs.fails(op.getData('/app/eph'), ErrorCode.NONODE).err, ErrorCode.NONODE);
      const ex = obs.ok(op.exists('/app/eph')).result;
      assert.deepEqual(ex, { op: 'exists', stat: null }, `m${e.ids[i]}`);
      const kids = obs.ok(op.getChildren('/app')).result;
      assert.deepEqual(kids?.op === 'getChildren' ? kids.children : null, ['keep'], `m${e.ids[i]}`);
      assert.ok(!e.member(e.ids[i]!).dataTree.sessionOpen(sid));
    }
    assert.deepEqual(observers[0]!.takeEvents(), ['NodeDeleted /app/eph'], 'the exists watch fired');
    e.assertConverged();

    // The quiet client's connection is gone, and the session cannot be resumed anywhere.
    assert.ok(quiet.closedByMember, `connection closed: ${JSON.stringify(quiet.inbox.map(show))}`);
    const bye = quiet.disconnect;
    assert.ok(bye, 'a disconnect message came before the close');
    // The member dropped the silent connection at the same tick the leader expired the session:
    // depending on which comes first the client hears CONNECTIONLOSS (silent) or SESSIONEXPIRED.
    assert.ok(bye.err === ErrorCode.SESSIONEXPIRED || bye.err === ErrorCode.CONNECTIONLOSS, codeName(bye.err));
    for (const member of [f2, leader, f1]) refusedWith(e.reconnect(quiet, member), ErrorCode.SESSIONEXPIRED);
  });

  test('a session expiring under an open connection (its touches are lost) gets disconnect SESSIONEXPIRED', () => {
    const e = Ensemble.started();
    const leader = e.mustLeader();
    const [f1] = twoFollowers(e);
    const c = e.session(f1, { timeoutMs: 50 });
    c.ok(op.create('/eph', '', 'EPHEMERAL'));
    // The client keeps pinging f1, but f1's touches never reach the leader.
    e.dropIf = (env) => env.from === f1 && env.message.layer === 'server' && env.message.message.type === 'TOUCH';
    e.tick(12);
    assert.equal(e.applied(leader, 'closeSession').length, 1);
    const bye = c.disconnect;
    assert.ok(bye, JSON.stringify(c.inbox.map(show)));
    assert.equal(codeName(bye.err), 'SESSIONEXPIRED', bye.reason);
    assert.ok(c.closedByMember);
    assert.deepEqual(existsEverywhere(e, '/eph'), [false, false, false]);
    e.assertConverged();
  });

  test('pings through a follower keep a session alive (touches are forwarded to the leader)', () => {
    const e = Ensemble.started();
    const leader = e.mustLeader();
    const [f1] = twoFollowers(e);
    const c = e.session(f1, { timeoutMs: 40 });
    const sid = c.sessionId;
    c.ok(op.create('/alive', '', 'EPHEMERAL'));
    const touchesBefore = e.serverMessages('TOUCH').length;
    e.tick(60); // 15 session timeouts, the client only pings
    assert.ok(c.open, JSON.stringify(c.inbox.map(show)));
    assert.ok(c.pongs >= 60, `pongs: ${c.pongs}`);
    assert.equal(e.applied(leader, 'closeSession').length, 0, 'not expired');
    assert.deepEqual(existsEverywhere(e, '/alive'), [true, true, true]);
    const touches = e.serverMessages('TOUCH').slice(touchesBefore).filter((t) => t.from === f1);
    assert.ok(touches.length >= 50, `f1 touched ${touches.length} times`);
    assert.ok(touches.every((t) => t.to === leader && t.message.type === 'TOUCH' && t.message.sessions.includes(sid)));
    // Stop pinging: now it expires.
    c.keepAlive = false;
    e.tick(10);
    assert.equal(e.applied(leader, 'closeSession').length, 1);
    assert.deepEqual(existsEverywhere(e, '/alive'), [false, false, false]);
  });

  test('a client of the leader that pings in the last tick before its deadline is not expired at that deadline', () => {
    // Ticks until the leader proposes the quiet session's close; `pingBefore`: the client pings once,
    // just before that tick.
    const expiryTick = (pingBefore: number | null): number => {
      const e = Ensemble.started();
      const leader = e.mustLeader();
      const c = e.session(leader, { timeoutMs: 50 });
      c.keepAlive = false;
      for (let t = 1; t <= 40; t++) {
        if (t === pingBefore) c.ping();
        e.tick();
        if (e.applied(leader, 'closeSession').length > 0) return t;
      }
      return Infinity;
    };
    const quiet = expiryTick(null);
    assert.ok(Number.isFinite(quiet), 'a quiet session expires');
    // The ping came before the deadline (the tick before did not expire it): the leader must count it
    // before it judges the session, and give it a whole timeout from then (5 ticks).
    const pinged = expiryTick(quiet);
    assert.ok(pinged >= quiet + 5, `quiet: closed at tick ${quiet}; pinged just before it: closed at tick ${pinged}`);
  });

  test('a session resumed after its member lost it still expires if it goes quiet', () => {
    const e = Ensemble.started();
    const leader = e.mustLeader();
    const [f1, f2] = twoFollowers(e);
    const c = e.session(f1, { timeoutMs: 60 });
    c.ok(op.create('/x', '', 'EPHEMERAL'));
    c.close();
    const c2 = e.reconnect(c, f2);
    assert.ok(c2.connected);
    c2.keepAlive = false;
    e.tick(10);
    assert.equal(e.applied(leader, 'closeSession').length, 1);
    assert.deepEqual(existsEverywhere(e, '/x'), [false, false, false]);
  });
});

describe('sessions: who may speak for them', () => {
  test('EXPIRED and REVALIDATED from a member that is not the leader are ignored', () => {
    const e = Ensemble.started({ tickMs: 10 });
    const [f1, f2] = twoFollowers(e);
    const conn = e.connect(f1);
    e.member(f1).fromPeer(f2, { layer: 'server', message: { type: 'EXPIRED', sessions: [conn.sessionId] } });
    e.pump();
    e.tick(3);
    assert.equal(conn.disconnect, undefined, 'a follower cannot expire another member’s clients');
    assert.ok(conn.open);
    e.member(f1).fromPeer(e.mustLeader(), { layer: 'server', message: { type: 'EXPIRED', sessions: [conn.sessionId] } });
    e.pump();
    // (Re-read through a cast: the assertion above narrowed the getter to undefined.)
    assert.equal(codeName((conn.disconnect as { err: number } | undefined)?.err ?? 0), codeName(ErrorCode.SESSIONEXPIRED), "the leader can");
  });
});

describe('sessions: closing', () => {
  for (const via of ['leader', 'follower'] as const) {
    test(`closeSession by the client (through the ${via}) is answered, then its ephemerals are gone`, () => {
      const e = Ensemble.started();
      const leader = e.mustLeader();
      const [f1, f2] = twoFollowers(e);
      const member = via === 'leader' ? leader : f1;
      const c = e.session(member);
      const sid = c.sessionId;
      c.ok(op.create('/e1', '', 'EPHEMERAL'));
      c.ok(op.create('/e2', '', 'EPHEMERAL'));
      const watcher = e.session(f2);
      watcher.ok(op.exists('/e1', true));
      watcher.take();
      c.take();

      const xid = c.send(op.closeSession());
      c.wait(xid);
      const msgs = c.take();
      assert.deepEqual(msgs.map((m) => m.type), ['response', 'disconnect'], JSON.stringify(msgs.map(show)));
      const r = msgs[0]!;
      assert.ok(r.type === 'response' && r.xid === xid && r.err === 0, show(r));
      assert.deepEqual(r.result, { op: 'closeSession' });
      const bye = msgs[1]!;
      assert.ok(bye.type === 'disconnect');
      assert.equal(codeName(bye.err), 'SESSIONEXPIRED');
      assert.ok(c.closedByMember);
      // The reply's zxid is the close's: the ephemerals are gone at that zxid on every member.
      const close = e.applied(member, 'closeSession');
      assert.equal(close.length, 1);
      assert.equal(formatZxid(r.zxid), formatZxid(close[0]!.zxid));
      assert.deepEqual(existsEverywhere(e, '/e1'), [false, false, false]);
      assert.deepEqual(existsEverywhere(e, '/e2'), [false, false, false]);
      for (const id of e.ids) assert.ok(!e.member(id).dataTree.sessionOpen(sid));
      assert.deepEqual(watcher.takeEvents(), ['NodeDeleted /e1']);
      refusedWith(e.reconnect(c, f2), ErrorCode.SESSIONEXPIRED);
      e.assertConverged();
    });
  }

  test('a closeSession still in flight when the member touches the session is answered before the disconnect', () => {
    const e = Ensemble.started();
    const leader = e.mustLeader();
    const [f1, f2] = twoFollowers(e);
    const c = e.session(f1);
    c.ok(op.create('/e1', '', 'EPHEMERAL'));
    c.take();
    // Slow links: the leader's proposal reaches f1 late, f2's ack reaches the leader late.
    e.hold(leader, f1);
    e.hold(f2, leader);
    const xid = c.send(op.closeSession());
    e.pump(); // the leader proposes the close
    e.tick(1); // f1 touches the session (its client was just heard from)
    e.release(leader, f1); // f1 acks, the close commits with f1's ack
    e.release(f2, leader);
    const msgs = c.take();
    assert.deepEqual(msgs.map(show), [`response(x${xid},OK,${formatZxid(e.applied(f1, 'closeSession')[0]!.zxid)},closeSession)`, 'disconnect(SESSIONEXPIRED: session closed)']);
  });
});

describe('sessions: SESSIONMOVED', () => {
  test('a reconnect is told the last xid the leader took from the session, and a refused stale request does not raise it', () => {
    const e = Ensemble.started();
    const leader = e.mustLeader();
    const [f1, f2] = twoFollowers(e);
    const c1 = e.session(f1);
    c1.ok(op.create('/x', 'v0'));
    c1.ok(op.setData('/x', 'v1', 0));
    const taken = c1.nextXid - 1;
    c1.keepAlive = false;
    // A client that numbers per connection (ZooKeeper's do) starts again from the xid it is told.
    const c2 = e.connect(f2, { sessionId: c1.sessionId, password: c1.password, timeoutMs: c1.connected!.timeoutMs, lastZxidSeen: highestZxid(c1) });
    assert.equal(c2.connected?.lastXid, taken);
    c2.nextXid = taken + 1;
    c2.ok(op.setData('/x', 'v2', 1));
    // A late request through the member the session left (numbered high, so it is no duplicate) is
    // refused and leaves the last xid alone.
    c1.nextXid = 50;
    const stale = c1.request(op.setData('/x', 'stale'));
    assert.equal(codeName(stale.err), 'SESSIONMOVED');
    c2.keepAlive = false;
    const c3 = e.connect(leader, { sessionId: c1.sessionId, password: c1.password, timeoutMs: c1.connected!.timeoutMs, lastZxidSeen: highestZxid(c2) });
    assert.equal(c3.connected?.lastXid, taken + 1);
    c3.nextXid = taken + 2;
    c3.ok(op.setData('/x', 'v3', 2));
    e.assertConverged();
  });

  test('a client that numbers its next connection from 1 again has its writes taken for duplicates (why lastXid is sent)', () => {
    const e = Ensemble.started();
    const [f1, f2] = twoFollowers(e);
    const c1 = e.session(f1);
    c1.ok(op.create('/x', 'v0'));
    c1.ok(op.setData('/x', 'v1', 0));
    c1.keepAlive = false;
    const c2 = e.connect(f2, { sessionId: c1.sessionId, password: c1.password, timeoutMs: c1.connected!.timeoutMs, lastZxidSeen: highestZxid(c1) });
    c2.nextXid = 1;
    const before = e.states();
    c2.send(op.setData('/x', 'lost'));
    e.tick(5);
    assert.deepEqual(e.states(), before, 'the write with a seen xid changed nothing');
  });

  test('a write through the member a session moved away from gets SESSIONMOVED and changes nothing', () => {
    const e = Ensemble.started();
    const [f1, f2] = twoFollowers(e);
    const c1 = e.session(f1);
    c1.ok(op.create('/x', 'v0'));
    c1.keepAlive = false;
    const c2 = e.reconnect(c1, f2);
    assert.ok(c2.connected);
    assert.equal(c2.sessionId, c1.sessionId);
    // The old connection is still open on f1 (the client never said goodbye); requests still on their
    // way there arrive now, with the xids they were sent with; the client has moved on to higher ones.
    assert.ok(c1.open);
    c2.nextXid = 100;
    const before = e.states();
    const r = c1.request(op.setData('/x', 'stale'));
    assert.equal(codeName(r.err), 'SESSIONMOVED', r.message);
    const r2 = c1.request(op.create('/y', ''));
    assert.equal(codeName(r2.err), 'SESSIONMOVED', r2.message);
    const r3 = c1.request(op.sync('/'));
    assert.equal(codeName(r3.err), 'SESSIONMOVED', r3.message);
    assert.deepEqual(e.states().map((s) => s.split(' ')[1]), before.map((s) => s.split(' ')[1]), 'digests unchanged');
    // The session works where it is now.
    c2.ok(op.setData('/x', 'v1', 0));
    const d = c2.ok(op.getData('/x')).result;
    assert.ok(d?.op === 'getData' && Buffer.from(d.data).toString() === 'v1');
  });

  test(
    'traffic on the stale connection does not take the session back from the member it moved to',
    () => {
      const e = Ensemble.started();
      const [f1, f2] = twoFollowers(e);
      const c1 = e.session(f1);
      c1.ok(op.create('/x', 'v0'));
      c1.keepAlive = false;
      const c2 = e.reconnect(c1, f2);
      assert.ok(c2.connected);
      c2.nextXid = 100;
      c2.ok(op.setData('/x', 'v1'));
      // The client is idle on f2 for two ticks (well within its 100 ms timeout; it pings at 1/3 of it).
      c2.keepAlive = false;
      e.tick(2);
      // A late ping arrives on the old connection; f1 touches the session at its next tick.
      c1.ping();
      e.tick(1);
      // ZooKeeper: only a (re)connect sets the owner; touches never do. The moved session keeps working.
      const r = c2.request(op.setData('/x', 'v2'));
      assert.equal(codeName(r.err), 'OK', r.message);
    },
  );
});
