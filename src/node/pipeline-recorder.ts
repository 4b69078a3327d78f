import { writeFileSync } from 'node:fs';
import { PIPELINE_STAGES, type PipelineStage, type PipelineTrace } from '../server/pipeline-trace.js';

const STAGE_INDEX = new Map<PipelineStage, number>(PIPELINE_STAGES.map((s, i) => [s, i]));
const FIELDS = 4;

/**
 * Records a member's pipeline trace (server/pipeline-trace.ts) for `npm run bench:trace`: per event
 * the wall time in ms with sub-ms precision (performance.timeOrigin + now, comparable between
 * processes on one machine), the stage's index, the zxid counter and the peer, as float64s, in one
 * preallocated buffer (events past its capacity are dropped). `save` writes it raw to `path`.
 */
export class PipelineRecorder {
  private readonly events: Float64Array;
  private count = 0;

  constructor(
    private readonly path: string,
    capacity = 2_000_000,
  ) {
    this.events = new Float64Array(capacity * FIELDS);
  }

  readonly record: PipelineTrace = (stage, counter, peer) => {
    if ((this.count + 1) * FIELDS > this.events.length) return;
    const i = this.count++ * FIELDS;
    this.events[i] = performance.timeOrigin + performance.now();
    this.events[i + 1] = STAGE_INDEX.get(stage)!;
    this.events[i + 2] = counter;
    this.events[i + 3] = peer;
  };

  save(): void {
    writeFileSync(this.path, new Uint8Array(this.events.buffer, 0, this.count * FIELDS * 8));
  }
}
