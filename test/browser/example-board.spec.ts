/**
 * The example board (examples/board), built against the package's dist/ and driven through its
 * page as a user would: several tabs elect one leader tab and all show it, share the title, edit a
 * task under a lock the others see, lose a tab mid-edit (its lock goes with its session and another
 * tab takes it), converge after a reload, keep reading while cut off (writes refused with
 * NOTREADONLY) and catch up after; and a Node member and a Node client join the same room.
 */
import { test, type BrowserContext, type Locator, type Page } from '@playwright/test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
// A Node program uses the same public entry points as the board (the package imports itself by name).
import { Lock, Presence, ZooKeeperClient, ensurePath, webSocketConnector } from 'peerkeeper';
import { startSignallingServer } from 'peerkeeper/node';
import { spawnPeerkeeper } from '../integration/fixtures/cluster.js';
import { expect, freshRoom, waitUntil } from './fixtures.js';

const BOARD = `http://127.0.0.1:${process.env.PEERKEEPER_BOARD_PORT ?? 5188}/index.html`;
/** Short sessions, so a vanished tab's locks and presence go in seconds. */
const SESSION_MS = 3000;

declare global {
  interface Window {
    board?: unknown;
    boardError?: string;
    peerkeeperTab?: import('peerkeeper/browser').PeerkeeperTab;
  }
}

async function boardStarted(page: Page): Promise<void> {
  const outcome = await waitUntil('the board to start', () => page.evaluate(() => (window.boardError !== undefined ? window.boardError : window.board !== undefined ? 'ok' : undefined)), 20_000);
  if (outcome !== 'ok') throw new Error(`board failed: ${outcome}`);
}

async function openBoard(context: BrowserContext, params: Record<string, string>): Promise<Page> {
  const page = await context.newPage();
  if (process.env.PEERKEEPER_TEST_LOG) page.on('console', (m) => console.log(`[board] ${m.text()}`));
  await page.goto(`${BOARD}?${new URLSearchParams({ ice: 'none', session: String(SESSION_MS), ...params })}`);
  await boardStarted(page);
  return page;
}

const task = (page: Page, text: string): Locator => page.locator('[data-task]').filter({ hasText: text });

async function readWrite(pages: readonly Page[]): Promise<void> {
  for (const p of pages) await expect(p.getByTestId('mode')).toHaveAttribute('data-mode', 'read-write', { timeout: 40_000 });
}

/** Every tab names the same leader tab, and exactly one of them says it is this tab. */
async function agreedLeader(pages: readonly Page[]): Promise<string> {
  return waitUntil(
    'the tabs to agree on one leader tab',
    async () => {
      const shown = await Promise.all(pages.map((p) => p.getByTestId('leader').textContent()));
      const names = shown.map((s) => (s ?? '').replace(' (this tab)', ''));
      const mine = shown.filter((s) => s?.endsWith('(this tab)')).length;
      return names[0] !== '—' && names.every((n) => n === names[0]) && mine === 1 ? names[0]! : undefined;
    },
    30_000,
  );
}

async function addTask(page: Page, text: string): Promise<void> {
  await page.getByTestId('new-task').fill(text);
  await page.getByTestId('add').click();
}

