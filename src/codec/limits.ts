/**
 * Size limits at a member's client edge, shared by the endpoint that reads frames and the member that
 * validates requests. ZooKeeper bounds every packet by `jute.maxbuffer` (1 MiB less one byte) and a
 * znode's data by the same; here a znode holds up to 1 MiB of data (tree/prepare.ts), so a request is
 * allowed that plus room for its path and fields. A multi counts as one request: its ops together must
 * fit, as they do in ZooKeeper's single packet.
 */
import { DEFAULT_MAX_DATA_BYTES } from '../tree/prepare.js';

/** Room for a request's path, names and numbers beside its data (a path is at most 4 KiB here or there). */
export const REQUEST_OVERHEAD_BYTES = 64 * 1024;

/** The largest client request a member reads by default: one maximal znode's data plus overhead. */
export const DEFAULT_MAX_REQUEST_BYTES = DEFAULT_MAX_DATA_BYTES + REQUEST_OVERHEAD_BYTES;

/** A client frame above this is refused by both ends (codec/client-wire.ts): a reply too (reply-size.ts). */
export const MAX_CLIENT_FRAME_BYTES = 4 * 1024 * 1024;

/** ZooKeeper's maxClientCnxns default: connections from one client IP, per port. */
export const DEFAULT_MAX_CLIENT_CNXNS = 60;
/** ZooKeeper's globalOutstandingLimit default: requests read and not yet answered. */
export const DEFAULT_GLOBAL_OUTSTANDING_LIMIT = 1000;

/**
 * Client frames (or ZooKeeper packets) handed to the member per event-loop turn: the rest wait for
 * the next turn, so peer messages (ACKs, PINGs) and ticks get the loop in between. Not much
 * smaller: each turn's proposals leave in one data-channel send per follower, and the native send
 * is the leader's largest cost under a flood (~100 µs a txn); at 32 a turn the leader spent more
 * CPU per write and lost its followers sooner on a loaded machine than at 256.
 */
export const CLIENT_FRAMES_PER_TURN = 256;
