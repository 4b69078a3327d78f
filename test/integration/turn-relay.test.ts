/**
 * Traversal without host candidates: real `peerkeeper node` processes whose WebRTC links may use
 * only relayed candidates (iceTransportPolicy 'relay') through Debian's coturn, started here.
 * Proven three ways: each member logs its link's selected candidate pair (from getStats) as relay
 * on both ends, coturn's log shows the allocations, and a write replicates (a two-member ensemble
 * commits nothing without its one link). Skipped with the reason where turnserver is missing.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Cluster } from './fixtures/cluster.js';
import { allocationsIn, startCoturn, turnserverMissing, type Coturn } from './fixtures/coturn.js';

const missing = turnserverMissing();
const RELAYED = /link to (\d+) goes relay (udp|tcp) \S+ ↔ relay (udp|tcp) \S+/;

async function writeAndReadBack(cluster: Cluster, path: string): Promise<void> {
  const writer = await cluster.client([1]);
  await writer.create(path, 'through the relay');
  const reader = await cluster.client([2]);
  await reader.sync('/');
  const { data } = await reader.getData(path);
  assert.equal(new TextDecoder().decode(data), 'through the relay');
}

describe('members connected only through a TURN relay', { skip: missing, timeout: 90_000 }, () => {
  let turn: Coturn;
  before(async () => {
    turn = await startCoturn();
  });
  after(async () => {
    await turn?.stop();
  });

  test('their own flags: --ice-server turn:… --ice-transport-policy relay, credentials from the environment', { timeout: 60_000 }, async () => {
    const cluster = new Cluster({ size: 2, args: ['--ice-server', turn.url, '--ice-transport-policy', 'relay'] });
    try {
      await cluster.startSignal();
      const env = { PEERKEEPER_TURN_USERNAME: turn.username, PEERKEEPER_TURN_CREDENTIAL: turn.credential };
      const allocationsBefore = allocationsIn(turn.log());
      await Promise.all(cluster.ids.map((id) => cluster.start(id, { env })));
      for (const m of cluster.members) {
        const line = await m.proc!.waitFor(RELAYED, 30_000);
        console.log(`# member ${m.id}: ${line[0]}`);
      }
      await cluster.waitForLeader();
      await writeAndReadBack(cluster, '/relayed');
      assert.ok(allocationsIn(turn.log()) - allocationsBefore >= 2, "coturn granted each member's end a relay allocation");
      // The credentials never reach a command line.
      for (const m of cluster.members) assert.ok(!m.proc!.child.spawnargs.join(' ').includes(turn.credential));
    } finally {
      await cluster.stopAll();
    }
  });

  test('handed out by the signalling server (signal --ice-server … --ice-credentials FILE)', { timeout: 60_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'peerkeeper-ice-'));
    const credentials = join(dir, 'turn-credentials');
    writeFileSync(credentials, `${turn.username}\n${turn.credential}\n`, { mode: 0o600 });
    // The members say nothing about ICE: the servers and the relay-only policy come with the room.
    const cluster = new Cluster({ size: 2 });
    cluster.signalArgs = ['--ice-server', turn.url, '--ice-credentials', credentials, '--ice-transport-policy', 'relay'];
    try {
      await cluster.startSignal();
      await cluster.startAll();
      for (const m of cluster.members) {
        await m.proc!.waitFor(/ICE configuration from ws:\/\/\S+: turn:/, 30_000);
        const line = await m.proc!.waitFor(RELAYED, 30_000);
        console.log(`# member ${m.id}: ${line[0]}`);
      }
      await cluster.waitForLeader();
      await writeAndReadBack(cluster, '/handed-out');
    } finally {
      await cluster.stopAll();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
