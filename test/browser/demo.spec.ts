/**
 * The classroom page (demo/index.html): the simulated ensemble renders (roles, logs, messages in
 * flight), elects a leader, commits a write on every member, and the guided tour runs to the end.
 * Screenshots go to test-results/demo-*.png for the issue note. The page's own test API
 * (window.peerkeeperDemo) drives the same code paths as its buttons.
 */
import { expect, test, type Page } from '@playwright/test';
import type { DemoApi } from '../../demo/src/main.js';

const SHOTS = 'test-results';

async function open(page: Page, viewport = { width: 1600, height: 1000 }): Promise<void> {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.setViewportSize(viewport);
  await page.goto('/');
  await page.waitForFunction(() => (window as unknown as { peerkeeperDemo?: DemoApi }).peerkeeperDemo !== undefined, undefined, { timeout: 30_000 });
  expect(errors).toEqual([]);
}

/** Runs `fn` with the page's test API; `fn` is sent as source, so it sees only `api` and `arg`, no closure. */
function demo<T, A = undefined>(page: Page, fn: (api: DemoApi, arg: A) => T | Promise<T>, arg?: A): Promise<T> {
  return page.evaluate(
    ([source, a]) => {
      const api = (window as unknown as { peerkeeperDemo: DemoApi }).peerkeeperDemo;
      return (new Function('api', 'arg', `return (${source})(api, arg)`) as (api: DemoApi, arg: unknown) => T)(api, a);
    },
    [fn.toString(), arg] as const,
  ) as Promise<T>;
}

