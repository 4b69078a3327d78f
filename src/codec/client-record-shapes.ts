/**
 * The key lists of the client ↔ member messages that dominate traffic, for msgpackr's record
 * extension (see transport/webrtc/record-shapes.ts for how they work): a setData reply with its
 * Stat shrinks from 255 bytes to about 100. Only a client that says it reads records (`records: true`
 * in its connect) gets them; any other gets plain msgpack maps, so a client in another language needs
 * nothing but msgpack. A shape not in the list, or in another key order, is written inline.
 *
 * Part of the wire format: append only, never reorder or remove.
 */
export const CLIENT_RECORD_SHAPES: readonly (readonly string[])[] = [
  ['epoch', 'counter'], // Zxid
  ['type', 'xid', 'operation'], // request
  ['op', 'path', 'data', 'version'], // setData
  ['op', 'path', 'watch'], // getData, exists, getChildren
  ['op', 'path', 'data', 'mode'], // create
  ['op', 'path', 'version'], // delete
  ['type', 'xid', 'zxid', 'err', 'result'], // response
  ['type', 'xid', 'zxid', 'err', 'message'], // error response
  ['op', 'stat'], // setData result
  ['op', 'data', 'stat'], // getData result
  ['op', 'path', 'stat'], // create result
  ['op'], // delete, check, closeSession results
  ['czxid', 'mzxid', 'pzxid', 'ctime', 'mtime', 'version', 'cversion', 'aversion', 'ephemeralOwner', 'dataLength', 'numChildren'], // Stat
  ['type'], // ping
  ['type', 'zxid'], // pong
  ['type', 'event', 'path', 'zxid'], // watch event
];
