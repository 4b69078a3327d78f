/**
 * Differential tests: the same scripted cases, through the same bare jute client, against Apache
 * ZooKeeper 3.8 (Debian's, standalone) and against a 3-member peerkeeper ensemble's ZooKeeper port.
 * Each case runs in a fresh subtree on both; the normalized transcripts (error codes, every Stat
 * field that is defined, zxid relations, sequence suffixes, multi result layouts, watch events and
 * their order) must be equal. On a difference the test prints both transcripts side by side.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { OpCode } from '../../src/gateway/jute/opcodes.js';
import { apacheZooKeeperMissing, startApacheZooKeeper, type ApacheZooKeeper } from './fixtures/apache-zookeeper.js';
import { Flags, JuteClient, type Reply } from './fixtures/jute-client.js';
import { Transcript, transcriptDiff } from './fixtures/transcript.js';
import { zkAddress, zkEnsemble } from './fixtures/zk-ensemble.js';

/** What a case gets: its subtree, a way to open named sessions, and the transcript it fills. */
class CaseRun {
  private readonly clients: JuteClient[] = [];

  constructor(
    readonly root: string,
    readonly t: Transcript,
    private readonly address: string,
  ) {}

  /** `rel` under this case's subtree ("" is the subtree itself). */
  p(rel = ''): string {
    return this.root + rel;
  }

  async open(name: string): Promise<Session> {
    const c = await JuteClient.open(this.address);
    this.clients.push(c);
    this.t.session(c.sessionId, name);
    return new Session(name, c, this);
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.clients.map((c) => c.close()));
  }
}

class Session {
  constructor(
    readonly name: string,
    readonly c: JuteClient,
    private readonly run: CaseRun,
  ) {}

  /** Records the reply to one request under `label`. */
  async do<T>(label: string, reply: Promise<Reply<T>>): Promise<Reply<T>> {
    const r = await reply;
    this.run.t.reply(`${this.name}: ${label}`, r);
    return r;
  }

  /**
   * Records the watch events this session has received since the last call. A sync and a read
   * first: every event a server owes for what happened before is delivered ahead of those replies.
   */
  async events(): Promise<void> {
    await this.c.sync(this.run.root);
    await this.c.exists('/');
    this.run.t.events(`${this.name} events`, this.c.events.splice(0));
  }

  /** Closes this session (its ephemerals go). */
  async close(): Promise<void> {
    await this.c.close();
    this.run.t.note(`${this.name} closed`);
  }
}

type Case = (r: CaseRun, a: Session) => Promise<void>;

const cases: [string, Case][] = [];
const each = (name: string, fn: Case): void => {
  cases.push([name, fn]);
};

// ---- create modes and their stats ----

each('persistent create: path, stat, and the parent stat', async (r, a) => {
  await a.do('create /n', a.c.create(r.p('/n'), 'abc'));
  await a.do('create with create (no stat)', a.c.create(r.p('/m'), '', Flags.PERSISTENT, { opCode: OpCode.create }));
  await a.do('getData /n', a.c.getData(r.p('/n')));
  await a.do('exists parent', a.c.exists(r.p()));
  await a.do('getChildren2 parent', a.c.getChildren2(r.p()));
});

each('ephemeral create: owner is the session, parent counts it', async (r, a) => {
  await a.do('create -e', a.c.create(r.p('/e'), 'x', Flags.EPHEMERAL));
  await a.do('exists', a.c.exists(r.p('/e')));
  const b = await r.open('b');
  await b.do('exists from b', b.c.exists(r.p('/e')));
  await a.do('getEphemerals subtree', a.c.getEphemerals(r.p()));
  await b.do('getEphemerals of b', b.c.getEphemerals(r.p()));
  await a.close();
  await b.do('exists after owner closed', b.c.exists(r.p('/e')));
  await b.do('parent after owner closed', b.c.exists(r.p()));
});

each('sequential names count creates under the parent', async (r, a) => {
  for (let i = 0; i < 3; i++) await a.do('create -s', a.c.create(r.p('/s-'), '', Flags.PERSISTENT_SEQUENTIAL));
  await a.do('create -e -s', a.c.create(r.p('/es-'), '', Flags.EPHEMERAL_SEQUENTIAL));
  await a.do('create plain', a.c.create(r.p('/plain')));
  await a.do('create -s after plain', a.c.create(r.p('/s-'), '', Flags.PERSISTENT_SEQUENTIAL));
  await a.do('getChildren', a.c.getChildren(r.p()));
  await a.do('parent stat', a.c.exists(r.p()));
});

