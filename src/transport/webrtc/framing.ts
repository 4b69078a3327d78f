/**
 * Wire framing of the WebRTC transport, pure and isomorphic (no `node:*`).
 *
 *   message  = msgpack(value), at most MAX_MESSAGE_BYTES (256 KiB; larger is refused at send time);
 *              objects of the hot shapes in record-shapes.ts as msgpackr records, others inline
 *   frame    = batch of messages: repeated [u32 big-endian length][message bytes]
 *   chunk    = [kind: u8][payload], at most MAX_CHUNK_BYTES (16 KiB) in all
 *              kind 0: a data frame continues; kind 1: last chunk of a data frame;
 *              kind 2: a whole control frame (authentication), never split
 *              kind 3: a whole transport frame (keepalive, relayed signalling; after authentication),
 *                      never split; may sit between the chunks of a data frame, so it never waits
 *                      behind queued data
 *
 * Application messages only ever travel in data frames; control and transport frames are the
 * transport's own and never reach the application. The reassembler refuses (throws FramingError) an
 * unknown kind, an empty or oversized chunk, a frame growing past MAX_FRAME_BYTES, and a batch whose
 * lengths do not add up.
 */
import { Packr } from 'msgpackr';
import { PEER_RECORD_SHAPES } from './record-shapes.js';

export const MAX_CHUNK_BYTES = 16 * 1024;
export const MAX_MESSAGE_BYTES = 256 * 1024;
/** A batch carries whole messages; one message alone may fill it, plus its length prefix. */
export const MAX_FRAME_BYTES = MAX_MESSAGE_BYTES + 4;
const CHUNK_PAYLOAD = MAX_CHUNK_BYTES - 1;

export const enum ChunkKind {
  More = 0,
  Last = 1,
  Control = 2,
  Transport = 3,
}

export class FramingError extends Error {
  override name = 'FramingError';
}

export class MessageTooLargeError extends RangeError {
  override name = 'MessageTooLargeError';
}

// The shared structures are fixed (maxSharedStructures = their count): a shape not in the list is
// written inline in its own message, never added to a list the other side could not know.
function recordPackr(): Packr {
  const structures = PEER_RECORD_SHAPES.map((keys) => [...keys]);
  return new Packr({ useRecords: true, structures, maxSharedStructures: structures.length, mapsAsObjects: true, moreTypes: false });
}

// Encoding and decoding keep separate state. msgpackr keeps record state between calls (the
// structures list and the encoder's shape transitions), and a decode that fails part-way — bytes
// that define a record and then break off — can leave it changed: with one shared instance, a single
// bad frame from any peer made every later message from every peer, and our own encodings, come out
// wrong (found by test/unit/fuzz/peer.fuzz.test.ts). A failed decode therefore also replaces the decoder.
const packr = recordPackr();
let decoder = recordPackr();

function unpack(bytes: Uint8Array): unknown {
  try {
    return decoder.unpack(bytes);
  } catch (err) {
    decoder = recordPackr();
    throw err;
  }
}

/** msgpack-encode one message; a copy (msgpackr reuses its buffer). Throws MessageTooLargeError above the limit. */
export function encodeMessage(value: unknown): Uint8Array {
  const bytes = packr.pack(value);
  if (bytes.length > MAX_MESSAGE_BYTES) {
    throw new MessageTooLargeError(`message of ${bytes.length} bytes exceeds the ${MAX_MESSAGE_BYTES}-byte limit; not sent`);
  }
  return Uint8Array.prototype.slice.call(bytes);
}

