/**
 * How fast a client gets from a member that went silent or dropped it to one that serves it: the
 * answer timeout (a request or ping unanswered), overlapping staggered reconnect attempts, members
 * that failed lately tried last, new sessions never attempted twice at once. Virtual time.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode, ZooKeeperError } from '../../../src/client/errors.js';
import { MemberOrder } from '../../../src/client/member-order.js';
import type { ConnectRequest } from '../../../src/protocol/client.js';
import { recordStates, rejection, seeded, world } from './harness.js';

// world(): session timeout 3000 ms asked, 2000 negotiated (20 ticks of 100 ms), so the answer
// timeout is 250 ms, the read timeout 1333 ms; 3 members: connect timeout 1000 ms, stagger 200 ms.

describe('leaving a silent member', () => {
  test('a write unanswered for the answer timeout sends a ping; the ping unanswered leaves the member, and the next write succeeds elsewhere with the same session', async () => {
    const w = world({ members: 3 });
    const client = await w.connectedClient('c');
    await w.scheduler.run(client.create('/a', 'x'));
    const first = client.memberIndex!;
    const { sessionId } = client;
    const seen = client.lastZxidSeen;
    const t0 = w.scheduler.now();
    w.ensemble.members[first]!.silent = true;
    const err = await rejection(w, client.setData('/a', 'lost'));
    assert.ok(err instanceof ZooKeeperError && err.code === ErrorCode.CONNECTIONLOSS);
    const leftAfter = w.scheduler.now() - t0;
    assert.ok(leftAfter >= 500 && leftAfter < 520, `left the member ${leftAfter} ms after its last answer (2 × 250 ms expected)`);
    const probes = w.ensemble.sent('ping', 'c').filter((m) => m.at > t0);
    assert.equal(probes.length, 1, 'one ping after 250 ms of waiting');
    assert.ok(probes[0]!.at - t0 >= 250 && probes[0]!.at - t0 < 260);
    await w.scheduler.run(client.setData('/a', 'y'));
    assert.ok(w.scheduler.now() - t0 < 600, `written again ${w.scheduler.now() - t0} ms after the member went silent`);
    assert.notEqual(client.memberIndex, first);
    assert.equal(client.sessionId, sessionId);
    const reconnect = w.ensemble.sent('connect', 'c').at(-1)!.message as ConnectRequest;
    assert.equal(reconnect.sessionId, sessionId);
    assert.deepEqual(reconnect.lastZxidSeen, seen);
  });

  test('a member slow to answer a request but answering pings is kept', async () => {
    const w = world({ members: 3 });
    const client = await w.connectedClient('c');
    const member = client.memberIndex!;
    const states = recordStates(client);
    w.ensemble.onRequest = (connection, request) => {
      if (request.operation.op !== 'exists' || request.operation.path !== '/slow') return false;
      w.scheduler.setTimeout(() => w.ensemble.deliver(connection, { type: 'response', xid: request.xid, zxid: w.ensemble.tree.lastZxid, err: ErrorCode.NONODE }), 1200);
      return true;
    };
    const t0 = w.scheduler.now();
    assert.equal(await w.scheduler.run(client.exists('/slow')), null);
    assert.ok(w.scheduler.now() - t0 >= 1200);
    assert.deepEqual(states, [], 'never left the member');
    assert.equal(client.memberIndex, member);
    assert.ok(w.ensemble.sent('ping', 'c').length >= 2, 'pinged while waiting, and heard the pongs');
  });

  test('while our own request is still leaving (a large value on a slow link) the member’s silence is not held against it', async () => {
    const w = world({ members: 3 });
    const client = await w.connectedClient('c');
    const member = client.memberIndex!;
    const states = recordStates(client);
    const [connection] = w.ensemble.connectionsFor('c');
    // The frame is still going out: the member has not got it, nor the pings queued behind it.
    connection!.unsent = 1 << 20;
    w.ensemble.members[member]!.silent = true;
    const write = client.exists('/big');
    await w.scheduler.advance(900);
    assert.equal(states.length, 0, 'still with the member after 900 ms (it would have been left at 500 ms)');
    // It has all arrived: the member answers.
    connection!.unsent = 0;
    w.ensemble.members[member]!.silent = false;
    const { xid } = w.ensemble.sent('request', 'c').at(-1)!.message as { xid: number };
    w.ensemble.deliver(connection!, { type: 'response', xid, zxid: w.ensemble.tree.lastZxid, err: ErrorCode.OK, result: { op: 'exists', stat: null } });
    assert.equal(await w.scheduler.run(write), null);
    assert.equal(states.length, 0);
    assert.equal(client.memberIndex, member);
  });

  test('an idle client leaves a silent member one answer timeout after its next ping, within ZooKeeper’s 2/3 read timeout', async () => {
    const w = world({ members: 3 });
    const client = await w.connectedClient('c');
    const states = recordStates(client);
    const t0 = w.scheduler.now();
    w.ensemble.members[client.memberIndex!]!.silent = true;
    await w.scheduler.advance(1000);
    assert.equal(states[0]?.state, 'DISCONNECTED');
    assert.match(states[0]?.reason ?? '', /ping unanswered/);
    // The ping goes after 1/3 of 2000 ms idle; the member is left 250 ms later.
    assert.ok(w.ensemble.sent('ping', 'c').some((m) => m.at - t0 === 666));
  });
});

describe('reconnecting: overlapping attempts', () => {
  test('a member that does not answer connect costs a stagger, not a connect timeout', async () => {
    let triedSilentFirst = 0;
    for (const pick of [0, 1]) {
      const w = world({ members: 3 });
      const client = await w.connectedClient('c');
      const first = client.memberIndex!;
      const others = [0, 1, 2].filter((i) => i !== first);
      const silent = others[pick]!;
      const good = others[1 - pick]!;
      w.ensemble.members[silent]!.silent = true;
      const t0 = w.scheduler.now();
      w.ensemble.kill(first);
      await w.scheduler.advance(2); // the hang-up arrives after the latency
      await w.scheduler.run(client.connected());
      const tookMs = w.scheduler.now() - t0;
      assert.equal(client.memberIndex, good);
      assert.ok(tookMs < 210, `connected ${tookMs} ms after the loss (stagger 200 ms; connect timeout 1000 ms)`);
      const tried = w.ensemble.sent('connect', 'c').filter((m) => m.at >= t0);
      if (tried[0]!.member === silent) {
        triedSilentFirst++;
        assert.ok(tookMs >= 200, 'the good member was tried a stagger later');
      }
    }
    assert.equal(triedSilentFirst, 1, 'in one of the two worlds the silent member came first');
  });

  test('the first member to attach the session wins; the others are closed and the session stays one', async () => {
    const w = world({ members: 3 });
    const client = await w.connectedClient('c');
    const { sessionId } = client;
    const first = client.memberIndex!;
    for (const m of w.ensemble.members) m.connectDelayMs = 300;
    const t0 = w.scheduler.now();
    w.ensemble.kill(first);
    await w.scheduler.advance(2);
    await w.scheduler.run(client.connected());
    assert.ok(w.scheduler.now() - t0 < 320, 'the first attempt answered after its 300 ms');
    const tried = new Set(w.ensemble.sent('connect', 'c').filter((m) => m.at >= t0).map((m) => m.member));
    assert.equal(tried.size, 2, 'both live members were tried (overlapping)');
    const winner = client.memberIndex!;
    assert.equal(w.ensemble.connectionsOf(3 - first - winner), 0, 'the loser was closed');
    await w.scheduler.advance(1000);
    assert.equal(client.state, 'CONNECTED');
    assert.equal(client.memberIndex, winner);
    assert.equal(client.sessionId, sessionId);
    assert.equal(w.ensemble.sessions.size, 1);
    await w.scheduler.run(client.create('/after', 'x'));
  });

  test('a new session is never attempted on two members at once', async () => {
    const w = world({ members: 3 });
    for (const m of w.ensemble.members) m.connectDelayMs = 600;
    const client = w.client('c');
    await w.scheduler.run(client.connected());
    assert.equal(w.ensemble.attempts.reduce((a, b) => a + b, 0), 1, 'one attempt, answered after 600 ms, with no other started meanwhile');
    assert.equal(w.ensemble.sessions.size, 1);
  });

  test('a SESSIONMOVED reply (a losing attempt took the session over) fails that request and reconnects', async () => {
    const w = world({ members: 3 });
    const client = await w.connectedClient('c');
    const { sessionId } = client;
    let moved = false;
    w.ensemble.onRequest = (connection, request) => {
      if (moved || request.operation.op !== 'create') return false;
      moved = true;
      w.ensemble.deliver(connection, { type: 'response', xid: request.xid, zxid: w.ensemble.tree.lastZxid, err: ErrorCode.SESSIONMOVED });
      return true;
    };
    const states = recordStates(client);
    const err = await rejection(w, client.create('/a', 'x'));
    assert.ok(err instanceof ZooKeeperError && err.code === ErrorCode.SESSIONMOVED);
    await w.scheduler.run(client.create('/a', 'x'));
    assert.equal(client.sessionId, sessionId);
    assert.deepEqual(states.map((s) => s.state), ['DISCONNECTED', 'CONNECTING', 'CONNECTED']);
  });
});

describe('members that failed lately are tried last', () => {
  test('after leaving a silent member, the next reconnect goes to the third member without trying it', async () => {
    const w = world({ members: 3 });
    const client = await w.connectedClient('c');
    const a = client.memberIndex!;
    w.ensemble.members[a]!.silent = true;
    await w.scheduler.advance(1000);
    await w.scheduler.run(client.connected());
    const b = client.memberIndex!;
    assert.notEqual(b, a);
    const triedA = w.ensemble.attempts[a]!;
    const t0 = w.scheduler.now();
    w.ensemble.kill(b);
    await w.scheduler.advance(2);
    await w.scheduler.run(client.connected());
    assert.equal(client.memberIndex, 3 - a - b);
    assert.ok(w.scheduler.now() - t0 < 20);
    assert.equal(w.ensemble.attempts[a], triedA, 'the silent member was not tried again');
  });

  test('a read-only member that refused us is tried after the others', async () => {
    const w = world({ members: 3 });
    w.ensemble.setReadOnly(0, true);
    // A client whose first round tried the read-only member (the member order is random).
    let tag = '';
    for (let i = 0; tag === '' && i < 10; i++) {
      await w.connectedClient(`c${i}`);
      if (w.ensemble.sent('connect', `c${i}`).some((m) => m.member === 0)) tag = `c${i}`;
    }
    assert.notEqual(tag, '');
    assert.ok(w.ensemble.sent('connect', tag).length >= 2, 'refused by the read-only member, then connected elsewhere');
    const connection = w.ensemble.sent('connect', tag).at(-1)!;
    const m = connection.member;
    const t0 = w.scheduler.now();
    w.ensemble.kill(m);
    await w.scheduler.advance(50);
    const after = w.ensemble.sent('connect', tag).filter((x) => x.at >= t0).map((x) => x.member);
    assert.deepEqual(after, [3 - m], 'straight to the read-write member, not the read-only one');
  });

  test('MemberOrder: rounds rotate; failed members go last, the most recent failure last; serving clears it', () => {
    const order = new MemberOrder(4, seeded(7));
    const r1 = order.round();
    assert.equal(new Set(r1).size, 4);
    const r2 = order.round();
    assert.deepEqual(r2, [...r1.slice(1), r1[0]], 'each round starts one further on');
    const [x, y] = [r2[0]!, r2[1]!];
    order.failed(y);
    order.failed(x);
    const r3 = order.round();
    assert.deepEqual(r3.slice(2), [y, x]);
    order.served(y);
    assert.ok(order.round().indexOf(y) < 3);
  });
});