each('sequential after deletes: the suffix counts creates, cversion counts creates and deletes', async (r, a) => {
  await a.do('create /a', a.c.create(r.p('/a')));
  await a.do('create /b', a.c.create(r.p('/b')));
  await a.do('parent before delete', a.c.exists(r.p()));
  await a.do('delete /a', a.c.delete(r.p('/a')));
  await a.do('parent after delete', a.c.exists(r.p()));
  await a.do('create -s', a.c.create(r.p('/s-'), '', Flags.PERSISTENT_SEQUENTIAL));
  await a.do('delete /b', a.c.delete(r.p('/b')));
  await a.do('create -s again', a.c.create(r.p('/s-'), '', Flags.PERSISTENT_SEQUENTIAL));
  await a.do('parent at the end', a.c.getChildren2(r.p()));
});

each('pipelined writes: sequential names and cversion through creates and deletes still in flight', async (r, a) => {
  // Sent back to back without waiting: later writes are prepared against earlier ones not yet applied.
  const replies = await Promise.all([
    a.c.create(r.p('/a')),
    a.c.create(r.p('/b')),
    a.c.delete(r.p('/a')),
    a.c.create(r.p('/s-'), '', Flags.PERSISTENT_SEQUENTIAL),
    a.c.multi([{ type: 'delete', path: r.p('/b') }, { type: 'create', path: r.p('/s-'), flags: Flags.PERSISTENT_SEQUENTIAL }]),
    a.c.create(r.p('/s-'), '', Flags.EPHEMERAL_SEQUENTIAL),
    a.c.exists(r.p()),
  ]);
  replies.forEach((reply, i) => r.t.reply(`a: pipelined ${i}`, reply));
  await a.do('parent at the end', a.c.getChildren2(r.p()));
});

each('sequential in a multi after a delete in the same multi', async (r, a) => {
  await a.do('create /a', a.c.create(r.p('/a')));
  await a.do('multi delete + create -s', a.c.multi([{ type: 'delete', path: r.p('/a') }, { type: 'create', path: r.p('/s-'), flags: Flags.PERSISTENT_SEQUENTIAL }]));
  await a.do('parent', a.c.exists(r.p()));
});

each('sequential suffix on a name ending in a slash-free prefix and with data', async (r, a) => {
  await a.do('create /q', a.c.create(r.p('/q')));
  await a.do('create /q/ -s (empty name)', a.c.create(r.p('/q/'), 'd', Flags.PERSISTENT_SEQUENTIAL));
  await a.do('getChildren /q', a.c.getChildren(r.p('/q')));
});

each('container: created, used, emptied, then removed by the server', async (r, a) => {
  await a.do('createContainer', a.c.create(r.p('/c'), '', Flags.CONTAINER, { opCode: OpCode.createContainer }));
  await a.do('stat', a.c.exists(r.p('/c')));
  await a.do('create child', a.c.create(r.p('/c/x')));
  await a.do('delete child', a.c.delete(r.p('/c/x')));
  const deadline = Date.now() + 20_000;
  while ((await a.c.exists(r.p('/c'))).err === 0 && Date.now() < deadline) await new Promise((res) => setTimeout(res, 100));
  await a.do('exists after the sweep', a.c.exists(r.p('/c')));
});

each('container flags through the wrong opcode, and create with the container flag', async (r, a) => {
  // The opcode decides: createContainer makes a container whatever the flags; create2 with the
  // container flag makes a plain persistent node, which the sweep leaves alone.
  await a.do('createContainer with flag 0', a.c.create(r.p('/c1'), '', Flags.PERSISTENT, { opCode: OpCode.createContainer }));
  await a.do('createContainer with the ephemeral flag', a.c.create(r.p('/c3'), '', Flags.EPHEMERAL, { opCode: OpCode.createContainer }));
  await a.do('createContainer with a TTL flag', a.c.create(r.p('/c4'), '', Flags.PERSISTENT_WITH_TTL, { opCode: OpCode.createContainer }));
  await a.do('create2 with the container flag', a.c.create(r.p('/c2'), '', Flags.CONTAINER));
  for (const n of ['/c1', '/c2', '/c3']) {
    await a.do(`create ${n}/x`, a.c.create(r.p(`${n}/x`)));
    await a.do(`delete ${n}/x`, a.c.delete(r.p(`${n}/x`)));
  }
  const deadline = Date.now() + 20_000;
  while (((await a.c.exists(r.p('/c1'))).err === 0 || (await a.c.exists(r.p('/c3'))).err === 0) && Date.now() < deadline) await new Promise((res) => setTimeout(res, 100));
  await a.do('/c1 swept', a.c.exists(r.p('/c1')));
  await a.do('/c3 swept', a.c.exists(r.p('/c3')));
  await a.do('/c2 stays', a.c.exists(r.p('/c2')));
});