/** msgpack-decode one message of a batch; throws FramingError (and nothing else) on bytes that are not one. */
export function decodeMessage(bytes: Uint8Array): unknown {
  try {
    return unpack(bytes);
  } catch (err) {
    throw new FramingError(`undecodable message: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** Concatenate encoded messages into one batch frame (caller keeps it ≤ MAX_FRAME_BYTES). */
export function encodeBatch(messages: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const m of messages) total += 4 + m.length;
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  let at = 0;
  for (const m of messages) {
    view.setUint32(at, m.length);
    out.set(m, at + 4);
    at += 4 + m.length;
  }
  return out;
}

/** Split a batch frame into encoded messages; throws FramingError if the lengths do not add up. */
export function decodeBatch(frame: Uint8Array): Uint8Array[] {
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const out: Uint8Array[] = [];
  let at = 0;
  while (at < frame.length) {
    if (at + 4 > frame.length) throw new FramingError('truncated length prefix in batch');
    const len = view.getUint32(at);
    at += 4;
    if (len > MAX_MESSAGE_BYTES) throw new FramingError(`message of ${len} bytes in batch exceeds the limit`);
    if (at + len > frame.length) throw new FramingError('message runs past the end of its batch');
    out.push(frame.subarray(at, at + len));
    at += len;
  }
  return out;
}

/** Cut a data frame into chunks of at most MAX_CHUNK_BYTES. */
export function chunkFrame(frame: Uint8Array): Uint8Array[] {
  if (frame.length > MAX_FRAME_BYTES) throw new FramingError(`frame of ${frame.length} bytes exceeds ${MAX_FRAME_BYTES}`);
  const chunks: Uint8Array[] = [];
  let at = 0;
  do {
    const end = Math.min(at + CHUNK_PAYLOAD, frame.length);
    const c = new Uint8Array(1 + end - at);
    c[0] = end === frame.length ? ChunkKind.Last : ChunkKind.More;
    c.set(frame.subarray(at, end), 1);
    chunks.push(c);
    at = end;
  } while (at < frame.length);
  return chunks;
}

function singleChunk(kind: ChunkKind, value: unknown): Uint8Array {
  const body = packr.pack(value);
  if (body.length > CHUNK_PAYLOAD) throw new FramingError(`${kind === ChunkKind.Control ? 'control' : 'transport'} frame too large`);
  const c = new Uint8Array(1 + body.length);
  c[0] = kind;
  c.set(body, 1);
  return c;
}

export function controlChunk(value: unknown): Uint8Array {
  return singleChunk(ChunkKind.Control, value);
}

/** One transport frame (msgpack, one chunk); throws FramingError if it does not fit in a chunk. */
export function transportChunk(value: unknown): Uint8Array {
  return singleChunk(ChunkKind.Transport, value);
}

export type Received =
  | { kind: 'data'; frame: Uint8Array }
  | { kind: 'control'; value: unknown }
  | { kind: 'transport'; value: unknown }
  | undefined;

/** Reassembles one link's chunk stream. After a throw the link must be dropped (state is undefined). */
export class Reassembler {
  private parts: Uint8Array[] = [];
  private size = 0;

  push(chunk: Uint8Array): Received {
    if (chunk.length < 1) throw new FramingError('empty chunk');
    if (chunk.length > MAX_CHUNK_BYTES) throw new FramingError(`chunk of ${chunk.length} bytes exceeds ${MAX_CHUNK_BYTES}`);
    const kind = chunk[0];
    const payload = chunk.subarray(1);
    if (kind === ChunkKind.Control) {
      if (this.size > 0 || this.parts.length > 0) throw new FramingError('control chunk inside a data frame');
      try {
        return { kind: 'control', value: unpack(payload) };
      } catch {
        throw new FramingError('undecodable control chunk');
      }
    }
    if (kind === ChunkKind.Transport) {
      try {
        return { kind: 'transport', value: unpack(payload) };
      } catch {
        throw new FramingError('undecodable transport chunk');
      }
    }
    if (kind !== ChunkKind.More && kind !== ChunkKind.Last) throw new FramingError(`unknown chunk kind ${kind}`);
    if (this.size + payload.length > MAX_FRAME_BYTES) throw new FramingError(`frame exceeds ${MAX_FRAME_BYTES} bytes`);
    this.parts.push(payload);
    this.size += payload.length;
    if (kind === ChunkKind.More) return undefined;
    const frame = new Uint8Array(this.size);
    let at = 0;
    for (const p of this.parts) {
      frame.set(p, at);
      at += p.length;
    }
    this.parts = [];
    this.size = 0;
    return { kind: 'data', frame };
  }
}
