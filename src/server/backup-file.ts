import { Packr } from 'msgpackr';
import { crc32 } from '../storage/file/crc32.js';
import type { DataTree } from '../tree/index.js';
import { formatZxid, type Zxid } from '../zab/zxid.js';
import { readSnapshotData, type ServerSnapshotData } from './snapshot.js';

/**
 * A backup file (`peerkeeper backup` writes it, `peerkeeper restore` reads it): a fixed header and
 * the member's state-machine snapshot at one applied zxid — what the member itself writes as its
 * snapshot (`snapshot.ts`: the tree in its own encoding, plus the session passwords), as plain msgpack.
 *
 *   offset  bytes  field
 *        0      8  magic "PKBACKUP"
 *        8      4  format version (u32 BE) = 1
 *       12      4  header length (u32 BE) = 64
 *       16      8  zxid epoch (u64 BE, ≤ 2^53)
 *       24      8  zxid counter (u64 BE, ≤ 2^53)
 *       32     16  tree digest, 16 lowercase hex digits (ASCII)
 *       48      4  payload length (u32 BE, 1 … MAX_BACKUP_PAYLOAD_BYTES)
 *       52      4  payload CRC-32 (the storage records' CRC, file/crc32.ts)
 *       56      4  member id the snapshot came from (u32 BE)
 *       60      4  header CRC-32 over bytes 0–59
 *       64      …  payload, exactly `payload length` bytes, nothing after it
 *
 * Decoding never throws: every way a file can be wrong (short, not a backup, another version, a
 * flipped bit in the header or the payload, a payload that is not a snapshot, a tree whose digest
 * is not the one it claims) comes back as a typed error.
 */

export const BACKUP_MAGIC = 'PKBACKUP';
export const BACKUP_VERSION = 1;
export const BACKUP_HEADER_BYTES = 64;
/** Far above any tree we hold in memory; bounds what a corrupt length can make a reader allocate. */
export const MAX_BACKUP_PAYLOAD_BYTES = 0xffff_fff0;

const packr = new Packr({ structuredClone: false, useRecords: false, moreTypes: false });
const MAGIC_BYTES = new TextEncoder().encode(BACKUP_MAGIC);

export interface BackupHeader {
  readonly version: number;
  readonly zxid: Zxid;
  readonly digest: string;
  readonly payloadBytes: number;
  readonly payloadCrc: number;
  readonly member: number;
}

export interface Backup {
  readonly header: BackupHeader;
  /** The member's snapshot data, as a member's storage keeps it (`Snapshot.data`). */
  readonly data: ServerSnapshotData;
  /** The tree rebuilt from it: its digest and zxid are the header's. */
  readonly tree: DataTree;
  readonly sessions: number;
}

export type BackupError =
  | { readonly kind: 'notBackup'; readonly message: string }
  | { readonly kind: 'unsupportedVersion'; readonly message: string }
  | { readonly kind: 'truncated'; readonly message: string }
  | { readonly kind: 'corrupt'; readonly message: string };

export type BackupRead = { readonly ok: true; readonly backup: Backup } | { readonly ok: false; readonly error: BackupError };

/** The snapshot a member took at one applied zxid, as a file. */
export function encodeBackup(snapshot: { zxid: Zxid; digest: string; data: ServerSnapshotData; member: number }): readonly [header: Uint8Array, payload: Uint8Array] {
  const pieces = backupPayloadPieces([snapshot.data.tree], snapshot.data.passwords);
  const payload = new Uint8Array(pieces.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of pieces) {
    payload.set(p, at);
    at += p.length;
  }
  return [backupHeader({ ...snapshot, payloadBytes: payload.length, payloadCrc: crc32(payload) }), payload];
}

/**
 * The payload — msgpack `{ tree: <bin>, passwords }`, the shape of `ServerSnapshotData` — as pieces
 * around the tree's own pieces, so a tree encoded piece by piece is never copied into one buffer.
 */
export function backupPayloadPieces(treePieces: readonly Uint8Array[], passwords: ServerSnapshotData['passwords']): Uint8Array[] {
  const treeBytes = treePieces.reduce((n, p) => n + p.length, 0);
  const head = new Uint8Array([0x82, ...packr.pack('tree'), 0xc6, treeBytes >>> 24, (treeBytes >>> 16) & 0xff, (treeBytes >>> 8) & 0xff, treeBytes & 0xff]);
  const tail = new Uint8Array([...packr.pack('passwords'), ...packr.pack(passwords)]);
  return [head, ...treePieces, tail];
}

/** The 64-byte header for a payload of `payloadBytes` bytes whose CRC-32 is `payloadCrc`. */
export function backupHeader(o: { zxid: Zxid; digest: string; member: number; payloadBytes: number; payloadCrc: number }): Uint8Array {
  if (o.payloadBytes > MAX_BACKUP_PAYLOAD_BYTES) throw new RangeError(`a backup of ${o.payloadBytes} bytes is over the format's limit`);
  if (!/^[0-9a-f]{16}$/.test(o.digest)) throw new RangeError(`digest ${o.digest} is not 16 hex digits`);
  const header = new Uint8Array(BACKUP_HEADER_BYTES);
  const view = new DataView(header.buffer);
  header.set(MAGIC_BYTES, 0);
  view.setUint32(8, BACKUP_VERSION);
  view.setUint32(12, BACKUP_HEADER_BYTES);
  view.setBigUint64(16, BigInt(o.zxid.epoch));
  view.setBigUint64(24, BigInt(o.zxid.counter));
  header.set(new TextEncoder().encode(o.digest), 32);
  view.setUint32(48, o.payloadBytes);
  view.setUint32(52, o.payloadCrc);
  view.setUint32(56, o.member >>> 0);
  view.setUint32(60, crc32(header, 0, 60));
  return header;
}

