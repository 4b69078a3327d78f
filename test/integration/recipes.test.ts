/**
 * The client recipes against REAL members: a whole 3-member ensemble in this process (real timers,
 * memory transport, memory storage). The unit tests in test/unit/client/recipes run the same
 * recipes against a fake member; these check they keep their guarantees with real sessions, real
 * expiry at the leader, and a leader member that dies.
 *
 * A client "crash" is a connector wrapper that closes the client's connections and refuses new
 * ones: the client goes quiet, and its session expires at the leader after its timeout (its
 * ephemerals go). `revive()` lets it connect again, so it learns its session is gone.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCode, ZooKeeperClient, ZooKeeperError, fromUtf8 } from '../../src/client/index.js';
import { ConfigStore, DoubleBarrier, LeaderElection, Lock, ServiceRegistry } from '../../src/client/recipes/index.js';
import type { MemberConnection } from '../../src/protocol/client.js';
import { startLocalEnsemble, type LocalEnsemble } from '../../src/server/local-ensemble.js';

const TICK_MS = 20;
/**
 * Requested session timeout; the members clamp it to [2, 20] ticks (40..400 ms here), so this is the
 * longest they grant: the most slack for a busy machine, where an event loop stalled for ~2/3 of it
 * makes a client drop its member and, stalled longer, lose its session.
 */
const SESSION_MS = 400;
/** Bound for any single wait in these tests: generous, so a slow machine does not flake. */
const WAIT_MS = 8000;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `condition` until it holds; fails the test (does not hang) after `timeoutMs`. */
async function waitFor(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = WAIT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) assert.fail(`timed out waiting for: ${what}`);
    await sleep(10);
  }
}

