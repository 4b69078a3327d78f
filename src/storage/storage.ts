import type { DurableState, SequencedWrite } from '../zab/persistence.js';

/**
 * Where a member keeps what must survive a crash. `write` resolves once every write in the batch is
 * durable; batches become durable in the order they were given (the runner never reorders them), and
 * within a batch in sequence order. Implementations: memory (simulator, tests, demo), file (Node,
 * fsync), IndexedDB (browser).
 */
export interface ZabStorage {
  /** Where the state lives (a directory, a database), for error messages. */
  readonly location?: string;
  load(): Promise<DurableState>;
  write(batch: readonly SequencedWrite[]): Promise<void>;
  close(): Promise<void>;
}
