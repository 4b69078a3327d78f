/**
 * Hundreds of random valid histories (gen.ts) must pass; the same histories with one planted fault
 * must fail. Keeps the checker honest beyond hand-written toy cases.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { checkHistory } from '../../../src/sim/history/index.js';
import { checkWrites } from '../../../src/sim/history/linearizability.js';
import { mustCommit } from '../../../src/sim/history/ops.js';
import type { HistoryOp } from '../../../src/sim/history/types.js';
import { generate, SMALL, type GenOptions } from './gen.js';
import { Rng } from '../../../src/sim/rng.js';

const PROFILES: Record<string, GenOptions> = {
  small: SMALL,
  // Many sessions hammering few paths with long, overlapping ops: lots of valid orders to search.
  contended: { ...SMALL, sessions: 6, opsPerSession: 12, paths: 2, maxDurationMs: 60, maxGapMs: 3, unknownRate: 0.12 },
  // Flat keys only, more of them, no ephemerals: wide partitions of plain CAS traffic.
  flat: { ...SMALL, sessions: 5, opsPerSession: 20, paths: 6, treeOps: false, ephemerals: false, crossMultiRate: 0.15 },
};

describe('random valid histories pass', () => {
  for (const [name, profile] of Object.entries(PROFILES)) {
    test(`${name}: 100 seeds, from client observations alone`, (t) => {
      let ops = 0;
      let states = 0;
      let partitions = 0;
      for (let seed = 1; seed <= 100; seed++) {
        const g = generate(seed, profile);
        const r = checkHistory(g.ops, g.committed, { initial: g.initial, unknownFromTruth: 'never' });
        assert.equal(r.verdict, 'ok', `profile ${name} seed ${seed}:\n${r.summary}`);
        ops += r.stats.ops;
        states += r.stats.statesExplored;
        partitions += r.stats.partitions;
      }
      t.diagnostic(`${name}: ${ops} ops, ${partitions} partitions, ${states} search states over 100 histories`);
    });
  }

  test('the same histories with the ground truth deciding unknown outcomes', () => {
    for (const [name, profile] of Object.entries(PROFILES)) {
      for (let seed = 1; seed <= 100; seed++) {
        const g = generate(seed, profile);
        const r = checkHistory(g.ops, g.committed, { initial: g.initial, unknownFromTruth: 'always' });
        assert.equal(r.verdict, 'ok', `profile ${name} seed ${seed}:\n${r.summary}`);
      }
    }
  });
});

describe('random histories with a planted fault fail', () => {
  test('a read returning other data', () => {
    for (let seed = 1; seed <= 50; seed++) {
      const g = generate(seed, SMALL);
      const i = g.ops.findIndex((h) => h.outcome === 'ok' && h.result?.op === 'getData');
      if (i < 0) continue;
      const h = g.ops[i]!;
      const result = h.result!;
      if (result.op !== 'getData') continue;
      g.ops[i] = { ...h, result: { ...result, data: new TextEncoder().encode('planted') } };
      const r = checkHistory(g.ops, g.committed, { initial: g.initial });
      assert.ok(r.violations.some((v) => v.kind === 'wrong-read' && v.opIds[0] === h.id), `seed ${seed}:\n${r.summary}`);
    }
  });

  test('an impossible version on an acknowledged setData (caught from client observations alone)', () => {
    let planted = 0;
    for (let seed = 1; seed <= 50; seed++) {
      const g = generate(seed, SMALL);
      const i = g.ops.findIndex((h) => h.outcome === 'ok' && h.result?.op === 'setData');
      if (i < 0) continue;
      const h = g.ops[i]!;
      const result = h.result!;
      if (result.op !== 'setData') continue;
      g.ops[i] = { ...h, result: { ...result, stat: { ...result.stat, version: result.stat.version + 100 } } };
      const r = checkWrites(g.ops, g.committed, { initial: g.initial });
      assert.equal(r.verdict, 'violation', `seed ${seed}`);
      assert.ok(r.violations[0]!.opIds.includes(h.id), `seed ${seed}: ${r.violations[0]!.message}`);
      planted++;
    }
    assert.ok(planted > 20);
  });

  test('an acknowledged write dropped from the truth', () => {
    for (let seed = 1; seed <= 50; seed++) {
      const g = generate(seed, SMALL);
      const ids = new Set(g.ops.filter((h) => h.outcome === 'ok' && mustCommit(h.op)).map((h) => h.id));
      const rng = new Rng(seed);
      const victims = g.committed.filter((t) => t.opId !== null && ids.has(t.opId));
      if (!victims.length) continue;
      const victim = rng.pick(victims);
      const r = checkHistory(g.ops, g.committed.filter((t) => t !== victim), { initial: g.initial });
      assert.ok(r.violations.some((v) => v.kind === 'lost-write' && v.opIds[0] === victim.opId), `seed ${seed}:\n${r.summary}`);
    }
  });

  test('a session whose reads are served from an older member after a newer one', () => {
    let planted = 0;
    for (let seed = 1; seed <= 50; seed++) {
      const g = generate(seed, SMALL);
      // Find a session with two identical reads at different zxids and swap their answers: each is
      // still the true state at its stamp, but the later one now goes back in time.
      const bySession = new Map<number, HistoryOp[]>();
      for (const h of g.ops) {
        if (h.outcome === 'ok' && h.zxid && (h.op.op === 'getData' || h.op.op === 'exists')) {
          const list = bySession.get(h.session) ?? [];
          list.push(h);
          bySession.set(h.session, list);
        }
      }
      for (const list of bySession.values()) {
        const a = list[0]!;
        const b = list.find((h) => h.zxid!.counter > a.zxid!.counter && JSON.stringify(h.op) === JSON.stringify(a.op));
        if (!b) continue;
        g.ops[g.ops.indexOf(b)] = { ...b, zxid: a.zxid!, result: a.result! };
        g.ops[g.ops.indexOf(a)] = { ...a, zxid: b.zxid!, result: b.result! };
        const r = checkHistory(g.ops, g.committed, { initial: g.initial });
        assert.ok(r.violations.some((v) => v.kind === 'non-monotonic'), `seed ${seed}:\n${r.summary}`);
        planted++;
        break;
      }
    }
    assert.ok(planted > 5, `only ${planted} histories had a suitable pair`);
  });
});
