/**
 * Reads jute, ZooKeeper's record encoding (big-endian ints and longs, length-prefixed buffers and
 * strings, count-prefixed vectors, −1 for null), from bytes that came off a socket. Every read checks
 * what is left first: a short, lying or hostile packet ends in a `JuteDecodeError`, never in a
 * RangeError, a huge allocation or anything else thrown past the decoder.
 */

export class JuteDecodeError extends Error {
  override readonly name = 'JuteDecodeError';
}

export class JuteReader {
  private offset = 0;
  private readonly view: DataView;

  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get remaining(): number {
    return this.bytes.byteLength - this.offset;
  }

  private need(n: number, what: string): void {
    if (n > this.remaining) throw new JuteDecodeError(`${what}: needs ${n} bytes, ${this.remaining} left`);
  }

  int(what = 'int'): number {
    this.need(4, what);
    const v = this.view.getInt32(this.offset);
    this.offset += 4;
    return v;
  }

  long(what = 'long'): bigint {
    this.need(8, what);
    const v = this.view.getBigInt64(this.offset);
    this.offset += 8;
    return v;
  }

  bool(what = 'boolean'): boolean {
    this.need(1, what);
    return this.bytes[this.offset++] !== 0;
  }

  /** A buffer; null for length −1. A length beyond what the packet holds is refused before any copy. */
  buffer(what = 'buffer'): Uint8Array | null {
    const n = this.int(`${what} length`);
    if (n === -1) return null;
    if (n < 0) throw new JuteDecodeError(`${what}: negative length ${n}`);
    this.need(n, what);
    const out = this.bytes.slice(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }

  /** A UTF-8 string; null for length −1. */
  string(what = 'string'): string | null {
    const b = this.buffer(what);
    if (b === null) return null;
    try {
      return utf8.decode(b);
    } catch {
      throw new JuteDecodeError(`${what}: not UTF-8`);
    }
  }

  /** A string that must be there (a path, a scheme). */
  requiredString(what: string): string {
    const s = this.string(what);
    if (s === null) throw new JuteDecodeError(`${what}: null`);
    return s;
  }

  /** A vector; null for count −1. Each element takes at least `minElementBytes`, so a count the packet cannot hold is refused up front. */
  vector<T>(what: string, minElementBytes: number, element: (r: JuteReader) => T): T[] | null {
    const n = this.int(`${what} count`);
    if (n === -1) return null;
    if (n < 0) throw new JuteDecodeError(`${what}: negative count ${n}`);
    if (n * minElementBytes > this.remaining) throw new JuteDecodeError(`${what}: ${n} elements cannot fit in ${this.remaining} bytes`);
    const out: T[] = [];
    for (let i = 0; i < n; i++) out.push(element(this));
    return out;
  }

  stringVector(what: string): string[] | null {
    return this.vector(what, 4, (r) => r.requiredString(`${what} element`));
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
