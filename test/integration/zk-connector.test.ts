/**
 * Issue 16, item 3: peerkeeper's own `ZooKeeperClient`, unchanged, over ZooKeeper's wire protocol
 * (gateway/zookeeper-connector.ts) — against Apache ZooKeeper 3.8 (Debian's, one standalone server)
 * and against a real 3-member peerkeeper ensemble's ZooKeeper ports. The same scenarios run against
 * both: CRUD with Stats, every create mode, multi, one-shot/persistent/recursive watches, sync,
 * session expiry and ephemeral cleanup, a reconnect to another server with the same session, and
 * the recipes (lock, election, barrier, config, service registry).
 *
 * Apache ZooKeeper runs as one server, so "another server" there is a second TCP proxy in front of
 * it: the proxy the client is on is cut, and the client must resume its session through the other.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createServer, connect as tcpConnect, type Server, type Socket } from 'node:net';
import { ErrorCode, ZooKeeperClient, ZooKeeperError, fromUtf8, utf8, type WatchedEvent } from '../../src/client/index.js';
import { ConfigStore, DoubleBarrier, LeaderElection, Lock, ServiceRegistry } from '../../src/client/recipes/index.js';
import type { ConnectionHandlers, Connector, MemberConnection } from '../../src/protocol/client.js';
import { zooKeeperConnector } from '../../src/gateway/zookeeper-connector.js';
import { apacheZooKeeperMissing, startApacheZooKeeper, type ApacheZooKeeper } from './fixtures/apache-zookeeper.js';
import { zkConnectString, zkEnsemble } from './fixtures/zk-ensemble.js';

const WAIT_MS = 20_000;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitFor(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = WAIT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) assert.fail(`timed out waiting for: ${what}`);
    await sleep(20);
  }
}

async function within<T>(what: string, promise: Promise<T>, timeoutMs = WAIT_MS): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out waiting for: ${what}`)), timeoutMs)));
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const isCode = (code: number) => (err: unknown): boolean => err instanceof ZooKeeperError && err.code === code;

/** A connector that can "crash": its connections drop and it refuses new ones until revived. */
function crashable(inner: Connector): { connector: Connector; crash(): void; revive(): void } {
  let down = false;
  const open = new Set<{ conn: MemberConnection; handlers: ConnectionHandlers }>();
  const connector: Connector = (index, handlers) => {
    if (down) return null;
    const entry = { conn: null as unknown as MemberConnection, handlers };
    const conn = inner(index, {
      onMessage: (m) => handlers.onMessage(m),
      onClose: (r) => {
        open.delete(entry);
        handlers.onClose(r);
      },
    });
    if (conn === null) return null;
    entry.conn = conn;
    open.add(entry);
    return {
      send: (m) => conn.send(m),
      close: () => {
        open.delete(entry);
        conn.close();
      },
    };
  };
  return {
    connector,
    crash() {
      down = true;
      for (const e of [...open]) {
        open.delete(e);
        e.conn.close();
        e.handlers.onClose('crashed (test)');
      }
    },
    revive() {
      down = false;
    },
  };
}

/** What a scenario needs from the server side. */
interface Target {
  /** A fresh connector to every server (below `chroot`, when given). */
  connector(chroot?: string): ReturnType<typeof zooKeeperConnector>;
  readonly sessionTimeoutMs: number;
  /** A short session, for the expiry scenario. */
  readonly shortSessionMs: number;
}

