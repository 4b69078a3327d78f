/**
 * Fuzz of what a member reads back from disk. Real data directories (FileStorage) and IndexedDB
 * stores (fake-indexeddb) are written by the real storage, then their bytes are mutated — bits
 * flipped, bytes inserted, ranges cut, the file truncated — or one stored record is decoded, mutated
 * as a value and written back with the real encoder (so its CRC is valid), and the store is opened
 * again through the real `open` + `load()`.
 *
 * Guarantees checked: opening either yields a valid durable image or refuses with
 * StorageCorruptError (never another exception); after byte damage, the image is the original or —
 * when recovery says it cut a torn tail — the image after a prefix of the writes since the last
 * segment began: never a silently different state. Then the member's edge: a durable image holding
 * something that is not a server txn or snapshot is refused by MemberRunner.start with
 * StorageCorruptError, not a crash inside the member.
 */
import 'fake-indexeddb/auto';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { promisifyRequest } from 'idb-keyval';
import { MemberRunner } from '../../../src/server/runner.js';
import { StorageCorruptError } from '../../../src/storage/corrupt.js';
import { FileStorage } from '../../../src/storage/file.js';
import { encodeFrame, readFrame } from '../../../src/storage/file/framing.js';
import { IndexedDbStorage, memberDatabaseName } from '../../../src/storage/indexeddb.js';
import { decodeValue, encodeValue } from '../../../src/storage/indexeddb/codec.js';
import { STORE_NAME } from '../../../src/storage/indexeddb/records.js';
import type { ZabStorage } from '../../../src/storage/storage.js';
import type { PeerTransport } from '../../../src/transport/transport.js';
import { makeZabConfig } from '../../../src/zab/config.js';
import { cloneDurableState, type DurableState, type StorageWrite } from '../../../src/zab/persistence.js';
import { compareZxid } from '../../../src/zab/zxid.js';
import { Ensemble, op } from '../server/harness.js';
import { model, rng, sequenced, WriteGenerator } from '../storage/helpers.js';
import { announceFuzzRun, fuzzParameters } from './fuzz-options.js';

announceFuzzRun('storage.fuzz.test.ts');
import { applyByteEdits, applyValueEdits, mutatedValue, plausibleValue, valueEdit } from './mutate.js';

/** Writes a member could issue, in batches, and where the last segment starts (the last compaction or install). */
function history(seed: number, n: number): { batches: StorageWrite[][]; all: StorageWrite[]; segmentStart: number } {
  const g = new WriteGenerator(rng(seed));
  const all: StorageWrite[] = [];
  const batches: StorageWrite[][] = [];
  while (all.length < n) {
    const b: StorageWrite[] = [];
    for (let i = 0; i < 1 + (all.length % 3); i++) b.push(g.next());
    batches.push(b);
    all.push(...b);
  }
  // A compact that moves the log base, or an install, starts a new segment; older ones are deleted.
  let segmentStart = 0;
  const image = model([]);
  all.forEach((w, i) => {
    const before = image.logBase;
    const m = model(all.slice(0, i + 1));
    if (w.kind === 'installSnapshot' || (w.kind === 'compact' && compareZxid(m.logBase, before) > 0)) segmentStart = i + 1;
    Object.assign(image, m);
  });
  return { batches, all, segmentStart };
}

type Files = Map<string, Uint8Array>;

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'peerkeeper-fuzz-'));
}

async function readDir(dir: string): Promise<Files> {
  const files: Files = new Map();
  for (const name of (await readdir(dir)).sort()) files.set(name, new Uint8Array(await readFile(join(dir, name))));
  return files;
}

/** The frames of a file, as [start, end) offsets. */
function frames(bytes: Uint8Array): [number, number][] {
  const out: [number, number][] = [];
  for (let at = 0; at < bytes.length; ) {
    const f = readFrame(bytes, at);
    if (!f.ok) break;
    out.push([at, f.next]);
    at = f.next;
  }
  return out;
}

/** Without the snapshot (which may fall back to an older one, with a warning). */
const core = (s: DurableState): unknown => ({ ...s, snapshot: undefined });

type Damage = { file: number; kind: 'bytes'; edits: Parameters<typeof applyByteEdits>[1] } | { file: number; kind: 'record'; frame: number; value: (v: unknown) => unknown };

