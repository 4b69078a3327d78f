/**
 * Writes jute records (see reader.ts): a growing buffer, big-endian, −1 for null. The first four
 * bytes are kept for the length prefix, so `framed()` — what every reply on a connection is — hands
 * out the bytes it wrote without copying them; the gateway writes one of these per reply, so it does
 * without a DataView too.
 */

const utf8 = new TextEncoder();
/** Room for the 4-byte length that `framed()` fills in. */
const PREFIX = 4;

export class JuteWriter {
  private bytes: Uint8Array;
  private length = PREFIX;

  /** `sizeHint`: the bytes the record is expected to take (it grows past it as needed). */
  constructor(sizeHint = 252) {
    this.bytes = new Uint8Array(PREFIX + Math.max(16, sizeHint));
  }

  private room(n: number): void {
    if (this.length + n <= this.bytes.byteLength) return;
    let size = this.bytes.byteLength * 2;
    while (size < this.length + n) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
  }

  private put32(at: number, v: number): void {
    const b = this.bytes;
    b[at] = v >>> 24;
    b[at + 1] = v >>> 16;
    b[at + 2] = v >>> 8;
    b[at + 3] = v;
  }

  int(v: number): this {
    this.room(4);
    this.put32(this.length, v);
    this.length += 4;
    return this;
  }

  long(v: bigint): this {
    this.room(8);
    const n = Number(v);
    if (Number.isSafeInteger(n)) {
      // Nearly every long (zxids, times, session ids) fits in a double: split it without BigInt
      // arithmetic. `hi` may be negative; put32 writes its two's-complement bits.
      const hi = Math.floor(n / 0x1_0000_0000);
      this.put32(this.length, hi);
      this.put32(this.length + 4, n - hi * 0x1_0000_0000);
    } else {
      const u = BigInt.asUintN(64, v);
      this.put32(this.length, Number(u >> 32n));
      this.put32(this.length + 4, Number(u & 0xffff_ffffn));
    }
    this.length += 8;
    return this;
  }

  bool(v: boolean): this {
    this.room(1);
    this.bytes[this.length++] = v ? 1 : 0;
    return this;
  }

  buffer(v: Uint8Array | null): this {
    if (v === null) return this.int(-1);
    this.int(v.byteLength);
    this.room(v.byteLength);
    this.bytes.set(v, this.length);
    this.length += v.byteLength;
    return this;
  }

  string(v: string | null): this {
    return this.buffer(v === null ? null : utf8.encode(v));
  }

  stringVector(v: readonly string[] | null): this {
    if (v === null) return this.int(-1);
    this.int(v.length);
    for (const s of v) this.string(s);
    return this;
  }

  /** The record so far (a copy: the writer may go on). */
  finish(): Uint8Array {
    return this.bytes.slice(PREFIX, this.length);
  }

  /**
   * The record with its 4-byte big-endian length in front, as it goes on the wire: a view of the
   * writer's own buffer, not a copy, so this is the writer's last use.
   */
  framed(): Uint8Array {
    this.put32(0, this.length - PREFIX);
    return this.bytes.subarray(0, this.length);
  }
}
