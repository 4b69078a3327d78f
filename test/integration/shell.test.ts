/**
 * `peerkeeper shell` as a user runs it: a child process talking to real members over their client
 * endpoints (WebSocket + GET /status), here a 3-member ensemble in this process. Commands go in on
 * stdin (piped, so non-interactive) or with -c; the assertions read what the shell prints.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startClientEndpoint, type ClientEndpoint } from '../../src/node/client-endpoint.js';
import { memberStatus } from '../../src/node/status.js';
import { startLocalEnsemble, type LocalEnsemble } from '../../src/server/local-ensemble.js';

/** Sessions are clamped to 20 ticks: 100 ms ticks give the shell's session 2 s of slack on a busy machine. */
const TICK_MS = 100;
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const RUN_MS = 30_000;

let ensemble: LocalEnsemble;
let endpoints: ClientEndpoint[] = [];
let connect = '';

before(async () => {
  ensemble = await startLocalEnsemble({ size: 3, tickMs: TICK_MS });
  const startedAt = Date.now();
  endpoints = await Promise.all(
    ensemble.members.map(async (runner) => {
      const endpoint: ClientEndpoint = await startClientEndpoint({
        port: 0,
        open: (handlers) => runner.openClient(handlers),
        http: (path, res) => {
          if (path !== '/status') return false;
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(`${JSON.stringify(memberStatus(runner, [], endpoint.connections(), startedAt, TICK_MS))}\n`);
          return true;
        },
      });
      return endpoint;
    }),
  );
  // host:port for two members, a full URL for the third: both spellings are accepted.
  connect = endpoints.map((e, i) => (i < 2 ? e.url.replace('ws://', '') : e.url)).join(',');
  const deadline = Date.now() + 15_000;
  while (!ensemble.members.some((m) => m.member.status().role === 'LEADING' && m.member.status().serving)) {
    if (Date.now() > deadline) assert.fail('no leader serving within 15 s');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
});

after(async () => {
  await Promise.all(endpoints.map((e) => e.close()));
  ensemble?.stop();
});

interface Run {
  readonly code: number | null;
  readonly stdout: string[];
  readonly stderr: string[];
}

/** Runs the shell to its end; kills it (and fails) if it does not finish by itself. */
function shell(args: readonly string[], stdin = ''): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/peerkeeper.js', 'shell', '--connect', connect, '--timeout', '4000', ...args], {
      cwd: ROOT,
      env: { ...process.env, PEERKEEPER_HISTORY: '' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`shell ${args.join(' ')} did not exit within ${RUN_MS} ms\nstdout:\n${out}\nstderr:\n${err}`));
    }, RUN_MS);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const lines = (s: string) => s.split('\n').filter((l) => l !== '');
      resolve({ code, stdout: lines(out), stderr: lines(err) });
    });
    child.stdin.end(stdin);
  });
}

/** `lines` contains `expected` as consecutive lines. */
function assertRun(lines: readonly string[], expected: readonly string[]): void {
  const at = lines.findIndex((_, i) => expected.every((e, j) => lines[i + j] === e));
  assert.ok(at >= 0, `expected consecutive lines\n  ${expected.join('\n  ')}\nin\n  ${lines.join('\n  ')}`);
}

