import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderMntr } from '../../../src/server/mntr.js';
import { MetricsCollector, type MetricsSnapshot } from '../../../src/server/metrics.js';
import { digestNumber, renderPrometheus, zxidNumber } from '../../../src/server/prometheus.js';
import { zxid } from '../../../src/zab/zxid.js';

interface Sample {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly value: number;
}

interface Parsed {
  readonly help: Map<string, string>;
  readonly type: Map<string, string>;
  readonly samples: Sample[];
}

/** A strict reader of the text format 0.0.4: what a scraper would accept, or it throws. */
function parsePrometheus(text: string): Parsed {
  assert.ok(text.endsWith('\n'), 'the exposition ends with a newline');
  const help = new Map<string, string>();
  const type = new Map<string, string>();
  const samples: Sample[] = [];
  for (const line of text.slice(0, -1).split('\n')) {
    let m = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
    if (m) {
      const table = m[1] === 'HELP' ? help : type;
      assert.ok(!table.has(m[2]!), `${m[1]} for ${m[2]} twice`);
      if (m[1] === 'TYPE') assert.match(m[3]!, /^(counter|gauge|histogram|summary|untyped)$/);
      table.set(m[2]!, m[3]!);
      continue;
    }
    m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(m, `not a sample line: ${JSON.stringify(line)}`);
    const labels: Record<string, string> = {};
    const body = m[3] ?? '';
    const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)/gy;
    let consumed = 0;
    for (let l = re.exec(body); l; l = re.exec(body)) {
      labels[l[1]!] = l[2]!.replace(/\\n/g, '\n').replace(/\\(["\\])/g, '$1');
      consumed = re.lastIndex;
    }
    assert.equal(consumed, body.length, `bad labels in ${line}`);
    const raw = m[4]!;
    const value = raw === '+Inf' ? Infinity : raw === '-Inf' ? -Infinity : Number(raw);
    assert.ok(raw === 'NaN' || !Number.isNaN(value), `bad value in ${line}`);
    const name = m[1]!;
    const family = name.replace(/_(bucket|sum|count)$/, '');
    const declared = type.has(name) ? name : family;
    assert.ok(type.has(declared) && help.has(declared), `${name} sampled before its HELP and TYPE`);
    samples.push({ name, labels, value });
  }
  return { help, type, samples };
}

function snapshot(): MetricsSnapshot {
  const m = new MetricsCollector(1, [1, 2, 3], 0);
  m.onReady({ peer: [], deliveries: [], writes: [], clients: [], close: [], events: [{ type: 'state', role: 'LEADING', phase: 'discovery', leader: 1, epoch: 2 }] }, 0);
  m.onReady({ peer: [], deliveries: [], clients: [], close: [], events: [], writes: [{ seq: 1, write: { kind: 'append', entries: [{ zxid: zxid(2, 1), txn: null }, { zxid: zxid(2, 2), txn: null }] } }] }, 1);
  m.onPeerMessage(2, { layer: 'zab', message: { type: 'ACK', session: 1, epoch: 2, zxid: zxid(2, 2) } }, 1.75);
  m.onFsync(0.4, [{ seq: 1, write: { kind: 'append', entries: [{ zxid: zxid(2, 1), txn: null }, { zxid: zxid(2, 2), txn: null }] } }]);
  return m.snapshot(
    {
      status: {
        id: 1, role: 'LEADING', phase: 'broadcast', serving: true, leader: 1, epoch: 2, acceptedEpoch: 2, currentEpoch: 2,
        lastZxid: zxid(2, 2), committedZxid: zxid(2, 1), treeZxid: zxid(2, 1), digest: 'fedcba9876543210', sessions: 3, connections: 2,
      },
      gauges: { outstandingRequests: 1, watchCount: 6, znodeCount: 9 },
      peersUp: new Set([2]),
      bytesSent: (peer) => (peer === 2 ? 1234 : undefined),
    },
    5000,
  );
}

test('the Prometheus text parses back: HELP and TYPE first, member label everywhere, values as given', () => {
  const s = snapshot();
  const parsed = parsePrometheus(renderPrometheus(s));
  assert.ok(parsed.samples.every((x) => x.labels.member === '1'));
  const value = (name: string, labels: Record<string, string> = {}): number | undefined =>
    parsed.samples.find((x) => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v))?.value;
  assert.equal(value('peerkeeper_proposal_count'), 2);
  assert.equal(parsed.type.get('peerkeeper_proposal_count'), 'counter');
  assert.equal(value('peerkeeper_znode_count'), 9);
  assert.equal(value('peerkeeper_watch_count'), 6);
  assert.equal(value('peerkeeper_sessions'), 3);
  assert.equal(value('peerkeeper_outstanding_requests'), 1);
  assert.equal(value('peerkeeper_server_state', { state: 'leading' }), 1);
  assert.equal(value('peerkeeper_server_state', { state: 'following' }), 0);
  assert.equal(value('peerkeeper_last_zxid'), zxidNumber(zxid(2, 2)));
  assert.equal(value('peerkeeper_last_zxid'), 2 * 2 ** 32 + 2);
  assert.equal(value('peerkeeper_committed_zxid'), 2 * 2 ** 32 + 1);
  assert.equal(value('peerkeeper_tree_digest'), digestNumber('fedcba9876543210'));
  assert.equal(value('peerkeeper_epoch'), 2);
  assert.equal(value('peerkeeper_peer_up', { peer: '2' }), 1);
  assert.equal(value('peerkeeper_peer_up', { peer: '3' }), 0);
  assert.equal(value('peerkeeper_peer_bytes_sent', { peer: '2' }), 1234);
  assert.equal(value('peerkeeper_peer_bytes_sent', { peer: '3' }), undefined, 'a count the transport does not keep is left out');
  assert.equal(value('peerkeeper_uptime_seconds'), 5);
});

test('histograms come out as cumulative _bucket series ending in +Inf, with _sum and _count', () => {
  const parsed = parsePrometheus(renderPrometheus(snapshot()));
  assert.equal(parsed.type.get('peerkeeper_ack_delay_ms'), 'histogram');
  for (const [family, labels] of [
    ['peerkeeper_ack_delay_ms', { peer: '2' }],
    ['peerkeeper_ack_delay_ms', { peer: '3' }],
    ['peerkeeper_fsync_ms', {}],
    ['peerkeeper_fsync_batch_txns', {}],
    ['peerkeeper_commit_delay_ms', {}],
    ['peerkeeper_request_latency_ms', {}],
  ] as const) {
    const mine = (x: Sample): boolean => Object.entries(labels).every(([k, v]) => x.labels[k] === v);
    const buckets = parsed.samples.filter((x) => x.name === `${family}_bucket` && mine(x));
    assert.ok(buckets.length > 2, `${family} has buckets`);
    const les = buckets.map((b) => Number(b.labels.le === '+Inf' ? Infinity : b.labels.le));
    assert.equal(les.at(-1), Infinity, `${family}: +Inf last`);
    for (let i = 1; i < buckets.length; i++) {
      assert.ok(les[i]! > les[i - 1]!, `${family}: le increases`);
      assert.ok(buckets[i]!.value >= buckets[i - 1]!.value, `${family}: cumulative`);
    }
    const count = parsed.samples.find((x) => x.name === `${family}_count` && mine(x))!.value;
    assert.equal(buckets.at(-1)!.value, count);
    assert.ok(parsed.samples.some((x) => x.name === `${family}_sum` && mine(x)));
  }
  const ack2 = (le: string): number | undefined =>
    parsed.samples.find((x) => x.name === 'peerkeeper_ack_delay_ms_bucket' && x.labels.peer === '2' && x.labels.le === le)?.value;
  // Two proposals acked 0.75 ms after they went out.
  assert.equal(ack2('0.5'), 0);
  assert.equal(ack2('1'), 2);
  assert.equal(parsed.samples.find((x) => x.name === 'peerkeeper_fsync_batch_txns_sum')!.value, 2);
});

test('label values are escaped', () => {
  const s = { ...snapshot(), member: 'a"b\\c\nd' as unknown as number };
  const parsed = parsePrometheus(renderPrometheus(s));
  assert.ok(parsed.samples.every((x) => x.labels.member === 'a"b\\c\nd'));
});

test('mntr: one key<TAB>value per line, ZooKeeper keys first', () => {
  const text = renderMntr(snapshot(), 'peerkeeper 9.9.9');
  const lines = text.trimEnd().split('\n');
  assert.ok(lines.every((l) => /^zk_[a-z0-9_]+\t[^\t]*$/.test(l)), text);
  const kv = new Map(lines.map((l) => l.split('\t') as [string, string]));
  assert.equal(lines[0], 'zk_version\tpeerkeeper 9.9.9');
  assert.equal(kv.get('zk_server_state'), 'leader');
  assert.equal(kv.get('zk_znode_count'), '9');
  assert.equal(kv.get('zk_watch_count'), '6');
  assert.equal(kv.get('zk_outstanding_requests'), '1');
  assert.equal(kv.get('zk_num_alive_connections'), '2');
  assert.equal(kv.get('zk_proposal_count'), '2');
  assert.equal(kv.get('zk_last_zxid'), '0x200000002 (2,2)');
  assert.equal(kv.get('zk_digest'), 'fedcba9876543210');
  assert.equal(kv.get('zk_ack_delay_ms_cnt'), '2');
  assert.equal(kv.get('zk_peer_2_bytes_sent'), '1234');
  assert.equal(kv.get('zk_peers_up'), '1');
});

test("the host's UDP receive-buffer drops appear as a counter and an mntr key when the runtime adds them, not otherwise", () => {
  const without = parsePrometheus(renderPrometheus(snapshot()));
  assert.ok(!without.type.has('peerkeeper_host_udp_receive_buffer_errors_total'));
  assert.ok(!renderMntr(snapshot()).includes('zk_udp_rcvbuf_errors'));
  const m = { ...snapshot(), udpReceiveBufferErrors: 146614 };
  const p = parsePrometheus(renderPrometheus(m));
  assert.equal(p.type.get('peerkeeper_host_udp_receive_buffer_errors_total'), 'counter');
  const s = p.samples.find((x) => x.name === 'peerkeeper_host_udp_receive_buffer_errors_total');
  assert.equal(s?.value, 146614);
  assert.equal(s?.labels.member, String(m.member));
  assert.ok(renderMntr(m).includes('zk_udp_rcvbuf_errors\t146614\n'));
});

test("the ZooKeeper port's counters appear in mntr (zk_gateway_*) and Prometheus (peerkeeper_zk_port_*) when the host adds them, not otherwise", () => {
  const without = parsePrometheus(renderPrometheus(snapshot()));
  assert.ok(![...without.type.keys()].some((k) => k.startsWith('peerkeeper_zk_port_')));
  assert.ok(!renderMntr(snapshot()).includes('zk_gateway_'));
  const zkPort = { connections: 3, connectionsTotal: 17, malformedPackets: 1, oversizedPackets: 2, fourLetterWords: 5, throttled: 8, refusedPerIp: 4 };
  const m = { ...snapshot(), zkPort };
  const p = parsePrometheus(renderPrometheus(m));
  const value = (name: string): number | undefined => p.samples.find((x) => x.name === name && x.labels.member === String(m.member))?.value;
  assert.equal(p.type.get('peerkeeper_zk_port_connections'), 'gauge');
  assert.equal(p.type.get('peerkeeper_zk_port_oversized_packets_total'), 'counter');
  assert.deepEqual(
    [value('peerkeeper_zk_port_connections'), value('peerkeeper_zk_port_connections_total'), value('peerkeeper_zk_port_malformed_packets_total'), value('peerkeeper_zk_port_oversized_packets_total'), value('peerkeeper_zk_port_four_letter_words_total'), value('peerkeeper_zk_port_throttled_total'), value('peerkeeper_zk_port_refused_per_ip_total')],
    [3, 17, 1, 2, 5, 8, 4],
  );
  const kv = new Map(renderMntr(m).trim().split('\n').map((l) => l.split('\t') as [string, string]));
  assert.deepEqual(
    ['connections', 'connections_total', 'malformed_packets', 'oversized_packets', 'four_letter_words', 'throttled', 'refused_per_ip'].map((k) => kv.get(`zk_gateway_${k}`)),
    ['3', '17', '1', '2', '5', '8', '4'],
  );
});
