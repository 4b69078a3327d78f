/**
 * Cuts a byte stream into ZooKeeper packets: each a 4-byte big-endian length and that many bytes.
 * A length below zero or above `maxPacketBytes` is refused before anything is allocated for it (a
 * `JuteDecodeError`), so a broken or hostile peer costs at most one packet's worth of memory.
 */
import { JuteDecodeError } from './reader.js';

export class PacketReader {
  private chunks: Uint8Array[] = [];
  private buffered = 0;

  constructor(private readonly maxPacketBytes: number) {}

  /** Bytes received and not yet handed out as a packet. */
  get pendingBytes(): number {
    return this.buffered;
  }

  /** Takes a chunk off the socket; returns the packets it completes (without their length prefix). */
  push(chunk: Uint8Array): Uint8Array[] {
    if (chunk.byteLength > 0) {
      this.chunks.push(chunk);
      this.buffered += chunk.byteLength;
    }
    const out: Uint8Array[] = [];
    while (this.buffered >= 4) {
      const head = this.peek(4);
      const length = new DataView(head.buffer, head.byteOffset, 4).getInt32(0);
      if (length < 0 || length > this.maxPacketBytes) {
        throw new JuteDecodeError(`packet length ${length} is out of range (limit ${this.maxPacketBytes} bytes)`);
      }
      if (this.buffered < 4 + length) break;
      out.push(this.take(4 + length).subarray(4));
    }
    return out;
  }

  /** The first n bytes (n ≤ buffered), joined only when they span chunks. */
  private peek(n: number): Uint8Array {
    const first = this.chunks[0]!;
    if (first.byteLength >= n) return first.subarray(0, n);
    const out = new Uint8Array(n);
    let at = 0;
    for (const c of this.chunks) {
      const part = c.subarray(0, Math.min(c.byteLength, n - at));
      out.set(part, at);
      at += part.byteLength;
      if (at === n) break;
    }
    return out;
  }

  /** Removes and returns the first n bytes (a copy, so the packet does not pin the socket's chunks). */
  private take(n: number): Uint8Array {
    const out = new Uint8Array(n);
    let at = 0;
    while (at < n) {
      const c = this.chunks[0]!;
      const want = n - at;
      if (c.byteLength <= want) {
        out.set(c, at);
        at += c.byteLength;
        this.chunks.shift();
      } else {
        out.set(c.subarray(0, want), at);
        at += want;
        this.chunks[0] = c.subarray(want);
      }
    }
    this.buffered -= n;
    return out;
  }
}
