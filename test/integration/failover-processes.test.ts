/**
 * Crashes of real member processes (SIGKILL) under a write load: no acknowledged write is lost, the
 * crashed member comes back from its files, syncs and converges; the seed's registry scenario.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { ServiceRegistry, ZooKeeperClient } from '../../src/client/index.js';
import { formedCluster, waitUntil } from './fixtures/cluster.js';

/** Keeps `writers` sequential creates in flight; records every create the ensemble acknowledged. */
class WriteLoad {
  readonly acked: string[] = [];
  errors = 0;
  private running = true;
  private readonly loops: Promise<void>[] = [];

  constructor(client: ZooKeeperClient, prefix: string, writers: number) {
    for (let w = 0; w < writers; w++) {
      this.loops.push(
        (async () => {
          while (this.running) {
            try {
              this.acked.push(await client.create(`${prefix}/w${w}-`, `payload of writer ${w}`.repeat(20), { mode: 'PERSISTENT_SEQUENTIAL' }));
            } catch {
              this.errors++; // CONNECTIONLOSS while the leader is gone: the outcome is unknown, not acked
              await new Promise((r) => setTimeout(r, 20));
            }
          }
        })(),
      );
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }
}

async function assertAllPresent(client: ZooKeeperClient, parent: string, acked: readonly string[]): Promise<void> {
  await client.sync(parent);
  const children = new Set((await client.getChildren(parent)).map((c) => `${parent}/${c}`));
  const missing = acked.filter((p) => !children.has(p));
  assert.deepEqual(missing, [], `${missing.length} acknowledged creates lost`);
}

describe('kill -9 under load', () => {
  const cluster = formedCluster({ size: 3 });

  test('the leader: a new one is elected, no acked write is lost, the old leader syncs back', async () => {
    const leader = await cluster.waitForLeader();
    const followers = cluster.ids.filter((id) => id !== leader);
    const setup = await cluster.client(followers);
    await setup.create('/load');
    const load = new WriteLoad(await cluster.client(followers), '/load', 8);
    const probe = await cluster.client(followers);
    await waitUntil(() => (load.acked.length >= 200 ? true : undefined), 20_000, () => `only ${load.acked.length} writes acked`);

    const killedAt = Date.now();
    await cluster.kill(leader);
    // Failover as ZooKeeper's reference measures it: kill -9 of the leader until a write succeeds.
    await waitUntil(
      async () => {
        try {
          await probe.setData('/load', `after the kill ${Date.now()}`);
          return true;
        } catch {
          return undefined;
        }
      },
      20_000,
      () => 'no write succeeded after the leader was killed',
      10,
    );
    const failoverMs = Date.now() - killedAt;
    const newLeader = await cluster.waitForLeader(20_000, followers);
    const ackedAtFailover = load.acked.length;
    await waitUntil(() => (load.acked.length >= ackedAtFailover + 100 ? true : undefined), 20_000, () => 'writes did not resume');
    console.log(`# failover after kill -9 of leader ${leader}: a write succeeded ${failoverMs} ms later; new leader ${newLeader}`);

    // The old leader restarts from its files and is brought up to date by the new one.
    await cluster.start(leader);
    const rejoinedAt = Date.now();
    await load.stop();
    await cluster.converged();
    console.log(`# old leader ${leader} rejoined and converged ${Date.now() - rejoinedAt} ms after restart; ${load.acked.length} creates acked, ${load.errors} failed during failover`);
    const syncLine = cluster.member(newLeader).proc!.output.join('').match(new RegExp(`(DIFF|TRUNC|SNAP) to member ${leader}\\b`));
    assert.ok(syncLine, 'the new leader logged how it synced the old one');
    assert.notEqual(syncLine[1], 'SNAP', 'a short absence is repaired by DIFF or TRUNC, not a snapshot');

    for (const id of cluster.ids) await assertAllPresent(await cluster.client([id]), '/load', load.acked);
  });

  test('a follower while fsyncs are in flight: it recovers its log and rejoins', async () => {
    const leader = await cluster.waitForLeader();
    const follower = cluster.ids.find((id) => id !== leader)!;
    const others = cluster.ids.filter((id) => id !== follower);
    const client = await cluster.client(others);
    await client.create('/fsync');
    const load = new WriteLoad(client, '/fsync', 32);
    await waitUntil(() => (load.acked.length >= 300 ? true : undefined), 20_000, () => `only ${load.acked.length} writes acked`);
    await cluster.kill(follower);
    await new Promise((r) => setTimeout(r, 300));
    const restarted = await cluster.start(follower);
    await load.stop();
    await cluster.converged();
    const repaired = restarted.proc!.output.join('').match(/storage: .*/g) ?? [];
    console.log(`# follower ${follower} restarted and converged; storage repairs on open: ${repaired.length ? repaired.join('; ') : 'none (the kill fell between appends)'}`);
    await assertAllPresent(await cluster.client([follower]), '/fsync', load.acked);
  });
});

describe('the seed scenario across processes', () => {
  const cluster = formedCluster({ size: 3 });

  test('a killed provider’s ephemeral method vanishes for the consumer after its session timeout', async () => {
    const providerScript = fileURLToPath(new URL('./fixtures/provider.ts', import.meta.url));
    const urls = cluster.ids.map((id) => cluster.url(id)).join(',');
    const provider = spawn(process.execPath, ['--import', 'tsx', providerScript, urls, 'UserService', 'Login', '127.0.0.1:8000', '4000'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      await new Promise<void>((resolve, reject) => {
        provider.stdout.setEncoding('utf8').on('data', (d: string) => d.includes('registered') && resolve());
        provider.on('exit', (code) => reject(new Error(`provider exited with ${code}`)));
      });
      const consumer = await cluster.client();
      const registry = new ServiceRegistry(consumer);
      let goneAt = 0;
      const gone = new Promise<void>((resolve) => {
        void registry.discover('UserService', 'Login', {
          onChange: (address) => {
            if (address === null) {
              goneAt = Date.now();
              resolve();
            }
          },
        });
      });
      assert.equal(await registry.discover('UserService', 'Login'), '127.0.0.1:8000');
      const killedAt = Date.now();
      provider.kill('SIGKILL');
      await gone;
      const elapsed = goneAt - killedAt;
      console.log(`# provider killed: /UserService/Login gone for the consumer ${elapsed} ms later (session timeout 4000 ms)`);
      // A dropped connection is not an expiry: the ephemeral lives until the session times out
      // (less the up to 1/3 timeout since the provider's last ping before the kill).
      assert.ok(elapsed >= 2000, `the ephemeral vanished ${elapsed} ms after the kill, before its session could have expired`);
      assert.equal(await consumer.exists('/UserService/Login'), null);
      registry.close();
    } finally {
      provider.kill('SIGKILL');
    }
  });
});
