/**
 * Admission control at a member's client port, against real member processes: the origin check,
 * the per-IP connection cap, the request size and session caps, backpressure on a flood of pipelined
 * writes (no leader change), and slow readers that cost a bounded amount.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formedCluster, type Cluster } from './fixtures/cluster.js';
import { openSession } from './fixtures/raw-client.js';

const ok = 0;

async function mntr(cluster: Cluster, id: number): Promise<Map<string, string>> {
  const text = await (await fetch(`http://127.0.0.1:${cluster.member(id).clientPort}/mntr`, { signal: AbortSignal.timeout(5000) })).text();
  return new Map(text.trim().split('\n').map((line) => line.split('\t') as [string, string]));
}

async function mntrValue(cluster: Cluster, id: number, key: string): Promise<number> {
  const v = (await mntr(cluster, id)).get(key);
  assert.ok(v !== undefined, `${key} missing from member ${id}'s mntr`);
  return Number(v);
}

describe('a flood of pipelined writes on one connection', () => {
  const cluster = formedCluster({ size: 3 });

  test('20,000 pipelined 1 KB setData are all answered, and no member changes leader or epoch', { timeout: 180_000 }, async () => {
    const before = await cluster.statuses();
    const electionsBefore = await Promise.all(cluster.ids.map((id) => mntrValue(cluster, id, 'zk_election_count')));
    const leader = before.find((s) => s?.role === 'LEADING')!;
    const c = await openSession(cluster.url(leader.id));
    c.send({ type: 'request', xid: 1, operation: { op: 'create', path: '/flood', data: new Uint8Array(0), mode: 'PERSISTENT' } });
    await c.next((m) => m.type === 'response' && m.xid === 1);
    const N = 20_000;
    const data = new Uint8Array(1024).fill(7);
    const started = Date.now();
    for (let i = 0; i < N; i++) c.send({ type: 'request', xid: 2 + i, operation: { op: 'setData', path: '/flood', data, version: -1 } });
    await c.next((m) => m.type === 'response' && m.xid === N + 1, Number(process.env.FLOOD_WAIT_MS ?? 150_000)).catch((err: Error) => {
      const got = c.received.filter((m) => m.type === 'response').length;
      throw new Error(`${err.message}: ${got} responses, last ${JSON.stringify(c.received.at(-1))}`);
    });
    const responses = c.received.filter((m) => m.type === 'response');
    const errors = responses.filter((m) => m.err !== ok);
    console.log(`flood: ${N} setData answered in ${Date.now() - started} ms, ${errors.length} errors`);
    assert.equal(errors.length, 0, `errors: ${JSON.stringify(errors.slice(0, 3))}`);
    assert.equal(responses.length, N + 1);
    const after = await cluster.statuses();
    for (const [i, s] of after.entries()) {
      assert.equal(s?.leader, leader.id, `member ${i + 1} follows ${s?.leader}`);
      assert.equal(s?.epoch, before[i]!.epoch, `member ${i + 1} changed epoch`);
    }
    // Not one follower stepped down and rejoined meanwhile (that keeps the epoch but is the same failure).
    const electionsAfter = await Promise.all(cluster.ids.map((id) => mntrValue(cluster, id, 'zk_election_count')));
    assert.deepEqual(electionsAfter, electionsBefore, 'elections started during the flood');
    const throttled = await mntrValue(cluster, leader.id, 'zk_throttled_outstanding');
    console.log(`flood: the leader paused reading the connection ${throttled} times`);
    assert.ok(throttled > 0, 'the flood was throttled by backpressure');
    c.ws.close();
  });
});
