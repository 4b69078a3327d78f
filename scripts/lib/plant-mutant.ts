/** Plants one mutant in a scratch copy of the repository: shared by `npm run mutants` and the smoke test. */
import { cpSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Mutant } from '../mutant-list.js';

/**
 * Copies `folders` of `root` into `dir` (emptied first), links node_modules and package.json, and
 * applies the mutant's edits. Each pattern must occur exactly once: a stale mutant is an error, not a
 * silently unplanted bug that every check would then "catch".
 */
export function plantMutant(root: string, dir: string, mutant: Mutant, folders: readonly string[]): void {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const folder of folders) cpSync(join(root, folder), join(dir, folder), { recursive: true });
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  cpSync(join(root, 'package.json'), join(dir, 'package.json'));
  for (const edit of mutant.edits) {
    const file = join(dir, edit.file);
    const text = readFileSync(file, 'utf8');
    const count = text.split(edit.find).length - 1;
    if (count !== 1) throw new Error(`mutant ${mutant.name}: expected the pattern once in ${edit.file}, found ${count} (stale mutant?)`);
    writeFileSync(file, text.replace(edit.find, edit.replace));
  }
}
