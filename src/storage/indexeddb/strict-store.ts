import { promisifyRequest, type UseStore } from 'idb-keyval';

/**
 * idb-keyval's `createStore`, except that read-write transactions are opened with
 * `{ durability: 'strict' }`: the browser flushes them to disk before `complete` fires (Chrome's
 * default, 'relaxed', reports completion once the OS has the data, and a power cut can lose it).
 * A Zab ACK promises durability, so nothing less will do.
 */
export interface StrictStore {
  readonly use: UseStore;
  /** Closes the connection once the transactions already opened have finished. */
  close(): Promise<void>;
}

export function openStrictStore(dbName: string, storeName: string, factory: IDBFactory = globalThis.indexedDB): StrictStore {
  if (factory === undefined) throw new Error('IndexedDB is not available here');
  const request = factory.open(dbName, 1);
  request.onupgradeneeded = () => request.result.createObjectStore(storeName);
  const db = promisifyRequest(request).then((d) => {
    // Someone deletes or upgrades the database (another tab resetting this member): let them; our
    // next write fails and the member stops, rather than blocking them forever.
    d.onversionchange = () => d.close();
    return d;
  });
  const use: UseStore = (mode, callback) =>
    db.then((d) => {
      const tx = mode === 'readwrite' ? d.transaction(storeName, mode, { durability: 'strict' }) : d.transaction(storeName, mode);
      return callback(tx.objectStore(storeName));
    });
  return {
    use,
    close: async () => (await db).close(),
  };
}