each('TTL nodes: create, stat, and the BADARGUMENTS cases', async (r, a) => {
  await a.do('createTTL 10 s', a.c.create(r.p('/t'), 'v', Flags.PERSISTENT_WITH_TTL, { opCode: OpCode.createTTL, ttl: 10_000n }));
  await a.do('stat', a.c.exists(r.p('/t')));
  await a.do('createTTL sequential', a.c.create(r.p('/ts-'), '', Flags.PERSISTENT_SEQUENTIAL_WITH_TTL, { opCode: OpCode.createTTL, ttl: 10_000n }));
  await a.do('createTTL ttl 0', a.c.create(r.p('/t0'), '', Flags.PERSISTENT_WITH_TTL, { opCode: OpCode.createTTL, ttl: 0n }));
  await a.do('createTTL ttl -5', a.c.create(r.p('/t1'), '', Flags.PERSISTENT_WITH_TTL, { opCode: OpCode.createTTL, ttl: -5n }));
  await a.do('createTTL ttl too big', a.c.create(r.p('/t2'), '', Flags.PERSISTENT_WITH_TTL, { opCode: OpCode.createTTL, ttl: 1n << 41n }));
  await a.do('createTTL with a persistent flag', a.c.create(r.p('/t3'), '', Flags.PERSISTENT, { opCode: OpCode.createTTL, ttl: 1000n }));
  await a.do('createTTL with an ephemeral flag', a.c.create(r.p('/t4'), '', Flags.EPHEMERAL, { opCode: OpCode.createTTL, ttl: 1000n }));
  await a.do('create2 with a TTL flag', a.c.create(r.p('/t5'), '', Flags.PERSISTENT_WITH_TTL));
  await a.do('getChildren', a.c.getChildren(r.p()));
});

each('unknown create flag', async (r, a) => {
  await a.do('create flag 7', a.c.create(r.p('/u'), '', 7));
  await a.do('create flag -1', a.c.create(r.p('/u'), '', -1));
  await a.do('exists', a.c.exists(r.p('/u')));
});

// ---- errors ----

each('NODEEXISTS, NONODE parent, NOCHILDRENFOREPHEMERALS', async (r, a) => {
  await a.do('create /x', a.c.create(r.p('/x')));
  await a.do('create /x again', a.c.create(r.p('/x')));
  await a.do('create under a missing parent', a.c.create(r.p('/missing/y')));
  await a.do('create -e /e', a.c.create(r.p('/e'), '', Flags.EPHEMERAL));
  await a.do('create under the ephemeral', a.c.create(r.p('/e/child')));
  await a.do('create -s under the ephemeral', a.c.create(r.p('/e/s-'), '', Flags.PERSISTENT_SEQUENTIAL));
  await a.do('parent stat unchanged by failures', a.c.exists(r.p()));
});

each('delete: NOTEMPTY, BADVERSION, NONODE, then a good versioned delete', async (r, a) => {
  await a.do('create /d', a.c.create(r.p('/d')));
  await a.do('create /d/k', a.c.create(r.p('/d/k')));
  await a.do('delete non-empty', a.c.delete(r.p('/d')));
  await a.do('delete bad version', a.c.delete(r.p('/d/k'), 3));
  await a.do('delete missing', a.c.delete(r.p('/nope')));
  await a.do('setData /d/k', a.c.setData(r.p('/d/k'), 'v1'));
  await a.do('delete version 1', a.c.delete(r.p('/d/k'), 1));
  await a.do('delete now empty', a.c.delete(r.p('/d'), 0));
  await a.do('parent', a.c.getChildren2(r.p()));
});

each('setData: versions, BADVERSION, NONODE, mzxid after czxid', async (r, a) => {
  await a.do('create', a.c.create(r.p('/v'), 'a'));
  await a.do('setData any', a.c.setData(r.p('/v'), 'bb'));
  await a.do('setData version 1', a.c.setData(r.p('/v'), 'ccc', 1));
  await a.do('setData stale version', a.c.setData(r.p('/v'), 'dd', 1));
  await a.do('setData missing', a.c.setData(r.p('/none'), 'x'));
  await a.do('setData empty', a.c.setData(r.p('/v'), ''));
  await a.do('getData', a.c.getData(r.p('/v')));
  await a.do('parent untouched by setData', a.c.exists(r.p()));
});

each('reads of missing nodes', async (r, a) => {
  await a.do('getData missing', a.c.getData(r.p('/m')));
  await a.do('exists missing', a.c.exists(r.p('/m')));
  await a.do('getChildren missing', a.c.getChildren(r.p('/m')));
  await a.do('getChildren2 missing', a.c.getChildren2(r.p('/m')));
  await a.do('getAllChildrenNumber missing', a.c.getAllChildrenNumber(r.p('/m')));
});

each('invalid paths on writes', async (r, a) => {
  await a.do('create /a', a.c.create(r.p('/a')));
  for (const rel of ['/', '/a/', '//a', '/./a', '/a/..', '/a/.', '/a\u0000b', '/a/\u0001', '/b/', '/b/.']) {
    await a.do(`create ${JSON.stringify(rel)}`, a.c.create(r.p(rel)));
  }
  await a.do('create -s "/a/" (name is the suffix)', a.c.create(r.p('/a/'), '', Flags.PERSISTENT_SEQUENTIAL));
  await a.do('create -s "/a//"', a.c.create(r.p('/a//'), '', Flags.PERSISTENT_SEQUENTIAL));
  await a.do('create relative', a.c.create('rel'));
  await a.do('create relative with a slash', a.c.create('rel/x'));
  await a.do('create empty', a.c.create(''));
  await a.do('delete relative', a.c.delete('rel'));
  await a.do('setData relative', a.c.setData('rel', 'x'));
  await a.do('getChildren', a.c.getChildren(r.p()));
});