test('tabs: one leader shown everywhere, a shared title, an edit under a lock, a tab closed mid-edit, a reload', async ({ context }) => {
  const room = freshRoom('board');
  const tabs: Page[] = [];
  for (let i = 0; i < 3; i++) tabs.push(await openBoard(context, { room }));
  const [a, b, c] = tabs as [Page, Page, Page];
  await readWrite(tabs);
  const names = await Promise.all(tabs.map((p) => p.getByTestId('me').textContent()));
  expect(names).toEqual(['tab-1', 'tab-2', 'tab-3']);
  const leader = await agreedLeader(tabs);
  console.log(`# board: leader tab ${leader}`);
  for (const p of tabs) await expect(p.getByTestId('online').locator('li')).toHaveText(['tab-1', 'tab-2', 'tab-3']);

  // Shared config: a title set in one tab reaches the others through their change events.
  await a.getByTestId('title-input').fill('Sprint 7');
  await a.getByTestId('rename').click();
  for (const p of tabs) await expect(p.getByTestId('title')).toHaveText('Sprint 7');

  await addTask(a, 'Write the docs');
  for (const p of tabs) await expect(task(p, 'Write the docs').getByTestId('task-text')).toHaveText('Write the docs');

  // Tab 2 edits: the others see the task locked by it, and an edit from tab 1 is refused.
  await task(b, 'Write the docs').getByTestId('edit').click();
  await expect(b.getByTestId('editor')).toBeVisible();
  for (const p of [a, c]) await expect(task(p, 'Write the docs').getByTestId('lock')).toHaveText('locked by tab-2');
  await task(a, 'Write the docs').getByTestId('edit').click();
  await expect(a.getByTestId('error')).toContainText('locked by tab-2');
  await expect(a.getByTestId('editor')).toBeHidden();

  // Tab 2 dies mid-edit without a goodbye (its renderer crashes, so no pagehide closes its session):
  // its lock and presence go when the session expires, and tab 1 takes the lock.
  await b.getByTestId('edit-text').fill('half typed, never saved');
  await expect(b.getByTestId('edit-text')).toHaveValue('half typed, never saved');
  const cdp = await context.newCDPSession(b);
  const crashedAt = Date.now();
  const crashed = new Promise((resolve) => b.once('crash', resolve));
  void cdp.send('Page.crash').catch(() => undefined); // never answered: the renderer is gone
  await crashed;
  await expect(task(a, 'Write the docs').getByTestId('lock')).toHaveText('', { timeout: 30_000 });
  for (const p of [a, c]) await expect(p.getByTestId('online').locator('li')).toHaveText(['tab-1', 'tab-3'], { timeout: 30_000 });
  console.log(`# board: the crashed tab's lock and presence gone ${Date.now() - crashedAt} ms after the crash (session timeout ${SESSION_MS} ms)`);
  await task(a, 'Write the docs').getByTestId('edit').click();
  await expect(a.getByTestId('editor')).toBeVisible();
  await expect(task(c, 'Write the docs').getByTestId('lock')).toHaveText('locked by tab-1');
  await a.getByTestId('edit-text').fill('Write the docs, v2');
  await a.getByTestId('save').click();
  for (const p of [a, c]) {
    await expect(task(p, 'Write the docs').getByTestId('task-text')).toHaveText('Write the docs, v2');
    await expect(task(p, 'Write the docs').getByTestId('lock')).toHaveText('');
  }
  const after = await agreedLeader([a, c]);
  if (leader === 'tab-2') expect(after).not.toBe('tab-2');
  else expect(after).toBe(leader);

  // A reload: the tab comes back as the same member, from its IndexedDB, and converges.
  await c.reload();
  await boardStarted(c);
  await expect(c.getByTestId('me')).toHaveText('tab-3');
  await readWrite([a, c]);
  await expect(c.getByTestId('title')).toHaveText('Sprint 7');
  await expect(task(c, 'Write the docs').getByTestId('task-text')).toHaveText('Write the docs, v2');
  await expect(c.locator('[data-task]')).toHaveCount(1);
  await agreedLeader([a, c]);
});

