import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatPipeline, parseTrace, summarizePipeline, type TraceEvent } from '../../../bench/lib/pipeline-summary.js';
import { PIPELINE_STAGES, type PipelineStage } from '../../../src/server/pipeline-trace.js';

const ev = (atMs: number, stage: PipelineStage, counter: number, peer = 0): TraceEvent => ({ atMs, stage, counter, peer });

// Leader 1, followers 2 (the client's) and 3. Txns 1 and 2 proposed together at t=0, txn 3 at t=10.
const traces = new Map<number, TraceEvent[]>([
  [
    1,
    [
      ev(0, 'proposed', 1, 2), ev(0, 'proposed', 1, 3), ev(0, 'proposed', 2, 2), ev(0, 'proposed', 2, 3),
      ev(0.5, 'writeStart', 2), ev(2.5, 'writeEnd', 2),
      ev(3, 'ackReceived', 2, 3), ev(3.2, 'commitSent', 2, 2), ev(3.2, 'commitSent', 2, 3), ev(4, 'ackReceived', 2, 2),
      ev(10, 'proposed', 3, 2), ev(10, 'proposed', 3, 3), ev(10.5, 'writeStart', 3), ev(11.5, 'writeEnd', 3),
      ev(12, 'ackReceived', 3, 3), ev(12.5, 'commitSent', 3, 2), ev(12.5, 'commitSent', 3, 3),
    ],
  ],
  [
    2,
    [
      // The first proposal alone, then the second: the split the runner used to make.
      ev(1, 'received', 1, 1), ev(1, 'writeStart', 1), ev(1.1, 'received', 2, 1), ev(2, 'writeEnd', 1), ev(2, 'writeStart', 2), ev(3, 'writeEnd', 2), ev(3.1, 'ackSent', 2, 1),
      ev(4, 'commitReceived', 2, 1), ev(4.5, 'delivered', 1), ev(4.5, 'delivered', 2),
      ev(11, 'received', 3, 1), ev(11, 'writeStart', 3), ev(12, 'writeEnd', 3), ev(12.1, 'ackSent', 3, 1), ev(13.5, 'commitReceived', 3, 1), ev(14, 'delivered', 3),
    ],
  ],
  [3, [ev(1, 'received', 1, 1), ev(1, 'received', 2, 1), ev(1.5, 'writeStart', 2), ev(2.5, 'writeEnd', 2), ev(2.6, 'ackSent', 2, 1), ev(11, 'received', 3, 1), ev(11, 'writeStart', 3), ev(11.8, 'writeEnd', 3), ev(11.9, 'ackSent', 3, 1)]],
]);

const step = (label: string) => {
  const s = summarizePipeline(traces, 1, 2);
  const row = s.steps.find((r) => r.label === label);
  assert.ok(row, `no row ${label}: ${s.steps.map((r) => r.label).join(' | ')}`);
  return row;
};

test('per-txn steps across members: cumulative ACKs and COMMITs count for every txn they cover', () => {
  assert.equal(summarizePipeline(traces, 1, 2).txns, 3);
  // Txn 1 waited for its ACK from member 3 until the ACK of 2 at 3.0; txn 3: 2.0 after its proposal.
  assert.deepEqual(step('member 1 (leader): proposed → ACK of member 3 read').count, 3);
  assert.equal(step('member 1 (leader): proposed → ACK of member 3 read').p50, 3);
  assert.equal(step('member 1 (leader): proposed → COMMIT sent').p50, 3.2);
  // On member 2, txn 2 was read at 1.1 but written only at 2.0, after txn 1's write alone.
  const waited = step("member 2 (client's): read → write started");
  assert.equal(waited.count, 3);
  assert.equal(waited.p99, 2 - 1.1);
  assert.equal(step("member 2 (client's): COMMIT read → applied").p50, 0.5);
  assert.equal(step("proposed → applied on the client's member").p99, 4.5);
});

test('storage batch sizes: the share of one-txn writes shows a burst split in two', () => {
  const s = summarizePipeline(traces, 1, 2);
  const m2 = s.batches.find((b) => b.member === 2)!;
  assert.deepEqual([m2.writes, m2.meanTxns, m2.oneTxnShare], [2, 1, 1]);
  const m3 = s.batches.find((b) => b.member === 3)!;
  assert.deepEqual([m3.writes, m3.oneTxnShare], [1, 1]);
  assert.ok(formatPipeline(s).some((l) => l.startsWith('member 2: 2 storage writes')));
});

test('only txns proposed inside the window count', () => {
  assert.equal(summarizePipeline(traces, 1, 2, 5, 20).txns, 1);
  assert.equal(summarizePipeline(traces, 1, 2, 5, 20).steps.find((r) => r.label.endsWith('proposed → COMMIT sent'))!.p50, 2.5);
});

test('the recorder file format round-trips: float64 quads with the stage as its index', () => {
  const f = new Float64Array([12.5, PIPELINE_STAGES.indexOf('ackSent'), 7, 3, 13, 99, 1, 1]);
  assert.deepEqual(parseTrace(new Uint8Array(f.buffer)), [{ atMs: 12.5, stage: 'ackSent', counter: 7, peer: 3 }]);
});
