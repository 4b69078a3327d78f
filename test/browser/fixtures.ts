/**
 * Helpers for the browser tests: open member tabs (demo/member.html) with URL parameters, read their
 * status through `window.peerkeeper`, wait for an ensemble to agree on a serving leader.
 */
import { expect, type BrowserContext, type Page } from '@playwright/test';
import type { PeerkeeperApi } from '../../src/browser/api.js';
import type { BrowserMemberStatus } from '../../src/browser/status.js';

declare global {
  interface Window {
    peerkeeper?: PeerkeeperApi;
    peerkeeperError?: string;
  }
}

export type MemberParams = Record<string, string | number | boolean | undefined>;

let rooms = 0;
/** A room no earlier test (or earlier run: IndexedDB lives on in the profile only per context) used. */
export function freshRoom(name: string): string {
  return `${name}-${Date.now().toString(36)}-${++rooms}`;
}

export function memberUrl(params: MemberParams): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries({ ice: 'none', ...params })) if (v !== undefined) q.set(k, String(v));
  return `/member.html?${q}`;
}

/** Opens a member tab and waits until its member runs (not until it is in a quorum). */
export async function openMember(context: BrowserContext, params: MemberParams): Promise<Page> {
  const page = await context.newPage();
  if (process.env.PEERKEEPER_TEST_LOG) page.on('console', (m) => console.log(`[tab ${params.id ?? '?'}] ${m.text()}`));
  await page.goto(memberUrl(params));
  await started(page);
  return page;
}

/** Waits until the page's member runs (or its page reported why not); survives a navigation under way. */
export async function started(page: Page): Promise<void> {
  const outcome = await waitUntil(
    'the member page to start',
    () => page.evaluate(() => (window.peerkeeperError !== undefined ? { error: window.peerkeeperError } : window.peerkeeper !== undefined ? { error: null } : undefined)),
    20_000,
  );
  if (outcome.error !== null) throw new Error(`member page failed: ${outcome.error}`);
}

/** Reloads a member tab and waits for the new page's member (never the old page's, still there a moment). */
export async function reloadMember(page: Page): Promise<void> {
  await page.evaluate(() => ((window as { beforeReload?: boolean }).beforeReload = true));
  await page.reload();
  await waitUntil('the reloaded page', () => page.evaluate(() => ((window as { beforeReload?: boolean }).beforeReload ? undefined : true)), 20_000);
  await started(page);
}

export function status(page: Page): Promise<BrowserMemberStatus> {
  return page.evaluate(() => window.peerkeeper!.status());
}

export async function waitUntil<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${String(lastError)})` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/**
 * Waits until the given tabs all serve under one leader, one of them, and each tab's client is
 * connected read-write. Returns the leader's id.
 */
export async function waitForEnsemble(pages: readonly Page[], timeoutMs = 40_000): Promise<number> {
  let last: unknown;
  return waitUntil(
    `an ensemble of ${pages.length} tabs (last: ${JSON.stringify(last)})`,
    async () => {
      const all = await Promise.all(pages.map(status));
      last = all.map((s) => ({ id: s.id, role: s.role, phase: s.phase, leader: s.leader, serving: s.serving, client: s.client.state, peers: s.peersUp }));
      const leader = all[0]!.leader;
      const agreed = leader !== null && all.some((s) => s.id === leader && s.role === 'LEADING') && all.every((s) => s.serving && s.leader === leader && s.client.state === 'CONNECTED');
      return agreed ? leader : undefined;
    },
    timeoutMs,
  ).catch((e: Error) => {
    throw new Error(`${e.message}\nlast statuses: ${JSON.stringify(last)}`);
  });
}

/** The tab whose member has `id`. */
export async function tabOf(pages: readonly Page[], id: number): Promise<Page> {
  for (const p of pages) if (!p.isClosed() && (await status(p)).id === id) return p;
  throw new Error(`no open tab runs member ${id}`);
}

/** Waits until every tab has applied the same zxid with the same digest; returns it. */
export async function waitConverged(pages: readonly Page[], timeoutMs = 30_000): Promise<{ zxid: string; digest: string }> {
  let last: unknown;
  return waitUntil(
    'the tabs to converge',
    async () => {
      const all = await Promise.all(pages.map(status));
      last = all.map((s) => `${s.id}: ${s.appliedZxid} ${s.digest}`);
      const first = all[0]!;
      return all.every((s) => s.appliedZxid === first.appliedZxid && s.digest === first.digest) ? { zxid: first.appliedZxid, digest: first.digest } : undefined;
    },
    timeoutMs,
  ).catch((e: Error) => {
    throw new Error(`${e.message}: ${JSON.stringify(last)}`);
  });
}

export async function readEverywhere(pages: readonly Page[], path: string): Promise<string[]> {
  return Promise.all(
    pages.map(async (p) => {
      await p.evaluate(() => window.peerkeeper!.sync('/'));
      return p.evaluate((path) => window.peerkeeper!.getData(path).then((r) => r.data), path);
    }),
  );
}

export { expect };

/**
 * setData in a loop from one tab for `ms`, `inFlight` requests at a time, through the tab's client;
 * returns ops/s. Every write is acknowledged by a quorum (durable in IndexedDB on each) before it counts.
 */
export async function measureWrites(page: Page, ms: number, inFlight: number): Promise<number> {
  const done = await page.evaluate(
    async ({ ms, inFlight }) => {
      const pk = window.peerkeeper!;
      await pk.create('/bench', '').catch(() => {});
      let n = 0;
      const end = Date.now() + ms;
      const worker = async (): Promise<void> => {
        while (Date.now() < end) {
          await pk.setData('/bench', String(n));
          n++;
        }
      };
      const started = Date.now();
      await Promise.all(Array.from({ length: inFlight }, worker));
      return { n, elapsed: Date.now() - started };
    },
    { ms, inFlight },
  );
  return Math.round((done.n / done.elapsed) * 1000);
}
