import { PartedMessage } from '../codec/fragments.js';
import type { MemberId } from '../zab/messages.js';
import type { PeerMessage } from './messages.js';

/** Where an outbox hands its messages: a transport, seen through what pacing needs of it. */
export interface OutboxLink {
  /** Sends one message now; throws a RangeError, sending nothing, for one above `maxMessageBytes`. */
  send(to: MemberId, message: unknown): void;
  /** Bytes sent to `to` and not yet on the wire; undefined: no flow control, everything goes at once. */
  backlog(to: MemberId): number | undefined;
  readonly maxMessageBytes: number | undefined;
}

export interface OutboxOptions {
  /** Hand a peer's link more only while fewer than this many bytes wait in it (bytes in flight per peer); on WebRTC at most its highWaterBytes (link.ts, backlogBytes). */
  readonly windowBytes: number;
  /**
   * Most bytes that may wait here for one peer behind its sync stream (the DIFF or SNAP and the
   * proposals that came with it, which are never counted): a learner that falls this far behind the
   * live stream is cut off, to resync from scratch, rather than held in memory without end.
   */
  readonly maxLagBytes: number;
  /** A peer fell `maxLagBytes` behind: its queue is gone and its link must be dropped. */
  readonly onOverflow: (peer: MemberId, reason: string) => void;
}

export const DEFAULT_OUTBOX_WINDOW_BYTES = 1 << 20;
export const DEFAULT_MAX_LAG_BYTES = 64 << 20;

interface Item {
  readonly message: PeerMessage;
  readonly bytes: number;
  /** Part of a sync stream (DIFF/TRUNC/SNAP up to NEWLEADER): never counted as lag. */
  readonly sync: boolean;
  parted?: PartedMessage;
}

interface PeerQueue {
  /** Sent items are cleared to undefined, so a big one (a SNAP) is not held until the queue empties. */
  items: (Item | undefined)[];
  /** Index of the first item still to send (items before it are gone; compacted now and then). */
  head: number;
  /** Bytes of the non-sync items waiting. */
  lagBytes: number;
  inSync: boolean;
}

/**
 * Per-peer FIFO queues between a member and its transport, paced by each link's backlog: a sync
 * stream of many MiB (a DIFF of big txns, a SNAP of a big tree) goes out a window at a time as the
 * link drains, instead of being encoded and queued at once, which overflowed the link's queue,
 * dropped the learner and blocked the main thread that the other peers' PINGs and COMMITs share.
 *
 * Order per peer is kept: once anything waits for a peer, everything after it waits behind it
 * (Zab's DIFF, proposals, NEWLEADER, then every later PROPOSAL and COMMIT, on one FIFO link). A
 * message above the link's limit is encoded once (shared by every peer it goes to) and its parts
 * are cut as they are sent. With nothing waiting and room in the link a message goes at once.
 */
export class PeerOutbox {
  private readonly queues = new Map<MemberId, PeerQueue>();
  private nextPartedId = 1;
  /** The last message encoded for parts, reused when the same object goes to the next peer. */
  private lastParted: { message: PeerMessage; parted: PartedMessage } | undefined;

  constructor(
    private readonly link: OutboxLink,
    private readonly options: OutboxOptions,
  ) {}

  send(to: MemberId, message: PeerMessage): void {
    const q = this.queue(to);
    const kind = message.layer === 'zab' ? message.message.type : null;
    if (kind === 'DIFF' || kind === 'TRUNC' || kind === 'SNAP') q.inSync = true;
    const item: Item = { message, bytes: approxBytes(message), sync: q.inSync };
    if (kind === 'NEWLEADER') q.inSync = false;
    q.items.push(item);
    if (!item.sync) q.lagBytes += item.bytes;
    if (q.lagBytes > this.options.maxLagBytes) {
      const reason = `more than ${this.options.maxLagBytes} bytes waiting behind its sync (${q.items.length - q.head} messages)`;
      this.queues.delete(to);
      this.options.onOverflow(to, reason);
      return;
    }
    this.pump(to);
  }

