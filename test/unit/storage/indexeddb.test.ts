import 'fake-indexeddb/auto';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { promisifyRequest } from 'idb-keyval';
import { IndexedDbStorage, deleteMemberDatabase, memberDatabaseName } from '../../../src/storage/indexeddb.js';
import { StorageCorruptError } from '../../../src/storage/corrupt.js';
import { encodeValue } from '../../../src/storage/indexeddb/codec.js';
import { STORE_NAME } from '../../../src/storage/indexeddb/records.js';
import { MemoryStorage } from '../../../src/storage/memory.js';
import type { StorageWrite } from '../../../src/zab/persistence.js';
import { WriteGenerator, entry, model, rng, sequenced } from './helpers.js';

let rooms = 0;
const freshRoom = (): string => `room-${process.pid}-${++rooms}`;

const snap = (epoch: number, counter: number, tag: number) => ({ zxid: { epoch, counter }, data: new Uint8Array([tag, epoch, counter]) });

/** Every kind of write, in an order a member could issue them (as in the file storage's test). */
const ALL_KINDS: StorageWrite[] = [
  { kind: 'acceptedEpoch', epoch: 1 },
  { kind: 'currentEpoch', epoch: 1 },
  { kind: 'append', entries: [entry(1, 1), entry(1, 2), entry(1, 3)] },
  { kind: 'commitHint', zxid: { epoch: 1, counter: 2 } },
  { kind: 'truncate', after: { epoch: 1, counter: 2 } },
  { kind: 'append', entries: [entry(1, 3), entry(1, 4)] },
  { kind: 'saveSnapshot', snapshot: snap(1, 2, 1) },
  { kind: 'saveSnapshot', snapshot: snap(1, 1, 5) }, // older: ignored
  { kind: 'compact', upTo: { epoch: 1, counter: 1 } },
  { kind: 'append', entries: [entry(1, 5)] },
  { kind: 'acceptedEpoch', epoch: 2 },
  { kind: 'installSnapshot', snapshot: snap(2, 10, 2) },
  { kind: 'append', entries: [entry(2, 11)] },
  { kind: 'currentEpoch', epoch: 2 },
];

async function reopen(room: string, id = 1): Promise<IndexedDbStorage> {
  return IndexedDbStorage.open(room, id);
}

test('every write kind survives a reopen exactly as applyWrite models it', async () => {
  for (let cut = 1; cut <= ALL_KINDS.length; cut++) {
    const room = freshRoom();
    const s = await reopen(room);
    for (const [i, w] of ALL_KINDS.slice(0, cut).entries()) await s.write(sequenced([w], i + 1));
    assert.deepStrictEqual(await s.load(), model(ALL_KINDS.slice(0, cut)));
    await s.close();
    const again = await reopen(room);
    assert.deepStrictEqual(await again.load(), model(ALL_KINDS.slice(0, cut)), `after ${cut} writes, one batch each`);
    await again.close();

    const room2 = freshRoom();
    const one = await reopen(room2);
    await one.write(sequenced(ALL_KINDS.slice(0, cut)));
    await one.close();
    const b = await reopen(room2);
    assert.deepStrictEqual(await b.load(), model(ALL_KINDS.slice(0, cut)), `after ${cut} writes in one batch`);
    await b.close();
  }
});

test('150 random write sequences reopen equal to the memory model', async () => {
  for (let seed = 1; seed <= 150; seed++) {
    const random = rng(seed);
    const gen = new WriteGenerator(random);
    const room = freshRoom();
    const memory = new MemoryStorage();
    let idb = await reopen(room);
    let seq = 0;
    const batches = 3 + Math.floor(random() * 10);
    for (let b = 0; b < batches; b++) {
      const batch = Array.from({ length: 1 + Math.floor(random() * 6) }, () => ({ seq: ++seq, write: gen.next() }));
      memory.submit(batch);
      memory.flushUpTo(seq);
      await idb.write(batch);
      if (random() < 0.3) {
        await idb.close();
        idb = await reopen(room);
        assert.deepStrictEqual(await idb.load(), memory.load(), `seed ${seed}, reopened after batch ${b}`);
      }
    }
    await idb.close();
    const again = await reopen(room);
    assert.deepStrictEqual(await again.load(), memory.load(), `seed ${seed}`);
    await again.close();
  }
});

/** Watches what the storage asks of IndexedDB: transactions (with their options) and every put. */
function spy(): { transactions: { mode: string; durability: string | undefined }[]; puts: number[]; restore(): void } {
  const db = IDBDatabase.prototype;
  const store = IDBObjectStore.prototype;
  const realTransaction = db.transaction;
  const realPut = store.put;
  const out = { transactions: [] as { mode: string; durability: string | undefined }[], puts: [] as number[], restore: () => {} };
  db.transaction = function (this: IDBDatabase, names: string | string[], mode?: IDBTransactionMode, options?: IDBTransactionOptions) {
    out.transactions.push({ mode: mode ?? 'readonly', durability: options?.durability });
    return realTransaction.call(this, names, mode, options);
  } as typeof db.transaction;
  store.put = function (this: IDBObjectStore, value: unknown, key?: IDBValidKey) {
    out.puts.push(value instanceof Uint8Array ? value.length : -1);
    return realPut.call(this, value, key);
  };
  out.restore = () => {
    db.transaction = realTransaction;
    store.put = realPut;
  };
  return out;
}

