import * as zlib from 'node:zlib';
import { Packr } from 'msgpackr';
import { crc32 } from './crc32.js';

// Node 20.15+ computes CRC-32 natively, the same polynomial as crc32.ts: 12 ms for a 20 MiB snapshot
// here against 104 ms for the table loop, which the member's main thread pays on every write.
const nativeCrc32 = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

/** CRC-32 of `bytes[start, end)`: native where Node has it, crc32.ts otherwise. */
function frameCrc(bytes: Uint8Array, start = 0, end = bytes.length): number {
  return nativeCrc32 ? nativeCrc32(bytes.subarray(start, end)) >>> 0 : crc32(bytes, start, end);
}

/**
 * One record on disk: [length u32 BE][crc32 u32 BE][msgpack payload of `length` bytes], the CRC over
 * the payload only. A length of 0 is never written (a msgpack value is at least one byte), so a run
 * of zero bytes — what a file system can leave after a crash that extended the file — never parses as
 * a frame (CRC-32 of nothing is 0).
 */

export const FRAME_HEADER_BYTES = 8;
/** Far above any record we write (snapshots travel at ≤ 256 KiB); bounds what a corrupt length can claim. */
export const MAX_FRAME_PAYLOAD_BYTES = 1 << 30;

// Plain msgpack, no record extension (its structures live in the Packr instance, so a fresh process
// could not read them back), no structured clone (we never store cycles).
const packr = new Packr({ structuredClone: false, useRecords: false, moreTypes: false });

export function encodeFrame(value: unknown): Buffer {
  const payload = packr.pack(value);
  if (payload.length === 0 || payload.length > MAX_FRAME_PAYLOAD_BYTES) {
    throw new Error(`record of ${payload.length} bytes cannot be framed`);
  }
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + payload.length);
  frame.writeUInt32BE(payload.length, 0);
  frame.writeUInt32BE(frameCrc(payload), 4);
  payload.copy(frame, FRAME_HEADER_BYTES);
  return frame;
}

export type FrameRead =
  | { readonly ok: true; readonly value: unknown; readonly next: number }
  | { readonly ok: false; readonly reason: string };

/** Reads the frame at `offset` of `bytes`; never throws on bad input. */
export function readFrame(bytes: Uint8Array, offset: number): FrameRead {
  const remaining = bytes.length - offset;
  if (remaining < FRAME_HEADER_BYTES) return { ok: false, reason: 'short frame header' };
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, FRAME_HEADER_BYTES);
  const length = view.getUint32(0);
  const crc = view.getUint32(4);
  if (length === 0 || length > MAX_FRAME_PAYLOAD_BYTES) return { ok: false, reason: `bad length ${length}` };
  const start = offset + FRAME_HEADER_BYTES;
  const end = start + length;
  if (end > bytes.length) return { ok: false, reason: 'short frame' };
  if (frameCrc(bytes, start, end) !== crc) return { ok: false, reason: 'bad CRC' };
  let value: unknown;
  try {
    value = packr.unpack(bytes.subarray(start, end));
  } catch {
    return { ok: false, reason: 'bad msgpack' };
  }
  return { ok: true, value: toPlainBytes(value), next: end };
}

/**
 * In Node msgpackr decodes binary as Buffer slices of the file buffer; txn data must come back as
 * the Uint8Array it was written as (and must not pin the whole file in memory), so copy them out.
 */
function toPlainBytes(value: unknown): unknown {
  if (value instanceof Uint8Array) return new Uint8Array(value);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = toPlainBytes(value[i]);
    return value;
  }
  if (value !== null && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    for (const k of Object.keys(o)) o[k] = toPlainBytes(o[k]);
  }
  return value;
}

/**
 * After a bad frame at `badOffset`: is there a valid frame anywhere after it? If so the damage is in
 * the middle of the log (not a torn write) and must not be silently cut off. A crash only ever tears
 * the end of the last write, so a valid frame behind the damage means bit rot or a bug.
 */
export function findValidFrameAfter(bytes: Uint8Array, badOffset: number): number | null {
  for (let p = badOffset + 1; p + FRAME_HEADER_BYTES < bytes.length; p++) {
    const r = readFrame(bytes, p);
    if (r.ok) return p;
  }
  return null;
}
