/**
 * Client ↔ member frames on a byte stream (the Node member's local WebSocket endpoint): one msgpack
 * value per WebSocket binary message. Decoding only turns bytes into a value; the member validates
 * what a client sent (`clientMessageProblem`) and the client trusts the member it chose.
 */
import { Packr } from 'msgpackr';

/** A frame above this is refused by both ends: a znode's data is capped far below it. */
export const MAX_CLIENT_FRAME_BYTES = 4 * 1024 * 1024;

const packr = new Packr({ useRecords: false, moreTypes: false });

export class ClientFrameError extends Error {
  override name = 'ClientFrameError';
}

export function encodeClientFrame(message: unknown): Uint8Array {
  // msgpackr reuses its buffer between calls: hand out a copy the socket may keep.
  const bytes = Uint8Array.from(packr.pack(message));
  if (bytes.length > MAX_CLIENT_FRAME_BYTES) throw new ClientFrameError(`frame of ${bytes.length} bytes exceeds ${MAX_CLIENT_FRAME_BYTES}`);
  return bytes;
}

export function decodeClientFrame(bytes: Uint8Array): unknown {
  if (bytes.length === 0) throw new ClientFrameError('empty frame');
  if (bytes.length > MAX_CLIENT_FRAME_BYTES) throw new ClientFrameError(`frame of ${bytes.length} bytes exceeds ${MAX_CLIENT_FRAME_BYTES}`);
  try {
    return packr.unpack(bytes);
  } catch (err) {
    throw new ClientFrameError(`undecodable frame: ${(err as Error).message}`);
  }
}