describe('fuzz: file storage', () => {
  const originals: { dir: string; files: Files; writes: ReturnType<typeof history> }[] = [];

  before(async () => {
    for (const [seed, n] of [[11, 12], [12, 60], [13, 150]] as const) {
      const writes = history(seed, n);
      const dir = await tempDir();
      const s = await FileStorage.open(dir, { onWarning: () => {} });
      let seq = 1;
      for (const b of writes.batches) {
        await s.write(sequenced(b, seq));
        seq += b.length;
      }
      await s.close();
      assert.deepStrictEqual(core(await (await FileStorage.open(dir)).load()), core(model(writes.all)));
      originals.push({ dir, files: await readDir(dir), writes });
    }
  });

  after(async () => {
    for (const o of originals) await rm(o.dir, { recursive: true, force: true });
  });

  test('damaged files: a valid image, the original or a torn tail cut, or StorageCorruptError', async () => {
    const byteEdits = fc.array(
      fc.oneof(
        fc.record({ op: fc.constant('flip' as const), at: fc.nat(), bit: fc.nat(7) }),
        fc.record({ op: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
        fc.record({ op: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 16 }) }),
        fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
        fc.record({ op: fc.constant('set' as const), at: fc.nat(), value: fc.nat(255) }),
      ),
      { minLength: 1, maxLength: 3 },
    );
    const damage: fc.Arbitrary<Damage> = fc.oneof(
      { weight: 3, arbitrary: fc.record({ file: fc.nat(), kind: fc.constant('bytes' as const), edits: byteEdits }) },
      {
        weight: 2,
        arbitrary: fc.record({
          file: fc.nat(),
          kind: fc.constant('record' as const),
          frame: fc.nat(),
          value: fc.tuple(fc.array(valueEdit, { minLength: 1, maxLength: 2 }), fc.boolean()).map(([valueEdits, plausible]) => (v: unknown): unknown => {
            if (!plausible) return applyValueEdits(v, valueEdits);
            // Same types, other contents: a zxid's counter moved up, an epoch moved down.
            const s = JSON.stringify(v, (_k, x) => (x instanceof Uint8Array ? { __bytes: Array.from(x) } : x));
            const nudged = s.replace(/"counter":(\d+)/, (_m, c: string) => `"counter":${Number(c) + 1}`).replace(/"epoch":(\d+)/, (_m, c: string) => `"epoch":${Math.max(0, Number(c) - 1)}`);
            return JSON.parse(nudged, (_k, x: unknown) => (x && typeof x === 'object' && '__bytes' in x ? Uint8Array.from((x as { __bytes: number[] }).__bytes) : x));
          }),
        }),
      },
    );
    await fc.assert(
      fc.asyncProperty(fc.nat(originals.length - 1), damage, async (which, d) => {
        const o = originals[which]!;
        const names = [...o.files.keys()];
        const name = names[d.file % names.length]!;
        const files = new Map(o.files);
        const original = files.get(name)!;
        if (d.kind === 'bytes') files.set(name, applyByteEdits(original, d.edits));
        else {
          const fs = frames(original);
          if (fs.length === 0) return;
          const [start, end] = fs[d.frame % fs.length]!;
          const f = readFrame(original, start);
          assert.ok(f.ok);
          let framed: Uint8Array;
          try {
            framed = encodeFrame(d.value(f.value));
          } catch {
            return; // not encodable: could never have been written
          }
          files.set(name, Uint8Array.from([...original.subarray(0, start), ...framed, ...original.subarray(end)]));
        }
        const dir = await tempDir();
        try {
          for (const [n, b] of files) await writeFile(join(dir, n), b);
          const warnings: string[] = [];
          let state: DurableState;
          try {
            const s = await FileStorage.open(dir, { onWarning: (w) => warnings.push(w) });
            state = await s.load();
            await s.close();
          } catch (e) {
            assert.ok(e instanceof StorageCorruptError, `open threw ${(e as Error).stack} after damage to ${name}`);
            assert.ok(e.message.includes(dir), `the refusal names the directory or file: ${e.message}`);
            return;
          }
          if (d.kind === 'record') return; // a re-framed record is, to the disk, a real write: only totality is checked
          const full = model(o.writes.all);
          if (warnings.length === 0) {
            assert.deepStrictEqual(core(state), core(full), `no warning after damage to ${name}, yet the image differs`);
            return;
          }
          const prefixes = o.writes.all.map((_, i) => i + 1).filter((k) => k >= o.writes.segmentStart);
          const ok = [o.writes.segmentStart, ...prefixes].some((k) => {
            try {
              assert.deepStrictEqual(core(state), core(model(o.writes.all.slice(0, k))));
              return true;
            } catch {
              return false;
            }
          });
          assert.ok(ok, `after damage to ${name} (${warnings.join('; ')}) the image is no prefix of the history`);
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      }),
      fuzzParameters(150),
    );
  });
});

describe('fuzz: IndexedDB storage', () => {
  test('damaged stored values: a valid image or StorageCorruptError', async () => {
    const writes = history(21, 80);
    const room = `fuzz-${process.pid}`;
    const s = await IndexedDbStorage.open(room, 1);
    let seq = 1;
    for (const b of writes.batches) {
      await s.write(sequenced(b, seq));
      seq += b.length;
    }
    await s.close();
    const db = memberDatabaseName(room, 1);
    const dump = async (name: string): Promise<[IDBValidKey, unknown][]> => {
      const req = indexedDB.open(name);
      const handle = await promisifyRequest(req);
      const tx = handle.transaction(STORE_NAME, 'readonly').objectStore(STORE_NAME);
      const [keys, values] = await Promise.all([promisifyRequest(tx.getAllKeys()), promisifyRequest(tx.getAll())]);
      handle.close();
      return keys.map((k, i) => [k, values[i]]);
    };
    const stored = await dump(db);
    assert.ok(stored.length > 2);
    let copies = 0;
    await fc.assert(
      fc.asyncProperty(fc.nat(), fc.oneof(fc.constant('bytes' as const), fc.constant('value' as const)), fc.array(fc.nat(), { maxLength: 4 }), fc.array(valueEdit, { minLength: 1, maxLength: 2 }), fc.uint8Array({ minLength: 1, maxLength: 4 }), async (pick, kind, spots, valueEdits, noise) => {
        const [key, value] = stored[pick % stored.length]!;
        let damaged: unknown;
        if (kind === 'bytes') {
          damaged = applyByteEdits(value as Uint8Array, spots.map((at, i) => (i % 2 ? { op: 'flip' as const, at, bit: at % 8 } : { op: 'insert' as const, at, bytes: noise })).concat([{ op: 'flip', at: pick, bit: 3 }]));
        } else {
          try {
            damaged = encodeValue(applyValueEdits(decodeValue(value), valueEdits));
          } catch {
            return;
          }
        }
        const copyRoom = `${room}-copy-${++copies}`;
        const req = indexedDB.open(memberDatabaseName(copyRoom, 1), 1);
        req.onupgradeneeded = () => req.result.createObjectStore(STORE_NAME);
        const handle = await promisifyRequest(req);
        const tx = handle.transaction(STORE_NAME, 'readwrite');
        for (const [k, v] of stored) tx.objectStore(STORE_NAME).put(k === key ? damaged : v, k);
        await new Promise((resolve, reject) => ((tx.oncomplete = resolve), (tx.onerror = reject)));
        handle.close();
        try {
          const opened = await IndexedDbStorage.open(copyRoom, 1);
          await opened.load();
          await opened.close();
        } catch (e) {
          assert.ok(e instanceof StorageCorruptError, `open threw ${(e as Error).stack}`);
          assert.ok(e.message.includes(copyRoom), e.message);
        } finally {
          indexedDB.deleteDatabase(memberDatabaseName(copyRoom, 1));
        }
      }),
      fuzzParameters(80),
    );
  });
});

describe('fuzz: a member starting from a damaged image', () => {
  test('a stored log or snapshot that is not the server’s is refused with StorageCorruptError', async () => {
    const e = Ensemble.started({ snapshotEveryTxns: 5 });
    const c = e.session(e.mustLeader());
    for (let i = 0; i < 12; i++) c.ok(op.create(`/n${i}`, `v${i}`, i % 3 ? 'PERSISTENT' : 'EPHEMERAL'));
    c.ok(op.setData('/n1', 'w'));
    e.tick(3);
    const image = cloneDurableState(e.durable.get(e.mustLeader())!);
    assert.ok(image.log.length > 0 && image.snapshot !== null, 'the image has a log and a snapshot');
    const transport: PeerTransport = { self: 1, start: () => {}, send: () => {}, close: () => {} };
    const samples = [{ log: image.log.slice(-4), snapshot: image.snapshot }];
    await fc.assert(
      fc.asyncProperty(fc.oneof(mutatedValue(samples), plausibleValue(samples)), async (mutated) => {
        const m = (typeof mutated === 'object' && mutated !== null ? mutated : {}) as { log?: unknown; snapshot?: unknown };
        const damaged = { ...cloneDurableState(image), log: [...image.log.slice(0, -4), ...(Array.isArray(m.log) ? m.log : [])], snapshot: m.snapshot } as DurableState;
        const storage: ZabStorage = { load: async () => damaged, write: async () => {}, close: async () => {} };
        let runner: MemberRunner | undefined;
        try {
          runner = await MemberRunner.start({
            config: { zab: makeZabConfig(1, [1, 2, 3], 0, {}), tickMs: 10, snapshotEveryTxns: 1000, randomBytes: (n) => new Uint8Array(n) },
            storage,
            transport,
            every: () => () => {},
            now: () => 0,
          });
        } catch (err) {
          assert.ok(err instanceof StorageCorruptError, `start threw ${(err as Error).stack}`);
        } finally {
          runner?.stop();
        }
      }),
      fuzzParameters(150),
    );
  });
});
