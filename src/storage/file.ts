import { constants } from 'node:fs';
import { mkdir, open, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { cloneDurableState, type DurableState, type SequencedWrite, type StorageWrite } from '../zab/persistence.js';
import { compareZxid } from '../zab/zxid.js';
import { fsyncDir, writeAll, writeFileAtomic } from './file/atomic.js';
import { encodeFrame } from './file/framing.js';
import { segmentName, snapshotName, type SnapshotRef } from './file/layout.js';
import { applyTracked, baseRecord } from './file/records.js';
import { recover } from './file/recovery.js';
import { SerialWrites } from './serial-writes.js';
import type { ZabStorage } from './storage.js';

/**
 * Log segments are opened O_DSYNC where the platform has it: each write returns once it is as
 * durable as write + fdatasync would make it, in one trip through libuv's thread pool instead of
 * two (a trip's wake-up is most of a small batch's cost on a busy machine). Elsewhere: fdatasync.
 */
const DSYNC = constants.O_DSYNC ?? 0;
const SEGMENT_OPEN = constants.O_RDWR | DSYNC;
const SEGMENT_CREATE = constants.O_RDWR | constants.O_CREAT | constants.O_TRUNC | DSYNC;

export interface FileStorageOptions {
  /** Told about repairs made on open (a torn tail cut off, a corrupt snapshot skipped). */
  readonly onWarning?: (message: string) => void;
}

/**
 * Zab's durable state in a directory (format and recovery rules: file/layout.ts, file/records.ts,
 * file/recovery.ts).
 *
 * Epochs are ordinary records in the log rather than separate files: a batch such as
 * [append…, currentEpoch] then becomes durable in order with one write and one fsync, whereas an
 * epoch file would cost three syncs (file, rename, directory) and need its own ordering against the
 * log. Compaction carries them forward in each new segment's base record.
 *
 * Snapshots live in their own files, written atomically and made durable before the log record that
 * names them. `compact` and `installSnapshot` start a new segment whose base record states the whole
 * image; once that is durable the older segments are deleted.
 */
export class FileStorage implements ZabStorage {
  /** The next batch never starts before the previous one's fsync. */
  private readonly writes: SerialWrites;

  get location(): string {
    return this.dir;
  }

  private constructor(
    private readonly dir: string,
    private fh: FileHandle,
    private segment: number,
    private size: number,
    /** The durable image, kept in step with the disk (its snapshot holds the real data). */
    private readonly image: DurableState,
    private readonly snapshots: SnapshotRef[],
    private readonly snapshotFiles: Set<string>,
    private nextSnapshotId: number,
  ) {
    this.writes = new SerialWrites(`file storage ${dir}`);
  }

  static async open(dir: string, options: FileStorageOptions = {}): Promise<FileStorage> {
    const warn = options.onWarning ?? ((m: string) => console.warn(`[file-storage] ${dir}: ${m}`));
    await mkdir(dir, { recursive: true });
    const r = await recover(dir, warn);
    if (r.segment) {
      const fh = await open(join(dir, segmentName(r.segment.n)), SEGMENT_OPEN);
      return new FileStorage(dir, fh, r.segment.n, r.segment.size, r.state, r.snapshots, r.snapshotFiles, r.nextSnapshotId);
    }
    const s = new FileStorage(dir, null as unknown as FileHandle, -1, 0, r.state, r.snapshots, r.snapshotFiles, r.nextSnapshotId);
    await s.startSegment();
    return s;
  }

  async load(): Promise<DurableState> {
    return cloneDurableState(this.image);
  }

  write(batch: readonly SequencedWrite[]): Promise<void> {
    return this.writes.run(() => this.writeNow(batch));
  }

  async close(): Promise<void> {
    if (await this.writes.close()) await this.fh.close();
  }

  private async writeNow(batch: readonly SequencedWrite[]): Promise<void> {
    let frames: Buffer[] = [];
    for (const { write } of batch) {
      switch (write.kind) {
        case 'saveSnapshot': {
          // applyWrite ignores a snapshot not newer than the image's: write nothing for it.
          if (this.image.snapshot && compareZxid(this.image.snapshot.zxid, write.snapshot.zxid) >= 0) break;
          const ref = await this.writeSnapshotFile(write);
          applyTracked(this.image, this.snapshots, write, ref);
          frames.push(encodeFrame({ kind: 'saveSnapshot', file: ref.file, zxid: ref.zxid }));
          break;
        }
        case 'installSnapshot': {
          await this.append(frames);
          frames = [];
          const ref = await this.writeSnapshotFile(write);
          applyTracked(this.image, this.snapshots, write, ref);
          await this.startSegment();
          break;
        }
        case 'compact': {
          if (compareZxid(write.upTo, this.image.logBase) <= 0) break;
          applyTracked(this.image, this.snapshots, write);
          await this.append(frames);
          frames = [];
          await this.startSegment();
          break;
        }
        default:
          applyTracked(this.image, this.snapshots, write);
          frames.push(encodeFrame(write));
      }
    }
    await this.append(frames);
    await this.purgeSnapshots();
  }

  /** One write and one fsync for the whole run of frames: the group commit. */
  private async append(frames: readonly Buffer[]): Promise<void> {
    if (!frames.length) return;
    const bytes = frames.length === 1 ? frames[0]! : Buffer.concat(frames);
    await writeAll(this.fh, bytes, this.size);
    this.size += bytes.length;
    if (DSYNC === 0) await this.fh.datasync();
  }

  private async writeSnapshotFile(write: Extract<StorageWrite, { kind: 'saveSnapshot' | 'installSnapshot' }>): Promise<SnapshotRef> {
    const file = snapshotName(this.nextSnapshotId++);
    await writeFileAtomic(join(this.dir, file), encodeFrame({ zxid: write.snapshot.zxid, data: write.snapshot.data }));
    this.snapshotFiles.add(file);
    return { file, zxid: write.snapshot.zxid };
  }

  /** A new segment holding the current image as its base; older segments go once it is durable. */
  private async startSegment(): Promise<void> {
    const n = this.segment + 1;
    const fh = await open(join(this.dir, segmentName(n)), SEGMENT_CREATE);
    const base = encodeFrame(baseRecord(this.image, this.snapshots));
    try {
      await writeAll(fh, base, 0);
      await fh.sync();
      await fsyncDir(this.dir);
    } catch (e) {
      await fh.close().catch(() => {});
      throw e;
    }
    const old = this.segment;
    if (old >= 0) await this.fh.close();
    this.fh = fh;
    this.segment = n;
    this.size = base.length;
    // Recovery would ignore them anyway (it reads only the newest valid segment); this frees the space.
    for (let i = old; i >= 0; i--) {
      try {
        await unlink(join(this.dir, segmentName(i)));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') break;
        throw e;
      }
    }
  }

  /** Keeps the snapshots of the history (at most 3), once the records naming newer ones are durable. */
  private async purgeSnapshots(): Promise<void> {
    for (const file of [...this.snapshotFiles]) {
      if (this.snapshots.some((r) => r.file === file)) continue;
      await unlink(join(this.dir, file)).catch((e: NodeJS.ErrnoException) => {
        if (e.code !== 'ENOENT') throw e;
      });
      this.snapshotFiles.delete(file);
    }
  }
}
