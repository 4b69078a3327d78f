import type { MemberId } from '../zab/messages.js';

export interface PeerEvents {
  message(from: MemberId, message: unknown): void;
  peerUp(peer: MemberId): void;
  peerDown(peer: MemberId): void;
  /** The link to `peer` handed everything queued to the wire: a paced sender may send more (see `backlog`). */
  drained?(peer: MemberId): void;
}

/**
 * How a member reaches the others: FIFO per peer, like a reliable ordered data channel. A dropped
 * connection is reported as peerDown and everything in flight on it is lost; when it comes back it
 * is a new link (peerUp). Implementations: memory (one process), WebRTC mesh, BroadcastChannel.
 */
export interface PeerTransport {
  readonly self: MemberId;
  start(events: PeerEvents): void;
  /** Throws a RangeError, sending nothing, for a message above `maxMessageBytes` encoded. */
  send(to: MemberId, message: unknown): void;
  close(): void;
  /** The largest message one `send` carries, when there is a limit; the runner cuts larger ones in parts. */
  readonly maxMessageBytes?: number;
  /** Encoded bytes handed to the link to `peer` so far, for metrics; transports that do not count leave it out. */
  bytesSent?(peer: MemberId): number;
  /**
   * Bytes sent to `peer` and not yet on the wire (queued in the link, buffered by the channel), for
   * senders that pace themselves; `drained` says when to look again. Transports without flow control
   * (in memory) leave it out, and everything goes at once.
   */
  backlog?(peer: MemberId): number;
  /** Drop the link to `peer` (a new one follows, a new FIFO stream): a peer too far behind to keep up. */
  disconnect?(peer: MemberId, reason: string): void;
}
