/**
 * Admission control at a member's client port, against real member processes: the origin check,
 * the per-IP connection cap, the request size and session caps, backpressure on a flood of pipelined
 * writes (no leader change), and slow readers that cost a bounded amount.
 */
import assert from 'node:assert/strict';
import { get as httpGet } from 'node:http';
import { describe, test } from 'node:test';
import { formedCluster, waitUntil, type Cluster } from './fixtures/cluster.js';
import { connectFrame, openRaw, openSession, type RawClient } from './fixtures/raw-client.js';
import { readFileSync } from 'node:fs';

const ok = 0;

async function mntr(cluster: Cluster, id: number): Promise<Map<string, string>> {
  const text = await (await fetch(`http://127.0.0.1:${cluster.member(id).clientPort}/mntr`, { signal: AbortSignal.timeout(5000) })).text();
  return new Map(text.trim().split('\n').map((line) => line.split('\t') as [string, string]));
}

async function mntrValue(cluster: Cluster, id: number, key: string): Promise<number> {
  const v = (await mntr(cluster, id)).get(key);
  assert.ok(v !== undefined, `${key} missing from member ${id}'s mntr`);
  return Number(v);
}

describe('a flood of pipelined writes on one connection', () => {
  const cluster = formedCluster({ size: 3 });

  test('20,000 pipelined 1 KB setData are all answered, and no member changes leader or epoch', { timeout: 180_000 }, async () => {
    const before = await cluster.statuses();
    const electionsBefore = await Promise.all(cluster.ids.map((id) => mntrValue(cluster, id, 'zk_election_count')));
    const leader = before.find((s) => s?.role === 'LEADING')!;
    const c = await openSession(cluster.url(leader.id));
    c.send({ type: 'request', xid: 1, operation: { op: 'create', path: '/flood', data: new Uint8Array(0), mode: 'PERSISTENT' } });
    await c.next((m) => m.type === 'response' && m.xid === 1);
    const N = 20_000;
    const data = new Uint8Array(1024).fill(7);
    const started = Date.now();
    for (let i = 0; i < N; i++) c.send({ type: 'request', xid: 2 + i, operation: { op: 'setData', path: '/flood', data, version: -1 } });
    await c.next((m) => m.type === 'response' && m.xid === N + 1, Number(process.env.FLOOD_WAIT_MS ?? 150_000)).catch((err: Error) => {
      const got = c.received.filter((m) => m.type === 'response').length;
      throw new Error(`${err.message}: ${got} responses, last ${JSON.stringify(c.received.at(-1))}`);
    });
    const responses = c.received.filter((m) => m.type === 'response');
    const errors = responses.filter((m) => m.err !== ok);
    console.log(`flood: ${N} setData answered in ${Date.now() - started} ms, ${errors.length} errors`);
    assert.equal(errors.length, 0, `errors: ${JSON.stringify(errors.slice(0, 3))}`);
    assert.equal(responses.length, N + 1);
    const after = await cluster.statuses();
    for (const [i, s] of after.entries()) {
      assert.equal(s?.leader, leader.id, `member ${i + 1} follows ${s?.leader}`);
      assert.equal(s?.epoch, before[i]!.epoch, `member ${i + 1} changed epoch`);
    }
    // Measured, not asserted: on a loaded 2-core machine a follower may still step down and rejoin the
    // same leader in the same epoch (see the report of issue 15); the leader and epoch must hold.
    const electionsAfter = await Promise.all(cluster.ids.map((id) => mntrValue(cluster, id, 'zk_election_count')));
    console.log(`flood: elections started per member ${electionsBefore.join(',')} → ${electionsAfter.join(',')}`);
    const throttled = await mntrValue(cluster, leader.id, 'zk_throttled_outstanding');
    console.log(`flood: the leader paused reading the connection ${throttled} times`);
    assert.ok(throttled > 0, 'the flood was throttled by backpressure');
    c.ws.close();
  });
});

async function scrapeValue(cluster: Cluster, id: number, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${cluster.member(id).clientPort}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
  const m = new RegExp(`^${name}\\{member="${id}"\\} (\\S+)$`, 'm').exec(text);
  assert.ok(m, `${name} missing from /metrics`);
  return Number(m[1]);
}

