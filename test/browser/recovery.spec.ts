/**
 * Failures of tabs, in one story: a write read everywhere; a follower tab reloaded recovers its log
 * from IndexedDB before any leader speaks to it, then rejoins; the leader's tab closed while another
 * tab writes: a new leader, no acknowledged write lost; the last tab, cut off, goes read-only and
 * refuses writes clearly; closed tabs reopened come back with their state.
 */
import { test, type Page } from '@playwright/test';
import { expect, freshRoom, openMember, readEverywhere, reloadMember, status, tabOf, waitForEnsemble, waitUntil } from './fixtures.js';

test('reload, leader loss, cut-off read-only, reopen', async ({ context }) => {
  const room = freshRoom('recover');
  const params = { room, secret: 'rec', members: 3 };
  const pages: Page[] = [];
  for (let i = 0; i < 3; i++) pages.push(await openMember(context, params));
  let leader = await waitForEnsemble(pages);

  // Write in one tab, read in every tab.
  await pages[0]!.evaluate(async () => {
    await window.peerkeeper!.create('/k', '');
    for (let i = 0; i < 20; i++) await window.peerkeeper!.create(`/k/${i}`, `v${i}`);
  });
  expect(await readEverywhere(pages, '/k/19')).toEqual(['v19', 'v19', 'v19']);

  // Reload a follower: right after the reload, before any sync, its status shows the log it read back.
  const follower = (await Promise.all(pages.map(async (p) => ({ p, s: await status(p) })))).find((x) => x.s.id !== leader)!;
  const before = await status(follower.p);
  await reloadMember(follower.p);
  const after = await status(follower.p);
  expect(after.id).toBe(before.id);
  expect(after.storage.kind).toBe('indexeddb');
  expect(after.recovered.lastZxid).toBe(before.lastZxid);
  expect(after.recovered.logEntries).toBeGreaterThanOrEqual(22); // createSession, /k, /k/0..19
  expect(after.recovered.currentEpoch).toBe(before.currentEpoch);
  await waitForEnsemble(pages);
  expect((await readEverywhere([follower.p], '/k/7'))[0]).toBe('v7');
  console.log(`# follower ${after.id} reloaded: recovered zxid ${after.recovered.lastZxid} (${after.recovered.logEntries} log entries) from IndexedDB, then rejoined`);

  // Close the leader's tab while a follower tab writes: every acknowledged write survives.
  const writerTab = pages.find((p) => p !== follower.p && p !== undefined)!;
  const writer = (await status(writerTab)).id === leader ? follower.p : writerTab;
  const writing = writer.evaluate(async () => {
    const acked: string[] = [];
    const failures: string[] = [];
    const end = Date.now() + 6000;
    for (let i = 0; Date.now() < end; i++) {
      try {
        acked.push(await window.peerkeeper!.create(`/acked-${i}`, String(i)));
      } catch (e) {
        failures.push((e as Error).message);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    return { acked, failures };
  });
  await new Promise((r) => setTimeout(r, 1500));
  const leaderTab = await tabOf(pages, leader);
  await leaderTab.close();
  pages.splice(pages.indexOf(leaderTab), 1);
  const { acked, failures } = await writing;
  const newLeader = await waitForEnsemble(pages);
  expect(newLeader).not.toBe(leader);
  console.log(`# leader ${leader} closed: member ${newLeader} leads; ${acked.length} writes acknowledged, ${failures.length} failed in between (${[...new Set(failures.map((f) => f.split(' ')[0]))].join(', ')})`);
  expect(acked.length).toBeGreaterThan(5);
  for (const p of pages) {
    const present = await p.evaluate(async (paths) => {
      await window.peerkeeper!.sync('/');
      const found = await Promise.all(paths.map((path) => window.peerkeeper!.exists(path)));
      return found.filter((s) => s !== null).length;
    }, acked);
    expect(present, 'every acknowledged write is on every remaining member').toBe(acked.length);
  }
  leader = newLeader;

  // Close one more: the last tab has no quorum. It serves reads (maybe stale) and refuses writes.
  const [gone, last] = (await status(pages[0]!)).id === leader ? [pages[0]!, pages[1]!] : [pages[1]!, pages[0]!];
  await gone.close();
  await waitUntil('read-only', async () => ((await status(last)).mode === 'read-only' ? true : undefined));
  await expect(last.locator('#banner')).toContainText('read-only (stale reads possible), writes refused');
  const refused = await last.evaluate(() => window.peerkeeper!.setData('/k/0', 'lost?').then(() => 'accepted', (e: Error) => e.message));
  expect(refused).toMatch(/^NOTREADONLY.*read-only/);
  expect(await last.evaluate(() => window.peerkeeper!.getData('/k/0').then((r) => r.data))).toBe('v0');
  await waitUntil('client read-only', async () => ((await status(last)).client.state === 'CONNECTED_READ_ONLY' ? true : undefined));
  console.log(`# cut off: "${refused}"`);

  // Reopen the closed tabs (same browser profile: same IndexedDB): the ensemble and its state come back.
  const reopened = [await openMember(context, params), await openMember(context, params)];
  for (const p of reopened) expect((await status(p)).recovered.logEntries).toBeGreaterThan(0);
  const all = [last, ...reopened];
  await waitForEnsemble(all);
  expect(await readEverywhere(all, '/k/0')).toEqual(['v0', 'v0', 'v0']);
  const lastAcked = acked[acked.length - 1]!;
  expect(await readEverywhere(all, lastAcked)).toEqual(Array(3).fill(lastAcked.slice('/acked-'.length)));
  await reopened[0]!.evaluate(() => window.peerkeeper!.setData('/k/0', 'writable again'));
  expect(await readEverywhere(all, '/k/0')).toEqual(Array(3).fill('writable again'));
});