/** The header alone (enough to say what a file is before reading the rest). */
export function decodeBackupHeader(bytes: Uint8Array): { ok: true; header: BackupHeader } | { ok: false; error: BackupError } {
  if (bytes.length < MAGIC_BYTES.length || !MAGIC_BYTES.every((b, i) => bytes[i] === b)) {
    return fail('notBackup', `not a peerkeeper backup (no ${BACKUP_MAGIC} magic at the start)`);
  }
  if (bytes.length < BACKUP_HEADER_BYTES) return fail('truncated', `truncated: ${bytes.length} bytes, shorter than the ${BACKUP_HEADER_BYTES}-byte header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, BACKUP_HEADER_BYTES);
  if (crc32(bytes, 0, 60) !== view.getUint32(60)) return fail('corrupt', 'corrupt: the header checksum does not match');
  const version = view.getUint32(8);
  if (version !== BACKUP_VERSION) return fail('unsupportedVersion', `backup format version ${version}; this peerkeeper reads version ${BACKUP_VERSION}`);
  if (view.getUint32(12) !== BACKUP_HEADER_BYTES) return fail('corrupt', `corrupt: header length ${view.getUint32(12)}`);
  const epoch = view.getBigUint64(16);
  const counter = view.getBigUint64(24);
  if (epoch > BigInt(Number.MAX_SAFE_INTEGER) || counter > BigInt(Number.MAX_SAFE_INTEGER)) return fail('corrupt', 'corrupt: zxid out of range');
  const digest = String.fromCharCode(...bytes.subarray(32, 48));
  if (!/^[0-9a-f]{16}$/.test(digest)) return fail('corrupt', 'corrupt: the digest is not 16 hex digits');
  const payloadBytes = view.getUint32(48);
  if (payloadBytes === 0 || payloadBytes > MAX_BACKUP_PAYLOAD_BYTES) return fail('corrupt', `corrupt: payload length ${payloadBytes}`);
  return {
    ok: true,
    header: {
      version,
      zxid: { epoch: Number(epoch), counter: Number(counter) },
      digest,
      payloadBytes,
      payloadCrc: view.getUint32(52),
      member: view.getUint32(56),
    },
  };
}

/**
 * A whole backup file, verified: header, length, checksum, then the snapshot decoded and its tree
 * rebuilt, whose digest and zxid must be the header's.
 */
export function decodeBackup(bytes: Uint8Array): BackupRead {
  const h = decodeBackupHeader(bytes);
  if (!h.ok) return h;
  const { header } = h;
  const have = bytes.length - BACKUP_HEADER_BYTES;
  if (have < header.payloadBytes) return fail('truncated', `truncated: the header promises ${header.payloadBytes} snapshot bytes, the file holds ${have}`);
  if (have > header.payloadBytes) return fail('corrupt', `corrupt: ${have - header.payloadBytes} bytes after the snapshot`);
  if (crc32(bytes, BACKUP_HEADER_BYTES, bytes.length) !== header.payloadCrc) return fail('corrupt', 'corrupt: the snapshot checksum does not match');
  let raw: unknown;
  try {
    raw = packr.unpack(bytes.subarray(BACKUP_HEADER_BYTES));
  } catch (e) {
    return fail('corrupt', `corrupt: the snapshot is not msgpack (${(e as Error).message})`);
  }
  const data = snapshotData(raw);
  if (typeof data === 'string') return fail('corrupt', `corrupt: ${data}`);
  let tree: DataTree;
  try {
    tree = readSnapshotData(data).tree;
  } catch (e) {
    // decodeSnapshot reports bad bytes and inconsistent trees as ZkErrors; nothing else is expected.
    return fail('corrupt', `corrupt: ${(e as Error).message}`);
  }
  if (tree.digest !== header.digest) return fail('corrupt', `corrupt: the tree's digest is ${tree.digest}, the header says ${header.digest}`);
  if (tree.lastZxid.epoch !== header.zxid.epoch || tree.lastZxid.counter !== header.zxid.counter) {
    return fail('corrupt', `corrupt: the tree is at ${formatZxid(tree.lastZxid)}, the header says ${formatZxid(header.zxid)}`);
  }
  return { ok: true, backup: { header, data, tree, sessions: tree.sessions().length } };
}

/** The payload's shape, copied into fresh arrays (not views into the file). */
function snapshotData(raw: unknown): ServerSnapshotData | string {
  if (typeof raw !== 'object' || raw === null) return 'the snapshot is not a member snapshot';
  const r = raw as Record<string, unknown>;
  if (!(r.tree instanceof Uint8Array) || !Array.isArray(r.passwords)) return 'the snapshot is not a member snapshot';
  const passwords: [number, Uint8Array][] = [];
  for (const p of r.passwords as unknown[]) {
    if (!Array.isArray(p) || p.length !== 2 || !Number.isSafeInteger(p[0]) || !(p[1] instanceof Uint8Array)) return 'a session password entry is malformed';
    passwords.push([p[0] as number, new Uint8Array(p[1] as Uint8Array)]);
  }
  return { tree: new Uint8Array(r.tree), passwords };
}

function fail(kind: BackupError['kind'], message: string): { ok: false; error: BackupError } {
  return { ok: false, error: { kind, message } };
}

