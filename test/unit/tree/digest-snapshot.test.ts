import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { pack, unpack } from 'msgpackr';
import { DataTree } from '../../../src/tree/data-tree.js';
import { ErrorCode, ZkError } from '../../../src/tree/errors.js';
import { decodeSnapshot, encodeSnapshot } from '../../../src/tree/snapshot.js';
import { Leader, enc, randomRequest, rng } from './harness.js';

function randomLeader(seed: number, steps: number, check?: (l: Leader) => void): Leader {
  const l = new Leader();
  const rand = rng(seed);
  for (let i = 0; i < steps; i++) {
    const { request, sessionId } = randomRequest(rand);
    l.write(request, sessionId);
    check?.(l);
  }
  return l;
}

describe('digest', () => {
  test('the incremental digest equals a full recomputation after every txn', () => {
    for (let seed = 1; seed <= 10; seed++) {
      randomLeader(seed, 200, (l) => assert.equal(l.tree.digest, l.tree.fullDigest(), `seed ${seed} at ${l.counter}`));
    }
  });

  test('two members fed the same txns agree at every zxid', () => {
    for (let seed = 1; seed <= 10; seed++) {
      const leader = randomLeader(seed, 200);
      const follower = new DataTree();
      const replay = new Leader();
      for (const { zxid, txn } of leader.log) {
        follower.apply(txn, zxid);
        replay.tree.apply(txn, zxid);
        assert.equal(follower.digest, replay.tree.digest);
      }
      assert.equal(follower.digest, leader.tree.digest);
      assert.deepEqual(follower.exportState(), leader.tree.exportState());
    }
  });

  test('any difference in data or stat shows in the digest', () => {
    const a = new Leader();
    const b = new Leader();
    a.create('/x', 'same');
    b.create('/x', 'same');
    assert.equal(a.tree.digest, b.tree.digest);
    a.ok({ type: 'setData', path: '/x', data: enc('one'), version: -1 });
    b.ok({ type: 'setData', path: '/x', data: enc('two'), version: -1 });
    assert.notEqual(a.tree.digest, b.tree.digest);
    const c = new Leader();
    c.create('/x', 'same');
    c.time += 1; // same data, different mtime
    c.ok({ type: 'setData', path: '/x', data: enc('one'), version: -1 });
    assert.notEqual(a.tree.digest, c.tree.digest);
  });

  test('it is a sum: adding then removing the same thing restores it', () => {
    const l = new Leader();
    const before = l.tree.digest;
    l.ok({ type: 'createSession', sessionId: 9, timeoutMs: 100 });
    assert.notEqual(l.tree.digest, before);
    l.ok({ type: 'closeSession', sessionId: 9 });
    assert.equal(l.tree.digest, before);
  });

  test('rejected requests leave the digest (and every node) as it was', () => {
    const l = new Leader();
    l.openSession(5);
    l.create('/a', 'x');
    l.create('/a/e', '', 'EPHEMERAL', 5);
    const digest = l.tree.digest;
    l.refused({ type: 'create', path: '/a', data: enc(''), mode: 'PERSISTENT' }, ErrorCode.NODEEXISTS);
    l.refused({ type: 'create', path: '/a/e/x', data: enc(''), mode: 'PERSISTENT' }, ErrorCode.NOCHILDRENFOREPHEMERALS);
    l.refused({ type: 'delete', path: '/a', version: -1 }, ErrorCode.NOTEMPTY);
    l.refused({ type: 'setData', path: '/a', data: enc('y'), version: 3 }, ErrorCode.BADVERSION);
    l.refused({ type: 'multi', ops: [{ type: 'setData', path: '/a', data: enc('z'), version: 0 }, { type: 'check', path: '/b', version: 0 }] }, ErrorCode.NONODE);
    l.refused({ type: 'bogus' } as never, ErrorCode.BADARGUMENTS);
    l.refused(null as never, ErrorCode.BADARGUMENTS);
    assert.equal(l.tree.digest, digest);
    assert.equal(l.tree.fullDigest(), digest);
    assert.equal(l.preparer.pendingSize, 0);
  });
});

