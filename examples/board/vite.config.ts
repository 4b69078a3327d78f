/**
 * The board is built the way an app that installed peerkeeper would be: its imports name the
 * package (`peerkeeper`, `peerkeeper/browser`), and each resolves through the package's own
 * "exports" map to the built JavaScript in dist/ (`npm run build` first). No path into src/.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Alias } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));
const packageRoot = resolve(here, '../..');
const pkg = JSON.parse(readFileSync(resolve(packageRoot, 'package.json'), 'utf8')) as {
  name: string;
  exports: Record<string, string | { default: string }>;
};

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
const packageAliases: Alias[] = Object.entries(pkg.exports).flatMap(([subpath, target]) =>
  typeof target === 'string' ? [] : [{ find: new RegExp(`^${escape(pkg.name + subpath.slice(1))}$`), replacement: resolve(packageRoot, target.default) }],
);

export default defineConfig({
  root: here,
  resolve: { alias: packageAliases },
  server: { host: '127.0.0.1', fs: { allow: [packageRoot] } },
  preview: { host: '127.0.0.1' },
  build: { outDir: resolve(packageRoot, 'dist/board'), emptyOutDir: true, target: 'es2022' },
});
