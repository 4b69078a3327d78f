/**
 * Concurrent clients in every tab (CAS counters, sequential creates, ephemerals, reads, sync + read)
 * while the test closes the leader's tab, reloads a follower and cuts a tab off from the others; the
 * history of every invocation and answer is checked by the simulator's checker (linearizable writes,
 * sequentially consistent reads, nothing lost, nothing invented) against the txns the tabs applied,
 * and every tab ends with the same digest.
 */
import { writeFileSync } from 'node:fs';
import { test, type Page } from '@playwright/test';
import { expect, freshRoom, openMember, reloadMember, status, tabOf, waitConverged, waitForEnsemble } from './fixtures.js';
import { HistoryCollector } from './history.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('a concurrent history through leader loss, a reload and a partition checks out', async ({ context }) => {
  test.setTimeout(240_000);
  const room = freshRoom('history');
  const params = { room, secret: 'hist', members: 3, record: 1 };
  const history = new HistoryCollector();
  let loads = 0;
  const startWorkload = (page: Page) => page.evaluate((idBase) => window.peerkeeper!.history.startWorkload({ idBase, clients: 2, thinkMs: 15, sessionTimeoutMs: 6000 }), ++loads * 1_000_000);

  const pages: Page[] = [];
  for (let i = 0; i < 3; i++) pages.push(await openMember(context, params));
  let leader = await waitForEnsemble(pages);
  await pages[0]!.evaluate(async () => {
    const pk = window.peerkeeper!;
    for (const p of ['/c', '/q', '/eph']) await pk.create(p, '');
    for (const k of ['/c/k0', '/c/k1', '/c/k2']) await pk.create(k, '0');
  });
  for (const p of pages) await startWorkload(p);
  await sleep(3000);

  // 1. Close the leader's tab (its history taken first: what was in flight stays unknown), open another.
  const leaderTab = await tabOf(pages, leader);
  await history.freezeAndPull(leaderTab);
  await leaderTab.close();
  pages.splice(pages.indexOf(leaderTab), 1);
  await sleep(2000);
  const reopened = await openMember(context, params);
  pages.push(reopened);
  await startWorkload(reopened);
  leader = await waitForEnsemble(pages, 60_000);
  await sleep(2000);

  // 2. Reload a follower.
  const follower = (await Promise.all(pages.map(async (p) => ({ p, s: await status(p) })))).find((x) => x.s.id !== leader)!.p;
  await history.freezeAndPull(follower);
  await reloadMember(follower);
  await startWorkload(follower);
  await sleep(3000);

  // 3. Cut the leader's tab off from the others for longer than a session lasts, then let it back.
  const cut = await tabOf(pages, (await status(pages[0]!)).leader ?? leader);
  await cut.evaluate(() => window.peerkeeper!.isolate());
  await sleep(7000);
  await cut.evaluate(() => window.peerkeeper!.rejoin());
  await sleep(3000);

  // Stop: every op answered or given up, every session closed; then everyone agrees.
  await Promise.all(pages.map((p) => p.evaluate(() => window.peerkeeper!.history.stop())));
  await waitForEnsemble(pages, 60_000);
  await pages[0]!.evaluate(() => window.peerkeeper!.sync('/'));
  const converged = await waitConverged(pages);
  for (const p of pages) await history.pull(p);

  const { report, ops, truth } = history.check();
  const outcomes = { ok: 0, error: 0, unknown: 0 };
  for (const o of ops) outcomes[o.outcome]++;
  console.log(`# history: ${ops.length} ops (${outcomes.ok} ok, ${outcomes.error} definite errors, ${outcomes.unknown} unknown), ${truth.length} committed txns, converged at ${converged.zxid} digest ${converged.digest}`);
  console.log(report.summary.split('\n').map((l) => `#   ${l}`).join('\n'));
  expect(history.problems).toEqual([]);
  // Every page load's ops are in (a tab that reloaded behind the test's back would lose its own).
  const loadsSeen = new Set(ops.map((o) => Math.floor(o.id / 1_000_000)));
  expect([...loadsSeen].sort()).toEqual(Array.from({ length: loads }, (_, i) => i + 1));
  expect(ops.length).toBeGreaterThan(300);
  expect(truth.filter((t) => t.opId !== null).length).toBeGreaterThan(100);
  if (report.verdict !== 'ok') {
    const file = test.info().outputPath('history.json');
    writeFileSync(file, JSON.stringify({ ops, truth, problems: history.problems }, (_k, v) => (v instanceof Uint8Array ? new TextDecoder().decode(v) : v)));
    console.log(`# history written to ${file}`);
  }
  expect(report.verdict, report.summary).toBe('ok');
});