  /** The link to `peer` drained: send what waits, up to the window. */
  pump(peer: MemberId): void {
    const q = this.queues.get(peer);
    if (!q) return;
    // Room in the window, read from the link once and then counted down by what we send: reading
    // a link's backlog can cross into the native binding.
    let room = 0;
    while (q.head < q.items.length) {
      if (room <= 0) {
        const backlog = this.link.backlog(peer);
        room = backlog === undefined ? Infinity : this.options.windowBytes - backlog;
        if (room <= 0) return; // the link says when it drained
      }
      const item = q.items[q.head]!;
      room -= this.sendSome(peer, item);
      if (item.parted && !item.parted.done) continue; // more parts of it to go
      q.items[q.head++] = undefined;
      if (!item.sync) q.lagBytes -= item.bytes;
      // Drop sent items now and then, not one by one (shift is linear).
      if (q.head >= 1024 && q.head * 2 >= q.items.length) {
        q.items = q.items.slice(q.head);
        q.head = 0;
      }
    }
    q.items = [];
    q.head = 0;
  }

  /** Every peer with something waiting. */
  pumpAll(): void {
    for (const [peer, q] of this.queues) if (q.head < q.items.length) this.pump(peer);
  }

  /** The link to `peer` went down or came up anew: whatever waited belonged to the old stream. */
  reset(peer: MemberId): void {
    this.queues.delete(peer);
  }

  /** Messages waiting for `peer` (for metrics and tests). */
  waiting(peer: MemberId): number {
    const q = this.queues.get(peer);
    return q ? q.items.length - q.head : 0;
  }

  /** Non-sync bytes waiting for `peer`. */
  lagBytes(peer: MemberId): number {
    return this.queues.get(peer)?.lagBytes ?? 0;
  }

  private queue(peer: MemberId): PeerQueue {
    let q = this.queues.get(peer);
    if (!q) this.queues.set(peer, (q = { items: [], head: 0, lagBytes: 0, inSync: false }));
    return q;
  }

  /** Sends the item, or its next part; returns about how many bytes went. */
  private sendSome(peer: MemberId, item: Item): number {
    const max = this.link.maxMessageBytes;
    if (!item.parted) {
      // Estimated well above the limit: straight to parts, without encoding it twice.
      if (max === undefined || item.bytes <= max) {
        try {
          this.link.send(peer, item.message);
          return item.bytes;
        } catch (err) {
          if (!(err instanceof RangeError) || max === undefined) throw err;
        }
      }
      item.parted = this.parted(item.message, max);
    }
    const part = item.parted.next();
    this.link.send(peer, part);
    return part.bytes.length;
  }

  private parted(message: PeerMessage, max: number): PartedMessage {
    const last = this.lastParted;
    // A fresh cursor over the same bytes (and id): the encoding is shared, the position is not.
    if (last && last.message === message) return last.parted.again();
    const parted = PartedMessage.encode(message, this.nextPartedId++, max - 1024); // room for the part's own envelope
    this.lastParted = { message, parted };
    return parted;
  }
}

/**
 * About how many bytes a message takes encoded, without encoding it: byte arrays and strings by
 * length, everything else a few bytes. Cheap for the small messages that are most of the traffic.
 */
export function approxBytes(value: unknown, depth = 0): number {
  if (value instanceof Uint8Array) return value.byteLength + 5;
  if (typeof value === 'string') return value.length + 5;
  if (typeof value !== 'object' || value === null) return 9;
  if (depth > 8) return 16;
  let n = 5;
  if (Array.isArray(value)) {
    for (const v of value) n += approxBytes(v, depth + 1);
    return n;
  }
  for (const k in value as Record<string, unknown>) n += k.length + 1 + approxBytes((value as Record<string, unknown>)[k], depth + 1);
  return n;
}
