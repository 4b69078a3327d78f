/**
 * A tab and a Node member connected only through a TURN relay: Debian's coturn started by the test,
 * `iceTransportPolicy: 'relay'` on both sides (the tab from its URL, or from the signalling server's
 * hand-out; the Node member from its flags), proven by the selected candidate pair (getStats in the
 * tab, the link's log line in the Node member) being relay at both ends, coturn's allocations, and a
 * write replicating across the link (a two-member ensemble commits nothing without it).
 */
import { test, type BrowserContext } from '@playwright/test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { ZooKeeperClient } from '../../src/client/index.js';
import { webSocketConnector } from '../../src/client/websocket-connector.js';
import type { MemberStatus } from '../../src/node/status.js';
import type { IceConfig } from '../../src/signalling/ice.js';
import { startSignallingServer } from '../../src/signalling/server.js';
import { spawnPeerkeeper } from '../integration/fixtures/cluster.js';
import { allocationsIn, startCoturn, turnserverMissing, type Coturn } from '../integration/fixtures/coturn.js';
import { expect, freshRoom, openMember, status, waitUntil, type MemberParams } from './fixtures.js';

const missing = turnserverMissing();
test.skip(missing !== undefined, missing ?? '');

let turn: Coturn;
test.beforeAll(async () => {
  turn = await startCoturn();
});
test.afterAll(async () => {
  await turn?.stop();
});

async function tabAndNodeThroughRelay(context: BrowserContext, how: { tab: MemberParams; handOut?: IceConfig }): Promise<void> {
  const server = await startSignallingServer({ port: 0, host: '127.0.0.1', ...(how.handOut ? { ice: how.handOut } : {}) });
  const dataDir = mkdtempSync(join(tmpdir(), 'peerkeeper-turn-'));
  const room = freshRoom('turn');
  const secret = 'turn-secret';
  const allocationsBefore = allocationsIn(turn.log());
  const node = spawnPeerkeeper(
    ['node', '--id', '2', '--members', '1,2', '--room', room, '--signal', server.url, '--data', dataDir, '--client-port', '0', '--tick-ms', '100', '--exit-with-parent',
      '--ice-server', turn.url, '--ice-transport-policy', 'relay'],
    { PEERKEEPER_SECRET: secret, PEERKEEPER_TURN_USERNAME: turn.username, PEERKEEPER_TURN_CREDENTIAL: turn.credential },
  );
  let zk: ZooKeeperClient | undefined;
  try {
    const port = Number((await node.waitFor(/clients ws:\/\/[^:]+:(\d+)/))[1]);
    const nodeStatus = async (): Promise<MemberStatus> => (await (await fetch(`http://127.0.0.1:${port}/status`)).json()) as MemberStatus;
    // ice: undefined drops the fixtures' default ice=none (no ICE servers at all).
    const tab = await openMember(context, { room, secret, members: '1,2', id: 1, signal: server.url, broadcast: 0, ice: undefined, ...how.tab });
    await waitUntil('the tab and the Node member in one serving ensemble', async () => {
      const [t, n] = [await status(tab), await nodeStatus()];
      return t.serving && n.serving && t.leader !== null && t.leader === n.leader && t.client.state === 'CONNECTED' ? true : undefined;
    }, 40_000);

    const path = await tab.evaluate(() => window.peerkeeper!.candidatePath(2));
    console.log(`# tab 1 → node 2: ${JSON.stringify(path)}`);
    expect(path?.local.type).toBe('relay');
    expect(path?.remote.type).toBe('relay');
    const nodeLine = await node.waitFor(/link to 1 goes relay \S+ \S+ ↔ relay \S+ \S+/);
    console.log(`# node 2: ${nodeLine[0]}`);
    expect(allocationsIn(turn.log()) - allocationsBefore).toBeGreaterThanOrEqual(2);

    await tab.evaluate(() => window.peerkeeper!.create('/from-tab', 'over TURN'));
    zk = new ZooKeeperClient({ connector: webSocketConnector([`ws://127.0.0.1:${port}`], { WebSocket }), members: 1, sessionTimeoutMs: 5000 });
    await zk.connected();
    await zk.sync('/');
    expect(new TextDecoder().decode((await zk.getData('/from-tab')).data)).toBe('over TURN');
    await zk.create('/from-node', 'back over TURN');
    await tab.evaluate(() => window.peerkeeper!.sync('/'));
    expect((await tab.evaluate(() => window.peerkeeper!.getData('/from-node'))).data).toBe('back over TURN');
  } finally {
    await zk?.close().catch(() => {});
    if (node.child.exitCode === null && node.child.signalCode === null) {
      node.child.kill('SIGTERM');
      await node.exited;
    }
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

test('a tab (ICE from its URL) and a Node member connect only through the TURN relay', async ({ context }) => {
  await tabAndNodeThroughRelay(context, {
    tab: { 'ice-server': turn.url, 'ice-username': turn.username, 'ice-credential': turn.credential, 'ice-policy': 'relay' },
  });
});

test('a tab that takes its ICE configuration from the signalling server connects through the relay too', async ({ context }) => {
  await tabAndNodeThroughRelay(context, {
    tab: {},
    handOut: { iceServers: [{ urls: turn.url, username: turn.username, credential: turn.credential }], iceTransportPolicy: 'relay' },
  });
});