test('a piped script: create/get/set with versions, ls -R, stat, errors, multi, watches, srvr', async () => {
  const script = [
    'create /shell hello',
    'get /shell',
    'set -v 0 /shell "second value"',
    'set -v 0 /shell stale',
    'get -s /shell',
    "create /shell/a 'x y'",
    'create /shell/a/deep',
    'create -e /shell/eph mine',
    'create -s /shell/seq- ; # a comment after a command',
    'ls -R /shell',
    'ls /shell',
    'stat /shell/missing',
    'delete /shell/missing',
    'delete /shell',
    'delete -v 7 /shell/a/deep',
    'get -w /shell/a',
    'multi create /shell/m1 one | set /shell/a changed | check /shell 1',
    'multi create /shell/m2 two | delete /shell/none',
    'get /shell/a',
    'set /shell',
    'frobnicate /shell',
    'getEphemerals /shell',
    'srvr',
    'close',
    'get /shell',
  ].join('\n');
  const run = await shell([], `${script}\n`);

  assert.equal(run.code, 1, 'some commands failed, so the exit code says so');
  const { stdout, stderr } = run;
  assertRun(stdout, ['Created /shell', 'hello']);
  assertRun(stdout, ['Created /shell/a', 'Created /shell/a/deep', 'Created /shell/eph', 'Created /shell/seq-0000000002']);

  // get -s: the data, then the stat field by field, zxids as ZooKeeper hex and (epoch,counter).
  const at = stdout.indexOf('second value');
  assert.ok(at >= 0, stdout.join('\n'));
  const stat = stdout.slice(at + 1, at + 12);
  assert.deepEqual(stat.map((l) => l.split(' = ')[0]), ['cZxid', 'ctime', 'mZxid', 'mtime', 'pZxid', 'cversion', 'dataVersion', 'aclVersion', 'ephemeralOwner', 'dataLength', 'numChildren']);
  for (const line of [stat[0]!, stat[2]!, stat[4]!]) {
    const m = /^\w+ = 0x([0-9a-f]+) \((\d+),(\d+)\)$/.exec(line);
    assert.ok(m, line);
    assert.equal(BigInt(`0x${m[1]}`), (BigInt(m[2]!) << 32n) | BigInt(m[3]!), `hex and pair agree in ${line}`);
  }
  assert.notEqual(stat[0], stat[2], 'the set moved mZxid past cZxid');
  assert.equal(stat[6], 'dataVersion = 1');
  assert.equal(stat[9], `dataLength = ${'second value'.length}`);
  assert.equal(stat[8], 'ephemeralOwner = 0x0');

  assertRun(stdout, ['/shell', '/shell/a', '/shell/a/deep', '/shell/eph', '/shell/seq-0000000002']);
  assert.ok(stdout.includes('[a, eph, seq-0000000002]'), 'ls prints zkCli\'s [a, b] list');

  // The watch from get -w fires before the multi that changed the node reports.
  assertRun(stdout, [
    'x y',
    'WATCHER:: WatchedEvent state:CONNECTED type:NodeDataChanged path:/shell/a',
    'create /shell/m1: Created /shell/m1',
    'set /shell/a: dataVersion = 1',
    'check /shell 1: ok',
    'changed',
  ]);
  assert.ok(stdout.includes('[/shell/eph]'), 'getEphemerals lists the session\'s ephemeral');

  // srvr: the status of the very member the session is attached to.
  const member = stdout.map((l) => /^Member: (\d+) at (ws:\/\/\S+) \(pid \d+\)$/.exec(l)).find((m) => m !== null);
  assert.ok(member, `srvr printed its member: ${stdout.join('\n')}`);
  assert.equal(endpoints.findIndex((e) => e.url === member[2]) + 1, Number(member[1]), 'member id matches the URL it was fetched from');
  assert.ok(stdout.some((l) => /^Mode: (leader|follower)$/.test(l)), 'srvr: mode');
  assert.ok(stdout.some((l) => /^Zxid: 0x[0-9a-f]+ \(\d+,\d+\)$/.test(l)), 'srvr: zxid in hex and as a pair');
  assert.ok(stdout.some((l) => /^Epoch: \d+/.test(l)), 'srvr: epoch');
  assert.ok(stdout.some((l) => /^Digest: \S+$/.test(l)), 'srvr: digest');
  assert.ok(stdout.some((l) => /^Connections: [1-9]\d*$/.test(l)), 'srvr: counts our connection');
  assert.ok(stdout.includes('Peers: none'), 'srvr: peers');

  assert.deepEqual(stderr, [
    'KeeperErrorCode = BadVersion for /shell: expected version 0, node is at 1',
    'Node does not exist: /shell/missing',
    'Node does not exist: /shell/missing',
    'Node not empty: /shell',
    'KeeperErrorCode = BadVersion for /shell/a/deep: expected version 7, node is at 0',
    'multi failed, nothing applied: op 2 (delete /shell/none): Node does not exist: /shell/none',
    'missing argument',
    'usage: set [-s] [-v version] path data',
    'unknown command frobnicate: try help',
    'Not connected (session CLOSED): use connect [host:port,...]',
  ]);
});

test('-c runs ;-separated commands: the closed session took its ephemeral, the failed multi left nothing', async () => {
  const check = await shell(['-c', 'sync /shell; stat /shell/eph; ls /shell; get /shell/m1; get /shell/m2']);
  assert.equal(check.code, 1);
  assert.deepEqual(check.stdout.slice(0, 3), ['Sync is OK', '[a, m1, seq-0000000002]', 'one']);
  assert.deepEqual(check.stderr, ['Node does not exist: /shell/eph', 'Node does not exist: /shell/m2']);

  const ok = await shell(['-c', `set /shell 'a;b|c' ; get /shell; deleteall /shell; ls /`]);
  assert.deepEqual(ok.stderr, []);
  assert.deepEqual(ok.stdout, ['a;b|c', '[zookeeper]']);
  assert.equal(ok.code, 0, 'every command succeeded');
});
