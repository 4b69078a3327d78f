import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { FileStorage } from '../../../src/storage/file.js';
import { MemoryStorage } from '../../../src/storage/memory.js';
import { WriteGenerator, rng, withTempDir } from './helpers.js';

const SEQUENCES = 200;

test(`${SEQUENCES} random write sequences reload equal to the memory model`, async () => {
  await withTempDir(async (root) => {
    for (let seed = 1; seed <= SEQUENCES; seed++) {
      const random = rng(seed);
      const gen = new WriteGenerator(random);
      const dir = join(root, String(seed));
      const memory = new MemoryStorage();
      let file = await FileStorage.open(dir, { onWarning: (m) => assert.fail(`seed ${seed}: ${m}`) });
      let seq = 0;
      const batches = 3 + Math.floor(random() * 10);
      for (let b = 0; b < batches; b++) {
        const batch = Array.from({ length: 1 + Math.floor(random() * 6) }, () => ({ seq: ++seq, write: gen.next() }));
        memory.submit(batch);
        memory.flushUpTo(seq);
        await file.write(batch);
        if (random() < 0.2) {
          await file.close();
          file = await FileStorage.open(dir, { onWarning: (m) => assert.fail(`seed ${seed}: ${m}`) });
          assert.deepStrictEqual(await file.load(), memory.load(), `seed ${seed}, reopened after batch ${b}`);
        }
      }
      await file.close();
      const again = await FileStorage.open(dir, { onWarning: (m) => assert.fail(`seed ${seed}: ${m}`) });
      assert.deepStrictEqual(await again.load(), memory.load(), `seed ${seed}`);
      await again.close();
    }
  });
});