each('delete the root and the reserved node', async (_r, a) => {
  await a.do('delete /', a.c.delete('/'));
  await a.do('delete /zookeeper', a.c.delete('/zookeeper'));
});

each('reads and watch requests with invalid paths', async (r, a) => {
  await a.do('create /a', a.c.create(r.p('/a')));
  for (const path of ['rel', r.p('/a/'), r.p('//a'), r.p('/a/.')]) {
    await a.do(`getData ${JSON.stringify(path)}`, a.c.getData(path));
    await a.do(`exists ${JSON.stringify(path)} with a watch`, a.c.exists(path, true));
    await a.do(`getChildren ${JSON.stringify(path)}`, a.c.getChildren(path));
    await a.do(`getAllChildrenNumber ${JSON.stringify(path)}`, a.c.getAllChildrenNumber(path));
  }
});

each('writes to the root', async (_r, a) => {
  await a.do('setData / with a stale version', a.c.setData('/', 'x', 12345));
  await a.do('multi check / with a stale version', a.c.multi([{ type: 'check', path: '/', version: 12345 }]));
});

each('multi: check and delete of missing nodes', async (r, a) => {
  await a.do('check missing', a.c.multi([{ type: 'check', path: r.p('/nope'), version: -1 }]));
  await a.do('delete missing after a create', a.c.multi([{ type: 'create', path: r.p('/x') }, { type: 'delete', path: r.p('/nope') }]));
  await a.do('setData missing', a.c.multi([{ type: 'setData', path: r.p('/nope'), data: 'x' }]));
  await a.do('check with any version on a present node', a.c.multi([{ type: 'check', path: r.p(), version: -1 }]));
});

each('ephemeral: versioned delete by its owner and setData by another session', async (r, a) => {
  const b = await r.open('b');
  await a.do('create -e', a.c.create(r.p('/e'), 'v', Flags.EPHEMERAL));
  await b.do('setData from b', b.c.setData(r.p('/e'), 'w'));
  await b.do('getData from b', b.c.getData(r.p('/e')));
  await a.do('delete stale version', a.c.delete(r.p('/e'), 0));
  await b.do('delete by b (anyone may)', b.c.delete(r.p('/e'), 1));
  await a.do('getEphemerals after', a.c.getEphemerals(r.p()));
});

// Not compared on purpose: ZooKeeper registers addWatch on a relative path (and removes it again),
// yet checkWatches of one is MARSHALLINGERROR; peerkeeper refuses watch requests on a path no node
// can have with BADARGUMENTS.
each('sync and getEphemerals with odd paths', async (r, a) => {
  await a.do('sync relative', a.c.sync('rel'));
  await a.do('sync trailing slash', a.c.sync(r.p('/')));
  await a.do('getEphemerals relative prefix', a.c.getEphemerals('rel'));
  await a.do('getEphemerals empty prefix', a.c.getEphemerals(''));
});

each('createContainer with the sequential flag', async (r, a) => {
  await a.do('createContainer flag 2', a.c.create(r.p('/c-'), '', Flags.PERSISTENT_SEQUENTIAL, { opCode: OpCode.createContainer }));
  await a.do('children', a.c.getChildren(r.p()));
});

// ---- multi ----

each('multi: every op succeeds, results in order with their types', async (r, a) => {
  await a.do('create /m', a.c.create(r.p('/m'), 'x'));
  await a.do(
    'multi',
    a.c.multi([
      { type: 'create', path: r.p('/m/a'), data: 'A' },
      { type: 'create', path: r.p('/m/b'), flags: Flags.PERSISTENT_SEQUENTIAL, opCode: OpCode.create2 },
      { type: 'setData', path: r.p('/m'), data: 'y', version: 0 },
      { type: 'check', path: r.p('/m'), version: 1 },
      { type: 'delete', path: r.p('/m/a') },
    ]),
  );
  await a.do('getChildren2 /m', a.c.getChildren2(r.p('/m')));
});

each('multi: a failure in the middle rolls everything back, with the error layout', async (r, a) => {
  await a.do('create /m', a.c.create(r.p('/m')));
  await a.do(
    'multi failing at op 2',
    a.c.multi([
      { type: 'create', path: r.p('/m/a') },
      { type: 'setData', path: r.p('/m'), data: 'x' },
      { type: 'delete', path: r.p('/nope') },
      { type: 'create', path: r.p('/m/b') },
    ]),
  );
  await a.do('nothing happened', a.c.getChildren2(r.p('/m')));
  await a.do('multi check with a bad version', a.c.multi([{ type: 'check', path: r.p('/m'), version: 5 }, { type: 'create', path: r.p('/m/c') }]));
  await a.do('multi failing at the last op', a.c.multi([{ type: 'create', path: r.p('/m/d') }, { type: 'create', path: r.p('/m/d') }]));
  await a.do('still nothing', a.c.getChildren2(r.p('/m')));
});

