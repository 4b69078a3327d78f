import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode, ZooKeeperError } from '../../../src/client/errors.js';
import type { ConnectRequest, OperationRequest } from '../../../src/protocol/client.js';
import { recordStates, rejection, world } from './harness.js';

describe('connecting', () => {
  test('connects, gets a session and the timeout the member negotiated', async () => {
    const w = world({ tickMs: 100 });
    const client = w.client('c', { sessionTimeoutMs: 100_000 });
    const states = recordStates(client);
    assert.equal(client.state, 'CONNECTING');
    await w.scheduler.run(client.connected());
    assert.equal(client.state, 'CONNECTED');
    assert.notEqual(client.sessionId, 0);
    assert.equal(client.negotiatedTimeoutMs, 2000, 'clamped to 20 ticks');
    assert.deepEqual(states.map((s) => s.state), ['CONNECTED']);
    const connect = w.ensemble.sent('connect')[0]!.message as ConnectRequest;
    assert.equal(connect.sessionId, 0);
    assert.equal(connect.timeoutMs, 100_000);
    assert.equal(connect.canBeReadOnly, false);
  });

  test('skips unreachable members and a member behind the client', async () => {
    const w = world({ members: 3 });
    w.ensemble.kill(0);
    const client = await w.connectedClient('c');
    await w.scheduler.run(client.create('/a', 'x'));
    const first = client.memberIndex!;
    // Every other member is stuck before our write; only `first` may take the session back.
    for (let i = 0; i < 3; i++) if (i !== first) w.ensemble.members[i]!.frozenAt = { epoch: 0, counter: 0 };
    w.ensemble.revive(0);
    w.ensemble.kill(first);
    w.ensemble.revive(first);
    await w.scheduler.advance(50);
    assert.equal(client.memberIndex, first);
    assert.equal(client.state, 'CONNECTED');
  });

  test('backs off after a full round of failures and connects when a member comes back', async () => {
    const w = world({ members: 3 });
    for (let i = 0; i < 3; i++) w.ensemble.kill(i);
    const client = w.client('c');
    await w.scheduler.advance(1000);
    const tries = w.ensemble.attempts.reduce((a, b) => a + b, 0);
    assert.ok(tries >= 3 && tries < 60, `bounded retries, got ${tries}`);
    assert.match(client.lastConnectFailure ?? '', /unreachable/);
    w.ensemble.revive(2);
    await w.scheduler.run(client.connected());
    assert.equal(client.memberIndex, 2);
  });
});

describe('heartbeats', () => {
  test('pings every third of the negotiated timeout while idle', async () => {
    const w = world({ tickMs: 150 });
    const client = await w.connectedClient('c', { sessionTimeoutMs: 3000 });
    assert.equal(client.negotiatedTimeoutMs, 3000);
    const start = w.scheduler.now();
    await w.scheduler.advance(10_000);
    const pings = w.ensemble.sent('ping').map((m) => m.at);
    assert.equal(pings.length, 10);
    assert.equal(pings[0]! - start, 1000);
    for (let i = 1; i < pings.length; i++) assert.equal(pings[i]! - pings[i - 1]!, 1000);
    assert.equal(client.state, 'CONNECTED', 'pongs keep the connection');
  });

  test('does not ping while requests keep the connection busy', async () => {
    const w = world({ tickMs: 150 });
    const client = await w.connectedClient('c', { sessionTimeoutMs: 3000 });
    for (let i = 0; i < 10; i++) {
      await w.scheduler.run(client.exists('/'));
      await w.scheduler.advance(500);
    }
    assert.equal(w.ensemble.sent('ping').length, 0);
  });

  test('a silent member is left (a ping unanswered for the answer timeout) for another member with the same session and lastZxidSeen', async () => {
    const w = world({ tickMs: 150, members: 3 });
    const client = await w.connectedClient('c', { sessionTimeoutMs: 3000 });
    const states = recordStates(client);
    await w.scheduler.run(client.create('/a', 'x'));
    await w.scheduler.run(client.setData('/a', 'y'));
    const { sessionId, sessionPassword } = client;
    const first = client.memberIndex!;
    const lastHeard = w.scheduler.now();
    w.ensemble.members[first]!.silent = true;
    // Idle: the ping goes after 1/3 of 3000 ms, and is given 300 ms (a tenth of the timeout).
    await w.scheduler.advance(1290);
    assert.equal(client.state, 'CONNECTED');
    await w.scheduler.advance(12);
    assert.equal(states[0]?.state, 'DISCONNECTED');
    assert.match(states[0]?.reason ?? '', /nothing heard.*ping unanswered for 300ms/);
    assert.ok(w.scheduler.now() - lastHeard >= 1290);
    await w.scheduler.run(client.connected());
    assert.notEqual(client.memberIndex, first);
    assert.equal(client.sessionId, sessionId);
    assert.deepEqual(states.map((s) => s.state), ['DISCONNECTED', 'CONNECTING', 'CONNECTED']);
    const reconnect = w.ensemble.sent('connect').at(-1)!.message as ConnectRequest;
    assert.equal(reconnect.sessionId, sessionId);
    assert.deepEqual(reconnect.password, sessionPassword);
    assert.deepEqual(reconnect.lastZxidSeen, { epoch: 1, counter: 2 });
    // The session, and the node, are still there.
    assert.equal((await w.scheduler.run(client.getData('/a'))).stat.version, 1);
  });
});

