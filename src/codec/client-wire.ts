/**
 * Client ↔ member frames on a byte stream (the Node member's local WebSocket endpoint): one msgpack
 * value per WebSocket binary message. Decoding only turns bytes into a value; the member validates
 * what a client sent (`checkClientMessage`) and the client trusts the member it chose. msgpackr
 * records (client-record-shapes.ts) are used only between ends that said they use them: a member
 * reads a client as plain msgpack until its connect says `records: true` (ClientFrameReader), and
 * writes records only to such a client. Our own client does, and reads records from members.
 */
import { Packr } from 'msgpackr';
import { clientMessageProblem } from './client-messages.js';
import { CLIENT_RECORD_SHAPES } from './client-record-shapes.js';
import { MAX_CLIENT_FRAME_BYTES } from './limits.js';

/** A frame above this is refused by both ends: a znode's data is capped far below it. */
export { MAX_CLIENT_FRAME_BYTES };

// Fixed shared structures (maxSharedStructures = their count): unknown shapes go inline, per message.
function recordPackr(): Packr {
  const structures = CLIENT_RECORD_SHAPES.map((keys) => [...keys]);
  return new Packr({ useRecords: true, structures, maxSharedStructures: structures.length, mapsAsObjects: true, moreTypes: false });
}
const plainPackr = (): Packr => new Packr({ useRecords: false, moreTypes: false });

// Encoders and decoders keep separate state, and a decoder that failed is replaced: msgpackr keeps
// record definitions between calls and restores the shared ones only when a decode completes, so a
// frame that defines a record and then breaks off would otherwise change how every later frame of
// every client decodes, and how replies encode (as transport/webrtc/framing.ts found for peers).
const plain = plainPackr();
const withRecords = recordPackr();
const decoders = { plain: plainPackr(), records: recordPackr() };

function unpack(bytes: Uint8Array, records: boolean): unknown {
  try {
    return (records ? decoders.records : decoders.plain).unpack(bytes);
  } catch (err) {
    if (records) decoders.records = recordPackr();
    else decoders.plain = plainPackr();
    throw err;
  }
}

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

/**
 * One frame to a value; throws ClientFrameError. `records`: the writer uses msgpackr records (our own
 * members and clients do; see ClientFrameReader for a member reading a client).
 */
export function decodeClientFrame(bytes: Uint8Array, records = true): unknown {
  const r = readClientFrame(bytes, records);
  if (!r.ok) throw new ClientFrameError(r.error);
  return r.value;
}

/** A decoded frame, or why it could not be decoded. */
export type ClientFrameResult = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: string };

/** One frame to a value or an error; never throws. */
export function readClientFrame(bytes: Uint8Array, records: boolean): ClientFrameResult {
  if (bytes.length === 0) return { ok: false, error: 'empty frame' };
  if (bytes.length > MAX_CLIENT_FRAME_BYTES) return { ok: false, error: `frame of ${bytes.length} bytes exceeds ${MAX_CLIENT_FRAME_BYTES}` };
  try {
    return { ok: true, value: unpack(bytes, records) };
  } catch (err) {
    // msgpackr's messages may quote what it read so far: keep the reason short.
    const reason = err instanceof Error ? err.message : String(err);
    return { ok: false, error: `undecodable frame: ${reason.length > 160 ? reason.slice(0, 160) + '…' : reason}` };
  }
}

/** A well-formed connect (clientMessageProblem finds nothing wrong with it). */
function isConnect(v: unknown): v is { type: 'connect'; records?: unknown } {
  return typeof v === 'object' && v !== null && (v as { type?: unknown }).type === 'connect' && clientMessageProblem(v) === null;
}

/**
 * A member's reader of one client connection. A client is read as plain msgpack until its connect says
 * `records: true`: from then on it writes msgpackr records, and reads them in replies. Read with
 * records, a plain encoder's positive fixints 64–79 (an xid, a version, a timeout) would be taken for
 * record references, so a client that never said so is never read that way.
 *
 * Our own connector sends its connect in plain msgpack. One from an older connector (written with
 * records) does not read as a connect in plain msgpack; it is read again with records and taken if it
 * then is a connect that says `records: true`.
 */
export class ClientFrameReader {
  private decided = false;
  private recordsIn = false;

  /** The client reads msgpackr records: replies may be written with them. */
  get recordsOut(): boolean {
    return this.recordsIn;
  }

  /** The frame as a value, or why not; never throws. Until a well-formed connect, see the class comment. */
  read(bytes: Uint8Array): ClientFrameResult {
    const r = readClientFrame(bytes, this.recordsIn);
    if (this.decided) return r;
    if (r.ok && isConnect(r.value)) return this.connected(r);
    const legacy = readClientFrame(bytes, true);
    if (legacy.ok && isConnect(legacy.value) && legacy.value.records === true) return this.connected(legacy);
    return r;
  }

  private connected(r: ClientFrameResult & { ok: true }): ClientFrameResult {
    this.decided = true;
    this.recordsIn = (r.value as { records?: unknown }).records === true;
    return r;
  }
}