each('multi: ops see the earlier ops of the same multi', async (r, a) => {
  await a.do(
    'create, child, setData, delete child, delete',
    a.c.multi([
      { type: 'create', path: r.p('/t') },
      { type: 'create', path: r.p('/t/c') },
      { type: 'setData', path: r.p('/t/c'), data: 'z', version: 0 },
      { type: 'check', path: r.p('/t/c'), version: 1 },
      { type: 'delete', path: r.p('/t/c'), version: 1 },
      { type: 'delete', path: r.p('/t') },
    ]),
  );
  await a.do('parent', a.c.exists(r.p()));
  await a.do('delete of a non-empty node inside a multi', a.c.multi([{ type: 'create', path: r.p('/u') }, { type: 'create', path: r.p('/u/v') }, { type: 'delete', path: r.p('/u') }]));
});

each('multi: container, TTL and ephemeral creates and their result types', async (r, a) => {
  await a.do(
    'multi creates',
    a.c.multi([
      { type: 'create', path: r.p('/c'), flags: Flags.CONTAINER, opCode: OpCode.createContainer },
      { type: 'create', path: r.p('/t'), flags: Flags.PERSISTENT_WITH_TTL, opCode: OpCode.createTTL, ttl: 60_000n },
      { type: 'create', path: r.p('/e'), flags: Flags.EPHEMERAL, opCode: OpCode.create2 },
      { type: 'create', path: r.p('/p'), flags: Flags.PERSISTENT },
    ]),
  );
  await a.do('multi TTL with ttl 0', a.c.multi([{ type: 'create', path: r.p('/t0'), flags: Flags.PERSISTENT_WITH_TTL, opCode: OpCode.createTTL, ttl: 0n }]));
  await a.do('multi create under an ephemeral', a.c.multi([{ type: 'create', path: r.p('/e/x') }]));
});

each('empty multi', async (r, a) => {
  await a.do('multi []', a.c.multi([]));
  await a.do('subtree', a.c.exists(r.p()));
});

each('multiRead: data, children and an error slot', async (r, a) => {
  await a.do('create /x', a.c.create(r.p('/x'), 'xx'));
  await a.do('create /x/y', a.c.create(r.p('/x/y')));
  await a.do(
    'multiRead',
    a.c.multiRead([
      { type: 'getData', path: r.p('/x') },
      { type: 'getChildren', path: r.p('/x') },
      { type: 'getData', path: r.p('/nope') },
      { type: 'getChildren', path: r.p('/x/y') },
    ]),
  );
});

// ---- getChildren2, getEphemerals, getAllChildrenNumber, sync ----

each('getChildren2: children and the parent stat through creates and deletes', async (r, a) => {
  await a.do('empty', a.c.getChildren2(r.p()));
  await a.do('create /a', a.c.create(r.p('/a')));
  await a.do('create /b', a.c.create(r.p('/b'), '', Flags.EPHEMERAL));
  await a.do('two', a.c.getChildren2(r.p()));
  await a.do('delete /a', a.c.delete(r.p('/a')));
  await a.do('one', a.c.getChildren2(r.p()));
  await a.do('leaf', a.c.getChildren2(r.p('/b')));
});

each('getEphemerals: by prefix, and only this session', async (r, a) => {
  const b = await r.open('b');
  await a.do('create /x', a.c.create(r.p('/x')));
  await a.do('create -e /x/a1', a.c.create(r.p('/x/a1'), '', Flags.EPHEMERAL));
  await a.do('create -e /a2', a.c.create(r.p('/a2'), '', Flags.EPHEMERAL));
  await a.do('create -e -s /x/s', a.c.create(r.p('/x/s'), '', Flags.EPHEMERAL_SEQUENTIAL));
  await b.do('create -e /b1', b.c.create(r.p('/b1'), '', Flags.EPHEMERAL));
  await a.do('a, subtree', a.c.getEphemerals(r.p()));
  await a.do('a, /x', a.c.getEphemerals(r.p('/x')));
  await a.do('a, string prefix', a.c.getEphemerals(r.p('/a')));
  await b.do('b, subtree', b.c.getEphemerals(r.p()));
  await a.do('a, nothing there', a.c.getEphemerals(r.p('/zz')));
});

