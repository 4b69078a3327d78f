import { promisifyRequest } from 'idb-keyval';
import { cloneDurableState, applyWrite, type DurableState, type SequencedWrite } from '../zab/persistence.js';
import type { Snapshot } from '../zab/messages.js';
import { compareZxid } from '../zab/zxid.js';
import { decodeValue, encodeValue } from './indexeddb/codec.js';
import {
  BASE_KEY,
  SNAPSHOT_KEY,
  STORE_NAME,
  baseOf,
  isBase,
  isRecord,
  isSnapshot,
  recordKeys,
  recordOf,
  replay,
  type Record,
} from './indexeddb/records.js';
import { openStrictStore, type StrictStore } from './indexeddb/strict-store.js';
import { StorageCorruptError } from './corrupt.js';
import { SerialWrites } from './serial-writes.js';
import type { ZabStorage } from './storage.js';

export interface IndexedDbStorageOptions {
  /** Another IndexedDB (fake-indexeddb in Node tests). Default: the global one. */
  readonly indexedDB?: IDBFactory;
}

/** What the status line shows about the store. */
export interface IndexedDbStats {
  readonly database: string;
  /** Records written since the last base (each compaction folds them into a new base). */
  readonly records: number;
  readonly transactions: number;
}

/** One database per room and member: two tabs of the same member id must never share it (see browser/ids.ts). */
export function memberDatabaseName(room: string, id: number): string {
  return `peerkeeper/${room}/${id}`;
}

/**
 * Zab's durable state in IndexedDB (layout and recovery: indexeddb/records.ts). Every `write(batch)`
 * is one read-write transaction opened with strict durability and resolves on its `complete`: the
 * whole batch becomes durable at once or not at all, so there is no torn tail to repair. A batch
 * adds one small record per write (an append's entries in one record), never rewrites the log;
 * only a compaction or a snapshot install folds everything into a new base, in the same transaction
 * that deletes the records it replaces.
 */
export class IndexedDbStorage implements ZabStorage {
  private readonly writes: SerialWrites;
  private transactions = 0;

  get location(): string {
    return `IndexedDB ${this.database}`;
  }

  private constructor(
    readonly database: string,
    private readonly store: StrictStore,
    /** The durable image, kept in step with the store by applyWrite. */
    private readonly image: DurableState,
    private nextRecord: number,
    private records: number,
  ) {
    this.writes = new SerialWrites(`IndexedDB storage ${database}`);
  }

  static async open(room: string, id: number, options: IndexedDbStorageOptions = {}): Promise<IndexedDbStorage> {
    const database = memberDatabaseName(room, id);
    const store = openStrictStore(database, STORE_NAME, options.indexedDB);
    try {
      const read = await store.use('readonly', (s) =>
        Promise.all([
          promisifyRequest(s.get(BASE_KEY)),
          promisifyRequest(s.get(SNAPSHOT_KEY)),
          promisifyRequest(s.getAllKeys(recordKeys())),
          promisifyRequest(s.getAll(recordKeys())),
        ]),
      );
      const [baseBytes, snapshotBytes, keys, values] = read;
      const { image, records } = decodeStored(database, baseBytes, snapshotBytes, keys, values);
      const last = keys.length ? Number(keys[keys.length - 1]) : -1;
      return new IndexedDbStorage(database, store, image, last + 1, records);
    } catch (e) {
      await store.close().catch(() => {});
      if (e instanceof StorageCorruptError) throw e;
      throw new Error(`IndexedDB storage ${database}: ${(e as Error).message}`);
    }
  }

  async load(): Promise<DurableState> {
    return cloneDurableState(this.image);
  }

  write(batch: readonly SequencedWrite[]): Promise<void> {
    return this.writes.run(() => this.writeNow(batch));
  }

  async close(): Promise<void> {
    if (await this.writes.close()) await this.store.close();
  }

  stats(): IndexedDbStats {
    return { database: this.database, records: this.records, transactions: this.transactions };
  }

