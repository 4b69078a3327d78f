import type { NodeKind } from './create-mode.js';
import type { Stat } from './stat.js';

/**
 * The tree digest: the sum, modulo 2^32 in each of two independent lanes, of one 64-bit hash per node
 * (path, data, kind, TTL and every Stat field) and per open session. A sum does not depend on the order
 * things were added in, and a change is "subtract the old hash, add the new one", so the digest is kept
 * up to date on every apply without rehashing the tree. Not cryptographic: it exists to tell two
 * members that diverged apart, ZooKeeper-style.
 */

export interface Hash64 {
  readonly a: number;
  readonly b: number;
}

const KIND_CODES: Readonly<Record<NodeKind, number>> = { persistent: 1, ephemeral: 2, container: 3, ttl: 4 };
const TAG_CONTENT = 0x636f6e74;
const TAG_NODE = 0x6e6f6465;
const TAG_SESSION = 0x73657373;

/** Two murmur3-style lanes with different constants, fed the same 32-bit words. */
class Hasher {
  private a: number;
  private b: number;
  private words = 0;

  constructor(tag: number) {
    this.a = 0x9747b28c;
    this.b = 0x2545f491;
    this.word(tag);
  }

  word(w: number): void {
    let k = Math.imul(w, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    let h = this.a ^ k;
    h = (h << 13) | (h >>> 19);
    this.a = (Math.imul(h, 5) + 0xe6546b64) | 0;

    let j = Math.imul(w ^ 0x5bd1e995, 0x85ebca77);
    j = (j << 13) | (j >>> 19);
    j = Math.imul(j, 0xc2b2ae3d);
    let g = this.b ^ j;
    g = (g << 17) | (g >>> 15);
    this.b = (Math.imul(g, 9) + 0x27d4eb2f) | 0;
    this.words++;
  }

  /** An integer (up to 2^53 in magnitude, negative included) as two's-complement low and high words. */
  int(n: number): void {
    this.word(n >>> 0);
    this.word(Math.floor(n / 0x100000000) >>> 0);
  }

  string(s: string): void {
    this.word(s.length);
    for (let i = 0; i < s.length; i += 2) this.word(s.charCodeAt(i) | ((s.charCodeAt(i + 1) | 0) << 16));
  }

  bytes(d: Uint8Array): void {
    this.word(d.length);
    const whole = d.length & ~3;
    for (let i = 0; i < whole; i += 4) this.word(d[i]! | (d[i + 1]! << 8) | (d[i + 2]! << 16) | (d[i + 3]! << 24));
    if (whole < d.length) {
      let w = 0;
      for (let i = whole; i < d.length; i++) w |= d[i]! << (8 * (i - whole));
      this.word(w);
    }
  }

  finish(): Hash64 {
    return { a: fmix32(this.a ^ this.words), b: fmix32(this.b ^ Math.imul(this.words, 0x9e3779b1)) };
  }
}

/** murmur3's finaliser: spreads every input bit over the output (the history checker's hash uses it too). */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** What changes only with setData: hashed once per write, so stat-only changes skip the data. */
export function hashContent(path: string, data: Uint8Array, kind: NodeKind, ttlMs: number): Hash64 {
  const h = new Hasher(TAG_CONTENT);
  h.string(path);
  h.word(KIND_CODES[kind]);
  h.int(ttlMs);
  h.bytes(data);
  return h.finish();
}

export function hashNode(content: Hash64, stat: Stat): Hash64 {
  const h = new Hasher(TAG_NODE);
  h.word(content.a);
  h.word(content.b);
  for (const z of [stat.czxid, stat.mzxid, stat.pzxid]) {
    h.int(z.epoch);
    h.int(z.counter);
  }
  h.int(stat.ctime);
  h.int(stat.mtime);
  h.int(stat.version);
  h.int(stat.cversion);
  h.int(stat.aversion);
  h.int(stat.ephemeralOwner);
  h.int(stat.dataLength);
  h.int(stat.numChildren);
  return h.finish();
}

export function hashSession(sessionId: number, timeoutMs: number): Hash64 {
  const h = new Hasher(TAG_SESSION);
  h.int(sessionId);
  h.int(timeoutMs);
  return h.finish();
}

/** The running sum. */
export class DigestSum {
  private a = 0;
  private b = 0;

  add(h: Hash64): void {
    this.a = (this.a + h.a) >>> 0;
    this.b = (this.b + h.b) >>> 0;
  }

  remove(h: Hash64): void {
    this.a = (this.a - h.a) >>> 0;
    this.b = (this.b - h.b) >>> 0;
  }

  reset(): void {
    this.a = 0;
    this.b = 0;
  }

  /** 16 hex digits, comparable across members. */
  get value(): string {
    return this.b.toString(16).padStart(8, '0') + this.a.toString(16).padStart(8, '0');
  }
}
