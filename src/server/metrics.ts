/**
 * One member's metrics, fed by the runner (the pure member has no clock): it sees every output the
 * member drains, every peer message before the member does, every client message and every storage
 * batch, stamps them with a monotonic clock, and keeps counters and histograms. `snapshot()` joins
 * them with the member's own state into a `MetricsSnapshot`: what `runner.metrics()` returns, what
 * the Prometheus and mntr renderers print and what the browser demo may draw. Isomorphic.
 */
import type { AdmissionMetrics } from './admission-metrics.js';
import type { ZkPortMetrics } from './zk-port-metrics.js';
import type { ZabStatus } from '../zab/member.js';
import type { MemberId } from '../zab/messages.js';
import type { SequencedWrite } from '../zab/persistence.js';
import type { Zxid } from '../zab/zxid.js';
import { Histogram, type HistogramSnapshot } from './histogram.js';
import type { ServerReady, ServerStatus } from './member.js';
import type { PeerMessage } from './messages.js';
import { ProposalClock } from './proposal-clock.js';

export interface PeerMetrics {
  readonly peer: MemberId;
  readonly up: boolean;
  readonly messagesSent: number;
  readonly messagesReceived: number;
  /** Encoded bytes handed to the link, when the transport counts them. */
  readonly bytesSent: number | null;
  /** Leader only: propose → this follower's ACK covering it. */
  readonly ackDelayMs: HistogramSnapshot;
}

/** Zab's own view of the member, as `ZabStatus` states it (appliedZxid: what the tree holds). */
type ZabPart = Pick<ZabStatus, 'role' | 'phase' | 'serving' | 'leader' | 'epoch' | 'acceptedEpoch' | 'currentEpoch' | 'lastZxid' | 'committedZxid' | 'appliedZxid'>;

export interface MetricsSnapshot extends ZabPart {
  readonly member: MemberId;
  /** The tree digest after the last applied txn. */
  readonly digest: string;
  /** Leader: txns proposed. */
  readonly proposalCount: number;
  /** Txns this member applied after they committed (every member). */
  readonly commitCount: number;
  readonly electionCount: number;
  readonly invalidPeerMessages: number;
  /** Learners cut off (their link dropped, to resync) for falling too far behind the live stream. */
  readonly peersCutOff: number;
  /** Client requests received and not yet answered (reads wait behind the writes before them). */
  readonly outstandingRequests: number;
  readonly sessions: number;
  readonly clientConnections: number;
  readonly znodeCount: number;
  readonly watchCount: number;
  readonly clientPacketsReceived: number;
  readonly clientPacketsSent: number;
  /** Client frames refused: undecodable, malformed, or over the request limit (dropped or answered with an error). */
  readonly clientFramesRejected: number;
  /** Replies over the frame limit, answered with MARSHALLINGERROR instead. */
  readonly oversizedReplies: number;
  /** Client connections dropped because handling their message threw (a check the validator missed). */
  readonly clientInputFailures: number;
  /** Client request → its reply, on the member the client is attached to. */
  readonly requestLatencyMs: HistogramSnapshot;
  /** Leader: propose → committed (a quorum durably holds it). */
  readonly commitDelayMs: HistogramSnapshot;
  /** Leader: propose → a follower's ACK, every follower together (per follower in `peers`). */
  readonly ackDelayMs: HistogramSnapshot;
  /** One storage.write batch: the time it took, and how many txns it carried. */
  readonly fsyncMs: HistogramSnapshot;
  readonly fsyncBatchTxns: HistogramSnapshot;
  readonly peers: readonly PeerMetrics[];
  readonly uptimeMs: number;
  /**
   * UDP datagrams the host's kernel dropped for want of receive buffer space, all sockets (Linux;
   * added by the Node runtime, absent elsewhere). WebRTC links are UDP: when this grows, links lose
   * packets and can stall (node/udp-buffers.ts).
   */
  readonly udpReceiveBufferErrors?: number;
  /** What the client port refused and throttled (a Node member's host adds it; admission-metrics.ts). */
  readonly admission?: AdmissionMetrics;
  /** What the ZooKeeper-protocol port counted, when the member serves one (zk-port-metrics.ts). */
  readonly zkPort?: ZkPortMetrics;
}

