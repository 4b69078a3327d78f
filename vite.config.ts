/**
 * The browser side: `demo/` is the root, with two pages — `index.html` (the teaching demo) and
 * `member.html` (one real ensemble member per tab, src/browser/). `npx vite` serves them on
 * 127.0.0.1; `npx vite build` writes dist/demo.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));
const root = here('./demo/');
const pages = ['index', 'member'].filter((name) => existsSync(`${root}${name}.html`));

export default defineConfig({
  root,
  // simple-peer's package entry needs Node's streams and Buffer: src imports '#simple-peer', which
  // package.json's "imports" maps to its prebuilt bundle under the 'browser' condition, as any
  // app's bundler does for peerkeeper/browser.
  server: {
    host: '127.0.0.1',
    // The pages import ../src: let the dev server read the whole repository.
    fs: { allow: [here('./')] },
  },
  preview: { host: '127.0.0.1' },
  build: {
    outDir: here('./dist/demo'),
    emptyOutDir: true,
    target: 'es2022',
    rollupOptions: { input: Object.fromEntries(pages.map((name) => [name, `${root}${name}.html`])) },
  },
});
