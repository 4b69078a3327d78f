import assert from 'node:assert/strict';
import { test } from 'node:test';
import { benchJson, formatMs, formatRate, formatRatio, formatTable, orderTargets, ratioSources, renderNotes, renderTable, rowRatio, type RowSpec, type TargetResult } from '../../../bench/lib/report.js';

const rows: RowSpec[] = [
  { key: 'set', label: 'setData', kind: 'throughput', unit: 'ops/s' },
  { key: 'fail', label: 'failover', kind: 'time', unit: 'ms' },
];
const ours: TargetResult = {
  key: 'peerkeeper',
  label: 'peerkeeper',
  side: 'ours',
  config: {},
  cells: {
    set: { ok: true, opsPerSec: 2000, p50Ms: 4.5, p99Ms: 12.25 },
    fail: { ok: true, medianMs: 400, samplesMs: [380, 400, 900], info: ['member 1 killed'] },
  },
};
const zk: TargetResult = {
  key: 'zookeeper-tick50',
  label: 'ZooKeeper',
  side: 'baseline',
  config: {},
  cells: {
    set: { ok: true, opsPerSec: 4000, p50Ms: 2, p99Ms: 8, notes: ['leader changed during the row'] },
    fail: { ok: false, error: 'boom' },
  },
};

test('numbers print for people', () => {
  assert.equal(formatRate(12345.6), '12,346');
  assert.equal(formatRate(undefined), '-');
  assert.equal(formatMs(0.123), '0.12');
  assert.equal(formatMs(5.678), '5.68');
  assert.equal(formatMs(45.67), '45.7');
  assert.equal(formatMs(4116.2), '4116');
  assert.equal(formatMs(Number.NaN), '-');
  assert.equal(formatRatio(0.5), '0.50x');
  assert.equal(formatRatio(12.34), '12.3x');
  assert.equal(formatRatio(null), 'n/a');
});

test('ratios: ops/s for throughput rows, median time for time rows; a failed side is n/a', () => {
  assert.equal(rowRatio(rows[0]!, ours.cells.set, zk.cells.set), 0.5);
  assert.equal(rowRatio(rows[1]!, ours.cells.fail, zk.cells.fail), null);
  assert.equal(rowRatio(rows[1]!, ours.cells.fail, { ok: true, medianMs: 800 }), 0.5);
});

test('formatTable aligns: first column left, the rest right', () => {
  const t = formatTable([['a', 'bb']], [['long name', '1'], ['x', '12345']]).split('\n');
  assert.deepEqual(t, ['a             bb', '---------  -----', 'long name      1', 'x          12345']);
});

test('the table has a value/p50/p99 group per target and a ratio after each baseline', () => {
  const lines = renderTable(rows, [ours, zk]).split('\n');
  assert.match(lines[0]!, /peerkeeper\s+ZooKeeper/);
  assert.match(lines[1]!, /^row\s+value\s+p50\s+p99\s+value\s+p50\s+p99\s+ratio$/);
  assert.match(lines[3]!, /^setData \(ops\/s\)\s+2,000\s+4\.50\s+12\.3\s+4,000\*\s+2\.00\s+8\.00\s+0\.50x$/);
  // Time rows: median, fastest, slowest; a failed baseline gives n/a.
  assert.match(lines[4]!, /^failover \(ms\)\s+400\s+380\s+900\s+FAILED\s+-\s+-\s+n\/a$/);
});

test('a skipped baseline shows "skipped" and n/a ratios, and says why in the notes', () => {
  const skipped: TargetResult = { key: 'zookeeper-tick50', label: 'ZooKeeper', side: 'baseline', skipped: 'no java', config: {}, cells: {} };
  const lines = renderTable(rows, [ours, skipped]).split('\n');
  assert.match(lines[3]!, /skipped\s+n\/a$/);
  assert.ok(renderNotes(rows, [ours, skipped]).includes('ZooKeeper: skipped: no java'));
});

test('notes list trials, facts, flagged notes and errors', () => {
  const notes = renderNotes(rows, [ours, zk]);
  assert.ok(notes.includes('peerkeeper / failover: trials 380, 400, 900 ms; member 1 killed'));
  assert.ok(notes.includes('ZooKeeper / setData: * leader changed during the row'));
  assert.ok(notes.includes('ZooKeeper / failover: error: boom'));
});

test('BENCH_JSON is one line of JSON with every cell and the ratios', () => {
  const line = benchJson({ version: 1, odd: Number.NaN }, rows, [ours, zk]);
  assert.ok(line.startsWith('BENCH_JSON {'));
  assert.ok(!line.includes('\n'));
  const doc = JSON.parse(line.slice('BENCH_JSON '.length));
  assert.equal(doc.odd, null);
  assert.equal(doc.rows[0].results.peerkeeper.opsPerSec, 2000);
  assert.equal(doc.rows[0].ratios['peerkeeper/zookeeper-tick50'], 0.5);
  assert.equal(doc.rows[1].ratios['peerkeeper/zookeeper-tick50'], null);
  assert.deepEqual(doc.targets.map((t: { key: string }) => t.key), ['peerkeeper', 'zookeeper-tick50']);
});

