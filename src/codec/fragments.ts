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

/**
 * One message being sent in parts, one part at a time: encoded once when made, each part cut only
 * when asked for, so a sender can pace the parts by its link (a SNAP of a big tree) and hold one
 * copy of the bytes meanwhile.
 */
export class PartedMessage {
  private index = 0;

  private constructor(
    readonly bytes: Uint8Array,
    readonly id: number,
    private readonly partBytes: number,
    readonly count: number,
  ) {}

  /** Throws a RangeError for a message above MAX_REASSEMBLED_BYTES or one that needs more than MAX_PARTS parts. */
  static encode(message: unknown, id: number, partBytes: number): PartedMessage {
    const bytes = packr.pack(message);
    if (bytes.length > MAX_REASSEMBLED_BYTES) throw new RangeError(`message of ${bytes.length} bytes is above ${MAX_REASSEMBLED_BYTES}`);
    const count = Math.ceil(bytes.length / partBytes);
    if (count > MAX_PARTS) throw new RangeError(`message of ${bytes.length} bytes needs ${count} parts, more than ${MAX_PARTS}`);
    // A copy: msgpackr reuses its buffer for the next message.
    return new PartedMessage(Uint8Array.prototype.slice.call(bytes), id, partBytes, count);
  }

  /** The same message from its first part again (to another peer): the bytes are shared, the position is not. */
  again(): PartedMessage {
    return new PartedMessage(this.bytes, this.id, this.partBytes, this.count);
  }

  get done(): boolean {
    return this.index >= this.count;
  }

  /** The next part (a view into the bytes: the transport encodes it into its own buffer). */
  next(): Fragment {
    const index = this.index++;
    return { layer: 'part', id: this.id, index, count: this.count, bytes: this.bytes.subarray(index * this.partBytes, (index + 1) * this.partBytes) };
  }
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