/** Awaits `promise`, failing the test instead of hanging if it does not settle in time. */
async function within<T>(what: string, promise: Promise<T>, timeoutMs = WAIT_MS): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for: ${what}`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

interface TestClient {
  readonly client: ZooKeeperClient;
  /** Closes its connections and refuses new ones: the session will expire at the leader. */
  crash(): void;
  /** Lets it connect again (it then hears that its session expired, if it did). */
  revive(): void;
}

/** One ensemble per test, plus every client it made, all torn down by `run`. */
class Harness {
  private readonly clients: ZooKeeperClient[] = [];
  readonly listenerErrors: unknown[] = [];

  constructor(readonly ensemble: LocalEnsemble) {}

  newClient(sessionTimeoutMs = SESSION_MS): TestClient {
    let alive = true;
    const connections: MemberConnection[] = [];
    const client = new ZooKeeperClient({
      members: this.ensemble.members.length,
      sessionTimeoutMs,
      connector: (index, handlers) => {
        if (!alive) return null;
        const connection = this.ensemble.connector(index, handlers);
        if (connection !== null) connections.push(connection);
        return connection;
      },
    });
    // A watcher or listener that throws would otherwise only be logged: collect it, fail the test.
    client.on('error', (err) => this.listenerErrors.push(err));
    this.clients.push(client);
    return {
      client,
      crash: () => {
        alive = false;
        for (const c of connections.splice(0)) c.close();
      },
      revive: () => {
        alive = true;
      },
    };
  }

  async connected(sessionTimeoutMs = SESSION_MS): Promise<TestClient> {
    const c = this.newClient(sessionTimeoutMs);
    await within('client connects', c.client.connected(WAIT_MS));
    return c;
  }

  leaderMemberId(): number | null {
    const leader = this.ensemble.members.find((m) => m.running && m.member.status().role === 'LEADING');
    return leader === undefined ? null : leader.id;
  }

  static async run(body: (h: Harness) => Promise<void>): Promise<void> {
    const ensemble = await startLocalEnsemble({ size: 3, tickMs: TICK_MS });
    const h = new Harness(ensemble);
    try {
      await body(h);
      assert.deepEqual(h.listenerErrors, [], 'no watcher or listener threw');
    } finally {
      // Close every client (a crashed one closes at once: it is not connected), then the members,
      // so no reconnect timer keeps the process alive.
      await Promise.all(h.clients.map((c) => within('client close', c.close(), 2000).catch(() => undefined)));
      ensemble.stop();
    }
  }
}

/** The counter node's value, read fresh from the leader's committed state. */
async function readCounter(client: ZooKeeperClient, path: string): Promise<number> {
  await client.sync(path);
  return Number(fromUtf8((await client.getData(path)).data));
}

function isCode(err: unknown, code: number): boolean {
  return ZooKeeperError.is(err, code);
}

// ---- Lock ---------------------------------------------------------------------------------

test('Lock: the second contender acquires only after the first releases', async () => {
  await Harness.run(async (h) => {
    const a = await h.connected();
    const b = await h.connected();
    const lockA = new Lock(a.client, '/locks/two');
    const lockB = new Lock(b.client, '/locks/two');
    const events: string[] = [];

    await within('A acquires', lockA.acquire());
    events.push('A acquired');
    assert.ok(lockA.held);

    const bAcquired = lockB.acquire().then(() => events.push('B acquired'));
    // B is queued behind A (its node exists) and must stay waiting while A holds the lock.
    await waitFor('B has its contender node', async () => (await a.client.getChildren('/locks/two')).length === 2);
    await sleep(2 * SESSION_MS);
    assert.equal(lockB.held, false, 'B must not hold the lock while A does');
    assert.deepEqual(events, ['A acquired']);

    events.push('A releasing');
    await within('A releases', lockA.release());
    await within('B acquires after the release', bAcquired);
    assert.deepEqual(events, ['A acquired', 'A releasing', 'B acquired']);
    assert.ok(lockB.held);
    assert.equal(lockA.held, false);
    const children = await b.client.getChildren('/locks/two');
    assert.deepEqual(children, [lockB.nodePath!.split('/').pop()], 'only B is left under the lock');

    await within('B releases', lockB.release());
    assert.deepEqual(await b.client.getChildren('/locks/two'), []);
  });
});

test('Lock: when the holder crashes, its session expires and the waiter gets the lock', async () => {
  await Harness.run(async (h) => {
    const holder = await h.connected();
    const waiter = await h.connected();
    const held = new Lock(holder.client, '/locks/crash');
    const waiting = new Lock(waiter.client, '/locks/crash');
    await within('holder acquires', held.acquire());
    const holderNode = held.nodePath!;

    let waiterHas = false;
    const acquired = waiting.acquire().then(() => (waiterHas = true));
    await waitFor('waiter has its contender node', async () => (await waiter.client.getChildren('/locks/crash')).length === 2);
    await sleep(2 * SESSION_MS);
    assert.equal(waiterHas, false, 'the live holder keeps the lock');

    holder.crash();
    await within('the waiter gets the lock once the holder session expires', acquired);
    assert.ok(waiting.held);
    assert.equal(await waiter.client.exists(holderNode), null, "the crashed holder's node went with its session");

    // The crashed holder, once it can reach a member again, learns its session (and lock) are gone.
    holder.revive();
    await waitFor('the crashed holder learns its session expired', () => holder.client.state === 'EXPIRED');
    assert.equal(held.held, false);
    assert.ok(waiting.held, 'the new holder keeps the lock');
    await within('waiter releases', waiting.release());
  });
});

test('Lock: mutual exclusion under 4 contenders doing read-modify-write increments', async () => {
  await Harness.run(async (h) => {
    const contenders = 4;
    const rounds = 5;
    const counter = '/counter-me';
    const setup = await h.connected();
    await setup.client.create(counter, '0');

    let inside = 0;
    let maxInside = 0;
    const worker = async (tag: number): Promise<void> => {
      const { client } = await h.connected();
      const lock = new Lock(client, '/locks/me', { data: `worker-${tag}` });
      for (let i = 0; i < rounds; i++) {
        await lock.acquire();
        inside++;
        maxInside = Math.max(maxInside, inside);
        try {
          // Read, pause (widening the window for an intruder), write back unconditionally: only the
          // lock keeps the updates from getting lost.
          const { data } = await client.getData(counter);
          await sleep(5);
          await client.setData(counter, String(Number(fromUtf8(data)) + 1));
        } finally {
          inside--;
          await lock.release();
        }
      }
    };
    await within('all workers finish', Promise.all(Array.from({ length: contenders }, (_, i) => worker(i))), 20_000);

    assert.equal(maxInside, 1, 'never two holders at once');
    assert.equal(await readCounter(setup.client, counter), contenders * rounds, 'no increment lost');
    assert.deepEqual(await setup.client.getChildren('/locks/me'), [], 'every contender node is gone');
  });
});

test('Lock: guarantees hold while the ensemble leader member is killed during contention', async () => {
  await Harness.run(async (h) => {
    const contenders = 3;
    const rounds = 8;
    const counter = '/counter-failover';
    const setup = await h.connected();
    await setup.client.create(counter, '0');
    const firstLeader = h.leaderMemberId();
    assert.notEqual(firstLeader, null, 'the ensemble has a leader');

    let inside = 0;
    let maxInside = 0;
    let done = 0;
    const expired: number[] = [];
    const reconnects: { session: number; memberId: number }[] = [];
    let ambiguousWrites = 0;

    /** A read that is safe to repeat, repeated across CONNECTIONLOSS (the session lives on). */
    const retrying = async <T>(fn: () => Promise<T>): Promise<T> => {
      for (;;) {
        try {
          return await fn();
        } catch (err) {
          if (!isCode(err, ErrorCode.CONNECTIONLOSS)) throw err;
        }
      }
    };

    /**
     * One increment while holding the lock: a CAS on the version we read. When the connection breaks
     * under the write (CONNECTIONLOSS: it may or may not have been applied, and may even still be on
     * its way) we sync, re-read and decide, as a ZooKeeper application must: only we can be writing,
     * so the version and value tell whether it landed. Retrying the CAS on the same version can
     * succeed at most once, so the increment counts exactly once whatever happened. BADVERSION is
     * fine only after such a lost write (it is our own write that got in); otherwise, and for any
     * state but "ours landed" or "nothing landed", someone wrote while we held the lock.
     */
    const increment = async (client: ZooKeeperClient): Promise<void> => {
      const read = await retrying(() => client.getData(counter));
      const value = Number(fromUtf8(read.data));
      const version = read.stat.version;
      await sleep(2);
      let lostWrite = false;
      for (;;) {
        try {
          await client.setData(counter, String(value + 1), version);
          return;
        } catch (err) {
          if (!isCode(err, ErrorCode.CONNECTIONLOSS) && !(lostWrite && isCode(err, ErrorCode.BADVERSION))) throw err;
          lostWrite = true;
          ambiguousWrites++;
        }
        await retrying(() => client.sync(counter));
        const now = await retrying(() => client.getData(counter));
        if (now.stat.version === version + 1 && Number(fromUtf8(now.data)) === value + 1) return; // ours landed
        assert.equal(now.stat.version, version, 'the counter changed under a lock holder');
      }
    };

    const worker = async (): Promise<void> => {
      const { client } = await h.connected();
      const session = client.sessionId;
      client.on('state', ({ state, memberIndex }) => {
        if (state === 'EXPIRED') expired.push(session);
        if (state === 'CONNECTED') {
          assert.equal(client.sessionId, session, 'reconnected with the same session');
          reconnects.push({ session, memberId: memberIndex! + 1 });
        }
      });
      const lock = new Lock(client, '/locks/failover');
      for (let i = 0; i < rounds; i++) {
        await lock.acquire();
        inside++;
        maxInside = Math.max(maxInside, inside);
        try {
          await increment(client);
        } finally {
          inside--;
          await lock.release();
          done++;
        }
      }
    };
    const workers = Promise.all(Array.from({ length: contenders }, () => worker()));
    const allDone = within('all workers finish across the leader failover', workers, 20_000);
    allDone.catch(() => undefined); // observed below; avoid an unhandled rejection meanwhile

    await waitFor('some increments before the kill', () => done >= 5);
    h.ensemble.kill(firstLeader!);
    await waitFor('a new leader is elected', () => {
      const now = h.leaderMemberId();
      return now !== null && now !== firstLeader;
    });
    await allDone;

    assert.deepEqual(expired, [], 'no session expired: clients moved to the surviving members with their sessions');
    assert.ok(reconnects.length > 0, 'the kill disturbed the contenders (they reconnected)');
    assert.ok(reconnects.every((r) => r.memberId !== firstLeader), 'reconnects went to surviving members');
    assert.equal(maxInside, 1, 'never two holders at once');
    assert.equal(await readCounter(setup.client, counter), contenders * rounds, `every increment counted exactly once (${ambiguousWrites} writes lost their reply)`);
    assert.deepEqual(await setup.client.getChildren('/locks/failover'), [], 'every contender node is gone');
  });
});

// ---- LeaderElection -----------------------------------------------------------------------

test('LeaderElection: one leader at a time; a crashed leader is replaced; resign hands over', async () => {
  await Harness.run(async (h) => {
    const leading = new Set<string>();
    let maxLeaders = 0;
    const errors: unknown[] = [];
    const candidates = await Promise.all(
      ['c1', 'c2', 'c3'].map(async (id) => {
        const tc = await h.connected();
        const election = new LeaderElection(tc.client, '/election', {
          id,
          onLeader: () => {
            leading.add(id);
            maxLeaders = Math.max(maxLeaders, leading.size);
          },
          onLeadershipLost: () => leading.delete(id),
          onError: (err) => errors.push(err),
        });
        return { id, tc, election };
      }),
    );
    for (const c of candidates) await within(`${c.id} starts`, c.election.start());

    const leaders = () => candidates.filter((c) => c.election.isLeader);
    await waitFor('a leader', () => leaders().length === 1);
    const first = leaders()[0]!;
    assert.equal(first.id, 'c1', 'the first candidate in leads');
    const others = candidates.filter((c) => c !== first);
    for (const c of candidates) assert.equal(await c.election.leader(), first.id, `${c.id} sees ${first.id} as the leader`);

    // Stable while nothing happens: still exactly one leader after a few session timeouts.
    await sleep(2 * SESSION_MS);
    assert.deepEqual(leaders().map((c) => c.id), [first.id]);

    // The leader's client crashes: its session expires, its node goes, the next candidate leads.
    first.tc.crash();
    await waitFor('another candidate leads after the leader crashed', () => others.some((c) => c.election.isLeader), 8 * SESSION_MS + 2000);
    const second = others.find((c) => c.election.isLeader)!;
    assert.equal(second.id, 'c2', 'the next candidate in line takes over');
    assert.equal(first.election.isLeader, false, 'the crashed leader gave up leadership (it is disconnected)');
    const third = others.find((c) => c !== second)!;
    // leader() reads the member third is attached to, which may lag (ZooKeeper reads are not
    // linearizable); sync first to see at least what second saw.
    await third.tc.client.sync('/election');
    assert.equal(await third.election.leader(), second.id);

    // The crashed ex-leader reaches the ensemble again: it learns its session expired and stays out.
    first.tc.revive();
    await waitFor('the crashed ex-leader learns its session expired', () => first.tc.client.state === 'EXPIRED');
    assert.equal(first.election.isLeader, false);
    assert.equal(second.election.isLeader, true, 'the new leader keeps leading');

    // Resign hands over to the last one.
    await within('second resigns', second.election.resign());
    assert.equal(second.election.isLeader, false);
    await waitFor('the last candidate leads after the resignation', () => third.election.isLeader);
    assert.equal(await third.election.leader(), third.id);
    assert.deepEqual([...leading], [third.id]);

    assert.equal(maxLeaders, 1, 'never two leaders at once');
    assert.deepEqual(errors, []);
    await within('third resigns', third.election.resign());
    assert.equal(await third.election.leader(), null, 'no candidate is left');
  });
});

// ---- DoubleBarrier ------------------------------------------------------------------------

test('DoubleBarrier: participants enter together and leave together', async () => {
  await Harness.run(async (h) => {
    const size = 4;
    const clients = await Promise.all(Array.from({ length: size }, () => h.connected()));
    const barriers = clients.map((c, i) => new DoubleBarrier(c.client, '/barriers/b1', size, { id: `p${i}` }));

    let calledEnter = 0;
    const enteredWhen: number[] = []; // how many had called enter() when each enter() returned
    let calledLeave = 0;
    const leftWhen: number[] = [];

    const participant = async (i: number): Promise<void> => {
      // Staggered arrivals: the last one comes well after the others are waiting.
      await sleep(i === size - 1 ? 2 * SESSION_MS : i * 30);
      calledEnter++;
      await barriers[i]!.enter();
      enteredWhen.push(calledEnter);
      // Staggered departures the other way round.
      await sleep((size - 1 - i) * 60);
      calledLeave++;
      await barriers[i]!.leave();
      leftWhen.push(calledLeave);
    };
    await within('all participants pass the barrier', Promise.all(barriers.map((_, i) => participant(i))));

    assert.deepEqual(enteredWhen, Array(size).fill(size), 'no one got through enter() before the last arrived');
    assert.deepEqual(leftWhen, Array(size).fill(size), 'no one got through leave() before the last started leaving');
    assert.deepEqual(await clients[0]!.client.getChildren('/barriers/b1'), [], 'no participant (nor "ready") is left');
  });
});

// ---- ConfigStore --------------------------------------------------------------------------

test('ConfigStore: versioned CAS writes, and a watcher on another client sees each change', async () => {
  await Harness.run(async (h) => {
    const writer = await h.connected();
    const reader = await h.connected();
    const store = new ConfigStore<{ replicas: number }>(writer.client, '/config/app');
    const watched = new ConfigStore<{ replicas: number }>(reader.client, '/config/app');

    const seen: ({ value: { replicas: number }; version: number } | null)[] = [];
    const stop = watched.watch((config) => seen.push(config));
    await waitFor('the watcher reports the missing node', () => seen.length === 1);
    assert.equal(seen[0], null);
    assert.equal(await store.get(), null);

    assert.equal(await store.set({ replicas: 1 }), 0, '-1 creates the node (and its parent)');
    await waitFor('the watcher sees the creation', () => seen.length === 2);
    assert.deepEqual(seen[1], { value: { replicas: 1 }, version: 0 });

    const v0 = await store.get();
    assert.deepEqual(v0, { value: { replicas: 1 }, version: 0 });
    assert.equal(await store.set({ replicas: 2 }, v0!.version), 1);
    await waitFor('the watcher sees version 1', () => seen.length === 3);
    assert.deepEqual(seen[2], { value: { replicas: 2 }, version: 1 });

    // A writer still holding version 0 loses the race.
    await assert.rejects(store.set({ replicas: 99 }, v0!.version), (err: unknown) => isCode(err, ErrorCode.BADVERSION));
    assert.deepEqual(await watched.get(), { value: { replicas: 2 }, version: 1 }, 'the stale write changed nothing');

    // The same through the other client's store, then read-modify-write with update().
    assert.equal(await watched.set({ replicas: 3 }, 1), 2);
    await waitFor('the watcher sees version 2', () => seen.length === 4);
    assert.deepEqual(seen[3], { value: { replicas: 3 }, version: 2 });
    assert.deepEqual(await store.update((c) => ({ replicas: (c?.replicas ?? 0) * 10 })), { value: { replicas: 30 }, version: 3 });
    await waitFor('the watcher sees version 3', () => seen.length === 5);
    assert.deepEqual(seen[4], { value: { replicas: 30 }, version: 3 });

    await writer.client.delete('/config/app');
    await waitFor('the watcher sees the deletion', () => seen.length === 6);
    assert.equal(seen[5], null);

    stop();
    await store.set({ replicas: 7 });
    await sleep(3 * TICK_MS);
    assert.equal(seen.length, 6, 'nothing reported after stop()');
  });
});

// ---- ServiceRegistry ----------------------------------------------------------------------

test('ServiceRegistry.watchService: methods appear, change, and disappear (also when a provider crashes)', async () => {
  await Harness.run(async (h) => {
    const p1 = await h.connected();
    const p2 = await h.connected();
    const consumer = await h.connected();
    const providers = [new ServiceRegistry(p1.client), new ServiceRegistry(p2.client)] as const;
    const registry = new ServiceRegistry(consumer.client);

    const views: Record<string, string>[] = [];
    const stop = registry.watchService('UserService', (methods) => views.push(Object.fromEntries(methods)));
    const latest = () => views[views.length - 1];
    await waitFor('the first (empty) report', () => views.length >= 1);
    assert.deepEqual(latest(), {});

    await providers[0].register('UserService', 'Login', '10.0.0.1:8000');
    await waitFor('Login appears', () => latest()?.Login === '10.0.0.1:8000');
    assert.deepEqual(latest(), { Login: '10.0.0.1:8000' });

    await providers[1].register('UserService', 'Logout', '10.0.0.2:8000');
    await waitFor('Logout appears', () => latest()?.Logout !== undefined);
    assert.deepEqual(latest(), { Login: '10.0.0.1:8000', Logout: '10.0.0.2:8000' });

    // Another provider cannot take a method a live one holds.
    await assert.rejects(providers[1].register('UserService', 'Login', '10.0.0.9:1'), (err: unknown) => isCode(err, ErrorCode.NODEEXISTS));

    // Re-registering from the same session moves the address.
    await providers[1].register('UserService', 'Logout', '10.0.0.2:9000');
    await waitFor('Logout moves', () => latest()?.Logout === '10.0.0.2:9000');
    assert.deepEqual(latest(), { Login: '10.0.0.1:8000', Logout: '10.0.0.2:9000' });

    await providers[1].unregister('UserService', 'Logout');
    await waitFor('Logout disappears', () => latest()?.Logout === undefined);
    assert.deepEqual(latest(), { Login: '10.0.0.1:8000' });

    // Provider 1 crashes: Login goes once its session expires at the leader.
    p1.crash();
    await waitFor('Login disappears after the provider crash', () => latest() !== undefined && Object.keys(latest()!).length === 0);
    assert.equal(await consumer.client.exists('/UserService/Login'), null);
    assert.notEqual(await consumer.client.exists('/UserService'), null, 'the persistent service node stays');

    // A method re-registered by another provider shows up again.
    await providers[1].register('UserService', 'Login', '10.0.0.2:8001');
    await waitFor('Login comes back', () => latest()?.Login === '10.0.0.2:8001');
    for (let i = 1; i < views.length; i++) assert.notDeepEqual(views[i], views[i - 1], 'no report repeats the previous one');

    stop();
    registry.close();
  });
});
