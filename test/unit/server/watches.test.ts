import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { WatchEvent } from '../../../src/protocol/client.js';
import { ErrorCode } from '../../../src/tree/index.js';
import { formatZxid } from '../../../src/zab/zxid.js';
import { codeName, Ensemble, highestZxid, op, show, type ClientConn } from './harness.js';

/** A watcher on one follower and a writer on the other (or on the leader). */
function setup(): { e: Ensemble; w: ClientConn; writer: ClientConn; leader: number; f1: number; f2: number } {
  const e = Ensemble.started();
  const leader = e.mustLeader();
  const [f1, f2] = e.followers() as [number, number];
  const w = e.session(f1);
  const writer = e.session(f2);
  return { e, w, writer, leader, f1, f2 };
}

describe('one-shot watches', () => {
  test('getData watch: NodeDataChanged once, at the zxid of the change, then not again', () => {
    const { w, writer } = setup();
    writer.ok(op.create('/d', 'v0'));
    w.ok(op.getData('/d', true));
    w.take();
    const set = writer.ok(op.setData('/d', 'v1'));
    const events = w.take();
    assert.deepEqual(events.map(show), ['watch(NodeDataChanged /d)']);
    assert.equal(formatZxid((events[0] as WatchEvent).zxid), formatZxid(set.zxid));
    writer.ok(op.setData('/d', 'v2'));
    writer.ok(op.delete('/d'));
    assert.deepEqual(w.takeEvents(), [], 'used up');
  });

  test('getData watch fires NodeDeleted on a delete', () => {
    const { w, writer } = setup();
    writer.ok(op.create('/d'));
    w.ok(op.getData('/d', true));
    w.take();
    writer.ok(op.delete('/d'));
    assert.deepEqual(w.takeEvents(), ['NodeDeleted /d']);
    writer.ok(op.create('/d'));
    assert.deepEqual(w.takeEvents(), []);
  });

  test('exists watch on a missing node: NodeCreated once; on a present node: NodeDeleted / NodeDataChanged', () => {
    const { w, writer } = setup();
    assert.deepEqual(w.ok(op.exists('/n', true)).result, { op: 'exists', stat: null });
    w.take();
    writer.ok(op.create('/n'));
    assert.deepEqual(w.takeEvents(), ['NodeCreated /n']);
    writer.ok(op.setData('/n', 'x'));
    writer.ok(op.delete('/n'));
    writer.ok(op.create('/n'));
    assert.deepEqual(w.takeEvents(), [], 'used up');

    w.ok(op.exists('/n', true));
    w.take();
    writer.ok(op.delete('/n'));
    assert.deepEqual(w.takeEvents(), ['NodeDeleted /n']);

    writer.ok(op.create('/n'));
    w.ok(op.exists('/n', true));
    w.take();
    writer.ok(op.setData('/n', 'y'));
    assert.deepEqual(w.takeEvents(), ['NodeDataChanged /n']);
  });

  test('getChildren watch: NodeChildrenChanged once (create or delete of a child), NodeDeleted for the node itself', () => {
    const { w, writer } = setup();
    writer.ok(op.create('/p'));
    w.ok(op.getChildren('/p', true));
    w.take();
    writer.ok(op.create('/p/a'));
    assert.deepEqual(w.takeEvents(), ['NodeChildrenChanged /p']);
    writer.ok(op.create('/p/b'));
    assert.deepEqual(w.takeEvents(), [], 'used up');

    w.ok(op.getChildren('/p', true));
    w.take();
    writer.ok(op.setData('/p', 'data of the parent')); // not a child change
    writer.ok(op.setData('/p/a', 'data of a child')); // neither
    assert.deepEqual(w.takeEvents(), []);
    writer.ok(op.delete('/p/a'));
    assert.deepEqual(w.takeEvents(), ['NodeChildrenChanged /p']);

    w.ok(op.getChildren('/p', true));
    w.take();
    writer.ok(op.delete('/p/b'));
    assert.deepEqual(w.takeEvents(), ['NodeChildrenChanged /p']);
    w.ok(op.getChildren('/p', true));
    w.take();
    writer.ok(op.delete('/p'));
    assert.deepEqual(w.takeEvents(), ['NodeDeleted /p']);
  });

  test('a watch belongs to its session: others hear nothing; the same change fires once per session', () => {
    const { e, w, writer, leader } = setup();
    const other = e.session(leader);
    writer.ok(op.create('/s'));
    w.ok(op.getData('/s', true));
    w.ok(op.exists('/s', true)); // same table in ZooKeeper: still one event for the change
    other.ok(op.getData('/s', true));
    w.take();
    other.take();
    writer.ok(op.setData('/s', 'x'));
    assert.deepEqual(w.takeEvents(), ['NodeDataChanged /s']);
    assert.deepEqual(other.takeEvents(), ['NodeDataChanged /s']);
    assert.deepEqual(writer.takeEvents(), []);
  });

  for (const via of ['leader', 'follower'] as const) {
    test(`the event reaches the client before the response of its own request that caused it (through the ${via})`, () => {
      const e = Ensemble.started();
      const member = via === 'leader' ? e.mustLeader() : e.followers()[0]!;
      const c = e.session(member);
      c.ok(op.create('/own', 'v0'));
      c.ok(op.getData('/own', true));
      c.ok(op.exists('/new', true));
      c.ok(op.getChildren('/', true));
      c.take();
      const x1 = c.send(op.setData('/own', 'v1'));
      c.wait(x1);
      assert.deepEqual(c.take().map(show), [`watch(NodeDataChanged /own)`, `response(x${x1},OK,${formatZxid(c.response(x1)!.zxid)},setData)`]);
      const x2 = c.send(op.create('/new'));
      c.wait(x2);
      const msgs = c.take();
      assert.deepEqual(
        msgs.map((m) => (m.type === 'response' ? `response x${m.xid}` : show(m))),
        ['watch(NodeCreated /new)', 'watch(NodeChildrenChanged /)', `response x${x2}`],
      );
      // All at the same zxid.
      const zxids = msgs.map((m) => (m.type === 'watch' || m.type === 'response' ? formatZxid(m.zxid) : '?'));
      assert.ok(zxids.every((z) => z === zxids[0]), zxids.join(' '));
    });
  }

  test('a read queued behind a write sees its own watch event first', () => {
    const e = Ensemble.started();
    const f = e.followers()[0]!;
    const c = e.session(f);
    const writer = e.session(e.mustLeader());
    writer.ok(op.create('/r', 'a'));
    c.ok(op.getData('/r', true));
    c.take();
    // Another client's change lands while our write is in flight; our read after the write sees it.
    const xw = c.send(op.create('/mine'));
    writer.ok(op.setData('/r', 'b'));
    const xr = c.send(op.getData('/r'));
    c.wait(xr);
    const msgs = c.take().map((m) => (m.type === 'response' ? `response x${m.xid}` : show(m)));
    const ev = msgs.indexOf('watch(NodeDataChanged /r)');
    assert.ok(ev >= 0, msgs.join(', '));
    assert.ok(ev < msgs.indexOf(`response x${xr}`), `the event comes before the read that shows the new data: ${msgs.join(', ')}`);
    assert.ok(msgs.indexOf(`response x${xw}`) < msgs.indexOf(`response x${xr}`));
  });
});

