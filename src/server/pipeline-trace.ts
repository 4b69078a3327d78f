/**
 * Hooks for `npm run bench:trace`: where each txn is in the write pipeline, as one member's runner
 * sees it. Off (undefined) in normal runs, so the hot path pays one property check.
 */
export const PIPELINE_STAGES = ['proposed', 'received', 'writeStart', 'writeEnd', 'ackSent', 'ackReceived', 'commitSent', 'commitReceived', 'delivered'] as const;

export type PipelineStage = (typeof PIPELINE_STAGES)[number];

/**
 * `counter`: the zxid's counter (a trace is read within one epoch); for the cumulative stages (a
 * storage batch, an ACK, a COMMIT) the highest one covered. `peer`: the member at the other end, 0
 * for none.
 */
export type PipelineTrace = (stage: PipelineStage, counter: number, peer: number) => void;
