/**
 * A member's metrics in Prometheus' text exposition format 0.0.4: `# HELP` and `# TYPE` per family,
 * every sample labelled `member="<id>"`, histograms as `_bucket{le=…}` (cumulative, `+Inf` last),
 * `_sum` and `_count`. Times are in milliseconds (the unit is in each name). Pure: snapshot in, text out.
 */
import { admissionFamilies } from './admission-metrics.js';
import { zkPortFamilies } from './zk-port-metrics.js';
import type { HistogramSnapshot } from './histogram.js';
import type { MetricsSnapshot } from './metrics.js';
import type { Zxid } from '../zab/zxid.js';

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

type Labels = Readonly<Record<string, string>>;

interface Family {
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'gauge' | 'histogram';
  readonly samples: readonly { readonly labels?: Labels; readonly value: number | HistogramSnapshot }[];
}

/** A zxid as ZooKeeper's 64-bit number (epoch << 32 | counter); exact while the epoch is below 2^21. */
export function zxidNumber(z: Zxid): number {
  return z.epoch * 0x1_0000_0000 + z.counter;
}

/** The digest's high 48 bits as a number: equal trees give equal values (compare at an equal applied zxid). */
export function digestNumber(digest: string): number {
  const n = Number.parseInt(digest.slice(0, 12), 16);
  return Number.isFinite(n) ? n : 0;
}

