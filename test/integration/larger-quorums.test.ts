/**
 * 5- and 7-member ensembles outside the simulator (real runners over the memory transport, in one
 * process): they form; losing a minority, the leader among it, they elect again and go on writing;
 * one member more and nobody serves (no quorum, so nothing can commit); one member back and they
 * serve again, with every live member at the same digest.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ZooKeeperClient } from '../../src/client/index.js';
import { startLocalEnsemble, type LocalEnsemble } from '../../src/server/local-ensemble.js';
import { waitUntil } from '../../scripts/lib/waiting.js';

const WAIT_MS = 60_000;

const live = (e: LocalEnsemble) => e.members.filter((m) => m.running);
const describeAll = (e: LocalEnsemble): string =>
  e.members.map((m) => (m.running ? `m${m.id} ${m.member.status().role}${m.member.status().serving ? '/serving' : ''} applied ${JSON.stringify(m.member.status().treeZxid)}` : `m${m.id} down`)).join('; ');

/** The serving leader's id once one leads and every live member follows it, serving. */
function formed(e: LocalEnsemble): number | undefined {
  const statuses = live(e).map((m) => m.member.status());
  const leader = statuses.find((s) => s.role === 'LEADING' && s.serving);
  return leader && statuses.every((s) => s.serving && s.leader === leader.id) ? leader.id : undefined;
}

/** Every live member applied the same zxid and holds the same tree. */
function converged(e: LocalEnsemble): true | undefined {
  const seen = new Set(live(e).map((m) => `${JSON.stringify(m.member.status().treeZxid)} ${m.member.status().digest}`));
  return seen.size === 1 ? true : undefined;
}

for (const size of [5, 7]) {
  describe(`a ${size}-member ensemble`, { timeout: 180_000 }, () => {
    test(`survives losing ${Math.floor(size / 2)} members (the leader among them) and stops serving at ${Math.floor(size / 2) + 1}`, async () => {
      const e = await startLocalEnsemble({ size, tickMs: 20 });
      const zk = new ZooKeeperClient({ connector: e.connector, members: size, sessionTimeoutMs: 20_000 });
      try {
        const first = await waitUntil(() => formed(e), WAIT_MS, () => `no ensemble formed: ${describeAll(e)}`);
        await zk.create('/q', 'before');
        // A minority goes, the leader first: the rest are still a quorum.
        const minority = [first, ...e.members.map((m) => m.id).filter((id) => id !== first)].slice(0, Math.floor(size / 2));
        for (const id of minority) e.kill(id);
        const second = await waitUntil(() => formed(e), WAIT_MS, () => `the majority did not elect again: ${describeAll(e)}`);
        assert.ok(!minority.includes(second));
        await zk.setData('/q', 'with a bare majority');
        await zk.sync('/q');
        await waitUntil(() => converged(e), WAIT_MS, () => `the majority did not converge: ${describeAll(e)}`);
        // One more, and what is left is no quorum: the leader steps down, nobody serves.
        e.kill(second);
        await waitUntil(() => (live(e).every((m) => m.member.status().role === 'LOOKING') ? true : undefined), WAIT_MS, () => `a minority kept its leader: ${describeAll(e)}`);
        // "Never serves" has no condition to wait on: watch for many election timeouts instead. Only a
        // bug can make this fail; a slow machine can only make it pass more easily.
        for (let i = 0; i < 75; i++) {
          assert.ok(live(e).every((m) => !m.member.status().serving), `a minority of ${live(e).length} serves: ${describeAll(e)}`);
          await new Promise((r) => setTimeout(r, 20));
        }
        // One back (it restarts empty and syncs everything): a quorum again.
        await e.restart(minority[1] ?? second);
        await waitUntil(() => formed(e), WAIT_MS, () => `no quorum after a restart: ${describeAll(e)}`);
        await zk.setData('/q', 'after');
        await zk.sync('/q');
        await waitUntil(() => converged(e), WAIT_MS, () => `the members did not converge: ${describeAll(e)}`);
        assert.equal(new TextDecoder().decode((await zk.getData('/q')).data), 'after');
        assert.equal(live(e).length, Math.floor(size / 2) + 1);
      } finally {
        await zk.close().catch(() => {});
        e.stop();
      }
    });
  });
}