test('each batch is one strict read-write transaction, and its puts do not grow with the log', async () => {
  const s = await reopen(freshRoom());
  const watch = spy();
  try {
    await s.write(sequenced([{ kind: 'acceptedEpoch', epoch: 1 }, { kind: 'currentEpoch', epoch: 1 }]));
    for (let i = 1; i <= 300; i++) await s.write(sequenced([{ kind: 'append', entries: [entry(1, i)] }, { kind: 'commitHint', zxid: { epoch: 1, counter: i } }], 2 * i + 1));
  } finally {
    watch.restore();
  }
  const writes = watch.transactions.filter((t) => t.mode === 'readwrite');
  assert.equal(writes.length, 301, 'one transaction per batch');
  assert.ok(writes.every((t) => t.durability === 'strict'), 'every read-write transaction is strict');
  assert.equal(watch.puts.length, 2 + 300 * 2, 'one put per write');
  const maxPut = Math.max(...watch.puts);
  assert.ok(maxPut < 100, `the largest put is ${maxPut} bytes: writes stay proportional to the batch`);
  assert.equal(s.stats().records, 602);
  await s.close();
});

test('a compaction folds the records into a new base; a snapshot is stored once, by zxid in its records', async () => {
  const room = freshRoom();
  const s = await reopen(room);
  const writes: StorageWrite[] = [{ kind: 'acceptedEpoch', epoch: 1 }, { kind: 'currentEpoch', epoch: 1 }];
  for (let i = 1; i <= 50; i++) writes.push({ kind: 'append', entries: [entry(1, i)] });
  writes.push({ kind: 'saveSnapshot', snapshot: snap(1, 40, 7) });
  await s.write(sequenced(writes));
  assert.equal(s.stats().records, 53);
  await s.write(sequenced([{ kind: 'compact', upTo: { epoch: 1, counter: 30 } }], 100));
  assert.equal(s.stats().records, 0, 'records folded into the base');
  await s.write(sequenced([{ kind: 'append', entries: [entry(1, 51)] }], 101));
  await s.close();
  const again = await reopen(room);
  const expected = model([...writes, { kind: 'compact', upTo: { epoch: 1, counter: 30 } }, { kind: 'append', entries: [entry(1, 51)] }]);
  assert.deepStrictEqual(await again.load(), expected);
  assert.equal((await again.load()).log.length, 21);
  assert.equal(again.stats().records, 1);
  await again.close();
});

test('members and rooms have separate databases', async () => {
  const room = freshRoom();
  const a = await reopen(room, 1);
  const b = await reopen(room, 2);
  await a.write(sequenced([{ kind: 'acceptedEpoch', epoch: 3 }]));
  assert.equal((await b.load()).acceptedEpoch, 0);
  await a.close();
  await b.close();
  assert.equal(a.database, memberDatabaseName(room, 1));
  await deleteMemberDatabase(room, 1);
  const fresh = await reopen(room, 1);
  assert.equal((await fresh.load()).acceptedEpoch, 0, 'deleted');
  await fresh.close();
});

/** Puts raw values into a member's store, as corruption or a bug would leave them. */
async function putRaw(room: string, entries: [IDBValidKey, unknown][]): Promise<void> {
  const open = indexedDB.open(memberDatabaseName(room, 1), 1);
  open.onupgradeneeded = () => open.result.createObjectStore(STORE_NAME);
  const db = await promisifyRequest(open);
  const tx = db.transaction(STORE_NAME, 'readwrite');
  for (const [k, v] of entries) tx.objectStore(STORE_NAME).put(v, k);
  await promisifyRequest(tx);
  db.close();
}

test('a store that cannot be a member history refuses to open', async () => {
  const cases: [string, [IDBValidKey, unknown][], RegExp][] = [
    ['a truncate to a zxid that is not in the log', [[0, encodeValue({ kind: 'truncate', after: { epoch: 1, counter: 5 } })]], /record 0 \(truncate\) does not apply/],
    ['an append out of order', [[0, encodeValue({ kind: 'append', entries: [entry(1, 2)] })], [1, encodeValue({ kind: 'append', entries: [entry(1, 1)] })]], /out of order/],
    ['a record of unknown shape', [[0, encodeValue({ kind: 'bogus' })]], /record 0: malformed/],
    ['a value that is not bytes', [[0, { kind: 'append', entries: [] }]], /not bytes/],
    ['a snapshot record without the snapshot', [[0, encodeValue({ kind: 'saveSnapshot', zxid: { epoch: 1, counter: 1 } })]], /needs snapshot 1:1|needs snapshot/],
    ['currentEpoch above acceptedEpoch', [[0, encodeValue({ kind: 'currentEpoch', epoch: 2 })]], /acceptedEpoch 0 is below currentEpoch 2/],
  ];
  for (const [what, entries, error] of cases) {
    const room = freshRoom();
    await putRaw(room, entries);
    await assert.rejects(reopen(room), error, what);
    await assert.rejects(reopen(room), StorageCorruptError, `${what}: a typed refusal`);
  }
});

test('a failed batch fails every later one (the image and the store would disagree)', async () => {
  const s = await reopen(freshRoom());
  await assert.rejects(s.write(sequenced([{ kind: 'truncate', after: { epoch: 9, counter: 9 } }])), /not in log/);
  await assert.rejects(s.write(sequenced([{ kind: 'acceptedEpoch', epoch: 1 }], 2)), /failed earlier/);
  await s.close();
});
