/**
 * The search memo: a set of 128-bit keys (linearized-set hash, state hash; two 32-bit lanes each) in
 * an open-addressing table of typed arrays. A Set of strings did the same job at several times the
 * cost per state, most of it spent building the strings.
 */
import { fmix32 } from './hash.js';

export class KeySet {
  private keys: Uint32Array;
  private used: Uint8Array;
  private mask: number;
  size = 0;

  constructor(initialSlots = 1 << 12) {
    this.keys = new Uint32Array(initialSlots * 4);
    this.used = new Uint8Array(initialSlots);
    this.mask = initialSlots - 1;
  }

  /** Adds the key; false when it was already there. */
  add(a: number, b: number, c: number, d: number): boolean {
    let i = slotOf(a, b, c, d) & this.mask;
    const keys = this.keys;
    while (this.used[i]) {
      const k = i * 4;
      if (keys[k] === a && keys[k + 1] === b && keys[k + 2] === c && keys[k + 3] === d) return false;
      i = (i + 1) & this.mask;
    }
    this.used[i] = 1;
    const k = i * 4;
    keys[k] = a;
    keys[k + 1] = b;
    keys[k + 2] = c;
    keys[k + 3] = d;
    if (++this.size * 2 > this.used.length) this.grow();
    return true;
  }

  private grow(): void {
    const oldKeys = this.keys;
    const oldUsed = this.used;
    const slots = oldUsed.length * 2;
    this.keys = new Uint32Array(slots * 4);
    this.used = new Uint8Array(slots);
    this.mask = slots - 1;
    for (let i = 0; i < oldUsed.length; i++) {
      if (!oldUsed[i]) continue;
      const k = i * 4;
      const a = oldKeys[k]!;
      const b = oldKeys[k + 1]!;
      const c = oldKeys[k + 2]!;
      const d = oldKeys[k + 3]!;
      let j = slotOf(a, b, c, d) & this.mask;
      while (this.used[j]) j = (j + 1) & this.mask;
      this.used[j] = 1;
      const m = j * 4;
      this.keys[m] = a;
      this.keys[m + 1] = b;
      this.keys[m + 2] = c;
      this.keys[m + 3] = d;
    }
  }
}

function slotOf(a: number, b: number, c: number, d: number): number {
  return fmix32((a ^ Math.imul(b, 0x9e3779b1) ^ Math.imul(c, 0x85ebca77) ^ Math.imul(d, 0xc2b2ae3d)) >>> 0);
}