describe('persistent watches (addWatch)', () => {
  test('PERSISTENT fires on every change of the node and of its child list, and survives delete', () => {
    const { w, writer } = setup();
    writer.ok(op.create('/p'));
    w.ok(op.addWatch('/p', 'PERSISTENT'));
    w.take();
    writer.ok(op.setData('/p', '1'));
    writer.ok(op.setData('/p', '2'));
    assert.deepEqual(w.takeEvents(), ['NodeDataChanged /p', 'NodeDataChanged /p']);
    writer.ok(op.create('/p/c'));
    writer.ok(op.setData('/p/c', 'not covered'));
    writer.ok(op.create('/p/c/gc')); // grandchild: not covered
    writer.ok(op.delete('/p/c/gc'));
    writer.ok(op.delete('/p/c'));
    assert.deepEqual(w.takeEvents(), ['NodeChildrenChanged /p', 'NodeChildrenChanged /p']);
    writer.ok(op.delete('/p'));
    writer.ok(op.create('/p'));
    writer.ok(op.setData('/p', '3'));
    assert.deepEqual(w.takeEvents(), ['NodeDeleted /p', 'NodeCreated /p', 'NodeDataChanged /p']);
  });

  test('PERSISTENT on a node that does not exist yet fires NodeCreated', () => {
    const { w, writer } = setup();
    w.ok(op.addWatch('/later', 'PERSISTENT'));
    w.take();
    writer.ok(op.create('/later'));
    assert.deepEqual(w.takeEvents(), ['NodeCreated /later']);
  });

  test('PERSISTENT_RECURSIVE fires for the node and every descendant, but not for child-list changes', () => {
    const { w, writer } = setup();
    writer.ok(op.create('/r'));
    writer.ok(op.create('/other'));
    w.ok(op.addWatch('/r', 'PERSISTENT_RECURSIVE'));
    w.take();
    writer.ok(op.create('/r/a'));
    writer.ok(op.create('/r/a/b'));
    writer.ok(op.setData('/r/a/b', '1'));
    writer.ok(op.setData('/r/a/b', '2'));
    writer.ok(op.delete('/r/a/b'));
    writer.ok(op.setData('/r', 'top'));
    writer.ok(op.create('/other/x'));
    writer.ok(op.setData('/other', 'y'));
    writer.ok(op.create('/rx')); // a sibling whose name starts with "r": not a descendant
    assert.deepEqual(w.takeEvents(), [
      'NodeCreated /r/a',
      'NodeCreated /r/a/b',
      'NodeDataChanged /r/a/b',
      'NodeDataChanged /r/a/b',
      'NodeDeleted /r/a/b',
      'NodeDataChanged /r',
    ]);
  });

  test('removeWatches with nothing to remove answers NOWATCHER; removing a watch stops it', () => {
    const { e, w, writer } = setup();
    writer.ok(op.create('/x'));
    const before = e.states();
    for (const type of ['DATA', 'CHILDREN', 'ANY'] as const) {
      const r = w.fails(op.removeWatches('/x', type), ErrorCode.NOWATCHER);
      assert.ok(r.message);
    }
    w.ok(op.getData('/x', true));
    w.fails(op.removeWatches('/x', 'CHILDREN'), ErrorCode.NOWATCHER);
    w.ok(op.removeWatches('/x', 'DATA'));
    w.fails(op.removeWatches('/x', 'DATA'), ErrorCode.NOWATCHER);
    w.ok(op.getChildren('/x', true));
    w.ok(op.removeWatches('/x', 'ANY'));
    w.ok(op.addWatch('/x', 'PERSISTENT_RECURSIVE'));
    w.ok(op.removeWatches('/x', 'ANY'));
    w.fails(op.removeWatches('/x', 'ANY'), ErrorCode.NOWATCHER);
    assert.deepEqual(e.states(), before, 'watch bookkeeping is no txn');
    w.take();
    writer.ok(op.setData('/x', '1'));
    writer.ok(op.create('/x/c'));
    assert.deepEqual(w.takeEvents(), [], 'nothing left to fire');
  });
});

