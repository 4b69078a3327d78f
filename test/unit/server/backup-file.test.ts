import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { pack } from 'msgpackr';
import { BACKUP_HEADER_BYTES, backupHeader, backupPayloadPieces, decodeBackup, decodeBackupHeader, encodeBackup } from '../../../src/server/backup-file.js';
import { makeSnapshotData } from '../../../src/server/snapshot.js';
import { crc32 } from '../../../src/storage/file/crc32.js';
import { encodeSnapshot, encodeSnapshotPieces } from '../../../src/tree/snapshot.js';
import { Leader, randomRequest, rng } from '../tree/harness.js';

/** A backup of a random tree with sessions, ephemerals, sequentials and containers. */
function sampleBackup(seed = 3, steps = 120): { bytes: Uint8Array; leader: Leader } {
  const l = new Leader();
  const rand = rng(seed);
  for (let i = 0; i < steps; i++) {
    const { request, sessionId } = randomRequest(rand);
    l.write(request, sessionId);
  }
  const passwords = new Map(l.tree.sessions().map((s) => [s.sessionId, new Uint8Array([s.sessionId & 0xff, 1, 2, 3])] as const));
  const [header, payload] = encodeBackup({ zxid: l.tree.lastZxid, digest: l.tree.digest, data: makeSnapshotData(l.tree, passwords), member: 2 });
  const bytes = new Uint8Array(header.length + payload.length);
  bytes.set(header);
  bytes.set(payload, header.length);
  return { bytes, leader: l };
}

function refused(bytes: Uint8Array): { kind: string; message: string } {
  const r = decodeBackup(bytes);
  assert.equal(r.ok, false, 'the decoder accepted a bad file');
  return (r as { ok: false; error: { kind: string; message: string } }).error;
}

describe('backup file', () => {
  test('round trip: the same tree, zxid, digest, sessions and passwords', () => {
    const { bytes, leader } = sampleBackup();
    const r = decodeBackup(bytes);
    assert.ok(r.ok, r.ok ? '' : r.error.message);
    const { backup } = r;
    assert.deepEqual(backup.header.zxid, leader.tree.lastZxid);
    assert.equal(backup.header.digest, leader.tree.digest);
    assert.equal(backup.header.member, 2);
    assert.equal(backup.tree.digest, leader.tree.digest);
    assert.deepEqual(backup.tree.exportState(), leader.tree.exportState());
    assert.deepEqual(backup.data.tree, encodeSnapshot(leader.tree));
    assert.equal(backup.data.passwords.length, leader.tree.sessions().length);
    assert.ok(backup.sessions > 0, 'the sample has open sessions');
    assert.ok(leader.tree.exportState().nodes.some((n) => n.kind === 'ephemeral'), 'the sample has ephemerals');
  });

  test('every truncation is refused as truncated', () => {
    const { bytes } = sampleBackup();
    for (const cut of [0, 1, 7, 8, 20, BACKUP_HEADER_BYTES - 1, BACKUP_HEADER_BYTES, BACKUP_HEADER_BYTES + 1, bytes.length - 1]) {
      const e = refused(bytes.subarray(0, cut));
      assert.equal(e.kind, cut < 8 ? 'notBackup' : 'truncated', `cut at ${cut}: ${e.message}`);
    }
  });

  test('a flipped bit anywhere is refused', () => {
    const { bytes } = sampleBackup(3, 40);
    for (let i = 0; i < bytes.length; i++) {
      for (const bit of [0, 7]) {
        const bad = bytes.slice();
        bad[i]! ^= 1 << bit;
        const e = refused(bad);
        assert.ok(/corrupt|not a peerkeeper backup|version/.test(e.message), `byte ${i}: ${e.message}`);
      }
    }
  });

  test('trailing bytes, another version, and a file that is not a backup are refused', () => {
    const { bytes } = sampleBackup(5, 30);
    const longer = new Uint8Array(bytes.length + 3);
    longer.set(bytes);
    assert.equal(refused(longer).kind, 'corrupt');

    const v2 = bytes.slice();
    new DataView(v2.buffer).setUint32(8, 2);
    new DataView(v2.buffer).setUint32(60, crc32(v2, 0, 60));
    assert.equal(refused(v2).kind, 'unsupportedVersion');

    assert.equal(refused(new TextEncoder().encode('{"hello": "world"}\n')).kind, 'notBackup');
    assert.equal(refused(new Uint8Array(0)).kind, 'notBackup');
  });

  test('a well-framed payload that lies is refused: a different digest, a different zxid, not a snapshot', () => {
    const { bytes, leader } = sampleBackup(9, 60);
    const h = decodeBackupHeader(bytes);
    assert.ok(h.ok);
    const reframe = (payload: Uint8Array, zxid = leader.tree.lastZxid, digest = leader.tree.digest): Uint8Array => {
      const [header] = encodeBackup({ zxid, digest, data: { tree: new Uint8Array(1), passwords: [] }, member: 1 });
      const v = new DataView(header.buffer);
      v.setUint32(48, payload.length);
      v.setUint32(52, crc32(payload));
      v.setUint32(60, crc32(header, 0, 60));
      const out = new Uint8Array(header.length + payload.length);
      out.set(header);
      out.set(payload, header.length);
      return out;
    };
    const payload = bytes.subarray(BACKUP_HEADER_BYTES);
    assert.match(refused(reframe(payload, leader.tree.lastZxid, '0123456789abcdef')).message, /digest/);
    assert.match(refused(reframe(payload, { epoch: 9, counter: 9 })).message, /the tree is at/);
    assert.match(refused(reframe(pack([1, 2, 3]))).message, /not a member snapshot/);
    assert.match(refused(reframe(pack({ tree: new Uint8Array([0xc1]), passwords: [] }))).message, /corrupt/);
    assert.match(refused(reframe(new Uint8Array([0x92, 0x01]))).message, /not msgpack/);
  });
});

describe('backup file from pieces', () => {
  test('a tree captured and encoded piece by piece makes the same backup as encodeSnapshot does', () => {
    for (const seed of [1, 3, 5]) {
      const l = new Leader();
      const rand = rng(seed);
      for (let i = 0; i < 150; i++) {
        const { request, sessionId } = randomRequest(rand);
        l.write(request, sessionId);
      }
      const state = l.tree.captureState();
      const digest = l.tree.digest;
      const passwords: [number, Uint8Array][] = l.tree.sessions().map((s) => [s.sessionId, new Uint8Array([9])]);
      const treePieces = [...encodeSnapshotPieces(state, digest)];
      // The tree moves on after the capture: the capture must not.
      for (let i = 0; i < 50; i++) {
        const { request, sessionId } = randomRequest(rand);
        l.write(request, sessionId);
      }
      const payloadPieces = backupPayloadPieces(treePieces, passwords);
      const payload = Buffer.concat(payloadPieces);
      const header = backupHeader({ zxid: state.lastZxid, digest, member: 3, payloadBytes: payload.length, payloadCrc: crc32(payload) });
      const r = decodeBackup(Buffer.concat([header, payload]));
      assert.ok(r.ok, r.ok ? '' : r.error.message);
      assert.equal(r.backup.tree.digest, digest);
      assert.deepEqual(r.backup.tree.exportState(), { ...state, nodes: state.nodes.map((n) => ({ ...n, data: new Uint8Array(n.data) })) });
      assert.deepEqual(r.backup.data.passwords, passwords);
    }
  });
});
