/** The admission rule, the origin check and the rate-limited refusal log, without sockets. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hostname } from 'node:os';
import { ANY_ORIGIN, allowedHostNames, hostAllowed, originAllowed, parseAllowedOrigins } from '../../../src/node/origin-check.js';
import { QUEUE_DELAY_TARGET_MS, RateLimitedLog, admissionLimits, holdFor, mayReplyLarge, outstandingShare } from '../../../src/node/admission.js';
import { admissionFamilies, admissionMntrPairs } from '../../../src/server/admission-metrics.js';
import { demoOrigins } from '../../../src/cli/start-command.js';
import { parseFlags } from '../../../src/cli/args.js';

test('origins: normalised as browsers send them; no Origin (a program) is allowed; * allows all', () => {
  const allowed = parseAllowedOrigins(['http://localhost:5173/', 'https://App.Example,http://x.example:80', 'null']);
  assert.deepEqual(allowed, ['http://localhost:5173', 'https://app.example', 'http://x.example', 'null']);
  assert.ok(originAllowed(undefined, []));
  assert.ok(originAllowed('http://localhost:5173', allowed));
  assert.ok(originAllowed('http://x.example', allowed));
  assert.ok(originAllowed('null', allowed));
  assert.ok(!originAllowed('http://localhost:5174', allowed));
  assert.ok(!originAllowed('http://evil.example', allowed));
  assert.ok(!originAllowed('null', []));
  assert.ok(!originAllowed('http://127.0.0.1:5173', ['http://localhost:5173']), 'a different host name is a different origin');
  assert.ok(originAllowed('http://evil.example', [ANY_ORIGIN]));
  assert.throws(() => parseAllowedOrigins(['localhost:5173']), /not an origin/);
  assert.throws(() => parseAllowedOrigins(['http://localhost:5173/app']), /no path/);
});

test('npm start allows its pages under localhost and 127.0.0.1, and its network URLs', () => {
  assert.deepEqual(demoOrigins(['http://localhost:5173/'], ['http://10.0.0.5:5173/']), ['http://localhost:5173', 'http://127.0.0.1:5173', 'http://10.0.0.5:5173']);
});

test('a list flag may repeat and hold commas', () => {
  const f = parseFlags(['--allow-origin', 'http://a', '--allow-origin=http://b,http://c', '--n', '1'], { 'allow-origin': 'list', n: 'int' });
  assert.deepEqual(f.list('allow-origin'), ['http://a', 'http://b', 'http://c']);
  assert.deepEqual(f.list('missing'), []);
});

test('limits: ZooKeeper defaults, refused when nonsense', () => {
  const l = admissionLimits();
  assert.equal(l.maxClientCnxns, 60);
  assert.equal(l.globalOutstandingLimit, 1000);
  assert.throws(() => admissionLimits({ globalOutstandingLimit: 0 }));
  assert.throws(() => admissionLimits({ maxSessions: -1 }));
});

test('hold: backpressure at the share, at the member limit, at the queueing delay, and for a slow reader', () => {
  const l = admissionLimits({ globalOutstandingLimit: 100, readPauseBytes: 1000 });
  const load = { outstanding: 5, bufferedBytes: 0, heldAsSlowReader: false, oldestWaitMs: 0 };
  assert.equal(outstandingShare(l, 4), 25);
  assert.equal(outstandingShare(l, 1000), 1);
  assert.equal(holdFor(load, true, 50, 25, l), null);
  assert.equal(holdFor({ ...load, outstanding: 25 }, true, 50, 25, l), 'outstanding');
  assert.equal(holdFor(load, true, 100, 25, l), 'outstanding');
  assert.equal(holdFor({ ...load, oldestWaitMs: QUEUE_DELAY_TARGET_MS + 1 }, true, 50, 25, l), 'outstanding');
  // Nothing outstanding: always one request in, whatever the member's total (no starvation).
  assert.equal(holdFor({ ...load, outstanding: 0 }, true, 500, 1, l), null);
  // Pings and connects are not requests: not held by the outstanding limits.
  assert.equal(holdFor({ ...load, outstanding: 25 }, false, 500, 25, l), null);
  // A client not reading: held at the mark, let go only below half of it.
  assert.equal(holdFor({ ...load, bufferedBytes: 1000 }, false, 0, 25, l), 'slowReader');
  assert.equal(holdFor({ ...load, bufferedBytes: 700, heldAsSlowReader: true }, true, 0, 25, l), 'slowReader');
  assert.equal(holdFor({ ...load, bufferedBytes: 400, heldAsSlowReader: true }, true, 0, 25, l), null);
});

test('reads whose reply may be large are recognised', () => {
  assert.ok(mayReplyLarge({ type: 'request', operation: { op: 'getData' } }));
  assert.ok(!mayReplyLarge({ type: 'request', operation: { op: 'setData' } }));
  assert.ok(!mayReplyLarge({ type: 'request', operation: null }));
  assert.ok(!mayReplyLarge({ type: 'ping' }));
});

test('refusals are logged once a minute per key', () => {
  let t = 0;
  const lines: string[] = [];
  const log = new RateLimitedLog((l) => lines.push(l), 60_000, () => t);
  log.say('a', 'one');
  log.say('a', 'two');
  log.say('b', 'three');
  t = 60_000;
  log.say('a', 'four');
  assert.deepEqual(lines, ['one', 'three', 'four']);
});

test('mntr and Prometheus show the limits and the counters; nothing without the section', () => {
  assert.deepEqual(admissionMntrPairs(undefined), []);
  const a = { limits: admissionLimits(), refusedOrigin: 1, refusedHost: 12, refusedPerIp: 2, refusedTooLarge: 3, refusedSessions: 4, closedNotReading: 5, throttledOutstanding: 6, throttledSlowReader: 7, outstanding: 8, pausedConnections: 9, sessions: 10, bufferedBytes: 11 };
  const pairs = new Map(admissionMntrPairs(a));
  assert.equal(pairs.get('zk_max_client_cnxns'), '60');
  assert.equal(pairs.get('zk_connections_refused_per_ip'), '2');
  assert.equal(pairs.get('zk_throttled_outstanding'), '6');
  assert.equal(pairs.get('zk_requests_refused_host'), '12');
  const fams = new Map(admissionFamilies(a).map((f) => [f.name, f]));
  assert.equal(fams.get('peerkeeper_connections_refused_origin_total')?.type, 'counter');
  assert.equal(fams.get('peerkeeper_connections_refused_origin_total')?.samples[0]?.value, 1);
  assert.equal(fams.get('peerkeeper_limit_global_outstanding')?.samples[0]?.value, 1000);
});

test('hosts: IP literals, localhost, this machine, allowed origins and --allow-host; any other name (DNS rebinding) refused', () => {
  const names = allowedHostNames(['http://demo.example:5173'], ['zk.internal,Other.Example']);
  for (const ok of [undefined, '127.0.0.1:2181', '[::1]:2181', '10.1.2.3', 'localhost:2181', 'app.localhost', `${hostname()}:2181`, 'demo.example:2181', 'ZK.internal:2181', 'other.example'])
    assert.ok(hostAllowed(ok, names), `${ok} should be allowed`);
  for (const bad of ['rebind.attacker.example:2181', 'evil.example', 'localhost.evil.example', '127.0.0.1.evil.example', 'a b'])
    assert.ok(!hostAllowed(bad, names), `${bad} should be refused`);
  assert.ok(hostAllowed('anything.example', allowedHostNames([], [ANY_ORIGIN])));
});
