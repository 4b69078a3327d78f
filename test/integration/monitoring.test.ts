/**
 * Metrics and the consistency check, for real: member processes scraped on --metrics-port
 * (Prometheus text whose values move with writes), `peerkeeper check` agreeing on a healthy ensemble
 * and failing loudly once the test-only hook corrupts one member's tree; and the same in one process
 * through `runner.metrics()` and `runner.digests()`.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ZooKeeperClient } from '../../src/client/index.js';
import { compareDigests } from '../../src/server/consistency.js';
import { startLocalEnsemble } from '../../src/server/local-ensemble.js';
import { Cluster, spawnPeerkeeper, waitUntil, type Proc } from './fixtures/cluster.js';

type Scrape = Map<string, number>;

/** name{labels} → value, labels as printed; HELP and TYPE checked present for every sampled family. */
function parseScrape(text: string): Scrape {
  const out: Scrape = new Map();
  const typed = new Set<string>();
  for (const line of text.split('\n')) {
    const t = /^# TYPE (\S+) \S+$/.exec(line);
    if (t) typed.add(t[1]!);
    if (line === '' || line.startsWith('#')) continue;
    const m = /^(\S+?)(\{.*\})? (\S+)$/.exec(line);
    assert.ok(m, `not a sample: ${line}`);
    assert.ok(typed.has(m[1]!) || typed.has(m[1]!.replace(/_(bucket|sum|count)$/, '')), `no TYPE for ${m[1]}`);
    out.set(`${m[1]}${m[2] ?? ''}`, Number(m[3]));
  }
  return out;
}

function metric(s: Scrape, name: string, member: number, extra = ''): number {
  const v = s.get(`${name}{member="${member}"${extra}}`);
  assert.ok(v !== undefined, `${name}{member="${member}"${extra}} missing`);
  return v;
}

async function run(p: Proc): Promise<{ code: number | null; text: string }> {
  const code = await p.exited;
  return { code, text: p.output.join('') };
}