test.describe('the classroom demo', () => {
  test('roles, logs and messages render; a leader is elected; a write commits on every member', async ({ page }) => {
    await open(page);
    await demo(page, (api) => api.reset({ seed: 7, members: 3 }));
    await expect(page.locator('.stage-svg .card')).toHaveCount(3);
    await expect(page.locator('#logs .logcol')).toHaveCount(3);
    await expect(page.locator('.card.role-LOOKING')).toHaveCount(3);
    // Playing at the default speed: the first VOTEs fly.
    await expect(page.locator('.msg.fam-election').first()).toBeVisible({ timeout: 15_000 });
    await page.screenshot({ path: `${SHOTS}/demo-election.png` });

    expect(await demo(page, (api) => api.runUntil('allServing', 1000))).toBe(true);
    const elected = await demo(page, (api) => api.state());
    expect(elected.leader).not.toBeNull();
    expect(elected.now).toBeLessThan(1000); // within one virtual second
    await expect(page.locator('.card.role-LEADING')).toHaveCount(1);
    await expect(page.locator('.card.role-FOLLOWING')).toHaveCount(2);
    await expect(page.locator('.card.phase-broadcast')).toHaveCount(3);

    expect(await demo(page, (api) => api.runUntil('clientsConnected', 1000))).toBe(true);
    await demo(page, (api) => {
      api.pause();
      return api.act({ kind: 'create', client: 'A', path: '/hello', data: 'world', mode: 'PERSISTENT' });
    });
    // Catch the PROPOSAL half-way, with its quorum counter.
    expect(await demo(page, (api) => api.runUntil('proposalInFlight', 200))).toBe(true);
    const pill = page.locator('.msg.fam-broadcast', { hasText: 'PROPOSAL' }).first();
    await expect(pill).toBeVisible();
    await expect(pill).toContainText(/PROPOSAL \(1, \d+\) create \/hello [✓]?\d\/\d/);
    await page.screenshot({ path: `${SHOTS}/demo-proposal.png` });

    expect(await demo(page, (api) => api.runUntil('pathEverywhere', 500, '/hello'))).toBe(true);
    await demo(page, (api) => api.advance(30));
    const after = await demo(page, (api) => api.state());
    for (const card of after.cards) {
      const row = card.log.find((r) => r.summary === 'create /hello');
      expect(row, `m${card.id} has the write in its log`).toBeDefined();
      expect(row!.committed, `m${card.id} has it committed`).toBe(true);
      expect(row!.durable, `m${card.id} has it on disk`).toBe(true);
    }
    expect(after.consistent).toBe(true);
    expect(after.metrics.commits).toBeGreaterThanOrEqual(3);
    const a = after.clients.find((c) => c.name === 'A')!;
    expect(a.ops.at(-1)!.status).toBe('ok');
    await expect(page.locator('#logs .logcol .entry.committed', { hasText: 'create /hello' })).toHaveCount(3);
    await expect(page.locator('#timeline')).toContainText('committed (1, 3): create /hello');
    await page.locator('#tree .znode', { hasText: 'hello' }).click();
    await expect(page.locator('#stat')).toContainText('czxid');
    await expect(page.locator('#stat')).toContainText('(1, 3)');
    await page.screenshot({ path: `${SHOTS}/demo-committed.png` });
    // A follower frozen (a GC pause) while writes pile up: entries logged but not yet durable are hatched.
    await demo(page, async (api) => {
      const follower = api.state().cards.find((c) => c.role === 'FOLLOWING')!.id;
      await api.act({ kind: 'pause', member: follower, ms: 300 });
      for (const path of ['/n1', '/n2', '/n3']) await api.act({ kind: 'create', client: 'A', path, data: path, mode: 'PERSISTENT' });
      return api.runUntil('entryInMemory', 100);
    });
    await expect(page.locator('#logs .entry.mem').first()).toBeVisible();
    await expect(page.locator('.card.paused')).toHaveCount(1);
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: `${SHOTS}/demo-paused-follower.png` });
    await page.locator('section.logs').screenshot({ path: `${SHOTS}/demo-logs.png` });
    await page.locator('section.tree').screenshot({ path: `${SHOTS}/demo-tree-stat.png` });
    await page.locator('section.consistency').screenshot({ path: `${SHOTS}/demo-consistency-metrics.png` });
    await page.locator('section.timeline').screenshot({ path: `${SHOTS}/demo-timeline.png` });
  });

  test('clicking a message drops it, clicking a link cuts it, keyboard shortcuts work', async ({ page }) => {
    await open(page);
    await demo(page, (api) => api.reset({ seed: 7, members: 5 }));
    await expect(page.locator('.stage-svg .card')).toHaveCount(5);
    await demo(page, async (api) => {
      api.pause();
      await api.runUntil('clientsConnected', 1500);
      await api.act({ kind: 'create', client: 'A', path: '/drop-me', data: '', mode: 'PERSISTENT' });
      await api.runUntil('proposalInFlight', 200);
    });
    const proposal = page.locator('.msg.droppable', { hasText: 'PROPOSAL' }).first();
    await proposal.click();
    await demo(page, (api) => api.advance(20));
    await expect.poll(() => demo(page, (api) => api.state().timeline.some((e) => /PROPOSAL .* was dropped on the way/.test(e.text))), { timeout: 10_000 }).toBe(true);
    const linkCount = await page.locator('.link').count();
    expect(linkCount).toBe(10);
    await page.locator('.link .link-hit').first().dispatchEvent('click');
    await expect(page.locator('.link.cut')).toHaveCount(1);
    await page.keyboard.press('h');
    await expect(page.locator('.link.cut')).toHaveCount(0);
    await page.keyboard.press('?');
    await expect(page.locator('#help')).toBeVisible();
    await expect(page.locator('#help')).toContainText('kill the selected member');
    await page.screenshot({ path: `${SHOTS}/demo-help.png` });
    await page.keyboard.press('Escape');
    await expect(page.locator('#help')).toBeHidden();
    await page.keyboard.press('2');
    await page.keyboard.press('k');
    await expect(page.locator('.card.down')).toHaveCount(1);
    await expect(page.locator('#sel-name')).toHaveText('m2');
  });

  test('the guided tour runs to the end', async ({ page }) => {
    await open(page);
    await page.getByRole('button', { name: /Guided tour/ }).click();
    const steps = await demo(page, (api) => api.tour.steps);
    expect(steps.length).toBeGreaterThanOrEqual(5);
    await expect(page.locator('#tour')).toBeVisible();
    for (let i = 0; i < steps.length; i++) {
      if (i > 0) await demo(page, (api, index: number) => api.tour.start(index), i);
      await expect(page.locator('#tour h2')).toHaveText(steps[i]!);
      // Let it play a little, as a student would see it, then fast-forward to the step's goal.
      await demo(page, (api, ms: number) => api.advance(ms), i === 1 || i === 2 ? 14 : 30);
      if (i === 1 || i === 2) await page.screenshot({ path: `${SHOTS}/demo-tour-${i + 1}-playing.png` });
      expect(await demo(page, (api) => api.tour.skip()), `step ${i + 1} reaches its goal`).toBe(true);
      await expect(page.locator('#tour .status.done')).toBeVisible();
      await page.screenshot({ path: `${SHOTS}/demo-tour-${i + 1}.png` });
    }
    expect(await demo(page, (api) => api.tour.current())).toEqual({ index: steps.length - 1, done: true, finished: true });
    await expect(page.locator('#tour')).toContainText('Tour complete');
    const text = await page.locator('#timeline').innerText();
    expect(text).toMatch(/tells m\d to TRUNC back to \(1, \d+\)/);
    expect(text).toMatch(/create \/island → NOTREADONLY/);
  });

  test('the minority refuses a write, said next to what a CRDT would do', async ({ page }) => {
    await open(page);
    await page.getByRole('button', { name: /Guided tour/ }).click();
    for (let i = 0; i < 6; i++) {
      if (i > 0) await demo(page, (api, index: number) => api.tour.start(index), i);
      expect(await demo(page, (api) => api.tour.skip())).toBe(true);
    }
    await demo(page, (api) => api.pause());
    const callout = page.locator('.client-card[data-client="B"] .callout');
    await expect(callout).toBeVisible();
    await expect(callout).toContainText('cut off from a quorum');
    await expect(callout).toContainText('CRDT');
    await expect(page.locator('.link.cut')).toHaveCount(2);
    await page.screenshot({ path: `${SHOTS}/demo-minority.png` });
  });

  test('an exported trace replays to the same world', async ({ page }) => {
    await open(page);
    const trace = await demo(page, async (api) => {
      await api.reset({ seed: 21, members: 3 });
      api.pause();
      await api.runUntil('clientsConnected', 1500);
      await api.act({ kind: 'create', client: 'B', path: '/e', data: 'mine', mode: 'EPHEMERAL' });
      await api.advance(40);
      const leader = api.state().leader!;
      await api.act({ kind: 'kill', member: leader });
      await api.act({ kind: 'crashClient', client: 'B' });
      await api.advance(250);
      await api.act({ kind: 'restart', member: leader });
      await api.advance(120);
      return api.exportTrace();
    });
    const parsed = JSON.parse(trace) as { actions: unknown[]; fingerprint: string; events: { text: string }[] };
    expect(parsed.actions.length).toBe(4);
    expect(parsed.events.some((e) => /its ephemeral \/e vanishes/.test(e.text))).toBe(true);
    const before = await demo(page, (api) => api.fingerprint());
    const result = await demo(page, (api, json: string) => api.replay(json, { fast: true }), trace);
    expect(result).toEqual({ matches: true, fingerprint: before });
    await expect(page.locator('#banner')).toContainText('exactly the one exported');
    await page.screenshot({ path: `${SHOTS}/demo-replayed.png` });
  });
});