/** What the member and the runner know at the moment of a snapshot. */
export interface MemberState {
  readonly status: Pick<
    ServerStatus,
    'id' | 'role' | 'phase' | 'serving' | 'leader' | 'epoch' | 'acceptedEpoch' | 'currentEpoch' | 'lastZxid' | 'committedZxid' | 'treeZxid' | 'digest' | 'sessions' | 'connections'
  >;
  readonly gauges: { readonly outstandingRequests: number; readonly watchCount: number; readonly znodeCount: number };
  /** What the member itself refused at its client edge (ServerMember's counters). */
  readonly clientEdge?: { readonly rejectedClientMessages: number; readonly oversizedReplies: number };
  readonly peersUp: ReadonlySet<MemberId>;
  readonly bytesSent?: (peer: MemberId) => number | undefined;
}

interface PeerCounters {
  sent: number;
  received: number;
  readonly ackDelay: Histogram;
}

/** Requests of one connection awaiting replies, in order (replies come in request order). */
class XidQueue {
  private xids: number[] = [];
  private times: number[] = [];
  private head = 0;

  push(xid: number, atMs: number): void {
    this.xids.push(xid);
    this.times.push(atMs);
  }

  /** The time `xid` was asked at, dropping earlier ones that will get no reply; undefined if never seen. */
  take(xid: number): number | undefined {
    let asked: number | undefined;
    while (this.head < this.xids.length) {
      const x = this.xids[this.head]!;
      if (x > xid) break;
      this.head++;
      if (x === xid) {
        asked = this.times[this.head - 1]!;
        break;
      }
    }
    if (this.head > 1024 && this.head * 2 > this.xids.length) {
      this.xids = this.xids.slice(this.head);
      this.times = this.times.slice(this.head);
      this.head = 0;
    }
    return asked;
  }
}

export class MetricsCollector {
  private readonly peerCounters = new Map<MemberId, PeerCounters>();
  private readonly proposals = new ProposalClock();
  private readonly requests = new Map<number, XidQueue>();
  private leading = false;
  private proposalCount = 0;
  private commitCount = 0;
  private electionCount = 0;
  private invalidPeerMessages = 0;
  private peersCutOff = 0;
  private clientPacketsReceived = 0;
  private clientPacketsSent = 0;
  private rejectedClientFrames = 0;
  private clientInputFailures = 0;
  private readonly requestLatency = Histogram.ms();
  private readonly commitDelay = Histogram.ms();
  /** Made once: a closure per input cost a keepNames helper call each under tsx. */
  private readonly recordCommitDelay = (ms: number): void => this.commitDelay.record(ms);
  private readonly fsync = Histogram.ms();
  private readonly fsyncBatch = Histogram.counts();

  constructor(
    readonly self: MemberId,
    peers: readonly MemberId[],
    private readonly startedAtMs: number,
  ) {
    for (const p of peers) if (p !== self) this.peer(p);
  }

  private peer(id: MemberId): PeerCounters {
    let c = this.peerCounters.get(id);
    if (!c) this.peerCounters.set(id, (c = { sent: 0, received: 0, ackDelay: Histogram.ms() }));
    return c;
  }

  // ---- what the runner feeds in ---------------------------------------------------------

  /** A validated peer message, before the member sees it. */
  onPeerMessage(from: MemberId, message: PeerMessage, nowMs: number): void {
    const c = this.peer(from);
    c.received++;
    if (this.leading && message.layer === 'zab' && message.message.type === 'ACK') {
      this.proposals.ack(from, message.message.zxid, nowMs, (ms) => c.ackDelay.record(ms));
    }
  }

  onInvalidPeerMessage(): void {
    this.invalidPeerMessages++;
  }

  onPeerCutOff(): void {
    this.peersCutOff++;
  }

  onPeerDown(peer: MemberId): void {
    this.proposals.forget(peer);
  }

  /** A message from a client connection, before the member sees it. */
  onClientMessage(connection: number, message: unknown, nowMs: number): void {
    this.clientPacketsReceived++;
    const m = message as { type?: unknown; xid?: unknown };
    if (m?.type !== 'request' || typeof m.xid !== 'number') return;
    let q = this.requests.get(connection);
    if (!q) this.requests.set(connection, (q = new XidQueue()));
    q.push(m.xid, nowMs);
  }

  /** A client frame the transport could not decode (the member never saw it). */
  onRejectedClientFrame(): void {
    this.rejectedClientFrames++;
  }

  /** A client connection dropped because handling its message threw. */
  onClientInputFailure(): void {
    this.clientInputFailures++;
  }

