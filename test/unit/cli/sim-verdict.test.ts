import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sweepVerdict } from '../../../src/cli/sim-command.js';
import { emptyStats, type SimStats } from '../../../src/sim/stats.js';

const stats = (over: Partial<SimStats>): SimStats => ({ ...emptyStats(), ...over });

test('npm run sim passes only when every requested seed ran and the checker looked', () => {
  assert.deepEqual(sweepVerdict(200, 200, 0, stats({ checks: 5000 })), { exitCode: 0, problem: null });
  assert.equal(sweepVerdict(200, 200, 3, stats({ checks: 5000 })).exitCode, 1);
});

test('fewer seeds completed than requested fails (a worker that died is not a pass)', () => {
  const v = sweepVerdict(150, 200, 0, stats({ checks: 5000 }));
  assert.equal(v.exitCode, 1);
  assert.match(v.problem!, /only 150 of 200 seeds completed/);
});

test('a checker that made no checks fails', () => {
  const v = sweepVerdict(200, 200, 0, stats({ checks: 0 }));
  assert.equal(v.exitCode, 1);
  assert.match(v.problem!, /0 checks/);
});

test('an inconclusive client history fails', () => {
  const v = sweepVerdict(200, 200, 0, stats({ checks: 5000, historiesChecked: 200, historyInconclusive: 1 }));
  assert.equal(v.exitCode, 1);
  assert.match(v.problem!, /1 client histories/);
});
