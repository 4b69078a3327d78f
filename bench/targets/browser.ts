/**
 * Optional target: peerkeeper as 3 browser tabs (demo/member.html, src/browser) in one Chromium
 * context, finding each other over BroadcastChannel, logs in IndexedDB, the page's default tick.
 * Served by Vite, driven by Playwright with /usr/bin/chromium (CHROMIUM_PATH overrides).
 *
 * The throughput rows run the same closed loop as load.ts *inside* the follower tab, through the
 * tab's own ZooKeeperClient (window.peerkeeper): driving each request over the DevTools protocol
 * would measure the protocol. Failover crashes the leader's renderer (CDP Page.crash, the tab's
 * kill -9) and probes writes from a follower tab; the crashed member comes back as a new tab on its
 * IndexedDB. Ephemeral cleanup needs a provider *process* with its own session: n/a for tabs.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from '@playwright/test';
import type { BrowserMemberStatus } from '../../src/browser/status.js';
import type { BenchClient } from '../lib/adapter.js';

import { trackPid } from '../lib/cleanup.js';
import type { LoadResult } from '../lib/load.js';
import { freePort, spawnTracked, waitUntil, type Proc } from '../lib/procs.js';
import { summarize } from '../lib/stats.js';
import type { InPageLoad, Provider, Settled, Target } from './target.js';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../scripts/lib/chromium.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const VITE = `${REPO}node_modules/vite/bin/vite.js`;


export async function browserTargetMissing(): Promise<string | null> {
  if (!existsSync(`${REPO}demo/member.html`) || !existsSync(`${REPO}src/browser/api.ts`)) return 'no demo/member.html + src/browser';
  if (!existsSync(CHROMIUM_PATH)) return `no Chromium at ${CHROMIUM_PATH} (set CHROMIUM_PATH)`;
  if (!existsSync(VITE)) return 'vite is not installed';
  try {
    await import('@playwright/test');
  } catch {
    return '@playwright/test is not installed';
  }
  return null;
}

/**
 * The closed loop of lib/load.ts as page source (a string, so no transpiler helper can leak into
 * it): `outstanding` workers over window.peerkeeper, a warm-up, then latencies of the window.
 */
const PAGE_LOOP = `async (a) => {
  const pk = window.peerkeeper;
  const value = 'a'.repeat(100);
  const op = a.kind === 'set' ? (slot) => pk.setData('/bench/s' + slot, value)
    : a.kind === 'get' ? () => pk.getData('/bench/get')
    : async () => { const p = await pk.create('/bench/eph/n-', value, 'EPHEMERAL_SEQUENTIAL'); await pk.delete(p); };
  const start = performance.now();
  const from = start + a.warmupMs;
  const to = from + a.measureMs;
  const latencies = [];
  let completed = 0, errors = 0, firstError;
  const worker = async (slot) => {
    while (errors < 1000) {
      const issued = performance.now();
      if (issued >= to) return;
      try {
        await op(slot);
        const done = performance.now();
        if (done >= from && done <= to) { completed++; if (issued >= from) latencies.push(done - issued); }
      } catch (e) {
        errors++;
        firstError ??= String(e && e.message || e);
        await new Promise((r) => setTimeout(r, 5));
      }
    }
  };
  await Promise.all(Array.from({ length: a.outstanding }, (_, i) => worker(i)));
  return { latencies, completed, errors, firstError };
}`;

export class BrowserTarget implements Target {
  readonly key = 'peerkeeper-browser';
  readonly label = 'peerkeeper, 3 tabs';
  readonly side = 'ours' as const;
  readonly ids: readonly number[] = [1, 2, 3];
  readonly config: Record<string, unknown>;
  readonly unsupported = { ephemeral: 'needs a provider process with its own session; a tab ensemble has no client-only process' };
  private vite: Proc | null = null;
  private browser: Browser | null = null;
  private context: BrowserContext | null = null;
  private readonly pages = new Map<number, Page>();
  private readonly room = `bench-${process.pid}-${Date.now().toString(36)}`;
  private base = '';

  constructor() {
    this.config = {
      members: 3,
      process: 'Chromium tabs (one context), BroadcastChannel between tabs, IndexedDB storage',
      chromium: CHROMIUM_PATH,
      client: "each tab's own ZooKeeperClient (window.peerkeeper); load loop runs in the follower tab",
    };
  }

  async start(): Promise<void> {
    const port = await freePort();
    // Under a wrapper that kills it when our stdin pipe closes: vite does not notice its parent dying.
    const script = '"$@" & echo "VITE_PID $!"; cat >/dev/null; kill -9 $! 2>/dev/null';
    this.vite = spawnTracked('sh', ['-c', script, 'sh', process.execPath, VITE, '--port', String(port), '--strictPort', '--clearScreen', 'false'], { cwd: REPO });
    trackPid(Number((await this.vite.waitFor(/VITE_PID (\d+)/, 10_000))[1]));
    this.base = `http://127.0.0.1:${port}`;
    await waitUntil(
      async () => {
        try {
          return (await fetch(`${this.base}/member.html`, { signal: AbortSignal.timeout(2000) })).ok ? true : undefined;
        } catch {
          return undefined;
        }
      },
      60_000,
      () => `vite did not serve ${this.base}/member.html:\n${this.vite?.tail.join('\n')}`,
      200,
    );
    const { chromium } = await import('@playwright/test');
    this.browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
    this.context = await this.browser.newContext();
    for (const id of this.ids) await this.open(id);
    const s = await this.page(this.ids[0]!).evaluate(() => (window as unknown as { peerkeeper: { status(): BrowserMemberStatus } }).peerkeeper.status());
    this.config.tickMs = s.tickMs;
  }

