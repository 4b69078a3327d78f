/**
 * A member's metrics as ZooKeeper's `mntr` four-letter word prints them: one `key<TAB>value` per
 * line, ZooKeeper's keys where it has them (zk_server_state, zk_znode_count, …), peerkeeper's own
 * after, histograms as `_min/_avg/_max/_p50/_p99/_cnt` (ZooKeeper's summary style). Pure.
 */
import { admissionMntrPairs } from './admission-metrics.js';
import { zkPortMntrPairs } from './zk-port-metrics.js';
import type { HistogramSnapshot } from './histogram.js';
import type { MetricsSnapshot } from './metrics.js';
import { formatZxid, zxidToHex } from '../zab/zxid.js';

const STATE: Readonly<Record<MetricsSnapshot['role'], string>> = { LEADING: 'leader', FOLLOWING: 'follower', LOOKING: 'looking' };

function round(v: number): string {
  return String(Math.round(v * 1000) / 1000);
}

function summary(key: string, h: HistogramSnapshot): [string, string][] {
  return [
    [`${key}_min`, round(h.min)],
    [`${key}_avg`, round(h.mean)],
    [`${key}_max`, round(h.max)],
    [`${key}_p50`, round(h.p50)],
    [`${key}_p99`, round(h.p99)],
    [`${key}_cnt`, String(h.count)],
  ];
}

export function mntrPairs(m: MetricsSnapshot, version: string): [string, string][] {
  const lat = m.requestLatencyMs;
  const pairs: [string, string][] = [
    ['zk_version', version],
    ['zk_server_state', STATE[m.role]],
    ['zk_member_id', String(m.member)],
    ['zk_leader', m.leader === null ? 'none' : String(m.leader)],
    ['zk_serving', String(m.serving)],
    ['zk_epoch', String(m.epoch ?? m.currentEpoch)],
    ['zk_avg_latency', round(lat.mean)],
    ['zk_max_latency', round(lat.max)],
    ['zk_min_latency', round(lat.min)],
    ['zk_packets_received', String(m.clientPacketsReceived)],
    ['zk_packets_sent', String(m.clientPacketsSent)],
    ['zk_num_alive_connections', String(m.clientConnections)],
    ['zk_outstanding_requests', String(m.outstandingRequests)],
    ['zk_znode_count', String(m.znodeCount)],
    ['zk_watch_count', String(m.watchCount)],
    ['zk_global_sessions', String(m.sessions)],
    ['zk_last_zxid', `${zxidToHex(m.lastZxid)} ${formatZxid(m.lastZxid)}`],
    ['zk_committed_zxid', `${zxidToHex(m.committedZxid)} ${formatZxid(m.committedZxid)}`],
    ['zk_applied_zxid', `${zxidToHex(m.appliedZxid)} ${formatZxid(m.appliedZxid)}`],
    ['zk_digest', m.digest],
    ['zk_proposal_count', String(m.proposalCount)],
    ['zk_commit_count', String(m.commitCount)],
    ['zk_election_count', String(m.electionCount)],
    ['zk_invalid_peer_messages', String(m.invalidPeerMessages)],
    ['zk_peers_cut_off', String(m.peersCutOff)],
    ['zk_peers_up', String(m.peers.filter((p) => p.up).length)],
    ['zk_client_frames_rejected', String(m.clientFramesRejected)],
    ['zk_oversized_replies', String(m.oversizedReplies)],
    ['zk_client_input_failures', String(m.clientInputFailures)],
    ...summary('zk_request_latency_ms', lat),
    ...summary('zk_commit_delay_ms', m.commitDelayMs),
    ...summary('zk_ack_delay_ms', m.ackDelayMs),
    ...summary('zk_fsync_ms', m.fsyncMs),
    ...summary('zk_fsync_batch_txns', m.fsyncBatchTxns),
  ];
  for (const p of m.peers) {
    pairs.push([`zk_peer_${p.peer}_messages_sent`, String(p.messagesSent)], [`zk_peer_${p.peer}_messages_received`, String(p.messagesReceived)]);
    if (p.bytesSent !== null) pairs.push([`zk_peer_${p.peer}_bytes_sent`, String(p.bytesSent)]);
    if (p.ackDelayMs.count > 0) pairs.push([`zk_peer_${p.peer}_ack_delay_ms_p50`, round(p.ackDelayMs.p50)], [`zk_peer_${p.peer}_ack_delay_ms_p99`, round(p.ackDelayMs.p99)]);
  }
  pairs.push(['zk_uptime', String(Math.round(m.uptimeMs))]);
  if (m.udpReceiveBufferErrors !== undefined) pairs.push(['zk_udp_rcvbuf_errors', String(m.udpReceiveBufferErrors)]);
  pairs.push(...admissionMntrPairs(m.admission));
  pairs.push(...zkPortMntrPairs(m.zkPort));
  return pairs;
}

/** The mntr text, newline-terminated. */
export function renderMntr(m: MetricsSnapshot, version = 'peerkeeper'): string {
  return mntrPairs(m, version).map(([k, v]) => `${k}\t${v}`).join('\n') + '\n';
}
