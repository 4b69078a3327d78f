/**
 * `peerkeeper ensemble` as a user runs it: kill -9 one of its members (the leader) from outside and
 * the supervisor starts it again after its backoff; it rejoins the quorum at the same digest as the
 * others. Ctrl-C (SIGTERM) stops everything and nothing is restarted.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { WebSocket } from 'ws';
import { ZooKeeperClient } from '../../src/client/index.js';
import { webSocketConnector } from '../../src/client/websocket-connector.js';
import type { MemberStatus } from '../../src/node/status.js';
import { spawnPeerkeeper, waitUntil } from './fixtures/cluster.js';
import { freePortRange } from '../../scripts/lib/waiting.js';


async function status(port: number): Promise<MemberStatus | null> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/status`, { signal: AbortSignal.timeout(2000) });
    return (await res.json()) as MemberStatus;
  } catch {
    return null;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('peerkeeper ensemble restarts a member that dies', () => {
  const root = mkdtempSync(join(tmpdir(), 'peerkeeper-ensemble-'));
  const clients: ZooKeeperClient[] = [];
  after(async () => {
    for (const c of clients) await c.close().catch(() => {});
    rmSync(root, { recursive: true, force: true });
  });

  test('kill -9 of the leader: restarted by the supervisor, serving again at the same digest; SIGTERM stops all for good', async () => {
    const signalPort = await freePortRange(4);
    const clientBase = await freePortRange(3);
    const ports = [clientBase, clientBase + 1, clientBase + 2];
    const ensemble = spawnPeerkeeper(
      ['ensemble', '--size', '3', '--data', root, '--signal-port', String(signalPort), '--client-port', String(clientBase), '--quiet'],
      { PEERKEEPER_SECRET: 'ensemble-restart-test' },
    );
    try {
      await ensemble.waitFor(/connect: peerkeeper shell/);
      const serving = async (): Promise<MemberStatus[] | undefined> => {
        const all = await Promise.all(ports.map(status));
        if (!all.every((s) => s?.serving)) return undefined;
        const first = all[0]!;
        return all.every((s) => s!.leader === first.leader && s!.appliedZxid === first.appliedZxid && s!.digest === first.digest) ? (all as MemberStatus[]) : undefined;
      };
      const before = await waitUntil(serving, 40_000, () => `the ensemble did not form:\n${ensemble.output.join('').slice(-2000)}`);
      const leader = before.find((s) => s.role === 'LEADING')!;
      const urls = ports.map((p) => `ws://127.0.0.1:${p}`);
      const client = new ZooKeeperClient({ connector: webSocketConnector(urls, { WebSocket }), members: 3, sessionTimeoutMs: 6000 });
      clients.push(client);
      await client.connected();
      await client.create('/before', 'written before the kill');

      process.kill(leader.pid, 'SIGKILL');
      const exit = await ensemble.waitFor(new RegExp(`\\[supervisor\\] member ${leader.id} exited \\(SIGKILL\\) after [^;]+; restarting in (\\d+) ms \\(restart 1\\)`), 10_000);
      assert.equal(Number(exit[1]), 500, 'the first restart comes after 0.5 s');
      const restarted = await ensemble.waitFor(new RegExp(`member ${leader.id} restarted \\(pid (\\d+)\\)`), 10_000);
      const newPid = Number(restarted[1]);
      assert.notEqual(newPid, leader.pid);

      // The others went on (a new leader); a write after the kill reaches the restarted member too.
      await waitUntil(async () => {
        try {
          await client.create('/after', 'written after the kill');
          return true;
        } catch {
          return undefined;
        }
      }, 20_000, () => 'no write succeeded after the kill');
      let seen = '';
      const after = await waitUntil(
        async () => {
          seen = JSON.stringify((await Promise.all(ports.map(status))).map((s) => s && [s.id, s.pid, s.role, s.serving, s.appliedZxid, s.digest]));
          const all = await serving();
          return all && all.find((s) => s.id === leader.id)?.pid === newPid && all[0]!.appliedZxid !== before[0]!.appliedZxid ? all : undefined;
        },
        30_000,
        () => `member ${leader.id} did not rejoin at the others' digest: ${seen}`,
      );
      const rejoined = after.find((s) => s.id === leader.id)!;
      assert.equal(rejoined.digest, after.find((s) => s.id !== leader.id)!.digest);
      console.log(`# member ${leader.id} (leader, pid ${leader.pid}) killed; restarted as pid ${newPid}, serving as ${rejoined.role} at ${rejoined.appliedZxid} digest ${rejoined.digest}`);

      const pids = after.map((s) => s.pid);
      const restartsBefore = ensemble.output.join('').match(/restarting in/g)?.length ?? 0;
      ensemble.child.kill('SIGTERM');
      assert.equal(await ensemble.exited, 0);
      const text = ensemble.output.join('');
      assert.match(text, /stopping the ensemble \(SIGTERM\)/);
      assert.equal(text.match(/restarting in/g)?.length ?? 0, restartsBefore, 'nothing restarted while stopping');
      await waitUntil(() => (pids.some(alive) ? undefined : true), 10_000, () => `members still running: ${pids.filter(alive).join(',')}`);
    } finally {
      if (ensemble.child.exitCode === null && ensemble.child.signalCode === null) ensemble.child.kill('SIGKILL');
    }
  });
});
