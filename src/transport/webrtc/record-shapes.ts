/**
 * The key lists of the messages that dominate peer traffic, for msgpackr's record extension: an
 * object whose keys are exactly one of these, in this order, travels as a one-byte record reference
 * and its values (no key strings), which halves a PROPOSAL of a 100-byte setData and is faster to
 * encode and decode. Any other object still works — msgpackr writes its shape inline in the message —
 * so a shape that drifts from this list costs bytes, never correctness.
 *
 * The list is part of the wire format: a record is named by its index here, so members of one
 * ensemble must run the same list. Append only; never reorder or remove.
 */
/**
 * The version of everything members say to each other over a link: this list, the framing, and the
 * shape of every peer message (Zab's and the server's). Both ends state it in their hello and a link
 * whose ends differ never comes up, with the reason in both members' logs, instead of failing later on
 * a record one side cannot read or a message the other does not expect. Bump it with every change to
 * any of those. 1 was the format before records (its hello carried no version).
 */
export const PEER_WIRE_VERSION = 2;

export const PEER_RECORD_SHAPES: readonly (readonly string[])[] = [
  ['layer', 'message'], // PeerMessage
  ['epoch', 'counter'], // Zxid
  ['type', 'epoch', 'zxid', 'prev', 'txn'], // PROPOSAL
  ['type', 'session', 'epoch', 'zxid'], // ACK
  ['type', 'epoch', 'zxid'], // COMMIT
  ['type', 'session', 'epoch', 'committed'], // PING
  ['origin', 'sessionId', 'xid', 'body'], // ServerTxn
  ['type', 'path', 'data', 'version', 'time'], // setData txn
  ['type', 'path', 'data', 'mode', 'ephemeralOwner', 'ttlMs', 'parentCversion', 'time'], // create txn
  ['type', 'path', 'time'], // delete txn
  ['type', 'sessionId', 'xid', 'request'], // FORWARD
  ['kind', 'request'], // a forwarded write
  ['type', 'path', 'data', 'version'], // setData request
  ['type', 'path', 'data', 'mode'], // create request
  ['type', 'path', 'version'], // delete request
  ['type', 'sessions'], // TOUCH, EXPIRED
];