describe('limits at the client port (one member, small limits)', () => {
  const MAX_CNXNS = 8;
  const MAX_SESSIONS = 4;
  const MAX_REQUEST = 64 * 1024;
  const cluster = formedCluster({
    size: 1,
    args: ['--allow-origin', 'http://good.example', '--allow-origin', 'http://also-good.example:8080/', '--max-client-cnxns', String(MAX_CNXNS), '--max-sessions', String(MAX_SESSIONS), '--max-request-bytes', String(MAX_REQUEST)],
  });
  const url = (): string => cluster.url(1);

  test('a cross-origin upgrade is refused with 403; an allowed origin and a client with no origin get in', async () => {
    await assert.rejects(openRaw(url(), { origin: 'http://evil.example' }), (err: { statusCode?: number }) => err.statusCode === 403);
    const good = await openSession(url(), { origin: 'http://good.example' });
    const alsoGood = await openSession(url(), { origin: 'http://also-good.example:8080' });
    const program = await openSession(url());
    for (const c of [good, alsoGood, program]) c.ws.close();
    assert.equal(await mntrValue(cluster, 1, 'zk_connections_refused_origin'), 1);
    assert.equal(await scrapeValue(cluster, 1, 'peerkeeper_connections_refused_origin_total'), 1);
    assert.match(cluster.member(1).proc!.output.join(''), /refused a client WebSocket from origin http:\/\/evil\.example/);
  });

  test('a request addressed to a host name not allowed (DNS rebinding) is refused with 403, GET and upgrade alike', async () => {
    const port = Number(new URL(url()).port);
    const get = (host: string): Promise<number> =>
      new Promise((resolve, reject) => {
        httpGet({ host: '127.0.0.1', port, path: '/status', headers: { host } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        }).on('error', reject);
      });
    assert.equal(await get('rebind.attacker.example:' + port), 403);
    assert.equal(await get('127.0.0.1:' + port), 200);
    assert.equal(await get('localhost:' + port), 200);
    assert.equal(await get('good.example:' + port), 200, 'the host of an allowed origin');
    await assert.rejects(openRaw(url(), { headers: { host: 'rebind.attacker.example' } }), (err: { statusCode?: number }) => err.statusCode === 403);
    assert.equal(await mntrValue(cluster, 1, 'zk_requests_refused_host'), 2);
    assert.equal(await scrapeValue(cluster, 1, 'peerkeeper_requests_refused_host_total'), 2);
  });

  test(`the connection past --max-client-cnxns from one IP is refused with 429, and counted`, async () => {
    await waitForConnections(cluster, 0);
    const open: RawClient[] = [];
    for (let i = 0; i < MAX_CNXNS; i++) open.push(await openRaw(url()));
    await assert.rejects(openRaw(url()), (err: { statusCode?: number }) => err.statusCode === 429);
    assert.equal(await mntrValue(cluster, 1, 'zk_connections_refused_per_ip'), 1);
    assert.equal(await scrapeValue(cluster, 1, 'peerkeeper_connections_refused_per_ip_total'), 1);
    assert.equal(await mntrValue(cluster, 1, 'zk_max_client_cnxns'), MAX_CNXNS);
    // One closes: the IP may connect again.
    open.pop()!.ws.close();
    await waitForConnections(cluster, MAX_CNXNS - 1);
    const again = await openSession(url());
    for (const c of [...open, again]) c.ws.close();
  });

  test('a connect for a new session past --max-sessions is refused with a reason, and counted; a reconnect of a known session is not', async () => {
    await waitForConnections(cluster, 0);
    const sessions: RawClient[] = [];
    for (let i = 0; i < MAX_SESSIONS; i++) sessions.push(await openSession(url()));
    const extra = await openRaw(url());
    extra.send(connectFrame());
    const refused = await extra.next((m) => m.type === 'connectRefused' || m.type === 'connected');
    assert.equal(refused.type, 'connectRefused');
    assert.match(String(refused.reason), /session limit/);
    assert.equal((await extra.closed).code, 1013);
    assert.equal(await mntrValue(cluster, 1, 'zk_sessions_refused'), 1);
    assert.equal(await scrapeValue(cluster, 1, 'peerkeeper_sessions_refused_total'), 1);
    // A session that was here moves to a new connection (its old one closed): not a new session.
    const first = sessions.shift()!;
    const connected = first.received.find((m) => m.type === 'connected')!;
    first.ws.close();
    await waitForConnections(cluster, MAX_SESSIONS - 1);
    const back = await openRaw(url());
    back.send({ ...connectFrame(connected.sessionId as number), password: connected.password, lastZxidSeen: connected.zxid });
    assert.equal((await back.next((m) => m.type === 'connected' || m.type === 'connectRefused')).type, 'connected');
    for (const c of [...sessions, back]) c.ws.close();
  });

  test('a frame over --max-request-bytes closes the connection (1009) and is counted; one under it is served', async () => {
    await waitForConnections(cluster, 0);
    const c = await openSession(url());
    c.send({ type: 'request', xid: 1, operation: { op: 'create', path: '/fits', data: new Uint8Array(MAX_REQUEST - 1024), mode: 'PERSISTENT' } });
    assert.equal((await c.next((m) => m.type === 'response' && m.xid === 1)).err, ok);
    c.send({ type: 'request', xid: 2, operation: { op: 'create', path: '/too-big', data: new Uint8Array(MAX_REQUEST + 1), mode: 'PERSISTENT' } });
    assert.equal((await c.closed).code, 1009);
    assert.equal(await mntrValue(cluster, 1, 'zk_requests_refused_too_large'), 1);
    assert.equal(await scrapeValue(cluster, 1, 'peerkeeper_requests_refused_too_large_total'), 1);
    assert.equal(await mntrValue(cluster, 1, 'zk_max_request_bytes'), MAX_REQUEST);
  });
});

