/**
 * `npm start` end to end: the command prints the URL, three tabs opened on it form an ensemble, the
 * classroom is served beside it, and Ctrl-C (SIGTERM) stops everything.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { started, waitConverged, waitForEnsemble } from './fixtures.js';

test('npm start prints a URL; 3 tabs on it form an ensemble; the classroom is there too', async ({ browser }) => {
  test.setTimeout(180_000);
  const data = mkdtempSync(join(tmpdir(), 'peerkeeper-start-'));
  const child = spawn(process.execPath, ['bin/peerkeeper.js', 'start', '--port', '5197', '--signal-port', '4590', '--client-port', '2480', '--zk-port', '2490', '--data', data], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    await expect.poll(() => /peerkeeper demo: (http\S+)/.exec(out)?.[1], { timeout: 90_000 }).toBeTruthy();
    const url = /peerkeeper demo: (http\S+)/.exec(out)![1]!;
    const context = await browser.newContext();
    const pages = [];
    for (let i = 0; i < 3; i++) {
      const page = await context.newPage();
      await page.goto(url);
      await started(page);
      pages.push(page);
    }
    const leader = await waitForEnsemble(pages, 60_000);
    console.log(`# npm start: 3 tabs on ${url} formed an ensemble led by member ${leader}`);
    await pages[0]!.evaluate(() => window.peerkeeper!.create('/from-npm-start', 'hi'));
    await waitConverged(pages);

    const classroom = await context.newPage();
    await classroom.goto(new URL('/', url).href);
    await expect(classroom.locator('body')).toContainText('classroom');
    await context.close();
  } finally {
    child.kill('SIGTERM');
    const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r('timeout'), 15_000))]);
    if (code === 'timeout') child.kill('SIGKILL');
    rmSync(data, { recursive: true, force: true });
    expect(code, `npm start exits on SIGTERM:\n${out.slice(-2000)}`).toBe(0);
  }
});