  onClientClosed(connection: number): void {
    this.requests.delete(connection);
  }

  /** Everything one input made the member do. */
  onReady(ready: ServerReady, nowMs: number): void {
    for (const e of ready.events) {
      if (e.type === 'state') {
        // Every role change (and every new term) comes with a state event: proposals in flight are history.
        this.leading = e.role === 'LEADING';
        this.proposals.reset();
      } else if (e.type === 'electionStarted') {
        this.electionCount++;
      }
    }
    if (this.leading) {
      // A leader appends to its log only when it proposes.
      for (const w of ready.writes) {
        if (w.write.kind !== 'append') continue;
        for (const entry of w.write.entries) this.proposals.proposed(entry.zxid, nowMs);
        this.proposalCount += w.write.entries.length;
      }
    }
    for (const p of ready.peer) {
      this.peer(p.to).sent++;
      // The leader sends COMMIT the moment a quorum holds a proposal.
      if (this.leading && p.message.layer === 'zab' && p.message.message.type === 'COMMIT') this.proposals.commit(p.message.message.zxid, nowMs, this.recordCommitDelay);
    }
    for (const d of ready.deliveries) {
      if (d.kind !== 'apply') continue;
      this.commitCount++;
      // A leader alone (an ensemble of one) sends no COMMIT: applying is committing.
      if (this.leading) this.proposals.commit(d.zxid, nowMs, this.recordCommitDelay);
    }
    for (const c of ready.clients) {
      this.clientPacketsSent++;
      if (c.message.type !== 'response') continue;
      const asked = this.requests.get(c.connection)?.take(c.message.xid);
      if (asked !== undefined) this.requestLatency.record(nowMs - asked);
    }
    for (const id of ready.close) this.requests.delete(id);
  }

  /** One storage batch became durable after `ms`. */
  onFsync(ms: number, batch: readonly SequencedWrite[]): void {
    let txns = 0;
    for (const w of batch) if (w.write.kind === 'append') txns += w.write.entries.length;
    this.fsync.record(ms);
    this.fsyncBatch.record(txns);
  }

  // ---- what comes out -------------------------------------------------------------------

  snapshot(state: MemberState, nowMs: number): MetricsSnapshot {
    const s = state.status;
    const allAcks = Histogram.ms();
    const peers: PeerMetrics[] = [];
    for (const [peer, c] of [...this.peerCounters].sort((a, b) => a[0] - b[0])) {
      allAcks.merge(c.ackDelay);
      peers.push({
        peer,
        up: state.peersUp.has(peer),
        messagesSent: c.sent,
        messagesReceived: c.received,
        bytesSent: state.bytesSent?.(peer) ?? null,
        ackDelayMs: c.ackDelay.snapshot(),
      });
    }
    return {
      member: s.id,
      role: s.role,
      phase: s.phase,
      serving: s.serving,
      leader: s.leader,
      epoch: s.epoch,
      acceptedEpoch: s.acceptedEpoch,
      currentEpoch: s.currentEpoch,
      lastZxid: s.lastZxid,
      committedZxid: s.committedZxid,
      appliedZxid: s.treeZxid,
      digest: s.digest,
      proposalCount: this.proposalCount,
      commitCount: this.commitCount,
      electionCount: this.electionCount,
      invalidPeerMessages: this.invalidPeerMessages,
      peersCutOff: this.peersCutOff,
      outstandingRequests: state.gauges.outstandingRequests,
      sessions: s.sessions,
      clientConnections: s.connections,
      znodeCount: state.gauges.znodeCount,
      watchCount: state.gauges.watchCount,
      clientPacketsReceived: this.clientPacketsReceived,
      clientPacketsSent: this.clientPacketsSent,
      clientFramesRejected: this.rejectedClientFrames + (state.clientEdge?.rejectedClientMessages ?? 0),
      oversizedReplies: state.clientEdge?.oversizedReplies ?? 0,
      clientInputFailures: this.clientInputFailures,
      requestLatencyMs: this.requestLatency.snapshot(),
      commitDelayMs: this.commitDelay.snapshot(),
      ackDelayMs: allAcks.snapshot(),
      fsyncMs: this.fsync.snapshot(),
      fsyncBatchTxns: this.fsyncBatch.snapshot(),
      peers,
      uptimeMs: nowMs - this.startedAtMs,
    };
  }
}