test('a row that does not apply to a target shows n/a and why, and no ratio', () => {
  const browser: TargetResult = { key: 'peerkeeper-browser', label: 'tabs', side: 'ours', config: {}, cells: { fail: { ok: false, na: 'no provider process in a tab ensemble' } } };
  const line = renderTable(rows, [browser]).split('\n')[4]!;
  assert.match(line, /^failover \(ms\)\s+n\/a$/);
  assert.ok(renderNotes(rows, [browser]).includes('tabs / failover: n/a: no provider process in a tab ensemble'));
});

// peerkeeper through ZooKeeper's protocol, driven by the same client as ZooKeeper: its own ratio column.
const oursWs: TargetResult = { ...ours, ratioColumn: 'ratio' };
const oursZk: TargetResult = {
  key: 'peerkeeper-zk',
  label: 'pk-zk',
  side: 'ours',
  ratioColumn: 'zk-ratio',
  config: {},
  cells: { set: { ok: true, opsPerSec: 1000, p50Ms: 5, p99Ms: 20 }, fail: { ok: true, medianMs: 200, samplesMs: [200] } },
};
const tabs: TargetResult = { key: 'peerkeeper-browser', label: 'tabs', side: 'ours', config: {}, cells: { set: { ok: true, opsPerSec: 3000, p50Ms: 1, p99Ms: 2 } } };

test('ratio columns: every target of ours that names one, in order; otherwise the first of ours', () => {
  assert.deepEqual(
    ratioSources([oursWs, oursZk, tabs, zk]).map((s) => [s.target.key, s.column]),
    [
      ['peerkeeper', 'ratio'],
      ['peerkeeper-zk', 'zk-ratio'],
    ],
  );
  assert.deepEqual(ratioSources([oursZk, zk]).map((s) => s.target.key), ['peerkeeper-zk']);
  assert.deepEqual(ratioSources([tabs, ours, zk]).map((s) => [s.target.key, s.column]), [['peerkeeper-browser', 'ratio']]);
  assert.deepEqual(ratioSources([zk]), []);
});

test('with peerkeeper-zk the table has a ratio and a zk-ratio after each baseline, and JSON both', () => {
  const zk2000: TargetResult = { ...zk, key: 'zookeeper-tick2000', label: 'ZK 2000', cells: { set: { ok: true, opsPerSec: 500, p50Ms: 1, p99Ms: 2 }, fail: { ok: true, medianMs: 400, samplesMs: [400] } } };
  const lines = renderTable(rows, [oursWs, oursZk, tabs, zk, zk2000]).split('\n');
  assert.match(lines[1]!, /ratio\s+zk-ratio\s+value\s+p50\s+p99\s+ratio\s+zk-ratio$/);
  // setData: peerkeeper 2000, peerkeeper-zk 1000 against 4000 and 500.
  assert.match(lines[3]!, /4,000\*\s+2\.00\s+8\.00\s+0\.50x\s+0\.25x\s+500\s+1\.00\s+2\.00\s+4\.00x\s+2\.00x$/);
  // failover: the tick-50 baseline failed (n/a for both), tick 2000 took 400 ms.
  assert.match(lines[4]!, /n\/a\s+n\/a\s+400\s+400\s+400\s+1\.00x\s+0\.50x$/);
  const doc = JSON.parse(benchJson({}, rows, [oursWs, oursZk, tabs, zk, zk2000]).slice('BENCH_JSON '.length));
  assert.deepEqual(doc.rows[0].ratios, {
    'peerkeeper/zookeeper-tick50': 0.5,
    'peerkeeper-zk/zookeeper-tick50': 0.25,
    'peerkeeper/zookeeper-tick2000': 4,
    'peerkeeper-zk/zookeeper-tick2000': 2,
  });
});

test('a skipped peerkeeper-zk gives n/a in its ratio column, the other ratio stands', () => {
  const skippedZk: TargetResult = { key: 'peerkeeper-zk', label: 'pk-zk', side: 'ours', ratioColumn: 'zk-ratio', skipped: 'no node-zookeeper-client', config: {}, cells: {} };
  const lines = renderTable(rows, [oursWs, skippedZk, zk]).split('\n');
  assert.match(lines[3]!, /skipped\s+4,000\*\s+2\.00\s+8\.00\s+0\.50x\s+n\/a$/);
});

test('targets print peerkeeper, peerkeeper-zk, the tabs, then the baselines', () => {
  assert.deepEqual(orderTargets([zk, tabs, oursZk, oursWs]).map((t) => t.key), ['peerkeeper', 'peerkeeper-zk', 'peerkeeper-browser', 'zookeeper-tick50']);
});
