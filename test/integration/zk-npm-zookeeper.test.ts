/**
 * The npm `zookeeper` package (a Node binding of ZooKeeper's C client, built by node-gyp) against a
 * real 3-member peerkeeper ensemble: create (persistent, ephemeral, sequential), get, set with a
 * version and the BADVERSION that a stale one gets, get_children, exists, a watch set by w_get that
 * fires, delete_, and an ephemeral gone with its session. Not a dependency in package.json (a native
 * build would make `npm ci` fragile): .ci/run installs it, best effort, in .cache/zookeeper-npm (or
 * $PEERKEEPER_ZK_NPM_DIR); the test skips when it is not there.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { zkConnectString, zkEnsemble } from './fixtures/zk-ensemble.js';

const DIR = process.env.PEERKEEPER_ZK_NPM_DIR ?? fileURLToPath(new URL('../../.cache/zookeeper-npm', import.meta.url));
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;
function load(): Any {
  if (!existsSync(join(DIR, 'node_modules/zookeeper/build/Release/zookeeper.node'))) return null;
  try {
    return createRequire(join(DIR, 'package.json'))('zookeeper');
  } catch {
    return null;
  }
}
const ZooKeeper: Any = load();

/** Its exists() rejects on a missing node (ZNONODE, -101) rather than answering null. */
async function missingNode(zk: Any, path: string): Promise<boolean> {
  try {
    await zk.exists(path, false);
    return false;
  } catch (e) {
    if (/^-101 /.test((e as Error).message)) return true;
    throw e;
  }
}

async function connect(hosts: string): Promise<Any> {
  const zk = new ZooKeeper({ connect: hosts, timeout: 6000, debug_level: ZooKeeper.constants.ZOO_LOG_LEVEL_WARN, host_order_deterministic: false });
  const connected = new Promise<void>((resolve) => zk.once('connect', () => resolve()));
  zk.init({});
  await connected;
  return zk;
}

describe('the npm zookeeper package (C binding) against peerkeeper', { skip: ZooKeeper === null ? `the zookeeper npm package is not built in ${DIR} (.ci/run installs it, best effort)` : false }, () => {
  const cluster = zkEnsemble();

  test('create, get, set and BADVERSION, get_children, exists, a w_get watch, delete_, an ephemeral ending with its session', { timeout: 60_000 }, async () => {
    const C = ZooKeeper.constants;
    const a = await connect(zkConnectString(cluster));
    const b = await connect(zkConnectString(cluster));
    try {
      assert.equal(await a.create('/npmzk', 'v0', C.ZOO_PERSISTENT), '/npmzk');
      const [stat0, data0] = await a.get('/npmzk', false);
      assert.equal(data0.toString(), 'v0');
      assert.equal(stat0.version, 0);
      assert.equal((await a.set('/npmzk', 'v1', 0)).version, 1);
      await assert.rejects(a.set('/npmzk', 'x', 0), /^Error: -103 /); // ZBADVERSION
      await assert.rejects(a.create('/npmzk', '', C.ZOO_PERSISTENT), /^Error: -110 /); // ZNODEEXISTS
      const eph = await a.create('/npmzk/e', 'x', C.ZOO_EPHEMERAL);
      const seq = await a.create('/npmzk/s-', '', C.ZOO_PERSISTENT_SEQUENTIAL);
      assert.match(seq, /^\/npmzk\/s-\d{10}$/);
      await b.sync('/npmzk'); // b's member may not have applied a's writes yet
      assert.deepEqual([...(await b.get_children('/npmzk', false))].sort(), ['e', seq.slice(7)].sort());
      assert.notEqual(String((await b.exists(eph, false)).ephemeralOwner), '0');
      // A watch from b fires on a's change.
      let fire: (event: number[]) => void = () => {};
      const fired = new Promise<number[]>((resolve) => (fire = resolve));
      await b.w_get('/npmzk', (type: number, state: number, path: string) => fire([type, state, path as unknown as number]));
      await a.set('/npmzk', 'v2', -1);
      const [type, , path] = await fired;
      assert.equal(type, C.ZOO_CHANGED_EVENT);
      assert.equal(path, '/npmzk');
      // a's session ends: its ephemeral goes.
      a.close();
      const deadline = Date.now() + 15_000;
      while (!(await missingNode(b, eph)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      assert.ok(await missingNode(b, eph), 'the ephemeral outlived its session');
      await b.delete_(seq, -1);
      await b.delete_('/npmzk', -1);
      assert.ok(await missingNode(b, '/npmzk'));
    } finally {
      a.close();
      b.close();
    }
  });
});