describe('the zxid a member accepts the session at', () => {
  test('counts for lastZxidSeen before any answer, so a member that may not know the session yet cannot judge it', async () => {
    const w = world({ tickMs: 150, members: 3 });
    const writer = await w.connectedClient('w');
    await w.scheduler.run(writer.create('/a', 'x'));
    await w.scheduler.run(writer.setData('/a', 'y'));
    const atConnect = w.ensemble.tree.lastZxid;
    const client = await w.connectedClient('c', { sessionTimeoutMs: 3000 });
    // Nothing answered yet: only the connect response stamped a zxid.
    assert.deepEqual(client.lastZxidSeen, atConnect);
    const first = client.memberIndex!;
    w.ensemble.members[first]!.silent = true;
    await w.scheduler.advance(2001);
    await w.scheduler.run(client.connected());
    assert.notEqual(client.memberIndex, first);
    const reconnect = w.ensemble.sent('connect').filter((s) => (s.message as ConnectRequest).sessionId === client.sessionId).at(-1)!.message as ConnectRequest;
    assert.deepEqual(reconnect.lastZxidSeen, atConnect);
  });
});

describe('losing the session', () => {
  test('a member that says the session expired makes the client EXPIRED for good', async () => {
    const w = world();
    const client = await w.connectedClient('c');
    const states = recordStates(client);
    w.ensemble.onRequest = () => true; // nothing is answered: the next request stays in flight
    const inFlight = client.getData('/');
    await w.scheduler.advance(10);
    w.ensemble.expire(client.sessionId);
    const err = await rejection(w, inFlight);
    assert.ok(ZooKeeperError.is(err, ErrorCode.SESSIONEXPIRED));
    assert.equal(client.state, 'EXPIRED');
    assert.deepEqual(states.map((s) => s.state), ['EXPIRED']);
    const attempts = w.ensemble.attempts.reduce((a, b) => a + b, 0);
    const later = await rejection(w, client.create('/x'));
    assert.ok(ZooKeeperError.is(later, ErrorCode.SESSIONEXPIRED));
    await w.scheduler.advance(60_000);
    assert.equal(w.ensemble.attempts.reduce((a, b) => a + b, 0), attempts, 'no reconnect after expiry');
    assert.equal(w.scheduler.pendingTimers, 0, 'no timer left behind');
  });

  test('a refused reconnect with SESSIONEXPIRED expires the session; waiting requests fail with it', async () => {
    const w = world({ members: 3 });
    const client = await w.connectedClient('c');
    const first = client.memberIndex!;
    for (let i = 0; i < 3; i++) w.ensemble.kill(i);
    await w.scheduler.advance(5);
    assert.notEqual(client.state, 'CONNECTED');
    const waiting = client.exists('/');
    w.ensemble.expire(client.sessionId);
    for (let i = 0; i < 3; i++) if (i !== first) w.ensemble.revive(i);
    const err = await rejection(w, waiting);
    assert.ok(ZooKeeperError.is(err, ErrorCode.SESSIONEXPIRED));
    assert.equal(client.state, 'EXPIRED');
  });

  test('requests in flight when the connection drops fail with CONNECTIONLOSS; new ones wait for the next member', async () => {
    const w = world({ members: 3 });
    const client = await w.connectedClient('c');
    const states = recordStates(client);
    w.ensemble.onRequest = () => true;
    const inFlight = client.create('/maybe', 'x');
    await w.scheduler.advance(5);
    w.ensemble.onRequest = null;
    w.ensemble.kill(client.memberIndex!);
    const err = await rejection(w, inFlight);
    assert.ok(ZooKeeperError.is(err, ErrorCode.CONNECTIONLOSS));
    assert.match((err as Error).message, /may or may not have been applied/);
    assert.equal(client.state, 'DISCONNECTED');
    const later = client.create('/later', 'y'); // made while reconnecting: waits
    assert.equal(await w.scheduler.run(later), '/later');
    assert.deepEqual(states.map((s) => s.state), ['DISCONNECTED', 'CONNECTING', 'CONNECTED']);
  });

  test('a request made while no member can be reached fails after connectWaitMs', async () => {
    const w = world({ members: 2 });
    const client = await w.connectedClient('c', { connectWaitMs: 700 });
    w.ensemble.kill(0);
    w.ensemble.kill(1);
    await w.scheduler.advance(5);
    const started = w.scheduler.now();
    const err = await rejection(w, client.getData('/'));
    assert.ok(ZooKeeperError.is(err, ErrorCode.CONNECTIONLOSS));
    assert.equal(w.scheduler.now() - started, 700);
  });
});