function families(m: MetricsSnapshot): Family[] {
  const one = (value: number) => [{ value }];
  const perPeer = (f: (p: MetricsSnapshot['peers'][number]) => number | null) =>
    m.peers.flatMap((p) => {
      const v = f(p);
      return v === null ? [] : [{ labels: { peer: String(p.peer) }, value: v }];
    });
  const role = m.role.toLowerCase();
  return [
    { name: 'peerkeeper_server_state', help: 'The role this member plays now (1 for the current one).', type: 'gauge',
      samples: ['leading', 'following', 'looking'].map((state) => ({ labels: { state }, value: state === role ? 1 : 0 })) },
    { name: 'peerkeeper_serving', help: 'Whether the member serves clients (broadcast phase, in a quorum).', type: 'gauge', samples: one(m.serving ? 1 : 0) },
    { name: 'peerkeeper_leader', help: 'The member this one follows or is (-1 when none).', type: 'gauge', samples: one(m.leader ?? -1) },
    { name: 'peerkeeper_epoch', help: 'The epoch being led or followed (the current epoch while looking).', type: 'gauge', samples: one(m.epoch ?? m.currentEpoch) },
    { name: 'peerkeeper_accepted_epoch', help: 'The last epoch this member promised (durable).', type: 'gauge', samples: one(m.acceptedEpoch) },
    { name: 'peerkeeper_current_epoch', help: 'The last epoch this member acked NEWLEADER for (durable).', type: 'gauge', samples: one(m.currentEpoch) },
    { name: 'peerkeeper_last_zxid', help: 'The last zxid in the log, as epoch<<32|counter.', type: 'gauge', samples: one(zxidNumber(m.lastZxid)) },
    { name: 'peerkeeper_committed_zxid', help: 'The last zxid known committed, as epoch<<32|counter.', type: 'gauge', samples: one(zxidNumber(m.committedZxid)) },
    { name: 'peerkeeper_applied_zxid', help: 'The last zxid applied to the tree, as epoch<<32|counter.', type: 'gauge', samples: one(zxidNumber(m.appliedZxid)) },
    { name: 'peerkeeper_tree_digest', help: "The tree digest's high 48 bits (compare members at an equal applied zxid).", type: 'gauge', samples: one(digestNumber(m.digest)) },
    { name: 'peerkeeper_proposal_count', help: 'Txns this member proposed as leader.', type: 'counter', samples: one(m.proposalCount) },
    { name: 'peerkeeper_commit_count', help: 'Committed txns this member applied.', type: 'counter', samples: one(m.commitCount) },
    { name: 'peerkeeper_election_count', help: 'Elections this member started.', type: 'counter', samples: one(m.electionCount) },
    { name: 'peerkeeper_invalid_peer_message_count', help: 'Peer messages dropped because they failed validation.', type: 'counter', samples: one(m.invalidPeerMessages) },
    { name: 'peerkeeper_peers_cut_off_count', help: 'Learners whose link was dropped, to resync, because they fell too far behind the live stream.', type: 'counter', samples: one(m.peersCutOff) },
    { name: 'peerkeeper_outstanding_requests', help: 'Client requests received and not yet answered.', type: 'gauge', samples: one(m.outstandingRequests) },
    { name: 'peerkeeper_sessions', help: 'Open sessions in the tree (the whole ensemble).', type: 'gauge', samples: one(m.sessions) },
    { name: 'peerkeeper_client_connections', help: 'Client connections attached to this member.', type: 'gauge', samples: one(m.clientConnections) },
    { name: 'peerkeeper_znode_count', help: 'Znodes in the tree.', type: 'gauge', samples: one(m.znodeCount) },
    { name: 'peerkeeper_watch_count', help: 'Watches registered on this member.', type: 'gauge', samples: one(m.watchCount) },
    { name: 'peerkeeper_client_packets_received', help: 'Messages received from clients.', type: 'counter', samples: one(m.clientPacketsReceived) },
    { name: 'peerkeeper_client_packets_sent', help: 'Messages sent to clients.', type: 'counter', samples: one(m.clientPacketsSent) },
    { name: 'peerkeeper_client_frames_rejected', help: 'Client frames refused: undecodable, malformed or over the request limit (dropped or answered with an error).', type: 'counter', samples: one(m.clientFramesRejected) },
    { name: 'peerkeeper_oversized_replies', help: 'Replies over the client frame limit, answered with MARSHALLINGERROR instead.', type: 'counter', samples: one(m.oversizedReplies) },
    { name: 'peerkeeper_client_input_failures', help: 'Client connections dropped because handling their message threw.', type: 'counter', samples: one(m.clientInputFailures) },
    { name: 'peerkeeper_peer_up', help: 'Whether the link to a peer is up.', type: 'gauge', samples: perPeer((p) => (p.up ? 1 : 0)) },
    { name: 'peerkeeper_peer_messages_sent', help: 'Messages sent to a peer.', type: 'counter', samples: perPeer((p) => p.messagesSent) },
    { name: 'peerkeeper_peer_messages_received', help: 'Valid messages received from a peer.', type: 'counter', samples: perPeer((p) => p.messagesReceived) },
    { name: 'peerkeeper_peer_bytes_sent', help: 'Encoded bytes handed to the link to a peer.', type: 'counter', samples: perPeer((p) => p.bytesSent) },
    { name: 'peerkeeper_request_latency_ms', help: 'Client request to its reply, on the member the client is attached to.', type: 'histogram', samples: hist(m.requestLatencyMs) },
    { name: 'peerkeeper_commit_delay_ms', help: 'Leader: proposal to commit (a quorum durably holds it).', type: 'histogram', samples: hist(m.commitDelayMs) },
    { name: 'peerkeeper_ack_delay_ms', help: "Leader: proposal to a follower's ACK covering it.", type: 'histogram',
      samples: m.peers.map((p) => ({ labels: { peer: String(p.peer) }, value: p.ackDelayMs })) },
    { name: 'peerkeeper_fsync_ms', help: 'Time to make one batch of writes durable (storage.write).', type: 'histogram', samples: hist(m.fsyncMs) },
    { name: 'peerkeeper_fsync_batch_txns', help: 'Txns made durable by one storage batch (group commit).', type: 'histogram', samples: hist(m.fsyncBatchTxns) },
    { name: 'peerkeeper_uptime_seconds', help: 'Seconds since this member started.', type: 'gauge', samples: one(m.uptimeMs / 1000) },
    ...(m.udpReceiveBufferErrors === undefined
      ? []
      : [{ name: 'peerkeeper_host_udp_receive_buffer_errors_total', help: "UDP datagrams the host's kernel dropped for want of receive buffer space (WebRTC links are UDP: growth means lost packets and stalls).", type: 'counter' as const, samples: one(m.udpReceiveBufferErrors) }]),
    ...admissionFamilies(m.admission),
    ...zkPortFamilies(m.zkPort),
  ];
}

function hist(h: HistogramSnapshot): { value: HistogramSnapshot }[] {
  return [{ value: h }];
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function escapeHelp(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

function labelText(labels: Labels): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
  return `{${parts.join(',')}}`;
}

/** The whole exposition, newline-terminated. */
export function renderPrometheus(m: MetricsSnapshot): string {
  const base = { member: String(m.member) };
  const lines: string[] = [];
  for (const f of families(m)) {
    lines.push(`# HELP ${f.name} ${escapeHelp(f.help)}`, `# TYPE ${f.name} ${f.type}`);
    for (const s of f.samples) {
      const labels = { ...base, ...s.labels };
      if (typeof s.value === 'number') {
        lines.push(`${f.name}${labelText(labels)} ${formatValue(s.value)}`);
        continue;
      }
      const h = s.value;
      for (const [le, count] of h.buckets) lines.push(`${f.name}_bucket${labelText({ ...labels, le: formatValue(le) })} ${count}`);
      lines.push(`${f.name}_bucket${labelText({ ...labels, le: '+Inf' })} ${h.count}`);
      lines.push(`${f.name}_sum${labelText(labels)} ${formatValue(h.sum)}`);
      lines.push(`${f.name}_count${labelText(labels)} ${h.count}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
