/**
 * The leader cut off by a network partition (the test-only hook: traffic dropped both ways, no socket
 * closed) under 8 clients writing continuously: every client's next write succeeds through the
 * majority within 2 s, long before the heal; after the heal the old leader rejoins as a follower at
 * the same digest.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { WebSocket } from 'ws';
import { ZooKeeperClient } from '../../src/client/index.js';
import { webSocketConnector } from '../../src/client/websocket-connector.js';
import { Cluster, formedCluster, spawnPeerkeeper, waitUntil } from './fixtures/cluster.js';

// Member processes inherit the environment: the hook is refused without this.
process.env.PEERKEEPER_TEST_HOOKS = [process.env.PEERKEEPER_TEST_HOOKS, 'partition'].filter(Boolean).join(',');

const CLIENTS = 8;
const CUT_MS = 4000;
const BOUND_MS = 2000;

interface Done {
  readonly startedAt: number;
  readonly at: number;
  readonly member: number | null;
}

/** One client writing its own znode in a loop; remembers when each write succeeded and through whom. */
class Writer {
  readonly done: Done[] = [];
  errors = 0;
  private running = true;
  readonly loop: Promise<void>;

  constructor(readonly client: ZooKeeperClient, path: string) {
    this.loop = (async () => {
      let n = 0;
      while (this.running) {
        const startedAt = Date.now();
        try {
          await client.setData(path, `write ${n++}`);
          this.done.push({ startedAt, at: Date.now(), member: client.memberIndex });
        } catch {
          this.errors++; // CONNECTIONLOSS while moving: outcome unknown; try again
          await new Promise((r) => setTimeout(r, 10));
        }
      }
    })();
  }

  /** The first write started after `t` and acknowledged by a member other than `isolated`. */
  firstAfter(t: number, isolated: number): Done | undefined {
    return this.done.find((d) => d.startedAt >= t && d.member !== isolated);
  }

  stop(): Promise<void> {
    this.running = false;
    return this.loop;
  }
}

/** Sends SIGUSR2 (the hook's switch) and waits for the member to say it took it. */
async function toggle(cluster: Cluster, id: number, expect: 'partitioned' | 'healed'): Promise<void> {
  const proc = cluster.member(id).proc!;
  const count = (): number => proc.output.join('').split(`TEST HOOK: ${expect}`).length - 1;
  const before = count();
  proc.child.kill('SIGUSR2');
  await waitUntil(() => (count() > before ? true : undefined), 5000, () => `member ${id} did not log "TEST HOOK: ${expect}"`, 5);
}