describe('checkWatches', () => {
  test('NOWATCHER unless this session holds a watch of that type on that path; persistent counts as both, recursive as data', () => {
    const { e, w, writer } = setup();
    writer.ok(op.create('/x'));
    const other = e.session(e.followers()[0]!);
    const before = e.states();
    for (const type of ['DATA', 'CHILDREN', 'ANY'] as const) w.fails(op.checkWatches('/x', type), ErrorCode.NOWATCHER);
    w.ok(op.getData('/x', true));
    w.ok(op.checkWatches('/x', 'DATA'));
    w.ok(op.checkWatches('/x', 'ANY'));
    w.fails(op.checkWatches('/x', 'CHILDREN'), ErrorCode.NOWATCHER);
    other.fails(op.checkWatches('/x', 'DATA'), ErrorCode.NOWATCHER);
    w.ok(op.exists('/missing', true));
    w.ok(op.checkWatches('/missing', 'DATA'));
    w.ok(op.addWatch('/p', 'PERSISTENT'));
    w.ok(op.checkWatches('/p', 'DATA'));
    w.ok(op.checkWatches('/p', 'CHILDREN'));
    w.ok(op.addWatch('/r', 'PERSISTENT_RECURSIVE'));
    w.ok(op.checkWatches('/r', 'DATA'));
    w.fails(op.checkWatches('/r', 'CHILDREN'), ErrorCode.NOWATCHER);
    w.fails(op.checkWatches('/r/below', 'DATA'), ErrorCode.NOWATCHER);
    assert.deepEqual(e.states(), before, 'watch bookkeeping is no txn');
    // Checking removes nothing: the data watch on /x still fires, and then it is gone.
    w.take();
    writer.ok(op.setData('/x', '1'));
    assert.deepEqual(w.takeEvents(), ['NodeDataChanged /x']);
    w.fails(op.checkWatches('/x', 'DATA'), ErrorCode.NOWATCHER);
  });
});

