/**
 * Forming ensembles: tabs of one browser through BroadcastChannel (no server at all), members in
 * separate browser contexts (separate "machines": no shared BroadcastChannel, IndexedDB or locks)
 * through the signalling server, and five tabs. Each measures write throughput from a follower tab.
 */
import { test, type Page } from '@playwright/test';
import { startSignallingServer, type SignallingServer } from '../../src/signalling/server.js';
import { expect, freshRoom, measureWrites, openMember, readEverywhere, status, waitForEnsemble } from './fixtures.js';

async function throughput(label: string, pages: readonly Page[], leader: number): Promise<void> {
  const follower = (await Promise.all(pages.map(async (p) => ({ p, s: await status(p) })))).find((x) => x.s.id !== leader)!.p;
  const one = await measureWrites(follower, 3000, 1);
  const many = await measureWrites(follower, 3000, 32);
  console.log(`# ${label}: setData from a follower tab: ${one} ops/s one at a time, ${many} ops/s with 32 in flight`);
  expect(one).toBeGreaterThan(0);
}

test('3 tabs form an ensemble through BroadcastChannel, with no signalling server', async ({ context }) => {
  const room = freshRoom('bc3');
  const pages: Page[] = [];
  for (let i = 0; i < 3; i++) pages.push(await openMember(context, { room, secret: 's3', members: 3 }));
  // The same URL three times: the Web Locks API handed out ids 1, 2, 3.
  expect((await Promise.all(pages.map(async (p) => (await status(p)).id))).sort()).toEqual([1, 2, 3]);
  const leader = await waitForEnsemble(pages);
  for (const p of pages) expect((await status(p)).signalling).toEqual(['broadcast-channel']);
  await pages[0]!.evaluate(() => window.peerkeeper!.create('/hello', 'from tab 1'));
  expect(await readEverywhere(pages, '/hello')).toEqual(['from tab 1', 'from tab 1', 'from tab 1']);
  // The rest of the page API, through the tab's client.
  const api = await pages[1]!.evaluate(async () => {
    const pk = window.peerkeeper!;
    const results = await pk.multi([
      { op: 'check', path: '/hello', version: 0 },
      { op: 'setData', path: '/hello', data: 'from a multi' },
      { op: 'create', path: '/hello/child', data: 'c' },
    ]);
    const badVersion = await pk.multi([{ op: 'check', path: '/hello', version: 0 }, { op: 'delete', path: '/hello/child' }]).then(() => 'applied', (e: Error) => e.message);
    return { ops: results.map((r) => r.op), badVersion, stat: await pk.exists('/hello'), children: await pk.getChildren('/hello'), missing: await pk.exists('/nope'), synced: await pk.sync('/') };
  });
  expect(api.ops).toEqual(['check', 'setData', 'create']);
  expect(api.badVersion).toMatch(/^BADVERSION/);
  expect(api.stat?.version).toBe(1);
  expect(api.children).toEqual(['child']);
  expect(api.missing).toBeNull();
  expect(await readEverywhere(pages, '/hello')).toEqual(Array(3).fill('from a multi'));
  // A fourth tab finds every id taken and says so.
  const extra = await context.newPage();
  await extra.goto(`/member.html?room=${room}&secret=s3&members=3&ice=none`);
  await extra.waitForFunction(() => window.peerkeeperError !== undefined);
  expect(await extra.evaluate(() => window.peerkeeperError)).toContain('every member id');
  await throughput('3 tabs (BroadcastChannel)', pages, leader);
});

test('3 members in separate browser contexts form an ensemble through the signalling server', async ({ browser }) => {
  const server: SignallingServer = await startSignallingServer({ port: 0, host: '127.0.0.1' });
  const contexts = await Promise.all([1, 2, 3].map(() => browser.newContext()));
  try {
    const room = freshRoom('ws3');
    const pages = await Promise.all(contexts.map((c, i) => openMember(c, { room, secret: 'ws', members: 3, id: i + 1, signal: server.url, broadcast: 0 })));
    const leader = await waitForEnsemble(pages);
    for (const p of pages) expect((await status(p)).signalling).toEqual([server.url]);
    await pages[2]!.evaluate(() => window.peerkeeper!.create('/machines', 'three'));
    expect(await readEverywhere(pages, '/machines')).toEqual(['three', 'three', 'three']);
    // Without the server nobody could have met: with a wrong secret a member never joins the others.
    const stranger = await contexts[0]!.newPage();
    await stranger.goto(`/member.html?room=${room}&secret=wrong&members=3&id=3&broadcast=0&ice=none&signal=${encodeURIComponent(server.url)}`);
    await stranger.waitForFunction(() => window.peerkeeper !== undefined);
    await new Promise((r) => setTimeout(r, 3000));
    expect((await status(stranger)).peersUp).toEqual([]);
    expect((await status(stranger)).serving).toBe(false);
    await throughput('3 members in 3 browser contexts (signalling server)', pages, leader);
  } finally {
    await Promise.all(contexts.map((c) => c.close()));
    await server.close();
  }
});

test('5 tabs form an ensemble', async ({ context }) => {
  const room = freshRoom('bc5');
  const pages: Page[] = [];
  for (let i = 0; i < 5; i++) pages.push(await openMember(context, { room, secret: 's5', members: 5 }));
  const leader = await waitForEnsemble(pages);
  await pages[4]!.evaluate(() => window.peerkeeper!.create('/five', 'tabs'));
  expect(await readEverywhere(pages, '/five')).toEqual(Array(5).fill('tabs'));
  await throughput('5 tabs (BroadcastChannel)', pages, leader);
});