describe('snapshot', () => {
  test('round trip is exact: same state, same digest, same bytes again', () => {
    for (let seed = 1; seed <= 10; seed++) {
      const l = randomLeader(seed, 150);
      const bytes = encodeSnapshot(l.tree);
      const restored = decodeSnapshot(bytes);
      assert.deepEqual(restored.exportState(), l.tree.exportState());
      assert.equal(restored.digest, l.tree.digest);
      assert.equal(restored.fullDigest(), l.tree.digest);
      assert.deepEqual(restored.lastZxid, l.tree.lastZxid);
      assert.deepEqual(restored.sessions(), l.tree.sessions());
      assert.deepEqual(restored.containerCandidates(), l.tree.containerCandidates());
      assert.deepEqual(restored.expiredTtlNodes(1e12), l.tree.expiredTtlNodes(1e12));
      for (const s of l.tree.sessions()) assert.deepEqual(restored.getEphemerals(s.sessionId), l.tree.getEphemerals(s.sessionId));
      assert.deepEqual(encodeSnapshot(restored), bytes);
    }
  });

  test('a restored tree carries on exactly like the original', () => {
    const l = randomLeader(42, 150);
    const restored = decodeSnapshot(encodeSnapshot(l.tree));
    const mark = l.log.length;
    const rand = rng(4242);
    for (let i = 0; i < 150; i++) {
      const { request, sessionId } = randomRequest(rand);
      l.write(request, sessionId);
    }
    for (const { zxid, txn } of l.log.slice(mark)) restored.apply(txn, zxid);
    assert.equal(restored.digest, l.tree.digest);
    assert.deepEqual(restored.exportState(), l.tree.exportState());
  });

  test('members at the same zxid write identical snapshot bytes', () => {
    const l = randomLeader(7, 120);
    const follower = new DataTree();
    for (const { zxid, txn } of l.log) follower.apply(txn, zxid);
    assert.deepEqual(encodeSnapshot(follower), encodeSnapshot(l.tree));
  });

  test('large data and large numbers survive', () => {
    const l = new Leader();
    const session = 2 ** 52 + 3;
    l.openSession(session, 2 ** 40);
    const big = new Uint8Array(1024 * 1024).map((_, i) => i * 31);
    l.ok({ type: 'create', path: '/big', data: big, mode: 'EPHEMERAL' }, session);
    l.epoch = 2 ** 31;
    l.counter = 2 ** 40;
    l.time = 2 ** 50;
    l.create('/late', '', 'PERSISTENT_WITH_TTL', 0, 2 ** 40 - 1);
    const restored = decodeSnapshot(encodeSnapshot(l.tree));
    assert.deepEqual(restored.getData('/big').data, big);
    assert.deepEqual(restored.exportState(), l.tree.exportState());
    assert.equal(restored.digest, l.tree.digest);
  });

  test('bad bytes are MARSHALLINGERROR; content that does not match its digest is DATAINCONSISTENCY', () => {
    const l = randomLeader(3, 60);
    const bytes = encodeSnapshot(l.tree);
    const fails = (b: Uint8Array, code: number) =>
      assert.throws(() => decodeSnapshot(b), (e: unknown) => e instanceof ZkError && e.code === code);
    fails(new Uint8Array([0xc1]), ErrorCode.MARSHALLINGERROR);
    fails(pack({ hello: 1 }), ErrorCode.MARSHALLINGERROR);
    const parts = unpack(bytes) as unknown[];
    fails(pack([...parts.slice(0, 3), '0000000000000000', ...parts.slice(4)]), ErrorCode.DATAINCONSISTENCY);
    const nodes = structuredClone(parts[5]) as unknown[][];
    nodes[nodes.length - 1]![3] = enc('tampered');
    fails(pack([...parts.slice(0, 5), nodes]), ErrorCode.DATAINCONSISTENCY);
    const orphan = [...(parts[5] as unknown[][]), ['/no/parent', 'persistent', 0, enc(''), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]];
    fails(pack([...parts.slice(0, 5), orphan]), ErrorCode.DATAINCONSISTENCY);
    const badPath = [...(parts[5] as unknown[][]), ['/bad/', 'persistent', 0, enc(''), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]];
    fails(pack([...parts.slice(0, 5), badPath]), ErrorCode.MARSHALLINGERROR);
  });
});
