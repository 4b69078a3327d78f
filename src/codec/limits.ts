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
