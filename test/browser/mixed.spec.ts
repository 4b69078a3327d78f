/**
 * A mixed ensemble: two tabs and one Node member (`peerkeeper node`, a child process with its log in
 * files), meeting through the signalling server; writes from either side are read on every member.
 * Once per WebRTC binding of the Node member (node/webrtc-binding.ts): each must talk to Chromium's.
 */
import { test } from '@playwright/test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { ZooKeeperClient } from '../../src/client/index.js';
import { webSocketConnector } from '../../src/client/websocket-connector.js';
import type { MemberStatus } from '../../src/node/status.js';
import { WEBRTC_BINDINGS } from '../../src/node/webrtc-binding.js';
import { startSignallingServer } from '../../src/signalling/server.js';
import { spawnPeerkeeper } from '../integration/fixtures/cluster.js';
import { expect, freshRoom, openMember, readEverywhere, status, waitForEnsemble, waitUntil } from './fixtures.js';

for (const webrtc of WEBRTC_BINDINGS) test(`2 tabs and 1 Node member (${webrtc}) form one ensemble; writes are visible everywhere`, async ({ context }) => {
  const server = await startSignallingServer({ port: 0, host: '127.0.0.1' });
  const dataDir = mkdtempSync(join(tmpdir(), 'peerkeeper-mixed-'));
  const room = freshRoom('mixed');
  const secret = 'mixed-secret';
  const startNode = (port: number) =>
    spawnPeerkeeper(
      ['node', '--id', '3', '--members', '1,2,3', '--room', room, '--signal', server.url, '--data', dataDir, '--client-port', String(port), '--tick-ms', '100', '--webrtc', webrtc, '--exit-with-parent'],
      { PEERKEEPER_SECRET: secret },
    );
  let node = startNode(0);
  let zk: ZooKeeperClient | undefined;
  try {
    const port = Number((await node.waitFor(/clients ws:\/\/[^:]+:(\d+)/))[1]);
    await node.waitFor(new RegExp(`webrtc ${webrtc}`));
    const nodeStatus = async (): Promise<MemberStatus> => (await (await fetch(`http://127.0.0.1:${port}/status`)).json()) as MemberStatus;
    const tabs = [
      await openMember(context, { room, secret, members: 3, id: 1, signal: server.url }),
      await openMember(context, { room, secret, members: 3, id: 2, signal: server.url }),
    ];
    const leader = await waitUntil('one ensemble of 2 tabs and the Node member', async () => {
      const [a, b] = await Promise.all(tabs.map(status));
      const n = await nodeStatus();
      const l = n.leader;
      const ok = l !== null && n.serving && a!.serving && b!.serving && a!.leader === l && b!.leader === l && a!.client.state === 'CONNECTED' && b!.client.state === 'CONNECTED';
      return ok ? l : undefined;
    }, 40_000);
    expect((await status(tabs[0]!)).peersUp).toEqual([2, 3]);

    await tabs[0]!.evaluate(() => window.peerkeeper!.create('/from-tab', 'tab 1'));
    zk = new ZooKeeperClient({ connector: webSocketConnector([`ws://127.0.0.1:${port}`], { WebSocket }), members: 1, sessionTimeoutMs: 5000 });
    await zk.connected();
    await zk.sync('/');
    expect(new TextDecoder().decode((await zk.getData('/from-tab')).data)).toBe('tab 1');
    await zk.create('/from-node', 'node 3');
    expect(await readEverywhere(tabs, '/from-node')).toEqual(['node 3', 'node 3']);

    const [a, b] = await Promise.all(tabs.map(status));
    const n = await nodeStatus();
    await waitUntil('the same digest on all three', async () => {
      const [x, y] = await Promise.all(tabs.map(status));
      const z = await nodeStatus();
      return x!.appliedZxid === z.appliedZxid && y!.appliedZxid === z.appliedZxid && x!.digest === z.digest && y!.digest === z.digest ? true : undefined;
    });
    console.log(`# mixed ensemble: leader ${leader}; tab 1 ${a!.role}, tab 2 ${b!.role}, node 3 ${n.role}`);

    // The Node member killed: the tabs carry on (2 of 3), then it restarts from its files and follows a tab.
    await zk.close();
    zk = undefined;
    node.child.kill('SIGKILL');
    await node.exited;
    await waitForEnsemble(tabs);
    await tabs[1]!.evaluate(() => window.peerkeeper!.create('/while-node-down', 'tabs only'));
    node = startNode(port);
    await node.waitFor(/clients ws:/);
    const tabLeader = await waitUntil('the Node member following a tab', async () => {
      const z = await nodeStatus().catch(() => undefined);
      return z?.role === 'FOLLOWING' && z.serving && z.leader !== 3 ? z.leader : undefined;
    }, 40_000);
    zk = new ZooKeeperClient({ connector: webSocketConnector([`ws://127.0.0.1:${port}`], { WebSocket }), members: 1, sessionTimeoutMs: 5000 });
    await zk.connected();
    await zk.sync('/');
    expect(new TextDecoder().decode((await zk.getData('/while-node-down')).data)).toBe('tabs only');
    console.log(`# node 3 restarted from its files and follows tab ${tabLeader}`);
  } finally {
    await zk?.close().catch(() => {});
    if (node.child.exitCode === null && node.child.signalCode === null) {
      node.child.kill('SIGTERM');
      await node.exited;
    }
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
