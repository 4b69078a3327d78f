/**
 * Messages too large for one transport message (a SNAP of a big tree): the runtime cuts the
 * msgpack bytes of the message into parts and the receiving runtime puts them back together before
 * validation, so Zab and the server never see a part. Parts of one message travel in order on one
 * FIFO link; a link drop discards a half-assembled message (the sender's protocol retries, as it
 * would for any lost message).
 */
import { Packr } from 'msgpackr';

export interface Fragment {
  readonly layer: 'part';
  /** Per sender, increasing: tells one message's parts from the next one's. */
  readonly id: number;
  readonly index: number;
  readonly count: number;
  readonly bytes: Uint8Array;
}

/** Largest message put back together: a bound on what a peer can make us hold. */
export const MAX_REASSEMBLED_BYTES = 256 * 1024 * 1024;
const MAX_PARTS = 4096;

const packr = new Packr({ useRecords: false, moreTypes: false });

export function splitMessage(message: unknown, id: number, partBytes: number): Fragment[] {
  const whole = PartedMessage.encode(message, id, partBytes);
  const parts: Fragment[] = [];
  while (!whole.done) parts.push(whole.next());
  return parts;
}

/** Byte arrays at least this big are not copied into a parted message's encoding: its parts read them in place. */
const LARGE_BINARY_BYTES = 64 * 1024;
/** Stands in for a large byte array while the rest of a message is encoded; random, so no user data can pass for it. */
const PLACEHOLDER = globalThis.crypto.getRandomValues(new Uint8Array(16));

/**
 * One message being sent in parts, one part at a time. Its encoding is a list of segments: the
 * msgpack of the message with every large byte array (a SNAP's tree, a big znode's data) left out,
 * and those arrays themselves, read in place, each behind its msgpack bin32 header; a part is
 * copied out of them only when asked for. So a SNAP of a 20 MiB tree costs the main thread the
 * encoding of a few hundred bytes up front, not a 20 MiB copy (or three, as msgpack's buffer grows),
 * and the sender can pace the parts by its link. The receiver sees plain msgpack bytes.
 */
export class PartedMessage {
  private index = 0;

  private constructor(
    private readonly segments: readonly Uint8Array[],
    readonly byteLength: number,
    readonly id: number,
    private readonly partBytes: number,
    readonly count: number,
  ) {}

  /** Throws a RangeError for a message above MAX_REASSEMBLED_BYTES or one that needs more than MAX_PARTS parts. */
  static encode(message: unknown, id: number, partBytes: number): PartedMessage {
    const large: Uint8Array[] = [];
    const light = withoutLargeBinaries(message, large, 0);
    // A copy: msgpackr reuses its buffer for the next message.
    const head = Uint8Array.prototype.slice.call(packr.pack(light)) as Uint8Array;
    const segments = large.length === 0 ? [head] : splice(head, large);
    const byteLength = segments.reduce((n, seg) => n + seg.length, 0);
    if (byteLength > MAX_REASSEMBLED_BYTES) throw new RangeError(`message of ${byteLength} bytes is above ${MAX_REASSEMBLED_BYTES}`);
    const count = Math.ceil(byteLength / partBytes);
    if (count > MAX_PARTS) throw new RangeError(`message of ${byteLength} bytes needs ${count} parts, more than ${MAX_PARTS}`);
    return new PartedMessage(segments, byteLength, id, partBytes, count);
  }

  /** The same message from its first part again (to another peer): the bytes are shared, the position is not. */
  again(): PartedMessage {
    return new PartedMessage(this.segments, this.byteLength, this.id, this.partBytes, this.count);
  }

  get done(): boolean {
    return this.index >= this.count;
  }

  /** The next part, copied out of the segments. */
  next(): Fragment {
    const index = this.index++;
    const start = index * this.partBytes;
    const bytes = new Uint8Array(Math.min(this.partBytes, this.byteLength - start));
    let at = 0; // where the current segment starts in the whole
    let filled = 0;
    for (const seg of this.segments) {
      const end = at + seg.length;
      if (end > start + filled && filled < bytes.length) {
        const from = start + filled - at;
        const n = Math.min(seg.length - from, bytes.length - filled);
        bytes.set(seg.subarray(from, from + n), filled);
        filled += n;
      }
      at = end;
      if (filled === bytes.length) break;
    }
    return { layer: 'part', id: this.id, index, count: this.count, bytes };
  }
}