describe('getAllChildrenNumber', () => {
  test('every node below the path, read locally; NONODE for a missing path', () => {
    const { w, writer } = setup();
    for (const p of ['/a', '/a/b', '/a/b/c', '/a/d', '/e']) writer.ok(op.create(p));
    writer.ok(op.sync('/'));
    w.ok(op.sync('/'));
    assert.deepEqual(w.ok(op.getAllChildrenNumber('/a')).result, { op: 'getAllChildrenNumber', count: 3 });
    assert.deepEqual(w.ok(op.getAllChildrenNumber('/a/b/c')).result, { op: 'getAllChildrenNumber', count: 0 });
    // The root counts /zookeeper too.
    assert.deepEqual(w.ok(op.getAllChildrenNumber('/')).result, { op: 'getAllChildrenNumber', count: 6 });
    w.fails(op.getAllChildrenNumber('/nope'), ErrorCode.NONODE);
  });
});

describe('setWatches after a reconnect', () => {
  test('fires what changed since lastZxid (data changed, deleted, created) and re-registers the rest', () => {
    const e = Ensemble.started();
    const leader = e.mustLeader();
    const [f1, f2] = e.followers() as [number, number];
    const writer = e.session(leader);
    for (const p of ['/d', '/e', '/u', '/kids', '/kids/a', '/gone-parent']) writer.ok(op.create(p, 'v0'));

    const c1 = e.session(f1);
    c1.ok(op.getData('/d', true));
    c1.ok(op.getData('/e', true));
    c1.ok(op.getData('/u', true));
    c1.ok(op.exists('/x', true));
    c1.ok(op.exists('/y', true));
    c1.ok(op.getChildren('/kids', true));
    c1.ok(op.getChildren('/gone-parent', true));
    const lastZxid = highestZxid(c1);
    c1.close(); // the connection drops; its watches go with it on f1

    // Changes while the client is away.
    writer.ok(op.setData('/d', 'v1'));
    writer.ok(op.delete('/e'));
    writer.ok(op.create('/x'));
    writer.ok(op.create('/kids/b'));
    writer.ok(op.delete('/gone-parent'));

    const c2 = e.reconnect(c1, f2);
    assert.ok(c2.connected, JSON.stringify(c2.inbox.map(show)));
    c2.take();
    c2.sendRaw({ type: 'setWatches', lastZxid, data: ['/d', '/e', '/u'], exist: ['/x', '/y'], children: ['/kids', '/gone-parent'], persistent: [], persistentRecursive: [] });
    e.pump();
    assert.deepEqual(c2.takeEvents().sort(), [
      'NodeChildrenChanged /kids',
      'NodeCreated /x',
      'NodeDataChanged /d',
      'NodeDeleted /e',
      'NodeDeleted /gone-parent',
    ]);
    // The unchanged ones were registered again, and fire once.
    writer.ok(op.setData('/u', 'v1'));
    writer.ok(op.create('/y'));
    writer.ok(op.setData('/u', 'v2'));
    writer.ok(op.delete('/y'));
    assert.deepEqual(c2.takeEvents(), ['NodeDataChanged /u', 'NodeCreated /y']);
    // The fired ones are not registered any more.
    writer.ok(op.setData('/d', 'v2'));
    writer.ok(op.delete('/x'));
    writer.ok(op.create('/kids/c'));
    assert.deepEqual(c2.takeEvents(), []);
  });

  test('re-registers persistent and recursive watches', () => {
    const e = Ensemble.started();
    const leader = e.mustLeader();
    const [f1, f2] = e.followers() as [number, number];
    const writer = e.session(leader);
    writer.ok(op.create('/p'));
    writer.ok(op.create('/r'));
    const c1 = e.session(f1);
    c1.ok(op.addWatch('/p', 'PERSISTENT'));
    c1.ok(op.addWatch('/r', 'PERSISTENT_RECURSIVE'));
    const lastZxid = highestZxid(c1);
    c1.close();
    const c2 = e.reconnect(c1, f2);
    c2.take();
    c2.sendRaw({ type: 'setWatches', lastZxid, data: [], exist: [], children: [], persistent: ['/p'], persistentRecursive: ['/r'] });
    e.pump();
    assert.deepEqual(c2.takeEvents(), []);
    writer.ok(op.setData('/p', '1'));
    writer.ok(op.setData('/p', '2'));
    writer.ok(op.create('/r/a'));
    writer.ok(op.create('/r/a/b'));
    assert.deepEqual(c2.takeEvents(), ['NodeDataChanged /p', 'NodeDataChanged /p', 'NodeCreated /r/a', 'NodeCreated /r/a/b']);
  });

  test('watches of a closed connection are gone from its member (no event to nobody, none on reconnect without setWatches)', () => {
    const e = Ensemble.started();
    const [f1] = e.followers() as [number, number];
    const writer = e.session(e.mustLeader());
    writer.ok(op.create('/w'));
    const c1 = e.session(f1);
    c1.ok(op.getData('/w', true));
    c1.close();
    const c2 = e.reconnect(c1, f1);
    assert.ok(c2.connected);
    c2.take();
    writer.ok(op.setData('/w', 'x'));
    assert.deepEqual(c2.takeEvents(), []);
    assert.equal(codeName(c2.ok(op.getData('/w')).err), 'OK');
  });
});

