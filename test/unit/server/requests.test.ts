import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { OperationResponse } from '../../../src/protocol/client.js';
import { ErrorCode } from '../../../src/tree/index.js';
import { compareZxid, formatZxid } from '../../../src/zab/zxid.js';
import { codeName, dec, Ensemble, mop, op, show, type ClientConn } from './harness.js';

const MAX_DATA = 64;

function setup(via: 'leader' | 'follower'): { e: Ensemble; c: ClientConn; member: number } {
  const e = Ensemble.started({ maxDataBytes: MAX_DATA });
  const member = via === 'leader' ? e.mustLeader() : e.followers()[0]!;
  return { e, c: e.session(member), member };
}

function dataOf(r: OperationResponse): string {
  assert.ok(r.result?.op === 'getData', show(r));
  return dec(r.result.data);
}

function versionOf(r: OperationResponse): number {
  const res = r.result;
  if (res?.op === 'getData' || res?.op === 'setData' || res?.op === 'create') return res.stat.version;
  if (res?.op === 'exists' && res.stat) return res.stat.version;
  assert.fail(`no stat in ${show(r)}`);
}

function childrenOf(r: OperationResponse): readonly string[] {
  assert.ok(r.result?.op === 'getChildren', show(r));
  return r.result.children;
}

for (const via of ['leader', 'follower'] as const) {
  describe(`requests through the ${via}`, () => {
    test('create, getData, setData with CAS versions (BADVERSION)', () => {
      const { e, c, member } = setup(via);
      const created = c.ok(op.create('/a', 'one'));
      assert.ok(created.result?.op === 'create');
      assert.equal(created.result.path, '/a');
      assert.equal(created.result.stat.version, 0);
      assert.equal(created.result.stat.dataLength, 3);
      assert.equal(formatZxid(created.result.stat.czxid), formatZxid(created.zxid), 'the reply carries the zxid of its own txn');
      assert.equal(dataOf(c.ok(op.getData('/a'))), 'one');

      const set1 = c.ok(op.setData('/a', 'two', 0));
      assert.equal(versionOf(set1), 1);
      const bad = c.fails(op.setData('/a', 'three', 0), ErrorCode.BADVERSION);
      assert.equal(bad.result, undefined);
      assert.match(bad.message ?? '', /version/);
      const read = c.ok(op.getData('/a'));
      assert.equal(dataOf(read), 'two', 'a refused setData changes nothing');
      assert.equal(versionOf(read), 1);
      assert.equal(versionOf(c.ok(op.setData('/a', 'any', -1))), 2, '-1 matches any version');
      c.ok(op.check('/a', 2));
      c.fails(op.check('/a', 1), ErrorCode.BADVERSION);
      c.fails(op.delete('/a', 1), ErrorCode.BADVERSION);
      c.ok(op.delete('/a', 2));
      e.assertConverged();
      assert.equal(e.member(member).dataTree.exists('/a'), null);
    });

    test('NONODE, NODEEXISTS, NOTEMPTY', () => {
      const { e, c } = setup(via);
      c.ok(op.create('/p'));
      c.ok(op.create('/p/c'));
      c.fails(op.create('/p'), ErrorCode.NODEEXISTS);
      c.fails(op.create('/p/c'), ErrorCode.NODEEXISTS);
      c.fails(op.create('/'), ErrorCode.NODEEXISTS);
      c.fails(op.delete('/p'), ErrorCode.NOTEMPTY);
      c.fails(op.create('/nope/child'), ErrorCode.NONODE);
      c.fails(op.getData('/nope'), ErrorCode.NONODE);
      c.fails(op.getChildren('/nope'), ErrorCode.NONODE);
      c.fails(op.setData('/nope', 'x'), ErrorCode.NONODE);
      c.fails(op.delete('/nope'), ErrorCode.NONODE);
      c.fails(op.check('/nope', -1), ErrorCode.NONODE);
      assert.deepEqual(c.ok(op.exists('/nope')).result, { op: 'exists', stat: null });
      c.ok(op.create('/eph', '', 'EPHEMERAL'));
      c.fails(op.create('/eph/child'), ErrorCode.NOCHILDRENFOREPHEMERALS);
      c.ok(op.delete('/p/c'));
      c.ok(op.delete('/p'));
      c.fails(op.delete('/p'), ErrorCode.NONODE);
      assert.deepEqual(childrenOf(c.ok(op.getChildren('/'))), ['eph', 'zookeeper']);
      e.assertConverged();
    });

    test('sequential names count from the parent\'s cversion, ten digits', () => {
      const { e, c } = setup(via);
      c.ok(op.create('/q'));
      const names: string[] = [];
      for (let i = 0; i < 3; i++) {
        const r = c.ok(op.create('/q/n-', String(i), 'PERSISTENT_SEQUENTIAL'));
        assert.ok(r.result?.op === 'create');
        names.push(r.result.path);
      }
      const eph = c.ok(op.create('/q/e-', '', 'EPHEMERAL_SEQUENTIAL'));
      assert.ok(eph.result?.op === 'create');
      names.push(eph.result.path);
      assert.equal(eph.result.stat.ephemeralOwner, c.sessionId);
      assert.deepEqual(names, ['/q/n-0000000000', '/q/n-0000000001', '/q/n-0000000002', '/q/e-0000000003']);
      // A delete does not reuse a number.
      c.ok(op.delete('/q/n-0000000002'));
      const next = c.ok(op.create('/q/n-', '', 'PERSISTENT_SEQUENTIAL'));
      assert.ok(next.result?.op === 'create');
      assert.equal(next.result.path, '/q/n-0000000004');
      assert.deepEqual(childrenOf(c.ok(op.getChildren('/q'))), ['e-0000000003', 'n-0000000000', 'n-0000000001', 'n-0000000004']);
      e.assertConverged();
    });

    test('multi is all-or-nothing with per-op results', () => {
      const { e, c, member } = setup(via);
      const ok = c.ok(op.multi(mop.create('/m'), mop.create('/m/a', 'x'), mop.setData('/m', 'top', 0), mop.check('/m', 1), mop.create('/m/b')));
      assert.ok(ok.result?.op === 'multi', show(ok));
      assert.deepEqual(
        ok.result.results.map((r) => r.op),
        ['create', 'create', 'setData', 'check', 'create'],
      );
      const created = ok.result.results[1]!;
      assert.ok(created.op === 'create' && created.path === '/m/a');
      assert.equal(formatZxid(created.stat.czxid), formatZxid(ok.zxid), 'one txn, one zxid');

      const before = e.states();
      const failed = c.request(op.multi(mop.create('/m/c'), mop.delete('/m/a', 7), mop.create('/m/d')));
      assert.equal(codeName(failed.err), 'BADVERSION', failed.message);
      assert.ok(failed.result?.op === 'multi', show(failed));
      assert.deepEqual(failed.result.results, [
        { op: 'error', err: ErrorCode.OK },
        { op: 'error', err: ErrorCode.BADVERSION },
        { op: 'error', err: ErrorCode.RUNTIMEINCONSISTENCY },
      ]);
      assert.equal(e.member(member).dataTree.exists('/m/c'), null, 'the first op did not happen');
      assert.deepEqual(
        e.states().map((s) => s.split(' ')[1]),
        before.map((s) => s.split(' ')[1]),
        'a failed multi leaves every digest unchanged',
      );
      // Ops see the effects of earlier ops in the same multi.
      const chained = c.request(op.multi(mop.create('/m/x'), mop.create('/m/x/y'), mop.delete('/m/x/y'), mop.delete('/m/x')));
      assert.equal(chained.err, 0, chained.message);
      const conflict = c.request(op.multi(mop.create('/m/z'), mop.create('/m/z')));
      assert.equal(codeName(conflict.err), 'NODEEXISTS');
      assert.equal(e.member(member).dataTree.exists('/m/z'), null);
      assert.deepEqual(childrenOf(c.ok(op.getChildren('/m'))), ['a', 'b']);
      e.assertConverged();
    });

    test('data over the limit is refused with BADARGUMENTS', () => {
      const { e, c } = setup(via);
      c.ok(op.createBytes('/big', new Uint8Array(MAX_DATA)));
      const before = e.states();
      c.fails(op.createBytes('/bigger', new Uint8Array(MAX_DATA + 1)), ErrorCode.BADARGUMENTS);
      const r = c.fails(op.setBytes('/big', new Uint8Array(MAX_DATA + 1)), ErrorCode.BADARGUMENTS);
      assert.match(r.message ?? '', /limit|bytes/);
      const m = c.request(op.multi(mop.create('/ok'), { op: 'setData', path: '/big', data: new Uint8Array(MAX_DATA + 1), version: -1 }));
      assert.equal(codeName(m.err), 'BADARGUMENTS');
      assert.deepEqual(e.states().map((s) => s.split(' ')[1]), before.map((s) => s.split(' ')[1]));
      c.ok(op.setBytes('/big', new Uint8Array(MAX_DATA).fill(7)));
      e.assertConverged();
    });

    test('bad paths are refused with BADARGUMENTS (writes); reads of them find nothing (NONODE, as ZooKeeper)', () => {
      const { e, c } = setup(via);
      c.ok(op.create('/a'));
      const before = e.states();
      const bad = ['', 'a', 'a/b', '/a/', '/a//b', '/a/./b', '/a/../b', '/a/.', '/a\u0000b', '/a\u0001'];
      // A create checks its parent part first, as ZooKeeper does: NONODE when that is no node.
      const createNoNode = new Set(['a/b', '/a//b', '/a/./b', '/a/../b']);
      for (const path of bad) {
        c.fails(op.create(path), createNoNode.has(path) ? ErrorCode.NONODE : ErrorCode.BADARGUMENTS);
        c.fails(op.setData(path, 'x'), ErrorCode.BADARGUMENTS);
        c.fails(op.delete(path), ErrorCode.BADARGUMENTS);
        // An empty path is no path at all (the request's shape is wrong): BADARGUMENTS for reads too.
        const readErr = path === '' ? ErrorCode.BADARGUMENTS : ErrorCode.NONODE;
        c.fails(op.getData(path), readErr);
        c.fails(op.exists(path, true), readErr);
        c.fails(op.getChildren(path), readErr);
        c.fails(op.getAllChildrenNumber(path), readErr);
        c.fails(op.addWatch(path, 'PERSISTENT'), ErrorCode.BADARGUMENTS);
      }
      // The reserved subtree is readable, not writable.
      c.ok(op.getData('/zookeeper'));
      c.fails(op.create('/zookeeper/x'), ErrorCode.BADARGUMENTS);
      c.fails(op.setData('/zookeeper', 'x'), ErrorCode.BADARGUMENTS);
      c.fails(op.delete('/zookeeper'), ErrorCode.BADARGUMENTS);
      c.fails(op.delete('/'), ErrorCode.BADARGUMENTS);
      assert.deepEqual(e.states().map((s) => s.split(' ')[1]), before.map((s) => s.split(' ')[1]));
      assert.ok(c.open, 'errors do not cost the connection');
      c.ok(op.create('/a/b'));
    });

    test('every response carries the member\'s applied zxid; replies come in xid order', () => {
      const { e, c, member } = setup(via);
      c.ok(op.create('/z'));
      c.take();
      // Mixed requests with gaps in the xids, sent back to back.
      const sent = [
        c.send(op.create('/z/1'), 10),
        c.send(op.getData('/z/1'), 11),
        c.send(op.setData('/z/1', 'x', 5), 20), // BADVERSION
        c.send(op.exists('/z/2'), 21),
        c.send(op.sync('/'), 22),
        c.send(op.create('/z/2'), 30),
        c.send(op.getChildren('/z'), 31),
      ];
      c.wait(31);
      const responses = c.take().filter((m): m is OperationResponse => m.type === 'response');
      assert.deepEqual(responses.map((r) => r.xid), sent, JSON.stringify(responses.map(show)));
      assert.deepEqual(responses.map((r) => codeName(r.err)), ['OK', 'OK', 'BADVERSION', 'OK', 'OK', 'OK', 'OK']);
      // Zxids never go back, and each write's reply carries its own txn's zxid.
      for (let i = 1; i < responses.length; i++) assert.ok(compareZxid(responses[i - 1]!.zxid, responses[i]!.zxid) <= 0, 'monotonic');
      const r0 = responses[0]!;
      assert.ok(r0.result?.op === 'create');
      assert.equal(formatZxid(r0.zxid), formatZxid(r0.result.stat.czxid));
      assert.equal(formatZxid(responses[1]!.zxid), formatZxid(r0.zxid), 'the read right after is served at the write\'s zxid');
      assert.deepEqual(responses[3]!.result, { op: 'exists', stat: null }, 'the read before /z/2\'s create does not see it');
      assert.deepEqual(childrenOf(responses[6]!), ['1', '2']);
      // A read answered now carries what the member has applied now.
      const now = c.ok(op.exists('/z'));
      assert.equal(formatZxid(now.zxid), formatZxid(e.treeZxid(member)));
    });

    test('per-session FIFO: a read sent right after a write waits for it and sees it', () => {
      const { e, c } = setup(via);
      const w = c.send(op.create('/f', 'v'));
      const r = c.send(op.getData('/f'));
      // Nothing is answered before the write commits: the read waits behind it.
      assert.equal(c.responses().length, 0);
      c.wait(r);
      const responses = c.responses();
      assert.deepEqual(responses.map((x) => x.xid), [w, r]);
      assert.equal(responses[0]!.err, 0);
      assert.equal(dataOf(responses[1]!), 'v');
      assert.ok(compareZxid(responses[1]!.zxid, responses[0]!.zxid) >= 0);
      e.assertConverged();
    });
  });
}

