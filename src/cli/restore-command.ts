/**
 * `peerkeeper restore --file FILE --data DIR [--ids 1,2,3] [--force]`: a backup becomes the data
 * directory of a member of a new ensemble (etcd's `snapshot restore`). The file is verified whole
 * first (magic, version, length, checksums, the snapshot decoded and its digest recomputed); nothing
 * is written unless it passes and every target directory is fresh. Each member's directory then holds
 * the snapshot as an installed snapshot (the log starts at its zxid, known committed) with accepted
 * and current epoch set to the zxid's epoch, so the members of the new ensemble all start from the
 * same history and elect a leader in the next epoch. Read back after writing, and compared.
 */
import { readdir, rm, stat, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BACKUP_HEADER_BYTES, MAX_BACKUP_PAYLOAD_BYTES, decodeBackup, type Backup } from '../server/backup-file.js';
import { readSnapshotData } from '../server/snapshot.js';
import { FileStorage } from '../storage/file.js';
import { parseSegmentName, parseSnapshotName } from '../storage/file/layout.js';
import { formatZxid, zxidEquals } from '../zab/zxid.js';
import { UsageError, parseFlags, parseIdList, wantsHelp } from './args.js';

export const restoreUsage = `peerkeeper restore --file FILE --data DIR [--ids 1,2,3] [--force] [--quiet]

  Verifies a backup written by \`peerkeeper backup\` and writes it into fresh member data
  directories, for a new ensemble that starts with the backup's tree, zxid and digest.

  --file   the backup
  --data   the member's data directory; with --ids, the root holding one directory per member
           (DIR/1, DIR/2, …: the layout \`peerkeeper ensemble --data DIR\` uses)
  --ids    restore every listed member at once (all directories are checked before any is written)
  --force  replace the peerkeeper files (log-*.log, snap-*.snap) in a directory that is not empty

  Sessions in the backup come back with the tree, with their ephemerals: as in ZooKeeper after a
  restart, the new ensemble's leader expires each one whose client does not reconnect within its
  session timeout, and its ephemerals go then.

  Exit status: 0 restored; 1 the file is not a valid backup (nothing written);
  2 bad usage; 3 a target directory is not empty, or writing it failed.`;

const FLAGS = { file: 'string', data: 'string', ids: 'string', force: 'bool', quiet: 'bool' } as const;

export const EXIT_BAD_BACKUP = 1;
export const EXIT_TARGET = 3;

class TargetError extends Error {}

export async function restoreCommand(argv: readonly string[]): Promise<number> {
  if (wantsHelp(argv)) {
    console.log(restoreUsage);
    return 0;
  }
  const f = parseFlags(argv, FLAGS);
  const file = f.string('file');
  const data = f.string('data');
  if (!file || !data) throw new UsageError(`--file and --data are required\nusage: ${restoreUsage.split('\n')[0]}`);
  const ids = f.string('ids');
  const dirs = ids === undefined ? [data] : parseIdList(ids, '--ids').map((id) => join(data, String(id)));
  const force = f.bool('force');
  const say = f.bool('quiet') ? () => {} : (line: string) => console.log(line);

  const read = await readBackup(file);
  if (typeof read === 'string') {
    console.error(`restore: ${file} refused: ${read}; nothing was written`);
    return EXIT_BAD_BACKUP;
  }
  const b = read;
  say(`${file}: backup of member ${b.header.member} at zxid ${formatZxid(b.header.zxid)}, digest ${b.header.digest}, ${b.tree.nodeCount} znodes, ${b.sessions} sessions: verified`);

  try {
    for (const dir of dirs) await checkTarget(dir, force);
    for (const dir of dirs) {
      await restoreInto(dir, b, force);
      say(`restored into ${dir}`);
    }
  } catch (err) {
    console.error(`restore: ${(err as Error).message}`);
    return EXIT_TARGET;
  }
  if (b.sessions > 0) {
    say(`${b.sessions} sessions came back with the tree: each expires, with its ephemerals, unless its client reconnects within its timeout`);
  }
  return 0;
}

/** The verified backup, or why the file is refused (never throws for what is in the file). */
async function readBackup(file: string): Promise<Backup | string> {
  let bytes: Uint8Array;
  try {
    const s = await stat(file);
    if (!s.isFile()) return 'not a regular file';
    if (s.size > BACKUP_HEADER_BYTES + MAX_BACKUP_PAYLOAD_BYTES) return `${s.size} bytes, larger than any backup`;
    bytes = await readFile(file);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message;
  }
  const r = decodeBackup(bytes);
  return r.ok ? r.backup : r.error.message;
}

function isOurs(name: string): boolean {
  return parseSegmentName(name) !== null || parseSnapshotName(name) !== null || name.endsWith('.tmp');
}

/** A fresh (missing or empty) directory, or with --force one whose peerkeeper files may go. */
async function checkTarget(dir: string, force: boolean): Promise<void> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new TargetError(`${dir}: ${(err as Error).message}`);
  }
  if (names.length === 0) return;
  if (!force) {
    throw new TargetError(`${dir} is not empty (${names.slice(0, 3).join(', ')}${names.length > 3 ? ', …' : ''}): restore writes only into a fresh data directory (--force replaces a member's files)`);
  }
  const others = names.filter((n) => !isOurs(n));
  if (others.length) throw new TargetError(`${dir} holds files that are not a member's (${others.slice(0, 3).join(', ')}); not touching it even with --force`);
}

async function restoreInto(dir: string, b: Backup, force: boolean): Promise<void> {
  if (force) for (const name of await readdir(dir).catch(() => [] as string[])) if (isOurs(name)) await rm(join(dir, name));
  const zxid = b.header.zxid;
  const epoch = zxid.epoch;
  const storage = await FileStorage.open(dir);
  try {
    await storage.write([
      { seq: 1, write: { kind: 'acceptedEpoch', epoch } },
      { seq: 2, write: { kind: 'currentEpoch', epoch } },
      { seq: 3, write: { kind: 'installSnapshot', snapshot: { zxid, data: b.data } } },
    ]);
  } finally {
    await storage.close();
  }
  // Read it back as a member will at start, and compare.
  const check = await FileStorage.open(dir, { onWarning: (m) => { throw new TargetError(`${dir}: ${m}`); } });
  try {
    const state = await check.load();
    const snap = state.snapshot;
    if (!snap || !zxidEquals(snap.zxid, zxid) || state.currentEpoch !== epoch) throw new TargetError(`${dir}: the restored state does not read back`);
    const digest = readSnapshotData(snap.data).tree.digest;
    if (digest !== b.header.digest) throw new TargetError(`${dir}: the restored tree reads back with digest ${digest}, not ${b.header.digest}`);
  } finally {
    await check.close();
  }
}
