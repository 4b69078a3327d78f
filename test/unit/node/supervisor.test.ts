import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { RestartBackoff } from '../../../src/node/restart-backoff.js';
import { Supervisor } from '../../../src/node/supervisor.js';

describe('restart backoff', () => {
  test('doubles from the first delay to the cap while the member keeps crashing at start', () => {
    const b = new RestartBackoff({ initialMs: 500, maxMs: 30_000, stableMs: 10_000 });
    const delays = Array.from({ length: 9 }, () => b.delayAfterExit(50));
    assert.deepEqual(delays, [500, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000]);
  });

  test('starts again from the first delay once a member stayed up long enough', () => {
    const b = new RestartBackoff({ initialMs: 500, maxMs: 30_000, stableMs: 10_000 });
    for (let i = 0; i < 5; i++) b.delayAfterExit(10);
    assert.equal(b.delayAfterExit(9_999), 16_000);
    assert.equal(b.delayAfterExit(10_000), 500);
    assert.equal(b.delayAfterExit(100), 1000);
  });
});

/** A stand-in member: a node process that runs `script`. */
function supervisor(script: string, events: string[], restart = true): Supervisor {
  return new Supervisor({
    ids: [1],
    clientPort: () => 0,
    args: () => [],
    command: () => ({ file: process.execPath, args: ['-e', script] }),
    onEvent: (_id, message) => events.push(message),
    ...(restart ? { restart: { initialMs: 40, maxMs: 160, stableMs: 60_000 } } : {}),
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await sleep(20);
  }
}

describe('supervisor restarts', () => {
  test('a member that keeps crashing at start is restarted with growing delays, not spun', async () => {
    const events: string[] = [];
    const s = supervisor('process.exit(3)', events);
    s.startAll();
    await until(() => s.member(1).restarts >= 5, 10_000, `5 restarts: ${events.join(' | ')}`);
    await s.stopAll();
    const delays = events.flatMap((e) => {
      const m = /restarting in (\d+) ms/.exec(e);
      return m ? [Number(m[1])] : [];
    });
    assert.deepEqual(delays.slice(0, 5), [40, 80, 160, 160, 160]);
    assert.match(events[0]!, /member 1 exited \(code 3\) after [\d.]+ m?s, unexpectedly; restarting in 40 ms \(restart 1\)/);
    assert.ok(events.some((e) => /member 1 restarted \(pid \d+\)/.test(e)));
  });

  test('a member killed from outside is restarted; stopAll stops it for good', async () => {
    const events: string[] = [];
    const s = supervisor('setInterval(() => {}, 1000)', events);
    s.startAll();
    const first = s.member(1).child!.pid!;
    process.kill(first, 'SIGKILL');
    await until(() => s.member(1).child !== null && s.member(1).child!.pid !== first, 5000, `a new process: ${events.join(' | ')}`);
    assert.match(events[0]!, /exited \(SIGKILL\)/);
    await s.stopAll();
    const count = events.length;
    await sleep(300);
    assert.equal(s.member(1).child, null);
    assert.equal(events.length, count, `nothing restarted after stopAll: ${events.slice(count).join(' | ')}`);
  });

  test('a deliberate kill is not restarted until start', async () => {
    const events: string[] = [];
    const s = supervisor('setInterval(() => {}, 1000)', events);
    s.startAll();
    const child = s.member(1).child!;
    const gone = new Promise((r) => child.once('exit', r));
    s.kill(1);
    await gone;
    await sleep(300);
    assert.equal(s.member(1).child, null);
    assert.deepEqual(events, []);
    s.start(1);
    assert.ok(s.member(1).child);
    await s.stopAll();
  });

  test('with restart off an unexpected exit is reported and the member stays down', async () => {
    const events: string[] = [];
    const s = supervisor('process.exit(1)', events, false);
    s.startAll();
    await until(() => events.length > 0, 5000, 'an exit event');
    await sleep(200);
    assert.equal(s.member(1).child, null);
    assert.equal(s.member(1).restarts, 0);
    assert.match(events[0]!, /not restarting \(restart is off\)/);
    await s.stopAll();
  });
});