describe('requests: the pipeline', () => {
  test(
    'a request through the leader is proposed at once, without waiting for a tick',
    () => {
      const e = Ensemble.started();
      const leader = e.mustLeader();
      // A new session through the leader: pump only, no tick.
      const c = e.connect(leader, { maxTicks: 0 });
      assert.ok(c.connected, `no connected after pumping: ${JSON.stringify(c.inbox.map(show))}`);
      const xid = c.send(op.create('/now'));
      e.pump();
      assert.ok(c.response(xid), 'create through the leader answered without a tick');
    },
  );

  test('the same through a follower needs no tick', () => {
    const e = Ensemble.started();
    const f = e.followers()[0]!;
    const c = e.connect(f, { maxTicks: 0 });
    assert.ok(c.connected);
    const xid = c.send(op.create('/now'));
    e.pump();
    assert.equal(c.response(xid)?.err, 0);
  });

  test('a lagging member answers reads with its own applied zxid (behind the write)', () => {
    const e = Ensemble.started();
    const leader = e.mustLeader();
    const [f1, f2] = e.followers() as [number, number];
    const reader = e.session(f2);
    const writer = e.session(f1);
    e.hold(leader, f2);
    const w = writer.ok(op.create('/w', 'new'));
    const r = reader.fails(op.getData('/w'), ErrorCode.NONODE);
    assert.ok(compareZxid(r.zxid, w.zxid) < 0, `read at ${formatZxid(r.zxid)}, write at ${formatZxid(w.zxid)}`);
    assert.equal(formatZxid(r.zxid), formatZxid(e.treeZxid(f2)));
    e.release(leader, f2);
  });

  test('sync through a follower, then a read, sees a write committed through another member before the sync', () => {
    const e = Ensemble.started();
    const leader = e.mustLeader();
    const [f1, f2] = e.followers() as [number, number];
    const reader = e.session(f2);
    const writer = e.session(f1);
    // f2 does not hear from the leader for a while: it is behind.
    e.hold(leader, f2);
    const w = writer.ok(op.create('/s', 'v'));
    reader.fails(op.getData('/s'), ErrorCode.NONODE); // a stale read: allowed without sync
    reader.take();
    const syncXid = reader.send(op.sync('/s'));
    const readXid = reader.send(op.getData('/s'));
    e.pump();
    assert.equal(reader.responses().filter((r) => r.xid >= syncXid).length, 0, 'the sync waits for f2 to catch up; the read waits behind it');
    e.release(leader, f2);
    const msgs = reader.take();
    assert.deepEqual(msgs.map((m) => (m.type === 'response' ? m.xid : m.type)), [syncXid, readXid], JSON.stringify(msgs.map(show)));
    const [sync, read] = msgs as [OperationResponse, OperationResponse];
    assert.equal(sync.err, 0);
    assert.deepEqual(sync.result, { op: 'sync', path: '/s' });
    assert.ok(compareZxid(sync.zxid, w.zxid) > 0, 'the sync took a zxid after the write');
    assert.equal(dataOf(read), 'v');
    assert.ok(compareZxid(read.zxid, w.zxid) > 0);
    e.assertConverged();
  });

  test('a lost forward: the reply to a later write does not jump the queue, the connection is dropped instead', () => {
    const e = Ensemble.started();
    const [f1] = e.followers() as [number, number];
    const c = e.session(f1);
    c.take();
    // The first write's FORWARD is lost on the way to the leader; the second one arrives.
    e.dropIf = (env) => env.from === f1 && env.message.layer === 'server' && env.message.message.type === 'FORWARD' && env.message.message.xid === 1;
    c.send(op.create('/lost'), 1);
    c.send(op.create('/later'), 2);
    e.pump();
    e.dropIf = null;
    assert.equal(c.responses().length, 0, 'no reply out of order');
    assert.equal(codeName(c.disconnect?.err ?? 0), 'CONNECTIONLOSS', JSON.stringify(c.inbox.map(show)));
    assert.ok(c.closedByMember);
    assert.equal(e.member(f1).dataTree.exists('/lost'), null);
    e.assertConverged();
  });

  test('a lost forward with nothing after it: the connection is dropped after the forward timeout', () => {
    const e = Ensemble.started({ forwardTimeoutTicks: 6 });
    const [f1] = e.followers() as [number, number];
    const c = e.session(f1);
    c.take();
    e.dropIf = (env) => env.message.layer === 'server' && env.message.message.type === 'FORWARD';
    const xid = c.send(op.create('/lost'));
    const read = c.send(op.getData('/'));
    e.tick(6);
    assert.ok(c.open, 'still waiting within the timeout');
    assert.equal(c.responses().length, 0, 'the read waits behind the write');
    e.tick(2);
    assert.equal(c.response(xid), undefined);
    assert.equal(c.response(read), undefined);
    assert.equal(codeName(c.disconnect?.err ?? 0), 'CONNECTIONLOSS', JSON.stringify(c.inbox.map(show)));
    assert.ok(c.closedByMember);
  });
});