describe('removing a session\'s watches (WatchManager index)', () => {
  test('removeSession drops exactly that session\'s watches of every kind, and nothing of others', async () => {
    const { WatchManager } = await import('../../../src/server/watches.js');
    const w = new WatchManager();
    for (const s of [1, 2, 3]) {
      w.addData('/a', s);
      w.addChild('/a', s);
      w.addPersistent('/p', s, false);
      w.addPersistent('/r', s, true);
    }
    w.addData(`/only2`, 2);
    assert.equal(w.count(), 13);
    w.removeSession(2);
    assert.equal(w.count(), 8);
    assert.deepEqual(w.trigger('NodeDataChanged', '/a').map((f) => f.sessionId), [1, 3]);
    assert.deepEqual(w.trigger('NodeDataChanged', '/only2'), []);
    assert.deepEqual(w.trigger('NodeDataChanged', '/r/x').map((f) => f.sessionId), [1, 3]);
    // A watch that fired, or was removed, is gone from the index too: re-adding and removing the session again is clean.
    w.addData('/a', 1);
    assert.equal(w.remove('/p', 1, 'ANY'), true);
    w.removeSession(1);
    assert.deepEqual(w.trigger('NodeDataChanged', '/a'), []);
    assert.deepEqual(w.trigger('NodeChildrenChanged', '/a').map((f) => f.sessionId), [3]);
    assert.deepEqual(w.trigger('NodeChildrenChanged', '/p').map((f) => f.sessionId), [3]);
    w.removeSession(3);
    assert.equal(w.count(), 0);
    w.removeSession(42); // a session without watches
    assert.equal(w.count(), 0);
  });
});