each('getAllChildrenNumber counts every descendant', async (r, a) => {
  await a.do('none yet', a.c.getAllChildrenNumber(r.p()));
  await a.do('create /a', a.c.create(r.p('/a')));
  await a.do('create /a/b', a.c.create(r.p('/a/b')));
  await a.do('create /a/b/c', a.c.create(r.p('/a/b/c')));
  await a.do('create /a/d', a.c.create(r.p('/a/d'), '', Flags.EPHEMERAL));
  await a.do('create /e', a.c.create(r.p('/e')));
  await a.do('subtree', a.c.getAllChildrenNumber(r.p()));
  await a.do('/a', a.c.getAllChildrenNumber(r.p('/a')));
  await a.do('leaf', a.c.getAllChildrenNumber(r.p('/a/b/c')));
  await a.do('delete /a/b/c', a.c.delete(r.p('/a/b/c')));
  await a.do('after a delete', a.c.getAllChildrenNumber(r.p()));
  await a.do('missing', a.c.getAllChildrenNumber(r.p('/zz')));
});

each('sync answers with its path', async (r, a) => {
  await a.do('sync subtree', a.c.sync(r.p()));
  await a.do('sync missing path', a.c.sync(r.p('/missing')));
});

// ---- watches ----

each('data watch: one-shot NodeDataChanged', async (r, a) => {
  const b = await r.open('b');
  await a.do('create', a.c.create(r.p('/w'), '0'));
  await b.do('getData watch', b.c.getData(r.p('/w'), true));
  await a.do('setData', a.c.setData(r.p('/w'), '1'));
  await b.events();
  await a.do('setData again', a.c.setData(r.p('/w'), '2'));
  await b.events();
});

each('exists watch on a missing node, then create', async (r, a) => {
  const b = await r.open('b');
  await b.do('exists watch', b.c.exists(r.p('/later'), true));
  await a.do('create', a.c.create(r.p('/later')));
  await b.events();
  await b.do('exists watch on an existing node', b.c.exists(r.p('/later'), true));
  await a.do('delete', a.c.delete(r.p('/later')));
  await b.events();
});

each('child watch: create and delete children, one-shot', async (r, a) => {
  const b = await r.open('b');
  await b.do('getChildren watch', b.c.getChildren(r.p(), true));
  await a.do('create child', a.c.create(r.p('/c1')));
  await a.do('create another', a.c.create(r.p('/c2')));
  await b.events();
  await b.do('getChildren2 watch', b.c.getChildren2(r.p(), true));
  await a.do('delete child', a.c.delete(r.p('/c1')));
  await b.events();
  await b.do('child watch', b.c.getChildren(r.p(), true));
  await a.do('setData on the parent (no child event)', a.c.setData(r.p(), 'x'));
  await a.do('setData on a child (no child event)', a.c.setData(r.p('/c2'), 'x'));
  await b.events();
});

each('delete fires the data, exists and child watches of the node and the parent child watch, once each', async (r, a) => {
  const b = await r.open('b');
  await a.do('create /n', a.c.create(r.p('/n')));
  await b.do('getData watch', b.c.getData(r.p('/n'), true));
  await b.do('exists watch', b.c.exists(r.p('/n'), true));
  await b.do('getChildren watch /n', b.c.getChildren(r.p('/n'), true));
  await b.do('getChildren watch parent', b.c.getChildren(r.p(), true));
  await a.do('delete /n', a.c.delete(r.p('/n')));
  await b.events();
});

each('watches set by the writer itself fire before the write reply', async (r, a) => {
  await a.do('create', a.c.create(r.p('/s')));
  await a.do('getData watch', a.c.getData(r.p('/s'), true));
  await a.do('getChildren watch', a.c.getChildren(r.p(), true));
  await a.do('setData', a.c.setData(r.p('/s'), 'x'));
  r.t.events('a events right after the setData reply', a.c.events.splice(0));
  await a.do('create sibling', a.c.create(r.p('/t')));
  r.t.events('a events right after the create reply', a.c.events.splice(0));
});

each('watch events of a multi, in op order', async (r, a) => {
  const b = await r.open('b');
  await a.do('create /x', a.c.create(r.p('/x')));
  await a.do('create /y', a.c.create(r.p('/y')));
  await b.do('getData watch /x', b.c.getData(r.p('/x'), true));
  await b.do('exists watch /z', b.c.exists(r.p('/z'), true));
  await b.do('getChildren watch parent', b.c.getChildren(r.p(), true));
  await b.do('getData watch /y', b.c.getData(r.p('/y'), true));
  await a.do(
    'multi',
    a.c.multi([
      { type: 'setData', path: r.p('/x'), data: '1' },
      { type: 'create', path: r.p('/z') },
      { type: 'delete', path: r.p('/y') },
    ]),
  );
  await b.events();
});

each('a failed multi fires nothing', async (r, a) => {
  const b = await r.open('b');
  await a.do('create /x', a.c.create(r.p('/x')));
  await b.do('getData watch /x', b.c.getData(r.p('/x'), true));
  await b.do('getChildren watch parent', b.c.getChildren(r.p(), true));
  await a.do('failing multi', a.c.multi([{ type: 'setData', path: r.p('/x'), data: '1' }, { type: 'create', path: r.p('/x') }]));
  await b.events();
  await a.do('setData', a.c.setData(r.p('/x'), '2'));
  await b.events();
});

