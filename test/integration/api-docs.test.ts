/**
 * The typed API reference (`npm run docs`, TypeDoc over the three entry points) builds without a
 * warning, names each module as an app imports it, and documents what an app reaches for first.
 * TypeDoc's JSON output is checked rather than its HTML: the same reflections, without the theme.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

interface Reflection {
  readonly name: string;
  readonly children?: readonly Reflection[];
  readonly comment?: { readonly summary?: readonly { readonly text: string }[] };
  readonly signatures?: readonly { readonly comment?: { readonly summary?: readonly { readonly text: string }[] } }[];
}

const documented = (r: Reflection): boolean => Boolean(r.comment?.summary?.length || r.signatures?.some((s) => s.comment?.summary?.length));

test('the API reference builds from the sources, one module per entry point, with the app-facing API documented', { timeout: 300_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'peerkeeper-docs-'));
  try {
    const json = join(dir, 'api.json');
    const run = spawnSync(process.execPath, [join(root, 'node_modules/typedoc/bin/typedoc'), '--json', json, '--treatWarningsAsErrors'], { cwd: root, encoding: 'utf8' });
    assert.equal(run.status, 0, `typedoc failed:\n${run.stdout}\n${run.stderr}`);
    const project = JSON.parse(readFileSync(json, 'utf8')) as Reflection;
    const modules = new Map((project.children ?? []).map((m) => [m.name, new Map((m.children ?? []).map((c) => [c.name, c]))]));
    assert.deepEqual([...modules.keys()].sort(), ['peerkeeper', 'peerkeeper/browser', 'peerkeeper/node']);
    const expected: Record<string, string[]> = {
      peerkeeper: ['ZooKeeperClient', 'ZooKeeperError', 'ErrorCode', 'Lock', 'withLock', 'watchLockHolder', 'LeaderElection', 'electLeader', 'watchLeader', 'ConfigStore', 'Presence', 'ServiceRegistry'],
      'peerkeeper/browser': ['startTab', 'PeerkeeperTab', 'TabOptions', 'TabEvents', 'startBrowserMember'],
      'peerkeeper/node': ['startNodeMember', 'launchEnsemble', 'startSignallingServer', 'nodeWebSocketConnector'],
    };
    for (const [module, names] of Object.entries(expected)) {
      for (const name of names) {
        const r = modules.get(module)?.get(name);
        assert.ok(r, `${module} documents ${name}`);
        if (['startTab', 'electLeader', 'withLock', 'watchLockHolder', 'watchLeader', 'Presence'].includes(name)) assert.ok(documented(r), `${name} has a doc comment`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