describe('the leader partitioned (test hook) under 8 writing clients', () => {
  const cluster = formedCluster({ size: 3, args: ['--test-partition'] });
  const gaps: number[][] = [];

  for (let round = 1; round <= 2; round++) {
    test(`round ${round}: every client writes through the majority within ${BOUND_MS} ms; the old leader rejoins at the same digest`, async () => {
      const leader = await cluster.waitForLeader();
      const others = cluster.ids.filter((id) => id !== leader);
      const clients: ZooKeeperClient[] = [];
      const isolatedIndex: number[] = [];
      let cut = false;
      // Half the clients start on the leader, the others on the followers: each client lists its
      // first member first, and a `random` of almost 1 keeps the list as given (no shuffle).
      for (let i = 0; i < CLIENTS; i++) {
        const firstId = i < CLIENTS / 2 ? leader : others[i % 2]!;
        const ids = [firstId, ...cluster.ids.filter((id) => id !== firstId)];
        const urls = ids.map((id) => cluster.url(id));
        isolatedIndex.push(ids.indexOf(leader));
        clients.push(new ZooKeeperClient({ connector: webSocketConnector(urls, { WebSocket }), members: urls.length, sessionTimeoutMs: 4000, random: () => 0.999 }));
      }
      try {
        await Promise.all(clients.map((c) => c.connected()));
        await clients[0]!.create(`/r${round}`).catch(() => {});
        await Promise.all(clients.map((c, i) => c.create(`/r${round}/c${i}`, '')));
        const writers = clients.map((c, i) => new Writer(c, `/r${round}/c${i}`));
        await waitUntil(() => (writers.every((w) => w.done.length >= 5) ? true : undefined), 10_000, () => 'the writers did not get going');
        const onLeader = clients.filter((c, i) => c.memberIndex === isolatedIndex[i]).length;
        assert.equal(onLeader, CLIENTS / 2);

        const cutAt = Date.now();
        cut = true;
        await toggle(cluster, leader, 'partitioned');
        const first = (i: number): Done | undefined => writers[i]!.firstAfter(cutAt, isolatedIndex[i]!);
        await waitUntil(() => (writers.every((_, i) => first(i)) ? true : undefined), CUT_MS - 200, () => 'not every client wrote through the majority during the cut', 10);
        const after = writers.map((_, i) => first(i)!.at - cutAt);
        gaps.push(after);
        const newLeader = await cluster.waitForLeader(5000, others);
        // Hold the cut a while longer: nothing above may have waited for the heal.
        await new Promise((r) => setTimeout(r, Math.max(0, cutAt + CUT_MS - Date.now())));
        cut = false;
        await toggle(cluster, leader, 'healed');
        const sorted = [...after].sort((a, b) => a - b);
        const onIt = after.slice(0, CLIENTS / 2).sort((a, b) => a - b);
        const offIt = after.slice(CLIENTS / 2).sort((a, b) => a - b);
        console.log(
          `# round ${round}: leader ${leader} cut, new leader ${newLeader}; ms from cut to each client's first write through the majority: ` +
            `min ${sorted[0]} median ${sorted[Math.floor(sorted.length / 2)]} max ${sorted.at(-1)} (clients of the cut leader ${onIt.join(',')}; of the followers ${offIt.join(',')}); ` +
            `failed attempts ${writers.reduce((n, w) => n + w.errors, 0)}`,
        );
        for (const [i, ms] of after.entries()) assert.ok(ms <= BOUND_MS, `client ${i} first wrote through the majority ${ms} ms after the cut (bound ${BOUND_MS} ms)`);

        const healedAt = Date.now();
        await Promise.all(writers.map((w) => w.stop()));
        const status = await cluster.converged(cluster.ids, 20_000);
        const old = await cluster.status(leader);
        assert.equal(old?.role, 'FOLLOWING', 'the old leader rejoined as a follower');
        assert.equal(old?.leader, newLeader);
        console.log(`# round ${round}: old leader ${leader} rejoined as a follower at ${status.appliedZxid} (digest ${status.digest}) ${Date.now() - healedAt} ms after the heal`);
      } finally {
        if (cut) await toggle(cluster, leader, 'healed');
        await Promise.all(clients.map((c) => c.close().catch(() => {})));
      }
    });
  }

  test('summary', () => {
    const all = gaps.flat().sort((a, b) => a - b);
    if (all.length > 0) console.log(`# over ${gaps.length} cuts, ${all.length} clients: min ${all[0]} median ${all[Math.floor(all.length / 2)]} max ${all.at(-1)} ms`);
  });
});

test('the partition hook is refused without PEERKEEPER_TEST_HOOKS=partition', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'peerkeeper-refuse-'));
  try {
    const p = spawnPeerkeeper(
      ['node', '--id', '1', '--members', '1', '--room', 'r', '--signal', 'ws://127.0.0.1:9', '--data', dir, '--client-port', '0', '--test-partition'],
      { PEERKEEPER_SECRET: 's', PEERKEEPER_TEST_HOOKS: 'corrupt-tree' },
    );
    const code = await p.exited;
    const text = p.output.join('');
    assert.equal(code, 2, text);
    assert.match(text, /refused unless PEERKEEPER_TEST_HOOKS=partition is set/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
