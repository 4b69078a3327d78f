/**
 * peerkeeper as another project gets it: `npm pack` (which builds dist/), the tarball installed into
 * an empty project, then its `peerkeeper` command (--help, a 3-member ensemble used through the
 * `peerkeeper` entry's client), each entry point imported alone, and a Vite build of a page that
 * imports `peerkeeper/browser` and `peerkeeper` with no Node module pulled in.
 */
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePortRange, waitUntil } from '../../scripts/lib/waiting.js';

const run = promisify(execFile);
const REPO = fileURLToPath(new URL('../../', import.meta.url));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';


/** Node modules a Vite build of `entry` (a page's script) imports, and the built JavaScript. */
async function viteBuild(root: string, page: string, script: string): Promise<{ nodeImports: string[]; js: string }> {
  const dir = join(root, page);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'index.html'), '<!doctype html><html><body><script type="module" src="./main.js"></script></body></html>\n');
  writeFileSync(join(dir, 'main.js'), script);
  // The repository's Vite (a devDependency), building the app's page against the app's node_modules.
  const { build } = await import('vite');
  const nodeImports = new Set<string>();
  const outDir = join(dir, 'dist');
  await build({
    configFile: false,
    root: dir,
    logLevel: 'silent',
    build: { outDir, emptyOutDir: true },
    plugins: [
      {
        name: 'report-node-modules',
        enforce: 'pre',
        resolveId(source, importer) {
          if (isBuiltin(source)) nodeImports.add(`${source} (from ${importer ?? '?'})`);
          return null;
        },
      },
    ],
  });
  const assets = join(outDir, 'assets');
  const js = readdirSync(assets)
    .filter((f) => f.endsWith('.js'))
    .map((f) => readFileSync(join(assets, f), 'utf8'))
    .join('\n');
  return { nodeImports: [...nodeImports], js };
}

