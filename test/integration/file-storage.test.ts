import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { FileStorage } from '../../src/storage/file.js';
import { txnFor } from './fixtures/file-storage-writer.js';

const WRITER = fileURLToPath(new URL('./fixtures/file-storage-writer.ts', import.meta.url));

/** Runs the writer until it has acknowledged `minAcks` batches, then SIGKILLs it mid-write. */
async function runAndKill(dir: string, minAcks: number): Promise<{ maxAck: number; warnings: string[] }> {
  const child = spawn(process.execPath, ['--import', 'tsx', WRITER, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  let acks = 0;
  let maxAck = 0;
  const warnings: string[] = [];
  let buffered = '';
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => reject(new Error(`writer exited early: ${code ?? signal}`)));
    child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        if (line.startsWith('ack ')) {
          const n = Number(line.slice(4));
          assert.ok(n > maxAck, `acks increase: ${n} after ${maxAck}`);
          maxAck = n;
          if (++acks === minAcks) {
            // Kill while the next batch is being written and fsynced.
            child.kill('SIGKILL');
            resolve();
          }
        } else if (line.startsWith('warn ')) warnings.push(line.slice(5));
      }
    });
  });
  await exited;
  // Lines already in the pipe when the kill landed are acknowledgements too.
  for (const line of buffered.split('\n')) if (line.startsWith('ack ')) maxAck = Math.max(maxAck, Number(line.slice(4)));
  return { maxAck, warnings };
}

test('kill -9 while writing: everything acknowledged survives, the recovered log is a clean prefix', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'peerkeeper-kill-'));
  try {
    let previous = 0;
    for (let round = 0; round < 4; round++) {
      const { maxAck } = await runAndKill(dir, 150 + round * 37);
      const warnings: string[] = [];
      const storage = await FileStorage.open(dir, { onWarning: (m) => warnings.push(m) });
      const state = await storage.load();
      await storage.close();

      // Contiguous: the snapshot/log base, then counters one after another, each with its own txn.
      let expected = state.logBase.counter + 1;
      for (const e of state.log) {
        assert.deepStrictEqual(e.zxid, { epoch: 1, counter: expected }, `round ${round}: a gap or a foreign entry`);
        assert.deepStrictEqual(e.txn, txnFor(expected));
        expected++;
      }
      const lastDurable = expected - 1;
      assert.ok(lastDurable >= maxAck, `round ${round}: acknowledged ${maxAck} but only ${lastDurable} recovered`);
      // Written by the child, so at most one batch (≤ 7 entries) past the last ack can have landed.
      assert.ok(lastDurable <= maxAck + 7, `round ${round}: ${lastDurable} is beyond anything written after ${maxAck}`);
      assert.ok(lastDurable > previous);
      if (state.logBase.counter > 0) assert.ok(state.snapshot && state.snapshot.zxid.counter >= state.logBase.counter);
      for (const w of warnings) assert.match(w, /^log truncated at byte \d+|torn base record/);
      previous = lastDurable;
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