  private async writeNow(batch: readonly SequencedWrite[]): Promise<void> {
    const records: Uint8Array[] = [];
    let rebase = false;
    let snapshot: Snapshot | null = null;
    for (const { write } of batch) {
      const before = { snapshot: this.image.snapshot, logBase: this.image.logBase };
      applyWrite(this.image, write);
      switch (write.kind) {
        case 'saveSnapshot':
          // applyWrite keeps the newer snapshot it has: then there is nothing to record.
          if (this.image.snapshot === before.snapshot) continue;
          snapshot = write.snapshot;
          break;
        case 'installSnapshot':
          snapshot = write.snapshot;
          rebase = true;
          continue;
        case 'compact':
          if (compareZxid(this.image.logBase, before.logBase) !== 0) rebase = true;
          continue;
      }
      records.push(encodeValue(recordOf(write)));
    }
    const snapshotBytes = snapshot ? encodeValue({ zxid: snapshot.zxid, data: snapshot.data }) : null;
    const baseBytes = rebase ? encodeValue(baseOf(this.image)) : null;
    if (!records.length && !snapshotBytes && !baseBytes) return;
    const first = this.nextRecord;
    await this.store.use('readwrite', (s) => {
      if (snapshotBytes) s.put(snapshotBytes, SNAPSHOT_KEY);
      if (baseBytes) {
        // The base is the image after the whole batch: the batch's records are in it already.
        s.delete(recordKeys());
        s.put(baseBytes, BASE_KEY);
      } else {
        records.forEach((r, i) => s.put(r, first + i));
      }
      return promisifyRequest(s.transaction);
    });
    this.transactions++;
    if (baseBytes) this.records = 0;
    else {
      this.nextRecord += records.length;
      this.records += records.length;
    }
  }
}

/**
 * Asks the browser not to evict this origin's storage under pressure (`navigator.storage.persist()`).
 * Without it a member's log can vanish when the disk fills up, which to Zab is a member that lost
 * acknowledged writes. Resolves false where the API is missing or the browser says no.
 */
export async function requestPersistence(): Promise<boolean> {
  const storage = (globalThis.navigator as Navigator | undefined)?.storage;
  if (!storage?.persist) return false;
  try {
    return await storage.persist();
  } catch {
    return false;
  }
}

/** Whether the browser already granted persistent storage. */
export async function persisted(): Promise<boolean> {
  const storage = (globalThis.navigator as Navigator | undefined)?.storage;
  if (!storage?.persisted) return false;
  try {
    return await storage.persisted();
  } catch {
    return false;
  }
}

/** Forgets a member's durable state (the page's "reset"; tests). Waits while the database is open elsewhere. */
export function deleteMemberDatabase(room: string, id: number, factory: IDBFactory = globalThis.indexedDB): Promise<void> {
  return promisifyRequest(factory.deleteDatabase(memberDatabaseName(room, id))).then(() => undefined);
}

/**
 * The stored values of one database as a durable image: a pure function of what is stored, so any
 * failure here — bytes that are not msgpack, a malformed record, records that do not apply, an image
 * that is not a history — is the store's damage, reported as StorageCorruptError naming the database.
 */
function decodeStored(
  database: string,
  baseBytes: unknown,
  snapshotBytes: unknown,
  keys: readonly IDBValidKey[],
  values: readonly unknown[],
): { image: DurableState; records: number } {
  let what = 'the stored base';
  try {
    const base = baseBytes === undefined ? undefined : decodeValue(baseBytes);
    if (base !== undefined && !isBase(base)) throw new Error('malformed');
    what = 'the stored snapshot';
    const snapshot = snapshotBytes === undefined ? undefined : decodeValue(snapshotBytes);
    if (snapshot !== undefined && !isSnapshot(snapshot)) throw new Error('malformed');
    const records: Record[] = values.map((v, i) => {
      what = `record ${String(keys[i])}`;
      const r = decodeValue(v);
      if (!isRecord(r)) throw new Error('malformed');
      return r;
    });
    what = 'the replay';
    return { image: replay(base, records, snapshot), records: records.length };
  } catch (e) {
    throw new StorageCorruptError(`IndexedDB ${database}`, `${what}: ${e instanceof Error ? e.message : String(e)}`);
  }
}