each('persistent watch: data and children, many times', async (r, a) => {
  const b = await r.open('b');
  await a.do('create /p', a.c.create(r.p('/p')));
  await b.do('addWatch persistent', b.c.addWatch(r.p('/p'), 0));
  await a.do('setData', a.c.setData(r.p('/p'), '1'));
  await a.do('setData', a.c.setData(r.p('/p'), '2'));
  await a.do('create child', a.c.create(r.p('/p/c')));
  await a.do('setData child (not watched)', a.c.setData(r.p('/p/c'), 'x'));
  await a.do('delete child', a.c.delete(r.p('/p/c')));
  await a.do('delete /p', a.c.delete(r.p('/p')));
  await a.do('create /p again', a.c.create(r.p('/p')));
  await b.events();
});

each('persistent recursive watch: the whole subtree, no child events', async (r, a) => {
  const b = await r.open('b');
  await b.do('addWatch recursive on a missing node', b.c.addWatch(r.p('/r'), 1));
  await a.do('create /r', a.c.create(r.p('/r')));
  await a.do('create /r/a', a.c.create(r.p('/r/a')));
  await a.do('create /r/a/b', a.c.create(r.p('/r/a/b')));
  await a.do('setData /r/a/b', a.c.setData(r.p('/r/a/b'), 'x'));
  await a.do('delete /r/a/b', a.c.delete(r.p('/r/a/b')));
  await a.do('create sibling /rx (outside)', a.c.create(r.p('/rx')));
  await b.events();
});

// Added in this order on purpose: ZooKeeper 3.8.0 lets a later getData watch turn an earlier
// persistent watch on the same path into a one-shot one (ZOOKEEPER-4466, fixed upstream later), a
// bug peerkeeper does not copy.
each('persistent watch beside a one-shot watch on the same node: one event per change', async (r, a) => {
  const b = await r.open('b');
  await a.do('create /n', a.c.create(r.p('/n')));
  await b.do('getData watch', b.c.getData(r.p('/n'), true));
  await b.do('addWatch persistent', b.c.addWatch(r.p('/n'), 0));
  await a.do('setData', a.c.setData(r.p('/n'), '1'));
  await a.do('setData', a.c.setData(r.p('/n'), '2'));
  await b.events();
});

each('exists watch on a present node fires on setData; two sessions each get their own event', async (r, a) => {
  const b = await r.open('b');
  const c = await r.open('c');
  await a.do('create', a.c.create(r.p('/n')));
  await b.do('exists watch', b.c.exists(r.p('/n'), true));
  await c.do('getData watch', c.c.getData(r.p('/n'), true));
  await a.do('setData', a.c.setData(r.p('/n'), 'x'));
  await b.events();
  await c.events();
});

each('recursive watch: the watched node itself deleted and created again', async (r, a) => {
  const b = await r.open('b');
  await a.do('create /r', a.c.create(r.p('/r')));
  await a.do('create /r/k', a.c.create(r.p('/r/k')));
  await b.do('addWatch recursive', b.c.addWatch(r.p('/r'), 1));
  await a.do('multi: delete /r/k and /r', a.c.multi([{ type: 'delete', path: r.p('/r/k') }, { type: 'delete', path: r.p('/r') }]));
  await a.do('create /r', a.c.create(r.p('/r')));
  await a.do('setData /r', a.c.setData(r.p('/r'), 'x'));
  await b.events();
  await b.do('checkWatches DATA on /r', b.c.checkWatches(r.p('/r'), 2));
});

each('one-shot watches set by a multiRead', async (r, a) => {
  const b = await r.open('b');
  await a.do('create /m', a.c.create(r.p('/m')));
  await b.do('multiRead with watches', b.c.multiRead([{ type: 'getData', path: r.p('/m'), watch: true }, { type: 'getChildren', path: r.p('/m'), watch: true }]));
  await a.do('create /m/c', a.c.create(r.p('/m/c')));
  await a.do('setData /m', a.c.setData(r.p('/m'), 'x'));
  await b.events();
});

each('addWatch with a bad mode', async (r, a) => {
  await a.do('addWatch mode 2', a.c.addWatch(r.p(), 2));
  await a.do('addWatch mode -1', a.c.addWatch(r.p(), -1));
});