describe('member processes: --metrics-port and peerkeeper check', () => {
  const CORRUPT_AFTER = 40;
  const cluster = new Cluster({ size: 3, tickMs: 20 });
  const metricsUrl = new Map<number, string>();
  let client: ZooKeeperClient;
  let leader = 0;
  const connect = (): string => cluster.ids.map((id) => `127.0.0.1:${cluster.member(id).clientPort}`).join(',');
  const scrape = async (id: number): Promise<Scrape> => {
    const res = await fetch(metricsUrl.get(id)!, { signal: AbortSignal.timeout(5000) });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    return parseScrape(await res.text());
  };

  before(async () => {
    await cluster.startSignal();
    await Promise.all(
      cluster.ids.map(async (id) => {
        const corrupt = id === 3 ? ['--test-corrupt-after', String(CORRUPT_AFTER)] : [];
        const m = await cluster.start(id, { args: ['--metrics-port', '0', ...corrupt], env: id === 3 ? { PEERKEEPER_TEST_HOOKS: 'corrupt-tree' } : {} });
        metricsUrl.set(id, (await m.proc!.waitFor(/metrics (http:\/\/\S+)/))[1]!);
      }),
    );
    leader = await cluster.waitForLeader();
    client = await cluster.client();
  });
  after(() => cluster.stopAll());

  test('the member that will corrupt itself says so when it starts', () => {
    assert.match(cluster.member(3).proc!.output.join(''), /TEST HOOK ACTIVE: this member will corrupt its own tree after applying 40 txns/);
    assert.doesNotMatch(cluster.member(1).proc!.output.join(''), /TEST HOOK/);
  });

  test('GET /metrics on --metrics-port is Prometheus text, and its values move with writes', async () => {
    const before = await Promise.all(cluster.ids.map(scrape));
    const at = (id: number): Scrape => before[id - 1]!;
    assert.equal(metric(at(leader), 'peerkeeper_server_state', leader, ',state="leading"'), 1);
    await client.create('/mon', 'x');
    for (let i = 0; i < 10; i++) await client.create(`/mon/n${i}`, `v${i}`);
    await client.sync('/');
    await cluster.converged();
    const afterScrape = await Promise.all(cluster.ids.map(scrape));
    const now = (id: number): Scrape => afterScrape[id - 1]!;
    for (const id of cluster.ids) {
      assert.equal(metric(now(id), 'peerkeeper_znode_count', id) - metric(at(id), 'peerkeeper_znode_count', id), 11, `member ${id} znodes`);
      assert.ok(metric(now(id), 'peerkeeper_commit_count', id) >= metric(at(id), 'peerkeeper_commit_count', id) + 12, `member ${id} commits`);
      assert.ok(metric(now(id), 'peerkeeper_applied_zxid', id) > metric(at(id), 'peerkeeper_applied_zxid', id));
      assert.ok(metric(now(id), 'peerkeeper_fsync_ms_count', id) > metric(at(id), 'peerkeeper_fsync_ms_count', id), `member ${id} fsyncs`);
      assert.ok(metric(now(id), 'peerkeeper_fsync_batch_txns_sum', id) >= metric(at(id), 'peerkeeper_fsync_batch_txns_sum', id) + 12);
      for (const name of ['peerkeeper_sessions', 'peerkeeper_watch_count', 'peerkeeper_outstanding_requests', 'peerkeeper_last_zxid', 'peerkeeper_committed_zxid', 'peerkeeper_tree_digest', 'peerkeeper_epoch']) {
        metric(now(id), name, id);
      }
      // The host's UDP drop counter, where the kernel publishes one (Linux).
      if (process.platform === 'linux') assert.ok(metric(now(id), 'peerkeeper_host_udp_receive_buffer_errors_total', id) >= 0);
    }
    const l = now(leader);
    assert.ok(metric(l, 'peerkeeper_proposal_count', leader) >= metric(at(leader), 'peerkeeper_proposal_count', leader) + 12);
    assert.ok(metric(l, 'peerkeeper_commit_delay_ms_count', leader) >= 12);
    assert.ok(metric(l, 'peerkeeper_commit_delay_ms_sum', leader) > 0);
    const followers = cluster.ids.filter((id) => id !== leader);
    const acks = followers.map((f) => metric(l, 'peerkeeper_ack_delay_ms_count', leader, `,peer="${f}"`));
    assert.ok(acks.every((n) => n >= 12), `ACK delays timed per follower: ${acks}`);
    assert.ok(metric(l, 'peerkeeper_ack_delay_ms_bucket', leader, `,peer="${followers[0]}",le="+Inf"`) === acks[0]);
    assert.ok(followers.every((f) => metric(l, 'peerkeeper_peer_bytes_sent', leader, `,peer="${f}"`) > 0));
    // The client port answers /metrics too, and /metrics.json has the quantiles.
    const res = await fetch(`http://127.0.0.1:${cluster.member(1).clientPort}/metrics`);
    const viaClientPort = parseScrape(await res.text());
    assert.equal(metric(viaClientPort, 'peerkeeper_znode_count', 1), metric(now(1), 'peerkeeper_znode_count', 1));
    const json = (await (await fetch(metricsUrl.get(leader)!.replace(/\/metrics$/, '/metrics.json'))).json()) as { proposalCount: number; commitDelayMs: { p50: number; p99: number } };
    assert.ok(json.proposalCount >= 12 && json.commitDelayMs.p99 >= json.commitDelayMs.p50 && json.commitDelayMs.p50 > 0);
  });

  test('the shell prints mntr and the extended srvr', async () => {
    const { code, text } = await run(spawnPeerkeeper(['shell', '--connect', connect(), '-c', 'mntr; srvr']));
    assert.equal(code, 0, text);
    assert.match(text, /^zk_version\tpeerkeeper /m);
    assert.match(text, /^zk_server_state\t(leader|follower)$/m);
    assert.match(text, /^zk_znode_count\t\d+$/m);
    assert.match(text, /^zk_outstanding_requests\t\d+$/m);
    assert.match(text, /^Node count: \d+$/m);
    assert.match(text, /^Latency min\/avg\/max\/p99: /m);
  });

  test('peerkeeper check: a healthy ensemble agrees', async () => {
    const { code, text } = await run(spawnPeerkeeper(['check', '--connect', connect()]));
    assert.equal(code, 0, text);
    assert.match(text, /^OK: 3 members agree at \(\d+,\d+\) digest [0-9a-f]{16}/m);
  });

  test('peerkeeper check: a member whose tree was corrupted outside Zab is named, exit 1', async () => {
    for (let i = 0; i < CORRUPT_AFTER; i++) await client.create(`/more-${i}`, `m${i}`);
    await cluster.member(3).proc!.waitFor(/TEST HOOK: corrupted (\S+) outside Zab/);
    await client.sync('/');
    const { code, text } = await run(spawnPeerkeeper(['check', '--connect', connect()]));
    assert.equal(code, 1, text);
    assert.match(text, /^DIVERGED: members disagree at \(\d+,\d+\); suspect member 3$/m);
    assert.match(text, /digest [0-9a-f]{16}: members 1,2/);
    assert.match(text, /first difference at \(\d+,\d+\)/);
  });

  test('the corruption hook is refused without PEERKEEPER_TEST_HOOKS', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'peerkeeper-refuse-'));
    try {
      const p = spawnPeerkeeper(
        ['node', '--id', '1', '--members', '1', '--room', 'r', '--signal', 'ws://127.0.0.1:9', '--data', dir, '--client-port', '0', '--test-corrupt-after', '5'],
        { PEERKEEPER_SECRET: 's', PEERKEEPER_TEST_HOOKS: '' },
      );
      const { code, text } = await run(p);
      assert.equal(code, 2, text);
      assert.match(text, /refused unless PEERKEEPER_TEST_HOOKS=corrupt-tree is set/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

test('in one process: runner.metrics() moves with writes, digests agree until a tree is corrupted', async () => {
  const ensemble = await startLocalEnsemble({ size: 3, tickMs: 20 });
  const zk = new ZooKeeperClient({ connector: ensemble.connector, members: 3, sessionTimeoutMs: 2000 });
  try {
    for (let i = 0; i < 20; i++) await zk.create(`/n${i}`, `v${i}`);
    await zk.sync('/');
    const leader = ensemble.members.find((m) => m.member.status().role === 'LEADING')!;
    const applied = await waitUntil(
      () => {
        const zxids = new Set(ensemble.members.map((m) => JSON.stringify(m.member.status().treeZxid)));
        return zxids.size === 1 ? [...zxids][0] : undefined;
      },
      5000,
      () => 'members did not catch up',
    );
    assert.ok(applied);
    const m = leader.metrics();
    assert.ok(m.proposalCount >= 21, `proposals ${m.proposalCount}`);
    assert.ok(m.commitDelayMs.count >= 21 && m.commitDelayMs.p99 >= m.commitDelayMs.p50);
    assert.ok(m.ackDelayMs.count >= 21);
    assert.ok(m.fsyncMs.count > 0);
    assert.equal(m.znodeCount, 22);
    for (const r of ensemble.members) assert.equal(r.metrics().commitCount, m.commitCount, `member ${r.id} applied as many`);
    assert.ok(ensemble.members.some((r) => r.metrics().requestLatencyMs.count >= 21), 'the attached member timed the requests');

    const reports = () => ensemble.members.map((r) => ({ member: r.id, entries: r.digests().entries }));
    const ok = compareDigests(reports());
    assert.equal(ok.kind, 'agree');
    assert.equal(ensemble.members[2]!.member.dataTree.corruptDataForTesting('/n3'), true);
    const bad = compareDigests(reports());
    assert.equal(bad.kind, 'diverged');
    if (bad.kind === 'diverged') assert.deepEqual(bad.suspects, [3]);
  } finally {
    await zk.close().catch(() => {});
    ensemble.stop();
  }
});