/** The scenarios both servers must pass; `prefix` keeps the two suites' paths apart. */
function scenarios(target: () => Target, prefix: string): { clients: ZooKeeperClient[]; client(sessionTimeoutMs?: number, connector?: Connector, members?: number): Promise<ZooKeeperClient> } {
  const clients: ZooKeeperClient[] = [];
  const client = async (sessionTimeoutMs = target().sessionTimeoutMs, connector?: Connector, members?: number): Promise<ZooKeeperClient> => {
    const t = target();
    const zk = new ZooKeeperClient({ connector: connector ?? t.connector(), members: members ?? t.connector().members, sessionTimeoutMs });
    clients.push(zk);
    await within('connected', zk.connected());
    return zk;
  };
  const p = (path: string): string => `${prefix}${path}`;

  test('CRUD with Stats and ZooKeeper error codes', { timeout: 60_000 }, async () => {
    const a = await client();
    const b = await client();
    await a.create(prefix, null);
    const created = await a.create2(p('/crud'), 'v0');
    assert.equal(created.path, p('/crud'));
    assert.equal(created.stat.version, 0);
    assert.equal(created.stat.dataLength, 2);
    assert.equal(created.stat.numChildren, 0);
    assert.equal(created.stat.ephemeralOwner, 0);
    assert.deepEqual(created.stat.czxid, created.stat.mzxid);
    // ZooKeeper promises each client its own order, not another's latest write: b syncs first.
    await b.sync(p('/crud'));
    const got = await b.getData(p('/crud'));
    assert.equal(fromUtf8(got.data), 'v0');
    assert.deepEqual(got.stat, created.stat);
    const set = await a.setData(p('/crud'), 'v1', 0);
    assert.equal(set.version, 1);
    assert.ok(set.mtime >= set.ctime);
    assert.notDeepEqual(set.mzxid, set.czxid);
    await assert.rejects(a.setData(p('/crud'), 'x', 0), isCode(ErrorCode.BADVERSION));
    await assert.rejects(a.create(p('/crud'), null), isCode(ErrorCode.NODEEXISTS));
    await assert.rejects(a.getData(p('/none')), isCode(ErrorCode.NONODE));
    await assert.rejects(a.create(p('/none/child'), null), isCode(ErrorCode.NONODE));
    assert.equal(await a.exists(p('/none')), null);
    await a.create(p('/crud/k1'), null);
    await a.create(p('/crud/k2'), null);
    await b.sync(p('/crud'));
    const kids = await b.getChildren2(p('/crud'));
    assert.deepEqual([...kids.children].sort(), ['k1', 'k2']);
    assert.equal(kids.stat.numChildren, 2);
    assert.equal(kids.stat.cversion, 2);
    await assert.rejects(a.delete(p('/crud'), -1), isCode(ErrorCode.NOTEMPTY));
    await assert.rejects(a.delete(p('/crud/k1'), 5), isCode(ErrorCode.BADVERSION));
    await a.delete(p('/crud/k1'), 0);
    await a.delete(p('/crud/k2'));
    await a.delete(p('/crud'), 1);
    await b.sync(p('/crud'));
    assert.equal(await b.exists(p('/crud')), null);
  });

  test('every create mode', { timeout: 60_000 }, async () => {
    const a = await client();
    const b = await client();
    await a.create(p('/modes'), null).catch(() => undefined);
    assert.equal(await a.create(p('/modes/persistent'), null, { mode: 'PERSISTENT' }), p('/modes/persistent'));
    const eph = await a.create2(p('/modes/ephemeral'), 'me', { mode: 'EPHEMERAL' });
    assert.equal(eph.stat.ephemeralOwner, a.sessionId, "an ephemeral's owner is the creating session, as the client numbers it");
    assert.deepEqual(await a.getEphemerals(p('/modes')), [p('/modes/ephemeral')]);
    const s1 = await a.create(p('/modes/seq-'), null, { mode: 'PERSISTENT_SEQUENTIAL' });
    const s2 = await a.create(p('/modes/seq-'), null, { mode: 'EPHEMERAL_SEQUENTIAL' });
    assert.match(s1, /-\d{10}$/);
    assert.match(s2, /-\d{10}$/);
    assert.ok(Number(s2.slice(-10)) > Number(s1.slice(-10)), 'sequence numbers grow');
    await assert.rejects(a.create(p('/modes/ephemeral/child'), null), isCode(ErrorCode.NOCHILDRENFOREPHEMERALS));
    // A container goes once its last child has gone.
    await a.create(p('/modes/container'), null, { mode: 'CONTAINER' });
    await a.create(p('/modes/container/only'), null);
    await a.delete(p('/modes/container/only'));
    await waitFor('the empty container is removed', async () => (await b.exists(p('/modes/container'))) === null);
    // A TTL node goes once it has been unmodified and childless for its TTL.
    const ttl = await a.create(p('/modes/ttl'), null, { mode: 'PERSISTENT_WITH_TTL', ttlMs: 300 });
    const ttlSeq = await a.create(p('/modes/ttlseq-'), null, { mode: 'PERSISTENT_SEQUENTIAL_WITH_TTL', ttlMs: 300 });
    assert.match(ttlSeq, /-\d{10}$/);
    await waitFor('both TTL nodes are removed', async () => (await b.exists(ttl)) === null && (await b.exists(ttlSeq)) === null);
    // The ephemerals go with the session.
    await a.close();
    await b.sync(p('/modes'));
    assert.equal(await b.exists(p('/modes/ephemeral')), null);
    assert.equal(await b.exists(s2), null);
    assert.ok(await b.exists(s1));
  });

  test('multi and transaction: all or nothing, per-op results', { timeout: 60_000 }, async () => {
    const a = await client();
    await a.create(p('/tx'), 'x').catch(() => undefined);
    const results = await a.multi([
      { op: 'create', path: p('/tx/a'), data: utf8('1'), mode: 'PERSISTENT' },
      { op: 'create', path: p('/tx/s-'), data: utf8(''), mode: 'PERSISTENT_SEQUENTIAL' },
      { op: 'check', path: p('/tx'), version: 0 },
      { op: 'setData', path: p('/tx'), data: utf8('y'), version: 0 },
    ]);
    assert.deepEqual(results.map((r) => r.op), ['create', 'create', 'check', 'setData']);
    assert.equal(results[0]?.op === 'create' ? results[0].stat.version : -1, 0);
    assert.match(results[1]?.op === 'create' ? results[1].path : '', /\/tx\/s-\d{10}$/);
    assert.equal(results[3]?.op === 'setData' ? results[3].stat.version : -1, 1);
    const failed = await a
      .transaction()
      .create(p('/tx/b'), 'never')
      .setData(p('/tx'), 'z', 99)
      .commit()
      .then(() => null, (err: unknown) => err);
    assert.ok(failed instanceof ZooKeeperError && failed.code === ErrorCode.BADVERSION, String(failed));
    assert.equal(failed.results?.length, 2);
    assert.equal(failed.results?.[0]?.op, 'error', 'the op before the failure is reported as not applied');
    assert.deepEqual(failed.results?.[1], { op: 'error', err: ErrorCode.BADVERSION });
    assert.equal(await a.exists(p('/tx/b')), null, 'nothing of the failed transaction applied');
    // A check alone.
    await assert.rejects(a.multi([{ op: 'check', path: p('/tx'), version: 7 }]), isCode(ErrorCode.BADVERSION));
    await assert.rejects(a.multi([{ op: 'check', path: p('/tx/none'), version: -1 }]), isCode(ErrorCode.NONODE));
  });

  test('watches: one-shot data, exist and child watches; persistent and recursive; removeWatches', { timeout: 60_000 }, async () => {
    const a = await client();
    const b = await client();
    await a.create(p('/w'), '0').catch(() => undefined);
    const seen: string[] = [];
    const record = (tag: string) => (e: WatchedEvent): void => void seen.push(`${tag} ${e.type} ${e.path}`);
    await b.sync(p('/w'));
    await b.getData(p('/w'), { watch: record('data') });
    await b.exists(p('/w/new'), { watch: record('exist') });
    await b.getChildren(p('/w'), { watch: record('child') });
    await a.setData(p('/w'), '1');
    await a.create(p('/w/new'), null);
    await waitFor('the three one-shot watches fire', () => seen.length >= 3);
    assert.deepEqual([...seen].sort(), [`child NodeChildrenChanged ${p('/w')}`, `data NodeDataChanged ${p('/w')}`, `exist NodeCreated ${p('/w/new')}`].sort());
    // One-shot: a second change fires nothing.
    await a.setData(p('/w'), '2');
    await b.sync(p('/w'));
    await b.getData(p('/w'));
    assert.equal(seen.length, 3);

    const persistent: string[] = [];
    const recursive: string[] = [];
    await b.addWatch(p('/w'), 'PERSISTENT', (e) => void persistent.push(`${e.type} ${e.path}`));
    await b.addWatch(p('/w'), 'PERSISTENT_RECURSIVE', (e) => void recursive.push(`${e.type} ${e.path}`));
    await a.setData(p('/w'), '3');
    await a.setData(p('/w'), '4');
    await a.create(p('/w/new/deep'), null);
    await a.setData(p('/w/new/deep'), 'x');
    await waitFor('persistent and recursive watches keep firing', () => persistent.length >= 2 && recursive.length >= 4);
    assert.deepEqual(persistent, [`NodeDataChanged ${p('/w')}`, `NodeDataChanged ${p('/w')}`]);
    assert.deepEqual(recursive, [`NodeDataChanged ${p('/w')}`, `NodeDataChanged ${p('/w')}`, `NodeCreated ${p('/w/new/deep')}`, `NodeDataChanged ${p('/w/new/deep')}`]);
    await b.removeWatches(p('/w'), 'ANY');
    await assert.rejects(b.removeWatches(p('/w'), 'ANY'), isCode(ErrorCode.NOWATCHER));
    await a.setData(p('/w'), '5');
    await b.sync(p('/w'));
    await b.getData(p('/w'));
    assert.deepEqual(persistent.slice(2), [`PersistentWatchRemoved ${p('/w')}`], 'removed: its removal event and no more changes');
  });

  test('getAllChildrenNumber counts a subtree; checkWatches says whether a watch is held', { timeout: 60_000 }, async () => {
    const a = await client();
    await a.create(p('/count'), null);
    for (const path of ['/count/x', '/count/x/y', '/count/x/y/z', '/count/w']) await a.create(p(path), null);
    assert.equal(await a.getAllChildrenNumber(p('/count')), 4);
    assert.equal(await a.getAllChildrenNumber(p('/count/x/y/z')), 0);
    await a.getChildren(p('/count'), { watch: () => {} });
    await a.checkWatches(p('/count'), 'CHILDREN');
    await assert.rejects(a.checkWatches(p('/count'), 'DATA'), isCode(ErrorCode.NOWATCHER));
  });

  test('sync: a read after sync sees what another client wrote', { timeout: 60_000 }, async () => {
    const a = await client();
    const b = await client();
    await a.create(p('/sync'), '0').catch(() => undefined);
    for (let i = 1; i <= 5; i++) {
      await a.setData(p('/sync'), String(i));
      assert.equal(await b.sync(p('/sync')), p('/sync'));
      assert.equal(fromUtf8((await b.getData(p('/sync'))).data), String(i));
    }
  });

  test('session expiry: a silent client loses its session and its ephemerals; it learns so when it comes back', { timeout: 60_000 }, async () => {
    const t = target();
    const crash = crashable(t.connector());
    const a = await client(t.shortSessionMs, crash.connector);
    const b = await client();
    await b.create(p('/expiry'), null).catch(() => undefined);
    await a.create(p('/expiry/eph'), 'a', { mode: 'EPHEMERAL' });
    let deleted: WatchedEvent | null = null;
    await b.sync(p('/expiry'));
    assert.ok(await b.exists(p('/expiry/eph'), { watch: (e) => (deleted = e) }));
    crash.crash();
    await waitFor('the ephemeral goes when the session expires', () => deleted !== null, a.negotiatedTimeoutMs * 4 + WAIT_MS);
    assert.equal((deleted as WatchedEvent | null)?.type, 'NodeDeleted');
    assert.equal(await b.exists(p('/expiry/eph')), null);
    crash.revive();
    await waitFor('the client hears its session expired', () => a.state === 'EXPIRED');
    await assert.rejects(a.getData(p('/expiry')), isCode(ErrorCode.SESSIONEXPIRED));
  });

  test('the recipes, unchanged: lock, election, barrier, config, service registry', { timeout: 120_000 }, async () => {
    const [a, b, c] = [await client(), await client(), await client()];
    // Lock: mutual exclusion and hand-over.
    const lockA = new Lock(a, p('/recipes/lock'));
    const lockB = new Lock(b, p('/recipes/lock'));
    await within('A locks', lockA.acquire());
    let bHas = false;
    const bAcquired = lockB.acquire().then(() => (bHas = true));
    await sleep(300);
    assert.equal(bHas, false, 'B waits while A holds the lock');
    await lockA.release();
    await within('B gets the lock after A', bAcquired);
    await lockB.release();

    // Election: one leader; when it resigns the next leads.
    const elections = [a, b, c].map((zk, i) => new LeaderElection(zk, p('/recipes/election'), { id: `cand-${i}` }));
    for (const e of elections) await within('candidate starts', e.start());
    assert.equal(elections.filter((e) => e.isLeader).length, 1);
    const first = elections.find((e) => e.isLeader)!;
    await a.sync(p('/recipes/election'));
    assert.equal(await a.getChildren(p('/recipes/election')).then((k) => k.length), 3);
    await first.resign();
    await waitFor('another candidate leads', () => elections.some((e) => e !== first && e.isLeader));
    assert.equal(elections.filter((e) => e.isLeader).length, 1);
    for (const e of elections) if (e !== first) await e.resign();

    // Double barrier of three.
    const barriers = [a, b, c].map((zk, i) => new DoubleBarrier(zk, p('/recipes/barrier'), 3, { id: `p${i}` }));
    const entered: number[] = [];
    const entering = barriers.map((bar, i) => bar.enter({ timeoutMs: WAIT_MS }).then(() => entered.push(i)));
    await within('all three enter together', Promise.all(entering));
    assert.equal(entered.length, 3);
    await within('all three leave', Promise.all(barriers.map((bar) => bar.leave({ timeoutMs: WAIT_MS }))));

    // Config with CAS and change events.
    const store = new ConfigStore<{ replicas: number }>(a, p('/recipes/config'));
    const watched = new ConfigStore<{ replicas: number }>(b, p('/recipes/config'));
    const seen: (number | null)[] = [];
    const stop = watched.watch((cfg) => seen.push(cfg?.value.replicas ?? null));
    const v = await store.set({ replicas: 1 });
    await assert.rejects(store.set({ replicas: 9 }, v + 5), isCode(ErrorCode.BADVERSION));
    const updated = await store.update((cur) => ({ replicas: (cur?.replicas ?? 0) + 2 }));
    assert.deepEqual(updated.value, { replicas: 3 });
    await waitFor('the watcher sees the last value', () => seen.at(-1) === 3);
    stop();

    // Service registry: register, discover, and the consumer sees the provider go with its session.
    const provider = new ServiceRegistry(c);
    const consumer = new ServiceRegistry(a);
    await provider.register('UserService', 'Login', '127.0.0.1:8000');
    const changes: (string | null)[] = [];
    await a.sync('/');
    assert.equal(await consumer.discover('UserService', 'Login', { onChange: (addr) => changes.push(addr) }), '127.0.0.1:8000');
    await c.close();
    await waitFor('the consumer sees the provider gone', () => changes.at(-1) === null);
    consumer.close();
  });

  test('a chroot: the application sees its subtree as /, paths and events included', { timeout: 60_000 }, async () => {
    const outside = await client();
    await outside.create(p('/tenant'), null);
    const inside = await client(undefined, target().connector(p('/tenant')));
    const events: string[] = [];
    await inside.addWatch('/', 'PERSISTENT_RECURSIVE', (e) => void events.push(`${e.type} ${e.path}`));
    const seq = await inside.create('/job-', 'x', { mode: 'EPHEMERAL_SEQUENTIAL' });
    assert.match(seq, /^\/job-\d{10}$/);
    assert.deepEqual(await inside.getEphemerals('/'), [seq]);
    assert.equal(await inside.sync('/'), '/');
    const lock = new Lock(inside, '/locks/l');
    await within('the lock under the chroot', lock.acquire());
    await outside.sync(p('/tenant'));
    assert.ok(await outside.exists(p(`/tenant${seq}`)), 'the server has it below the chroot');
    assert.deepEqual(await outside.getChildren(p('/tenant/locks/l')).then((k) => k.length), 1);
    await lock.release();
    await waitFor('the recursive watch saw the creates with chroot-relative paths', () => events.includes(`NodeCreated ${seq}`) && events.includes('NodeCreated /locks'));
    assert.ok(events.every((e) => !e.includes(p('/tenant'))), events.join('; '));
  });

  return { clients, client };
}