test('a tab cut off keeps reading, refuses writes with NOTREADONLY, and converges when it reconnects', async ({ context }) => {
  const room = freshRoom('board-cut');
  const tabs: Page[] = [];
  for (let i = 0; i < 3; i++) tabs.push(await openBoard(context, { room }));
  const [a, b, c] = tabs as [Page, Page, Page];
  await readWrite(tabs);
  await addTask(a, 'Before the cut');
  for (const p of tabs) await expect(task(p, 'Before the cut')).toHaveCount(1);

  const sessionBefore = await a.evaluate(() => window.peerkeeperTab!.client.sessionId);
  await a.getByTestId('disconnect').click();
  await expect(a.getByTestId('mode')).toHaveAttribute('data-mode', 'read-only', { timeout: 30_000 });
  await expect(a.getByTestId('connection')).toHaveText('CONNECTED_READ_ONLY', { timeout: 30_000 });
  // Reads work: the board still shows the task, and a fresh read through the tab's client finds it.
  await expect(task(a, 'Before the cut')).toHaveCount(1);
  expect(await a.evaluate(() => window.peerkeeperTab!.client.getChildren('/board/tasks'))).toHaveLength(1);
  // Writes are refused, and the page says why.
  await addTask(a, 'Written while cut off');
  await expect(a.getByTestId('error')).toContainText('NOTREADONLY');

  // The other two are a majority and go on.
  await addTask(b, 'While tab-1 was away');
  await expect(task(c, 'While tab-1 was away')).toHaveCount(1);
  await expect(task(a, 'While tab-1 was away')).toHaveCount(0);
  // Cut off longer than its session timeout: the others see tab-1's session expire (it leaves "online").
  for (const p of [b, c]) await expect(p.getByTestId('online').locator('li')).toHaveText(['tab-2', 'tab-3'], { timeout: 30_000 });

  await a.getByTestId('reconnect').click();
  await readWrite([a]);
  await expect(task(a, 'While tab-1 was away')).toHaveCount(1, { timeout: 30_000 });
  for (const p of tabs) {
    await expect(p.locator('[data-task]')).toHaveCount(2);
    await expect(task(p, 'Written while cut off')).toHaveCount(0);
    await expect(p.getByTestId('online').locator('li')).toHaveText(['tab-1', 'tab-2', 'tab-3'], { timeout: 30_000 });
  }
  // tab-1 came back with a new session, and its presence and candidacy with it (startTab's perSession).
  expect(await a.evaluate(() => window.peerkeeperTab!.client.sessionId)).not.toBe(sessionBefore);
  await agreedLeader(tabs);
});

test('a Node member and a Node client join the board: online, a task added from Node, locked from Node', async ({ context }) => {
  const server = await startSignallingServer({ port: 0, host: '127.0.0.1' });
  const dataDir = mkdtempSync(join(tmpdir(), 'peerkeeper-board-'));
  const room = freshRoom('board-node');
  const secret = 'board-node-secret';
  const node = spawnPeerkeeper(
    ['node', '--id', '3', '--members', '1,2,3', '--room', room, '--signal', server.url, '--data', dataDir, '--client-port', '0', '--tick-ms', '100', '--exit-with-parent'],
    { PEERKEEPER_SECRET: secret },
  );
  let zk: ZooKeeperClient | undefined;
  try {
    const port = Number((await node.waitFor(/clients ws:\/\/[^:]+:(\d+)/))[1]);
    const tabs = [await openBoard(context, { room, secret, signal: server.url }), await openBoard(context, { room, secret, signal: server.url })];
    await readWrite(tabs);
    expect(await Promise.all(tabs.map((p) => p.getByTestId('me').textContent()))).toEqual(['tab-1', 'tab-2']);
    await expect(tabs[0]!.getByTestId('peers')).toHaveText('tab-2, tab-3');

    zk = new ZooKeeperClient({ connector: webSocketConnector([`ws://127.0.0.1:${port}`], { WebSocket }), members: 1, sessionTimeoutMs: SESSION_MS });
    await zk.connected();
    await new Presence(zk, '/board/online').join('node-3', JSON.stringify({ since: Date.now() }));
    await ensurePath(zk, '/board/tasks');
    await zk.create('/board/tasks/task-', JSON.stringify({ text: 'Rotate the logs' }), { mode: 'PERSISTENT_SEQUENTIAL' });
    for (const p of tabs) {
      await expect(p.getByTestId('online').locator('li')).toHaveText(['node-3', 'tab-1', 'tab-2']);
      await expect(task(p, 'Rotate the logs')).toHaveCount(1);
    }
    const id = await task(tabs[0]!, 'Rotate the logs').getAttribute('data-task');
    const lock = new Lock(zk, `/board/locks/${id}`, { data: 'node-3' });
    await lock.acquire();
    for (const p of tabs) await expect(task(p, 'Rotate the logs').getByTestId('lock')).toHaveText('locked by node-3');
    await task(tabs[1]!, 'Rotate the logs').getByTestId('edit').click();
    await expect(tabs[1]!.getByTestId('error')).toContainText('locked by node-3');
    await zk.close();
    zk = undefined;
    for (const p of tabs) {
      await expect(task(p, 'Rotate the logs').getByTestId('lock')).toHaveText('');
      await expect(p.getByTestId('online').locator('li')).toHaveText(['tab-1', 'tab-2']);
    }
    await agreedLeader(tabs);
  } finally {
    await zk?.close().catch(() => undefined);
    node.child.kill('SIGKILL');
    await node.exited;
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