/** A copy of `value` with every large byte array replaced by PLACEHOLDER, the arrays collected in encoding order. */
function withoutLargeBinaries(value: unknown, large: Uint8Array[], depth: number): unknown {
  if (value instanceof Uint8Array) {
    if (value.length < LARGE_BINARY_BYTES) return value;
    large.push(value);
    return PLACEHOLDER;
  }
  if (typeof value !== 'object' || value === null || depth > 32) return value;
  if (Array.isArray(value)) return value.map((v) => withoutLargeBinaries(v, large, depth + 1));
  if (Object.getPrototypeOf(value) !== Object.prototype) return value;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(value)) out[k] = withoutLargeBinaries((value as Record<string, unknown>)[k], large, depth + 1);
  return out;
}

/** Puts the large arrays back where their placeholders (msgpack bin8 of 16 bytes) were encoded, as bin32. */
function splice(head: Uint8Array, large: readonly Uint8Array[]): Uint8Array[] {
  const segments: Uint8Array[] = [];
  let from = 0;
  let k = 0;
  for (let i = 0; i + 18 <= head.length && k < large.length; i++) {
    if (head[i] !== 0xc4 || head[i + 1] !== 16 || !PLACEHOLDER.every((b, j) => head[i + 2 + j] === b)) continue;
    segments.push(head.subarray(from, i));
    const big = large[k++]!;
    const header = new Uint8Array(5);
    header[0] = 0xc6;
    new DataView(header.buffer).setUint32(1, big.length);
    segments.push(header, big);
    from = i = i + 18;
    i--;
  }
  if (k !== large.length) throw new Error(`parted message: ${large.length - k} of ${large.length} large arrays not found in the encoding`);
  segments.push(head.subarray(from));
  return segments;
}

export function isFragment(value: unknown): boolean {
  return typeof value === 'object' && value !== null && (value as { layer?: unknown }).layer === 'part';
}

/** Puts one sender's parts back together. A part out of turn drops what was being assembled. */
export class FragmentAssembler {
  private id = -1;
  private parts: Uint8Array[] = [];
  private size = 0;
  private count = 0;

  /** The whole message once its last part arrives; undefined while incomplete; throws on a bad part. */
  push(value: unknown): unknown {
    const f = value as Partial<Fragment>;
    if (
      !Number.isSafeInteger(f.id) || !Number.isSafeInteger(f.index) || !Number.isSafeInteger(f.count) ||
      !(f.bytes instanceof Uint8Array) || f.count! < 1 || f.count! > MAX_PARTS || f.index! < 0 || f.index! >= f.count!
    ) {
      this.reset();
      throw new Error('malformed message part');
    }
    if (f.index === 0) {
      this.reset();
      this.id = f.id!;
      this.count = f.count!;
    } else if (f.id !== this.id || f.count !== this.count || f.index !== this.parts.length) {
      this.reset();
      throw new Error(`part ${f.index}/${f.count} of message ${f.id} out of turn`);
    }
    this.size += f.bytes!.length;
    if (this.size > MAX_REASSEMBLED_BYTES) {
      this.reset();
      throw new Error(`message above ${MAX_REASSEMBLED_BYTES} bytes`);
    }
    this.parts.push(f.bytes!);
    if (this.parts.length < this.count) return undefined;
    const whole = new Uint8Array(this.size);
    let at = 0;
    for (const p of this.parts) {
      whole.set(p, at);
      at += p.length;
    }
    this.reset();
    try {
      return packr.unpack(whole);
    } catch (err) {
      throw new Error(`undecodable reassembled message: ${(err as Error).message}`);
    }
  }

  reset(): void {
    this.id = -1;
    this.parts = [];
    this.size = 0;
    this.count = 0;
  }
}