/** A TCP proxy to host:port that can be cut (its connections destroyed, its port closed). */
async function proxy(targetPort: number): Promise<{ address: string; cut(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((downstream) => {
    const upstream = tcpConnect(targetPort, '127.0.0.1');
    for (const s of [downstream, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {});
    }
    downstream.pipe(upstream);
    upstream.pipe(downstream);
    downstream.on('close', () => upstream.destroy());
    upstream.on('close', () => downstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    address: `127.0.0.1:${port}`,
    cut: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

const apacheMissing = apacheZooKeeperMissing();

describe('ZooKeeperClient through the ZooKeeper connector, against Apache ZooKeeper 3.8', { skip: apacheMissing, timeout: 300_000 }, () => {
  let zk: ApacheZooKeeper | null = null;
  before(async () => {
    zk = await startApacheZooKeeper({ tickMs: 500 });
  });
  const suite = scenarios(
    () => ({ connector: (chroot?: string) => zooKeeperConnector(zk!.connectString, chroot === undefined ? {} : { chroot }), sessionTimeoutMs: 6000, shortSessionMs: 1500 }),
    '/apache',
  );
  after(async () => {
    for (const c of suite.clients) await c.close().catch(() => undefined);
    await zk?.stop();
  });

  test('credentials and an ACL: digest auth with the auth scheme keeps other sessions out', { timeout: 60_000 }, async () => {
    const alice = zooKeeperConnector(zk!.connectString, { auth: [{ scheme: 'digest', auth: 'alice:secret' }], acl: [{ perms: 31, scheme: 'auth', id: '' }] });
    const a = await suite.client(6000, alice, alice.members);
    await a.create('/apache-private', 'mine');
    assert.equal(fromUtf8((await a.getData('/apache-private')).data), 'mine');
    const stranger = await suite.client();
    await assert.rejects(stranger.getData('/apache-private'), isCode(ErrorCode.NOAUTH));
    // Wrong credentials: the server refuses them and drops the connection, and the client says why.
    const wrong = zooKeeperConnector(zk!.connectString, { auth: [{ scheme: 'nosuchscheme', auth: 'x' }] });
    const w = new ZooKeeperClient({ connector: wrong, members: 1, sessionTimeoutMs: 6000 });
    suite.clients.push(w);
    const reasons: string[] = [];
    w.on('state', (s) => s.reason && reasons.push(s.reason));
    await waitFor('the refusal is reported', () => reasons.some((r) => /AUTHFAILED/.test(r)));
    await w.close();
    await a.delete('/apache-private');
  });

  test('reconnect through another address with the same session: its ephemeral and its watch survive', { timeout: 60_000 }, async () => {
    const proxies = [await proxy(zk!.port), await proxy(zk!.port)];
    const connector = zooKeeperConnector(proxies.map((x) => x.address));
    const a = await suite.client(6000, connector, connector.members);
    const b = await suite.client();
    await a.create('/apache-move', '0').catch(() => undefined);
    await a.create('/apache-move/eph', 'a', { mode: 'EPHEMERAL' });
    let fired: WatchedEvent | null = null;
    await a.getData('/apache-move', { watch: (e) => (fired = e) });
    const sessionId = a.sessionId;
    const on = a.memberIndex!;
    const reconnected = new Promise<number | undefined>((resolve) => {
      const off = a.on('state', (s) => {
        if (s.state === 'CONNECTED') {
          off();
          resolve(s.memberIndex);
        }
      });
    });
    await proxies[on]!.cut();
    assert.equal(await within('reconnected', reconnected), 1 - on, 'through the other address');
    assert.equal(a.sessionId, sessionId);
    await b.setData('/apache-move', '1');
    await waitFor('the watch re-registered by setWatches fires', () => fired !== null);
    assert.ok(await b.exists('/apache-move/eph'), 'the ephemeral lives on with the session');
    await a.close();
    await proxies[1 - on]!.cut();
  });
});

describe('ZooKeeperClient through the ZooKeeper connector, against a peerkeeper ensemble', { timeout: 300_000 }, () => {
  const cluster = zkEnsemble();
  const suite = scenarios(
    () => ({ connector: (chroot?: string) => zooKeeperConnector(zkConnectString(cluster), chroot === undefined ? {} : { chroot }), sessionTimeoutMs: 6000, shortSessionMs: 1000 }),
    '/peerkeeper',
  );
  after(async () => {
    for (const c of suite.clients) await c.close().catch(() => undefined);
  });

  test('the member the client is on is killed: it resumes the session on another, ephemeral and watch intact', { timeout: 90_000 }, async () => {
    const a = await suite.client(6000);
    const b = await suite.client();
    await a.create('/pk-move', '0').catch(() => undefined);
    await a.create('/pk-move/eph', 'a', { mode: 'EPHEMERAL' });
    let fired: WatchedEvent | null = null;
    await a.getData('/pk-move', { watch: (e) => (fired = e) });
    const sessionId = a.sessionId;
    const victim = cluster.ids[a.memberIndex!]!;
    const reconnected = new Promise<number | undefined>((resolve) => {
      const off = a.on('state', (s) => {
        if (s.state === 'CONNECTED') {
          off();
          resolve(s.memberIndex);
        }
      });
    });
    await cluster.kill(victim);
    const now = await within('reconnected', reconnected, 60_000);
    assert.notEqual(cluster.ids[now!], victim);
    assert.equal(a.sessionId, sessionId);
    // b may have been on the victim too: it reconnects on its own; retry its write through that.
    await waitFor('b writes', async () => b.setData('/pk-move', '1').then(() => true, () => false), 60_000);
    await waitFor('the watch re-registered by setWatches fires', () => fired !== null, 60_000);
    assert.ok(await b.exists('/pk-move/eph'), 'the ephemeral lives on with the session');
    await a.close();
  });

  test('a member cut off from its quorum: a client that accepts read-only gets reads and NOTREADONLY', { timeout: 90_000 }, async () => {
    // One member is down since the test above; with a second one gone the last has no quorum.
    const running = cluster.ids.filter((id) => cluster.member(id).proc !== null);
    const connector = zooKeeperConnector(zkConnectString(cluster, running));
    await cluster.kill(running[0]!);
    const ro = new ZooKeeperClient({ connector, members: connector.members, sessionTimeoutMs: 6000, canBeReadOnly: true });
    suite.clients.push(ro);
    await waitFor('connected read-only', () => ro.state === 'CONNECTED_READ_ONLY', 60_000);
    assert.equal(fromUtf8((await ro.getData('/pk-move')).data), '1');
    await assert.rejects(ro.setData('/pk-move', '2'), isCode(ErrorCode.NOTREADONLY));
  });
});
