/**
 * Runs every scripted scenario in testdata/ (format: scenario.ts) and compares its output with the
 * expected output written in the script. `REWRITE=1 node --import tsx --test test/unit/zab/scenarios.test.ts`
 * writes the actual output into the scripts instead: review the diff (`git diff testdata/`) against
 * the protocol before keeping it.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { diffScripts, runScenario, ScenarioError } from './scenario.js';

const dir = join(dirname(fileURLToPath(import.meta.url)), 'testdata');
const rewrite = process.env.REWRITE === '1';

describe('scripted scenarios (testdata/*.txt)', () => {
  const files = readdirSync(dir).filter((f) => f.endsWith('.txt')).sort();
  test('there are scripts to run', () => assert.ok(files.length > 0));
  for (const file of files) {
    test(file, () => {
      const path = join(dir, file);
      const expected = readFileSync(path, 'utf8');
      const actual = runScenario(expected);
      if (actual === expected) return;
      if (rewrite) {
        writeFileSync(path, actual);
        return;
      }
      assert.fail(`${file}: the output differs from the script (REWRITE=1 to regenerate, then review)\n${diffScripts(expected, actual)}`);
    });
  }
});

describe('the scenario interpreter', () => {
  test('output is written under its command; a wrong expectation shows as a diff', () => {
    const script = ['cluster 3', 'elect', 'status 3', '> 3 role=FOLLOWING', ''].join('\n');
    const actual = runScenario(script);
    assert.match(actual, /^status 3\n> 3 role=LEADING phase=discovery leader=3 /m);
    const diff = diffScripts(script, actual);
    assert.match(diff, /^- +4 \| > 3 role=FOLLOWING$/m);
    assert.match(diff, /^\+ +\| > 3 role=LEADING/m);
  });

  test('a failed expect or a wrong message type stops the script with its line', () => {
    assert.throws(() => runScenario('cluster 3\nelect\nexpect 3 role=FOLLOWING\n'), (e: unknown) => {
      return e instanceof ScenarioError && /line 3: expect 3 role=FOLLOWING\n.*role=LEADING \(expected FOLLOWING\)/.test(e.message);
    });
    assert.throws(() => runScenario('cluster 3\nelect\ndeliver 1->3 ACK\n'), /line 3: .*next 1→3 is FOLLOWERINFO, not ACK/s);
  });

  test('comments, blank lines and trailing comments are kept; old output is replaced', () => {
    const script = '# a comment\n\ncluster 3   # three members\nin-flight 1->2  # the first vote\n> stale\n';
    assert.equal(
      runScenario(script),
      '# a comment\n\ncluster 3   # three members\nin-flight 1->2  # the first vote\n> 1->2 VOTE round=1 leader=1 zxid=(0,0) epoch=0 state=LOOKING\n',
    );
  });
});