describe('request ordering', () => {
  test('xids increase across reconnects', async () => {
    const w = world({ members: 3 });
    const client = await w.connectedClient('c');
    await w.scheduler.run(client.create('/a'));
    w.ensemble.kill(client.memberIndex!);
    await w.scheduler.advance(5);
    await w.scheduler.run(client.create('/b'));
    await w.scheduler.run(client.getData('/b'));
    const xids = w.ensemble.sent('request').map((m) => (m.message as OperationRequest).xid);
    assert.deepEqual(xids, [1, 2, 3]);
  });

  test('a reply out of xid order is a protocol error: the connection is dropped', async () => {
    const w = world({ members: 3 });
    const client = await w.connectedClient('c');
    const states = recordStates(client);
    const held: OperationRequest[] = [];
    w.ensemble.onRequest = (_c, request) => {
      held.push(request);
      return true;
    };
    const both = Promise.allSettled([client.getData('/'), client.exists('/')]);
    await w.scheduler.advance(5);
    assert.equal(held.length, 2);
    // The member answers the second request first.
    w.ensemble.inject('c', { type: 'response', xid: held[1]!.xid, zxid: { epoch: 1, counter: 0 }, err: 0, result: { op: 'exists', stat: null } });
    w.ensemble.onRequest = null;
    for (const outcome of await w.scheduler.run(both)) {
      assert.ok(outcome.status === 'rejected' && ZooKeeperError.is(outcome.reason, ErrorCode.CONNECTIONLOSS));
    }
    assert.match(states[0]?.reason ?? '', /protocol error: reply for xid 2, expected xid 1/);
    await w.scheduler.run(client.connected());
    assert.ok(await w.scheduler.run(client.exists('/')));
  });

  test('replies resolve in the order the requests were made', async () => {
    const w = world();
    const client = await w.connectedClient('c');
    const order: string[] = [];
    const ops = [
      client.create('/a').then(() => order.push('create')),
      client.getData('/a').then(() => order.push('getData')),
      client.setData('/a', 'v').then(() => order.push('setData')),
      client.delete('/a').then(() => order.push('delete')),
    ];
    await w.scheduler.run(Promise.all(ops));
    assert.deepEqual(order, ['create', 'getData', 'setData', 'delete']);
  });
});

