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
  const bytes = packr.pack(message);
  if (bytes.length > MAX_REASSEMBLED_BYTES) throw new RangeError(`message of ${bytes.length} bytes is above ${MAX_REASSEMBLED_BYTES}`);
  const count = Math.ceil(bytes.length / partBytes);
  if (count > MAX_PARTS) throw new RangeError(`message of ${bytes.length} bytes needs ${count} parts, more than ${MAX_PARTS}`);
  const parts: Fragment[] = [];
  for (let index = 0; index < count; index++) {
    // A copy per part: msgpackr reuses its buffer for the next message.
    parts.push({ layer: 'part', id, index, count, bytes: bytes.slice(index * partBytes, (index + 1) * partBytes) });
  }
  return parts;
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