describe('the npm package, installed into an empty project', { timeout: 300_000 }, () => {
  const root = mkdtempSync(join(tmpdir(), 'peerkeeper-package-'));
  const app = join(root, 'app');
  const children = new Set<ChildProcess>();
  const inApp = (args: string[], env: NodeJS.ProcessEnv = {}) => run(process.execPath, args, { cwd: app, env: { ...process.env, ...env }, timeout: 60_000 });

  before(async () => {
    // prepack builds dist/ first; the tarball is the only thing written to `root`.
    await run(npm, ['pack', '--pack-destination', root, '--silent'], { cwd: REPO, timeout: 120_000 });
    const tarball = readdirSync(root).find((f) => f.endsWith('.tgz'));
    assert.ok(tarball, 'npm pack wrote no tarball');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
    await run(npm, ['install', '--prefer-offline', '--no-audit', '--no-fund', join(root, tarball)], { cwd: app, timeout: 120_000 });
  });
  after(() => {
    for (const c of children) c.kill('SIGKILL');
    rmSync(root, { recursive: true, force: true });
  });

  test('ships built JavaScript and types, not the sources or the demo, and needs no tsx', () => {
    const pkg = join(app, 'node_modules', 'peerkeeper');
    assert.ok(!existsSync(join(pkg, 'src')), 'the sources are not in the package');
    assert.ok(!existsSync(join(pkg, 'dist', 'demo')), 'the demo build is not in the package');
    assert.ok(!existsSync(join(app, 'node_modules', 'tsx')), 'tsx was installed: it must be a devDependency');
    const manifest = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8')) as { exports: Record<string, { types?: string; default?: string } | string> };
    for (const [entry, target] of Object.entries(manifest.exports)) {
      if (typeof target === 'string') continue;
      assert.ok(target.types && existsSync(join(pkg, target.types)), `${entry}: types ${target.types}`);
      assert.ok(target.default && existsSync(join(pkg, target.default)), `${entry}: ${target.default}`);
    }
  });

  test('npx peerkeeper --help, and every verb --help, exit 0 with the usage', async () => {
    const npx = await run('npx', ['--no-install', 'peerkeeper', '--help'], { cwd: app, timeout: 60_000 });
    assert.match(npx.stdout, /^peerkeeper <command>/);
    const bin = join(app, 'node_modules', '.bin', 'peerkeeper');
    const verbs = ['signal', 'node', 'ensemble', 'shell', 'check', 'backup', 'restore', 'sim', 'demo', 'start'];
    // execFile rejects on a non-zero exit, so each of these exited 0.
    const answers = await Promise.all(verbs.map((verb) => run(bin, [verb, verb.length % 2 ? '-h' : '--help'], { cwd: app, timeout: 60_000 })));
    answers.forEach((r, i) => assert.match(r.stdout, new RegExp(`^peerkeeper ${verbs[i]}\\b`), verbs[i]));
  });

  test('each entry point imports alone, in a fresh process', async () => {
    const expected: Record<string, string[]> = {
      peerkeeper: ['ZooKeeperClient', 'ZooKeeperError', 'ErrorCode', 'Lock', 'LeaderElection', 'ConfigStore', 'ServiceRegistry', 'webSocketConnector'],
      'peerkeeper/browser': ['startBrowserMember'],
      'peerkeeper/node': ['startNodeMember', 'launchEnsemble', 'startSignallingServer', 'nodeWebSocketConnector', 'zooKeeperConnector', 'Supervisor'],
    };
    for (const [entry, names] of Object.entries(expected)) {
      const r = await inApp(['--input-type=module', '-e', `const m = await import(${JSON.stringify(entry)}); console.log(JSON.stringify(Object.keys(m)));`]);
      const keys = JSON.parse(r.stdout) as string[];
      for (const name of names) assert.ok(keys.includes(name), `${entry} exports ${name}: ${keys.join(', ')}`);
    }
  });

  test("the types: a Node program type-checks against peerkeeper and peerkeeper/node, a page's against peerkeeper and peerkeeper/browser without Node's types", async () => {
    writeFileSync(
      join(app, 'program.ts'),
      `import { ZooKeeperClient, Lock, ErrorCode, ZooKeeperError } from 'peerkeeper';
import { launchEnsemble, nodeWebSocketConnector, type NodeMemberOptions } from 'peerkeeper/node';
const zk = new ZooKeeperClient({ connector: nodeWebSocketConnector(['ws://127.0.0.1:2281']), members: 1, sessionTimeoutMs: 4000 });
const lock: Lock = new Lock(zk, '/lock');
const noNode: number = ErrorCode.NONODE;
export { lock, noNode, launchEnsemble, ZooKeeperError };
export type { NodeMemberOptions };
`,
    );
    writeFileSync(
      join(app, 'page.ts'),
      `import { ZooKeeperClient, LeaderElection } from 'peerkeeper';
import { startBrowserMember } from 'peerkeeper/browser';
const member = await startBrowserMember({ id: 1, members: [1, 2, 3], room: 'app', secret: 'secret' });
const zk: ZooKeeperClient = member.client();
await new LeaderElection(zk, '/leader', { onLeader: () => {} }).start();
`,
    );
    // skipLibCheck off: our .d.ts files are checked too. (peerkeeper/browser's types need the DOM's.)
    const base = { strict: true, target: 'es2022', noEmit: true, skipLibCheck: false };
    const configs = {
      'tsconfig.program.json': { compilerOptions: { ...base, module: 'nodenext', moduleResolution: 'nodenext', lib: ['es2022'], types: ['node'], typeRoots: [join(REPO, 'node_modules', '@types')] }, files: ['program.ts'] },
      'tsconfig.page.json': { compilerOptions: { ...base, module: 'esnext', moduleResolution: 'bundler', lib: ['es2022', 'dom'], types: [] }, files: ['page.ts'] },
    };
    const tsc = join(REPO, 'node_modules', 'typescript', 'bin', 'tsc');
    const results = await Promise.all(
      Object.entries(configs).map(async ([file, config]) => {
        writeFileSync(join(app, file), JSON.stringify(config));
        return inApp([tsc, '-p', file]).catch((err: { stdout?: string }) => ({ stdout: `tsc -p ${file} failed:\n${err.stdout ?? String(err)}` }));
      }),
    );
    for (const r of results) assert.equal(r.stdout, '');
  });

  test('the simulator runs from the package, its worker threads too', async () => {
    const r = await inApp([join(app, 'node_modules', '.bin', 'peerkeeper'), 'sim', '--seeds', '4', '--workers', '2', '--members', '3']);
    assert.match(r.stdout, /no violations/);
  });

  test('a 3-member ensemble from the installed command, used through the peerkeeper client', async () => {
    const signalPort = await freePortRange(4);
    const clientBase = await freePortRange(3);
    const ports = [clientBase, clientBase + 1, clientBase + 2];
    const ensemble = spawn(
      join(app, 'node_modules', '.bin', 'peerkeeper'),
      ['ensemble', '--size', '3', '--data', join(root, 'data'), '--signal-port', String(signalPort), '--client-port', String(clientBase), '--no-zk', '--quiet'],
      { cwd: app, env: { ...process.env, PEERKEEPER_SECRET: 'package-test' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    children.add(ensemble);
    let output = '';
    ensemble.stdout!.setEncoding('utf8').on('data', (d: string) => (output += d));
    ensemble.stderr!.setEncoding('utf8').on('data', (d: string) => (output += d));
    const exited = new Promise<number | null>((resolve) => ensemble.on('exit', (code) => resolve(code)));
    try {
      const statuses = await waitUntil(
        async () => {
          const all = await Promise.all(
            ports.map(async (p) => {
              try {
                return (await (await fetch(`http://127.0.0.1:${p}/status`, { signal: AbortSignal.timeout(2000) })).json()) as { serving: boolean; pid: number };
              } catch {
                return null;
              }
            }),
          );
          return all.every((s) => s?.serving) ? all : undefined;
        },
        40_000,
        () => `the ensemble did not form:\n${output.slice(-2000)}`,
      );
      // The members are the package's built JavaScript, not sources under a loader.
      for (const s of statuses) {
        const cmdline = readFileSync(`/proc/${s!.pid}/cmdline`, 'utf8').split('\0');
        assert.ok(cmdline.some((a) => a.endsWith(join('node_modules', 'peerkeeper', 'dist', 'cli', 'main.js'))), cmdline.join(' '));
        assert.ok(!cmdline.some((a) => a.includes('tsx')), cmdline.join(' '));
      }
      writeFileSync(
        join(app, 'use.mjs'),
        `import { ZooKeeperClient, ConfigStore, Lock, ErrorCode, ZooKeeperError } from 'peerkeeper';
import { nodeWebSocketConnector } from 'peerkeeper/node';
const urls = process.argv.slice(2);
const zk = new ZooKeeperClient({ connector: nodeWebSocketConnector(urls), members: urls.length, sessionTimeoutMs: 6000 });
await zk.connected();
const config = new ConfigStore(zk, '/app/config');
await config.set({ theme: 'dark' });
const lock = new Lock(zk, '/app/lock');
await lock.acquire();
let code = null;
try { await zk.getData('/nowhere'); } catch (e) { code = e instanceof ZooKeeperError ? e.code : String(e); }
const seen = (await config.get()).value;
await lock.release();
await zk.close();
console.log(JSON.stringify({ seen, noNode: code === ErrorCode.NONODE }));
`,
      );
      const used = await inApp(['use.mjs', ...ports.map((p) => `ws://127.0.0.1:${p}`)]);
      assert.deepEqual(JSON.parse(used.stdout.trim().split('\n').at(-1)!), { seen: { theme: 'dark' }, noNode: true });
    } finally {
      ensemble.kill('SIGTERM');
      const code = await Promise.race([exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 15_000))]);
      if (code === 'timeout') ensemble.kill('SIGKILL');
      children.delete(ensemble);
    }
  });

  test('a Vite build of a page importing peerkeeper/browser and peerkeeper pulls in no Node module', async () => {
    const page = await viteBuild(
      app,
      'page',
      `import { startBrowserMember } from 'peerkeeper/browser';
import { ZooKeeperClient, LeaderElection, webSocketConnector } from 'peerkeeper';
window.peerkeeperApp = { startBrowserMember, ZooKeeperClient, LeaderElection, webSocketConnector };
`,
    );
    assert.deepEqual(page.nodeImports, []);
    assert.doesNotMatch(page.js, /__vite-browser-external/);
    assert.ok(page.js.length > 10_000, 'the member and the client are in the bundle');
    // The check can see a Node module: the Node entry is full of them.
    const control = await viteBuild(app, 'control', `import { launchEnsemble } from 'peerkeeper/node';\nwindow.x = launchEnsemble;\n`);
    assert.ok(control.nodeImports.some((i) => i.startsWith('node:')), control.nodeImports.join('\n'));
  });
});
