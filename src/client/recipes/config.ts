/**
 * Versioned configuration in one znode: read with its version, write with compare-and-set on that
 * version (BADVERSION when someone wrote in between), and follow changes through a data watch that
 * re-arms itself.
 */
import type { ZooKeeperClient } from '../client.js';
import { fromUtf8, utf8 } from '../bytes.js';
import { ErrorCode, ZooKeeperError } from '../errors.js';
import { parentOf, validatePath } from '../paths.js';
import { watchNode } from './rearming-watch.js';
import { ensurePath, retryOnConnectionLoss } from './util.js';

export interface Codec<T> {
  encode(value: T): Uint8Array;
  decode(bytes: Uint8Array): T;
}

export const jsonCodec: Codec<unknown> = {
  encode: (value) => utf8(JSON.stringify(value)),
  decode: (bytes) => (bytes.length === 0 ? null : JSON.parse(fromUtf8(bytes))),
};

export const stringCodec: Codec<string> = { encode: utf8, decode: fromUtf8 };

export const bytesCodec: Codec<Uint8Array> = { encode: (b) => b, decode: (b) => b };

export interface Versioned<T> {
  readonly value: T;
  /** The znode's data version: pass it to `set` for a compare-and-set. */
  readonly version: number;
}

export class ConfigStore<T = unknown> {
  private readonly codec: Codec<T>;

  constructor(
    private readonly client: ZooKeeperClient,
    readonly path: string,
    options: { readonly codec?: Codec<T> } = {},
  ) {
    validatePath(path);
    this.codec = options.codec ?? (jsonCodec as Codec<T>);
  }

  /** The current value and version, or null when the config node does not exist. */
  async get(): Promise<Versioned<T> | null> {
    try {
      const { data, stat } = await retryOnConnectionLoss(this.client, () => this.client.getData(this.path));
      return { value: this.codec.decode(data), version: stat.version };
    } catch (err) {
      if (ZooKeeperError.is(err, ErrorCode.NONODE)) return null;
      throw err;
    }
  }

  /**
   * Writes `value` if the node is still at `expectedVersion` (BADVERSION otherwise); -1 writes
   * whatever the version and creates the node (and its parents) when missing. Resolves with the new
   * version. Not retried on CONNECTIONLOSS: the write may have happened, re-read to know.
   */
  async set(value: T, expectedVersion = -1): Promise<number> {
    const data = this.codec.encode(value);
    for (;;) {
      try {
        return (await this.client.setData(this.path, data, expectedVersion)).version;
      } catch (err) {
        if (!ZooKeeperError.is(err, ErrorCode.NONODE) || expectedVersion !== -1) throw err;
      }
      await ensurePath(this.client, parentOf(this.path));
      try {
        await this.client.create(this.path, data);
        return 0;
      } catch (err) {
        if (!ZooKeeperError.is(err, ErrorCode.NODEEXISTS)) throw err; // someone created it first: set it
      }
    }
  }

  /** Read-modify-write with CAS, retried when another writer got in first. */
  async update(change: (current: T | null) => T, maxAttempts = 10): Promise<Versioned<T>> {
    for (let attempt = 1; ; attempt++) {
      const current = await this.get();
      const value = change(current === null ? null : current.value);
      try {
        if (current === null) {
          await ensurePath(this.client, parentOf(this.path));
          await this.client.create(this.path, this.codec.encode(value));
          return { value, version: 0 };
        }
        return { value, version: await this.set(value, current.version) };
      } catch (err) {
        const lostRace = ZooKeeperError.is(err, ErrorCode.BADVERSION) || ZooKeeperError.is(err, ErrorCode.NODEEXISTS) || ZooKeeperError.is(err, ErrorCode.NONODE);
        if (!lostRace || attempt >= maxAttempts) throw err;
      }
    }
  }

  /** Calls `onChange` with the current config now and after every change (null: deleted). Returns stop(). */
  watch(onChange: (config: Versioned<T> | null) => void): () => void {
    const handle = watchNode(this.client, this.path, (node) => {
      onChange(node === null ? null : { value: this.codec.decode(node.data), version: node.stat.version });
    });
    return () => handle.stop();
  }
}