  private async open(id: number): Promise<void> {
    const page = await this.context!.newPage();
    const q = new URLSearchParams({ room: this.room, secret: 'bench', members: '3', id: String(id), ice: 'none' });
    await page.goto(`${this.base}/member.html?${q}`);
    await page.waitForFunction(() => 'peerkeeper' in window || 'peerkeeperError' in window, undefined, { timeout: 30_000 });
    const error = await page.evaluate(() => (window as unknown as { peerkeeperError?: string }).peerkeeperError);
    if (error !== undefined) throw new Error(`member tab ${id} failed: ${error}`);
    this.pages.set(id, page);
  }

  private page(id: number): Page {
    const p = this.pages.get(id);
    if (!p) throw new Error(`no tab for member ${id}`);
    return p;
  }

  private status(id: number): Promise<BrowserMemberStatus | null> {
    const p = this.pages.get(id);
    if (!p || p.isClosed()) return Promise.resolve(null);
    return p.evaluate(() => (window as unknown as { peerkeeper: { status(): BrowserMemberStatus } }).peerkeeper.status()).catch(() => null);
  }

  async settled(timeoutMs = 60_000): Promise<Settled> {
    let last: unknown = null;
    return waitUntil(
      async () => {
        const all = await Promise.all([...this.pages.keys()].map((id) => this.status(id)));
        last = all.map((s) => s && `${s.id}:${s.role}/${s.phase}${s.serving ? '' : '(not serving)'} leader ${s.leader} client ${s.client.state}`);
        if (all.some((s) => s === null)) return undefined;
        const leader = all.find((s) => s!.role === 'LEADING' && s!.serving);
        if (!leader) return undefined;
        const followers = all.filter((s) => s!.id !== leader.id);
        if (!followers.every((s) => s!.role === 'FOLLOWING' && s!.serving && s!.leader === leader.id)) return undefined;
        if (!all.every((s) => s!.client.state === 'CONNECTED')) return undefined;
        return { leader: leader.id, epoch: leader.epoch ?? leader.currentEpoch, followers: followers.map((s) => s!.id) };
      },
      timeoutMs,
      () => `the tabs did not settle: ${JSON.stringify(last)}`,
      100,
    );
  }

  async inPageLoad(o: InPageLoad): Promise<LoadResult> {
    const kind = o.key.startsWith('set') ? 'set' : o.key.startsWith('get') ? 'get' : 'createDelete';
    const r = (await this.page(o.memberId).evaluate(`(${PAGE_LOOP})(${JSON.stringify({ kind, outstanding: o.outstanding, warmupMs: o.warmupMs, measureMs: o.measureMs })})`)) as {
      latencies: number[];
      completed: number;
      errors: number;
      firstError?: string;
    };
    const seconds = o.measureMs / 1000;
    return { ...summarize(r.latencies, seconds, r.errors), ops: r.completed, opsPerSec: r.completed / seconds, latenciesMs: r.latencies, ...(r.firstError !== undefined ? { firstError: r.firstError } : {}) };
  }

  /** The client of the tab of `ids[0]` (each tab's client talks to its own member), over page.evaluate. */
  async client(ids: readonly number[]): Promise<BenchClient> {
    const id = ids[0]!;
    const call = <T>(fn: string, ...args: unknown[]): Promise<T> =>
      this.page(id).evaluate(`window.peerkeeper.${fn}(${args.map((a) => JSON.stringify(a)).join(',')})`) as Promise<T>;
    const text = (d: Uint8Array): string => Buffer.from(d).toString('utf8');
    return {
      setData: async (path, data) => {
        await call('setData', path, text(data));
      },
      getData: async (path) => new Uint8Array(Buffer.from((await call<{ data: string }>('getData', path)).data)),
      create: (path, data, mode) => call<string>('create', path, text(data), mode),
      ensure: async (path, data) => {
        try {
          await call('create', path, text(data), 'PERSISTENT');
        } catch (err) {
          if (!/NODEEXISTS/.test(String(err))) throw err;
        }
      },
      delete: async (path) => {
        await call('delete', path);
      },
      watchDeletion: () => Promise.reject(new Error('watches are not exposed by the member page')),
      close: async () => {},
    };
  }

  /** The tab's kill -9: its renderer crashes (CDP Page.crash), IndexedDB keeps what was durable. */
  async kill9(id: number): Promise<number> {
    const page = this.page(id);
    this.pages.delete(id);
    const cdp = await page.context().newCDPSession(page);
    const crashed = page.waitForEvent('crash', { timeout: 10_000 });
    const at = performance.now();
    void cdp.send('Page.crash').catch(() => {});
    await crashed;
    await page.close().catch(() => {});
    return at;
  }

  async restart(id: number): Promise<void> {
    await this.open(id);
  }

  provider(): Promise<Provider> {
    return Promise.reject(new Error(this.unsupported.ephemeral));
  }

  logTail(): string {
    return this.vite?.tail.slice(-10).join('\n') ?? '';
  }

  async stop(): Promise<void> {
    await this.context?.close().catch(() => {});
    await this.browser?.close().catch(() => {});
    this.vite?.child.stdin?.end();
    await this.vite?.exited;
  }
}