each('removeWatches and checkWatches: by type, NOWATCHER when absent', async (r, a) => {
  const b = await r.open('b');
  await a.do('create /n', a.c.create(r.p('/n')));
  await b.do('checkWatches DATA, none', b.c.checkWatches(r.p('/n'), 2));
  await b.do('removeWatches ANY, none', b.c.removeWatches(r.p('/n'), 3));
  await b.do('getData watch', b.c.getData(r.p('/n'), true));
  await b.do('checkWatches DATA', b.c.checkWatches(r.p('/n'), 2));
  await b.do('checkWatches CHILDREN', b.c.checkWatches(r.p('/n'), 1));
  await b.do('checkWatches ANY', b.c.checkWatches(r.p('/n'), 3));
  await b.do('removeWatches CHILDREN', b.c.removeWatches(r.p('/n'), 1));
  await b.do('getChildren watch', b.c.getChildren(r.p('/n'), true));
  await b.do('checkWatches CHILDREN now', b.c.checkWatches(r.p('/n'), 1));
  await b.do('removeWatches DATA', b.c.removeWatches(r.p('/n'), 2));
  await b.do('checkWatches DATA after remove', b.c.checkWatches(r.p('/n'), 2));
  await a.do('setData (no data watch left)', a.c.setData(r.p('/n'), 'x'));
  await a.do('create child (child watch left)', a.c.create(r.p('/n/c')));
  await b.events();
  await b.do('checkWatches CHILDREN after it fired', b.c.checkWatches(r.p('/n'), 1));
  await b.do('exists watch on a missing node', b.c.exists(r.p('/m'), true));
  await b.do('checkWatches DATA on the exists watch', b.c.checkWatches(r.p('/m'), 2));
  await b.do('removeWatches DATA on the exists watch', b.c.removeWatches(r.p('/m'), 2));
  await a.do('create /m (no watch left)', a.c.create(r.p('/m')));
  await b.events();
  await a.do('checkWatches from a session without watches', a.c.checkWatches(r.p('/n'), 3));
  await b.do('checkWatches bad type', b.c.checkWatches(r.p('/n'), 9));
  await b.do('removeWatches bad type', b.c.removeWatches(r.p('/n'), 0));
});

each('removeWatches and checkWatches on persistent watches', async (r, a) => {
  const b = await r.open('b');
  await a.do('create /n', a.c.create(r.p('/n')));
  await b.do('addWatch persistent', b.c.addWatch(r.p('/n'), 0));
  await b.do('checkWatches DATA', b.c.checkWatches(r.p('/n'), 2));
  await b.do('checkWatches CHILDREN', b.c.checkWatches(r.p('/n'), 1));
  await b.do('checkWatches ANY', b.c.checkWatches(r.p('/n'), 3));
  await b.do('removeWatches ANY', b.c.removeWatches(r.p('/n'), 3));
  await b.do('checkWatches ANY after remove', b.c.checkWatches(r.p('/n'), 3));
  await a.do('setData', a.c.setData(r.p('/n'), 'x'));
  await b.events();
});

each('ephemeral owner gone: watches on its nodes fire', async (r, a) => {
  const b = await r.open('b');
  await b.do('create -e /e1', b.c.create(r.p('/e1'), '', Flags.EPHEMERAL));
  await b.do('create -e -s /e2-', b.c.create(r.p('/e2-'), '', Flags.EPHEMERAL_SEQUENTIAL));
  await a.do('getData watch /e1', a.c.getData(r.p('/e1'), true));
  await a.do('getChildren watch parent', a.c.getChildren(r.p(), true));
  await b.close();
  await a.events();
  await a.do('parent after', a.c.getChildren2(r.p()));
});

/** Cases that still differ, with why; each is a bug to fix in the member, not in the case. */
const KNOWN_DIFFERENCES: Record<string, string> = {
  'createContainer with the sequential flag':
    'ZooKeeper makes a sequential container; peerkeeper has no such create mode and answers UNIMPLEMENTED rather than drop the suffix',
};

const skip = apacheZooKeeperMissing();

describe('differential: peerkeeper against Apache ZooKeeper 3.8', { skip }, () => {
  const cluster = zkEnsemble();
  let zk: ApacheZooKeeper | null = null;

  before(async () => {
    zk = await startApacheZooKeeper();
    // ruok can answer before the server takes sessions: wait for one.
    await (await JuteClient.openWhenServing(zk.connectString)).close();
  });
  after(async () => {
    await zk?.stop();
  });

  /** One case on one server: its subtree, a session "a", the script, every session closed. */
  async function runCase(address: string, index: number, fn: Case): Promise<unknown[]> {
    const t = new Transcript();
    const run = new CaseRun(`/diff${index}`, t, address);
    try {
      const a = await run.open('a');
      await a.do('create the subtree', a.c.create(run.root));
      await fn(run, a);
    } catch (err) {
      t.note('case threw', String(err));
    } finally {
      await run.closeAll();
    }
    return t.normalized();
  }

  cases.forEach(([name, fn], index) => {
    test(name, { timeout: 90_000, todo: KNOWN_DIFFERENCES[name] ?? false }, async () => {
      const member = cluster.ids[index % cluster.ids.length]!;
      const expected = await runCase(zk!.connectString, index, fn);
      const actual = await runCase(zkAddress(cluster, member), index, fn);
      assert.ok(
        JSON.stringify(expected) === JSON.stringify(actual),
        `peerkeeper (member ${member}) differs from ZooKeeper 3.8:\n${transcriptDiff(expected, actual)}`,
      );
    });
  });
});
