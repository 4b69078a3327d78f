/**
 * Backup files come from the disk and from whoever handed the file over: random and mutated files
 * must be refused with a typed error, never thrown past the decoder, and never accepted unless they
 * are the very file that was written (or, re-signed after a payload mutation, still a consistent tree).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { BACKUP_HEADER_BYTES, BACKUP_MAGIC, decodeBackup, encodeBackup } from '../../../src/server/backup-file.js';
import { makeSnapshotData } from '../../../src/server/snapshot.js';
import { crc32 } from '../../../src/storage/file/crc32.js';
import { Leader, randomRequest, rng } from '../tree/harness.js';
import { fuzzParameters } from './fuzz-options.js';

function validFile(seed: number): Uint8Array {
  const l = new Leader();
  const rand = rng(seed);
  for (let i = 0; i < 60; i++) {
    const { request, sessionId } = randomRequest(rand);
    l.write(request, sessionId);
  }
  const passwords = new Map(l.tree.sessions().map((s) => [s.sessionId, new Uint8Array([7, 7])] as const));
  const [header, payload] = encodeBackup({ zxid: l.tree.lastZxid, digest: l.tree.digest, data: makeSnapshotData(l.tree, passwords), member: 1 });
  const out = new Uint8Array(header.length + payload.length);
  out.set(header);
  out.set(payload, header.length);
  return out;
}

const FILES = [1, 2, 3].map(validFile);

/** A mutation of a byte string: flips, overwrites, cuts, inserts, duplicated ranges. */
const mutation = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 32 }) }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function mutate(bytes: Uint8Array, m: Mutation, from = 0): Uint8Array {
  const span = bytes.length - from;
  if (span <= 0) return bytes;
  const at = from + (m.at % span);
  switch (m.kind) {
    case 'flip': {
      const out = bytes.slice();
      out[at]! ^= 1 << m.bit;
      return out;
    }
    case 'set': {
      const out = bytes.slice();
      out[at] = m.value;
      return out;
    }
    case 'cut':
      return bytes.slice(0, at);
    case 'insert':
      return new Uint8Array([...bytes.subarray(0, at), ...m.bytes, ...bytes.subarray(at)]);
    case 'delete':
      return new Uint8Array([...bytes.subarray(0, at), ...bytes.subarray(at + m.length)]);
  }
}

const same = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

/** After mutating the payload: fix the header's length and checksums so the deeper decoding runs. */
function resign(file: Uint8Array): Uint8Array {
  if (file.length <= BACKUP_HEADER_BYTES) return file;
  const out = file.slice();
  const view = new DataView(out.buffer);
  view.setUint32(48, out.length - BACKUP_HEADER_BYTES);
  view.setUint32(52, crc32(out, BACKUP_HEADER_BYTES, out.length));
  view.setUint32(60, crc32(out, 0, 60));
  return out;
}

describe('fuzz: backup files', () => {
  test('random bytes, with or without the magic, are refused', () => {
    const magic = new TextEncoder().encode(BACKUP_MAGIC);
    fc.assert(
      fc.property(fc.boolean(), fc.uint8Array({ maxLength: 300 }), (withMagic, rest) => {
        const bytes = withMagic ? new Uint8Array([...magic, ...rest]) : rest;
        const r = decodeBackup(bytes);
        assert.equal(r.ok, false);
        if (!r.ok) assert.ok(r.error.message.length > 0);
      }),
      fuzzParameters(300),
    );
  });

  test('a mutated backup is refused unless the mutation left it unchanged', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: FILES.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 4 }), (i, ms) => {
        const original = FILES[i]!;
        const bytes = ms.reduce((b, m) => mutate(b, m), original);
        const r = decodeBackup(bytes);
        assert.equal(r.ok, same(bytes, original));
      }),
      fuzzParameters(300),
    );
  });

  test('a mutated snapshot with a re-signed header never throws, and is accepted only as a consistent tree', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: FILES.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 3 }), (i, ms) => {
        const original = FILES[i]!;
        const bytes = resign(ms.reduce((b, m) => mutate(b, m, BACKUP_HEADER_BYTES), original));
        const r = decodeBackup(bytes);
        if (r.ok) {
          assert.equal(r.backup.tree.digest, r.backup.header.digest);
          assert.equal(r.backup.tree.fullDigest(), r.backup.header.digest);
        }
      }),
      fuzzParameters(300),
    );
  });
});
