/**
 * How fast the disk makes things durable, and what FileStorage gets out of it:
 *   raw fsyncs/s       — a 64-byte write + datasync, one after another
 *   appends/s (1/batch) — FileStorage.write of one 1-entry append per call: one fsync each
 *   appends/s (grouped) — the runner's group commit: 100 appends per batch, one fsync per batch
 * Run: npx tsx bench/fsync.ts [seconds per measurement]
 */
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileStorage } from '../src/storage/file.js';
import type { SequencedWrite } from '../src/zab/persistence.js';

const seconds = Number(process.argv[2] ?? 2);
const payload = new Uint8Array(100).fill(7);

async function timed(fn: () => Promise<number>): Promise<number> {
  const end = performance.now() + seconds * 1000;
  const start = performance.now();
  let units = 0;
  while (performance.now() < end) units += await fn();
  return units / ((performance.now() - start) / 1000);
}

const dir = await mkdtemp(join(tmpdir(), 'peerkeeper-bench-'));
try {
  const fh = await open(join(dir, 'raw'), 'w');
  let pos = 0;
  const bytes = new Uint8Array(64);
  const rawFsyncs = await timed(async () => {
    await fh.write(bytes, 0, bytes.length, pos);
    pos += bytes.length;
    await fh.datasync();
    return 1;
  });
  await fh.close();

  let counter = 0;
  let seq = 0;
  const batch = (n: number): SequencedWrite[] => [
    {
      seq: ++seq,
      write: {
        kind: 'append',
        entries: Array.from({ length: n }, () => ({ zxid: { epoch: 1, counter: ++counter }, txn: { data: payload } })),
      },
    },
  ];
  const storage = await FileStorage.open(join(dir, 'storage'));
  const single = await timed(async () => {
    await storage.write(batch(1));
    return 1;
  });
  const grouped = await timed(async () => {
    await storage.write(batch(100));
    return 100;
  });
  await storage.close();

  console.log(`dir: ${dir}`);
  console.log(`raw fsyncs/s:                 ${rawFsyncs.toFixed(0)}`);
  console.log(`appends/s, 1 per batch:       ${single.toFixed(0)}`);
  console.log(`appends/s, 100 per batch:     ${grouped.toFixed(0)}  (${(grouped / 100).toFixed(0)} batches/s)`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
