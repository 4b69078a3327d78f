import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { zxid } from '../../../src/zab/zxid.js';
import { Cluster } from './harness.js';

describe('zxid counter exhaustion (pitfall 10)', () => {
  test('with maxCounter 3 the 4th proposal fails with EPOCH_EXHAUSTED and the leader goes back to election', () => {
    const c = new Cluster({ config: { maxCounter: 3 } });
    assert.equal(c.establish(), 3);
    for (let n = 1; n <= 3; n++) assert.deepEqual(c.propose(3, `t${n}`), { ok: true, zxid: zxid(1, n) });
    c.settle();
    const since = c.mark();
    assert.deepEqual(c.propose(3, 't4'), { ok: false, reason: 'EPOCH_EXHAUSTED' });
    assert.equal(c.status(3).role, 'LOOKING');
    assert.deepEqual(c.log(3), ['(1,1)', '(1,2)', '(1,3)']);
    assert.deepEqual(c.sentTypes({ since }), [], 'nothing but votes: no PROPOSAL for a 4th zxid');
    assert.deepEqual(c.propose(3, 't4'), { ok: false, reason: 'NOT_LEADER' });
  });

  test('the next epoch starts at counter 1', () => {
    const c = new Cluster({ config: { maxCounter: 3 } });
    c.establish();
    for (let n = 1; n <= 3; n++) c.propose(3, `t${n}`);
    c.settle();
    assert.equal(c.propose(3, 't4').ok, false);
    const leader = c.stabilize();
    assert.equal(c.status(leader).epoch, 2);
    assert.deepEqual(c.propose(leader, 't4'), { ok: true, zxid: zxid(2, 1) });
    c.settle();
    for (const id of [1, 2, 3]) assert.deepEqual(c.applied(id), ['(1,1)', '(1,2)', '(1,3)', '(2,1)']);
  });

  test('proposals durable on a quorum but not yet committed when the counter runs out survive into the next epoch', () => {
    const c = new Cluster({ config: { maxCounter: 3 } });
    c.establish();
    for (let n = 1; n <= 3; n++) c.propose(3, `t${n}`);
    c.deliverAll();
    c.persistAll();
    c.drop({ type: 'ACK' }); // nobody learns they were acked
    assert.deepEqual(c.status(3).committedZxid, { epoch: 0, counter: 0 });
    assert.equal(c.propose(3, 't4').ok, false);
    const leader = c.stabilize();
    assert.equal(c.status(leader).epoch, 2);
    for (const id of [1, 2, 3]) assert.deepEqual(c.applied(id), ['(1,1)', '(1,2)', '(1,3)']);
  });
});
