/**
 * TEST ONLY: `peerkeeper node --test-corrupt-after N` flips one znode's data in this member's tree,
 * outside Zab, right after it applies its Nth txn — so a test can prove `peerkeeper check` catches a
 * member whose tree diverged. It is refused unless the environment also says
 * PEERKEEPER_TEST_HOOKS=corrupt-tree, so no one turns it on with a stray flag, and the member says so
 * loudly in its log when it starts and when it strikes.
 */
import type { ServerReady } from '../server/member.js';
import type { MemberRunner } from '../server/runner.js';
import type { Txn as TreeTxn } from '../tree/index.js';
import { formatZxid } from '../zab/zxid.js';

export const TEST_HOOKS_ENV = 'PEERKEEPER_TEST_HOOKS';
export const CORRUPT_TREE_HOOK = 'corrupt-tree';

/** Whether the environment consents to the test hook `hook` (PEERKEEPER_TEST_HOOKS is a comma-separated list). */
export function testHookAllowed(hook: string, env: NodeJS.ProcessEnv = process.env): boolean {
  return (env[TEST_HOOKS_ENV] ?? '').split(',').map((s) => s.trim()).includes(hook);
}

/** Whether the environment consents to the corruption hook. */
export function corruptionAllowed(env: NodeJS.ProcessEnv = process.env): boolean {
  return testHookAllowed(CORRUPT_TREE_HOOK, env);
}

/** The path a txn wrote, if it created or changed one. */
function writtenPath(body: TreeTxn): string | null {
  switch (body.type) {
    case 'create':
    case 'setData':
      return body.path;
    case 'multi':
      for (const op of body.ops) if (op.type === 'create' || op.type === 'setData') return op.path;
      return null;
    default:
      return null;
  }
}

/**
 * An `observe` callback for the runner: counts applied txns and, after the Nth, corrupts the znode
 * that txn wrote (or "/" when it wrote none, or that node is gone). Once.
 */
export function corruptTreeAfter(runner: () => MemberRunner | undefined, txns: number, say: (line: string) => void): (ready: ServerReady) => void {
  let applied = 0;
  let done = false;
  return (ready) => {
    if (done) return;
    for (const d of ready.deliveries) {
      if (d.kind !== 'apply' || ++applied < txns) continue;
      const r = runner();
      if (!r) return;
      done = true;
      const tree = r.member.dataTree;
      const wanted = writtenPath(d.txn.body);
      const path = wanted !== null && tree.exists(wanted) ? wanted : '/';
      const before = tree.digest;
      tree.corruptDataForTesting(path);
      say(`TEST HOOK: corrupted ${path} outside Zab after applying txn ${applied} at ${formatZxid(d.zxid)}; digest ${before} → ${tree.digest}`);
      return;
    }
  };
}
