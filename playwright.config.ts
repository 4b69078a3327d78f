/**
 * Browser tests (test/browser): real members in Chromium tabs, served by Vite (a build of demo/, then
 * `vite preview`). Debian's Chromium by
 * default (CHROMIUM_PATH overrides). One worker: the tests start several tabs and Node processes each.
 */
import { defineConfig } from '@playwright/test';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './scripts/lib/chromium.js';

const port = Number(process.env.PEERKEEPER_VITE_PORT ?? 5187);
const TEST_OUT = 'dist/test-pages';
/** The example board (examples/board), built against the package's dist/ as an app would be. */
const BOARD_PORT = Number(process.env.PEERKEEPER_BOARD_PORT ?? 5188);
const BOARD_OUT = 'dist/test-board';


export default defineConfig({
  testDir: 'test/browser',
  workers: 1,
  fullyParallel: false,
  retries: 0,
  timeout: 120_000,
  expect: { timeout: 20_000 },
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    browserName: 'chromium',
    launchOptions: {
      executablePath: CHROMIUM_PATH,
      args: CHROMIUM_ARGS,
    },
  },
  // The built pages, not the dev server: its file watcher would reload every open tab (and lose its
  // member's memory mid-test) whenever someone edits a source file.
  webServer: [
    {
      command: `npx vite build --outDir ${TEST_OUT} --logLevel warn && npx vite preview --outDir ${TEST_OUT} --port ${port} --strictPort`,
      url: `http://127.0.0.1:${port}/member.html`,
      reuseExistingServer: false,
      timeout: 60_000,
      stdout: 'ignore',
      stderr: 'pipe',
    },
    {
      // The package is built first (incremental): the board imports peerkeeper's dist/, not src/.
      command: `npm run build:board -- --outDir ${BOARD_OUT} --logLevel warn && npx vite preview --config examples/board/vite.config.ts --outDir ${BOARD_OUT} --port ${BOARD_PORT} --strictPort`,
      url: `http://127.0.0.1:${BOARD_PORT}/index.html`,
      reuseExistingServer: false,
      timeout: 120_000,
      stdout: 'ignore',
      stderr: 'pipe',
    },
  ],
});