describe('read-only members', () => {
  test('a client that accepts read-only members connects read-only, reads, cannot write, and moves to a read-write member when one appears', async () => {
    const w = world({ members: 3 });
    await w.scheduler.run((await w.connectedClient('seed')).create('/a', 'hello'));
    for (const m of w.ensemble.members) m.readOnly = true;
    const strict = w.client('strict');
    const client = w.client('c', { canBeReadOnly: true });
    const states = recordStates(client);
    await w.scheduler.run(client.connected());
    assert.equal(client.state, 'CONNECTED_READ_ONLY');
    assert.equal(new TextDecoder().decode((await w.scheduler.run(client.getData('/a'))).data), 'hello');
    const err = await rejection(w, client.create('/b'));
    assert.ok(ZooKeeperError.is(err, ErrorCode.NOTREADONLY));
    await w.scheduler.advance(1000);
    assert.equal(strict.state, 'CONNECTING', 'a client that needs writes does not settle for read-only');
    const readOnlyAt = client.memberIndex!;
    const other = (readOnlyAt + 1) % 3;
    w.ensemble.setReadOnly(other, false);
    await w.scheduler.advance(30_000);
    assert.equal(client.state, 'CONNECTED', 'the background probe found the read-write member');
    assert.equal(client.memberIndex, other);
    assert.deepEqual(states.map((s) => s.state), ['CONNECTED_READ_ONLY', 'CONNECTED']);
    assert.equal(await w.scheduler.run(client.create('/b')), '/b');
    assert.equal(strict.state, 'CONNECTED');
  });
});

describe('read-only members, continued', () => {
  test('when its read-only member rejoins a quorum and restarts its connections, the client comes back read-write', async () => {
    const w = world({ members: 1 });
    w.ensemble.setReadOnly(0, true);
    const client = w.client('c', { canBeReadOnly: true });
    await w.scheduler.run(client.connected());
    assert.equal(client.state, 'CONNECTED_READ_ONLY');
    const localSession = client.sessionId;
    w.ensemble.setReadOnly(0, false);
    await w.scheduler.advance(50);
    assert.equal(client.state, 'CONNECTED');
    assert.notEqual(client.sessionId, localSession, "a read-only member's session is local to it: a read-write member makes a new one");
    assert.equal((w.ensemble.sent('connect').at(-1)!.message as ConnectRequest).sessionId, 0);
  });

  test('a member whose replies say read-only (it lost its quorum) moves the client to CONNECTED_READ_ONLY, or away if it needs writes', async () => {
    const w = world({ members: 3 });
    const tolerant = await w.connectedClient('tolerant', { canBeReadOnly: true });
    const strict = await w.connectedClient('strict');
    const tolerantStates: string[] = [];
    tolerant.on('state', (c) => tolerantStates.push(c.state));
    w.ensemble.members[tolerant.memberIndex!]!.readOnly = true; // flags replies, keeps connections
    const strictMember = strict.memberIndex!;
    w.ensemble.members[strictMember]!.readOnly = true;
    await w.scheduler.run(tolerant.exists('/'));
    assert.equal(tolerant.state, 'CONNECTED_READ_ONLY');
    await w.scheduler.run(strict.exists('/'));
    await w.scheduler.advance(10);
    assert.equal(strict.state === 'CONNECTED' && strict.memberIndex !== strictMember, true, 'strict client left the read-only member');
    for (const m of w.ensemble.members) m.readOnly = false;
    w.ensemble.members[tolerant.memberIndex!]!.readOnly = true;
    await w.scheduler.advance(5000);
    // The fake drops the old connection (SESSIONMOVED) as soon as the probe moves the session, so
    // the client is briefly disconnected; the probe itself completes the move.
    assert.deepEqual(tolerantStates, ['CONNECTED_READ_ONLY', 'DISCONNECTED', 'CONNECTED'], 'the probe found a read-write member');
  });
});

describe('closing', () => {
  test('close ends the session (ephemerals go at once), then requests fail', async () => {
    const w = world();
    const owner = await w.connectedClient('owner');
    const other = await w.connectedClient('other');
    await w.scheduler.run(owner.create('/e', 'x', { mode: 'EPHEMERAL' }));
    const states = recordStates(owner);
    await w.scheduler.run(owner.close());
    assert.equal(owner.state, 'CLOSED');
    assert.deepEqual(states.map((s) => s.state), ['CLOSED']);
    assert.equal(await w.scheduler.run(other.exists('/e')), null);
    assert.ok(ZooKeeperError.is(await rejection(w, owner.getData('/')), ErrorCode.SESSIONEXPIRED));
    await w.scheduler.run(owner.close()); // twice is fine
    await w.scheduler.run(other.close());
    await w.scheduler.advance(10);
    assert.equal(w.scheduler.pendingTimers, 0, 'no timer left behind');
  });
});
