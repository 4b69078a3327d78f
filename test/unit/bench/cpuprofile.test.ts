import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileGroup, selfTime, shortUrl, type CpuProfile } from '../../../bench/lib/cpuprofile.js';
import { parseSrvr } from '../../../bench/targets/zookeeper.js';

const ROOT = '/work/main';
const frame = (functionName: string, url = '', lineNumber = 0) => ({ functionName, url, lineNumber });

// (root) → step (src, ours) → pack (msgpackr) ; (root) → (idle) ; (root) → (garbage collector)
const profile: CpuProfile = {
  startTime: 1000,
  endTime: 2000,
  nodes: [
    { id: 1, callFrame: frame('(root)'), children: [2, 4, 5] },
    { id: 2, callFrame: frame('step', 'file:///work/main/src/zab/member.ts'), children: [3] },
    { id: 3, callFrame: frame('pack', 'file:///work/main/node_modules/msgpackr/pack.js', 471) },
    { id: 4, callFrame: frame('(idle)') },
    { id: 5, callFrame: frame('(garbage collector)') },
  ],
  // Sample times: 1010, 1020, 1030, 1040, 1050, 1060; each stands for the 10 µs after it.
  samples: [2, 3, 3, 4, 5, 2],
  timeDeltas: [10, 10, 10, 10, 10, 10],
};

test('self time per function, per file group, and charged to our nearest frame', () => {
  const s = selfTime(profile, ROOT);
  // The last sample has no successor: it is not counted.
  assert.equal(s.totalUs, 50);
  assert.equal(s.busyUs, 40);
  assert.equal(s.gcUs, 10);
  assert.deepEqual(
    s.functions.map((e) => [e.name, e.us]),
    [
      ['pack node_modules/msgpackr/pack.js:472', 20],
      ['step src/zab/member.ts', 10],
      ['(idle)', 10],
      ['(garbage collector)', 10],
    ],
  );
  assert.deepEqual(s.files.find((e) => e.name === 'node_modules/msgpackr'), { name: 'node_modules/msgpackr', us: 20, pct: 40 });
  // msgpackr's time belongs to step, which called it.
  assert.equal(s.ourCallers[0]!.name, 'step src/zab/member.ts');
  assert.equal(s.ourCallers[0]!.us, 30);
});

test('a time window counts only the samples inside it', () => {
  const s = selfTime(profile, ROOT, 1015, 1035);
  assert.deepEqual(s.functions.map((e) => [e.name, e.us]), [['pack node_modules/msgpackr/pack.js:472', 20]]);
});

test('urls shorten to the repository or the package', () => {
  assert.equal(shortUrl('file:///work/main/src/a.ts', ROOT), 'src/a.ts');
  assert.equal(shortUrl('file:///elsewhere/node_modules/ws/lib/x.js', ROOT), 'node_modules/ws/lib/x.js');
  assert.equal(shortUrl('node:internal/streams/writable', ROOT), 'node:internal/streams/writable');
  assert.equal(fileGroup('node_modules/@roamhq/wrtc/lib/index.js'), 'node_modules/@roamhq/wrtc');
  assert.equal(fileGroup('node:internal/timers'), 'node: internals');
  assert.equal(fileGroup(''), '(native / VM)');
  assert.equal(fileGroup('src/server/runner.ts'), 'src/server/runner.ts');
});

test('srvr output: mode and zxid; a server not serving gives null', () => {
  const text = 'Zookeeper version: 3.8.0\nLatency min/avg/max: 0/0.0/0\nZxid: 0x300000007\nMode: follower\nNode count: 5\n';
  assert.deepEqual(parseSrvr(text), { mode: 'follower', zxid: 0x300000007n });
  assert.equal(parseSrvr('This ZooKeeper instance is not currently serving requests\n'), null);
});
