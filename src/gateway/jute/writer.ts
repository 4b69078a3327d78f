/** Writes jute records (see reader.ts): a growing buffer, big-endian, −1 for null. */

const utf8 = new TextEncoder();

export class JuteWriter {
  private bytes = new Uint8Array(256);
  private view = new DataView(this.bytes.buffer);
  private length = 0;

  private room(n: number): void {
    if (this.length + n <= this.bytes.byteLength) return;
    let size = this.bytes.byteLength * 2;
    while (size < this.length + n) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
    this.view = new DataView(grown.buffer);
  }

  int(v: number): this {
    this.room(4);
    this.view.setInt32(this.length, v);
    this.length += 4;
    return this;
  }

  long(v: bigint): this {
    this.room(8);
    this.view.setBigInt64(this.length, BigInt.asIntN(64, v));
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

  /** The record so far. */
  finish(): Uint8Array {
    return this.bytes.slice(0, this.length);
  }

  /** The record with its 4-byte big-endian length in front, as it goes on the wire. */
  framed(): Uint8Array {
    const out = new Uint8Array(4 + this.length);
    new DataView(out.buffer).setInt32(0, this.length);
    out.set(this.bytes.subarray(0, this.length), 4);
    return out;
  }
}
