/**
 * Client ↔ member frames on a byte stream (the Node member's local WebSocket endpoint): one msgpack
 * value per WebSocket binary message. Decoding only turns bytes into a value; the member validates
 * what a client sent (`clientMessageProblem`) and the client trusts the member it chose. Both ends
 * read plain msgpack and msgpackr records (client-record-shapes.ts); records are written only to a
 * peer known to read them (our client always does, and says so in its connect).
 */
import { Packr } from 'msgpackr';
import { CLIENT_RECORD_SHAPES } from './client-record-shapes.js';

/** A frame above this is refused by both ends: a znode's data is capped far below it. */
export const MAX_CLIENT_FRAME_BYTES = 4 * 1024 * 1024;

const plain = new Packr({ useRecords: false, moreTypes: false });
// Fixed shared structures (maxSharedStructures = their count): unknown shapes go inline, per message.
const structures = CLIENT_RECORD_SHAPES.map((keys) => [...keys]);
const withRecords = new Packr({ useRecords: true, structures, maxSharedStructures: structures.length, mapsAsObjects: true, moreTypes: false });

export class ClientFrameError extends Error {
  override name = 'ClientFrameError';
}

/** `records`: the other end reads msgpackr records (see the file comment). */
export function encodeClientFrame(message: unknown, records = false): Uint8Array {
  // msgpackr reuses its buffer between calls: hand out a copy the socket may keep.
  const bytes = Uint8Array.from((records ? withRecords : plain).pack(message));
  if (bytes.length > MAX_CLIENT_FRAME_BYTES) throw new ClientFrameError(`frame of ${bytes.length} bytes exceeds ${MAX_CLIENT_FRAME_BYTES}`);
  return bytes;
}

export function decodeClientFrame(bytes: Uint8Array): unknown {
  if (bytes.length === 0) throw new ClientFrameError('empty frame');
  if (bytes.length > MAX_CLIENT_FRAME_BYTES) throw new ClientFrameError(`frame of ${bytes.length} bytes exceeds ${MAX_CLIENT_FRAME_BYTES}`);
  try {
    return withRecords.unpack(bytes);
  } catch (err) {
    throw new ClientFrameError(`undecodable frame: ${(err as Error).message}`);
  }
}