async function waitForConnections(cluster: Cluster, n: number): Promise<void> {
  await waitUntil(async () => ((await cluster.status(1))?.clientConnections === n ? true : undefined), 10_000, () => `member 1 did not get to ${n} connections`);
}

describe('clients that stop reading', () => {
  const cluster = formedCluster({ size: 1 });
  const VALUE = 256 * 1024;
  const SLOW = 8;
  const READS = 200; // 50 MiB of replies per client if it were all queued

  test(`${SLOW} clients that never read hold bounded memory and do not stop another client`, { timeout: 120_000 }, async () => {
    const writer = await openSession(cluster.url(1));
    writer.send({ type: 'request', xid: 1, operation: { op: 'create', path: '/big', data: new Uint8Array(VALUE).fill(1), mode: 'PERSISTENT' } });
    assert.equal((await writer.next((m) => m.type === 'response' && m.xid === 1)).err, ok);
    const pid = (await cluster.status(1))!.pid;
    const rssBefore = rssBytes(pid);
    const slow: RawClient[] = [];
    for (let i = 0; i < SLOW; i++) {
      // A long session: a client held for not reading is not read at all, pings included.
      const c = await openSession(cluster.url(1), {}, 30_000);
      c.ws.pause(); // reads nothing more: the kernel's buffers fill, then the member's
      for (let x = 1; x <= READS; x++) c.send({ type: 'request', xid: x, operation: { op: 'getData', path: '/big', watch: false } });
      slow.push(c);
    }
    // Give the member time to queue what it would queue.
    await new Promise((r) => setTimeout(r, 3000));
    const buffered = await mntrValue(cluster, 1, 'zk_client_buffered_bytes');
    const rssGrowth = rssBytes(pid) - rssBefore;
    const throttled = await mntrValue(cluster, 1, 'zk_throttled_slow_reader');
    console.log(`slow readers: ${SLOW} × ${READS} getData of ${VALUE / 1024} KiB unread: ${(buffered / 2 ** 20).toFixed(1)} MiB queued in the member, RSS +${(rssGrowth / 2 ** 20).toFixed(1)} MiB, paused ${throttled} times`);
    assert.ok(throttled >= SLOW, `each slow reader was paused (${throttled})`);
    assert.ok(buffered <= SLOW * 4 * 2 ** 20, `${buffered} bytes queued for ${SLOW} clients that do not read`);
    assert.ok(rssGrowth < 96 * 2 ** 20, `member RSS grew ${rssGrowth} bytes`);
    // Everyone else is served as usual.
    const other = await openSession(cluster.url(1));
    other.send({ type: 'request', xid: 1, operation: { op: 'setData', path: '/big', data: new Uint8Array(16), version: -1 } });
    other.send({ type: 'request', xid: 2, operation: { op: 'getData', path: '/big', watch: false } });
    assert.equal((await other.next((m) => m.type === 'response' && m.xid === 2, 5000)).err, ok);
    // A slow reader that starts reading gets every answer.
    const reader = slow[0]!;
    reader.ws.resume();
    await reader.next((m) => m.type === 'response' && m.xid === READS, 60_000);
    assert.equal(reader.received.filter((m) => m.type === 'response' && m.err === ok).length, READS);
    for (const c of [...slow, other, writer]) c.ws.terminate();
  });
});

function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  assert.ok(m, 'VmRSS');
  return Number(m[1]) * 1024;
}
