import type { LogEntry, Snapshot } from '../zab/messages.js';
import { formatZxid, ZXID_ZERO, type Zxid } from '../zab/zxid.js';

/** The simulator's transactions: a client's write, named uniquely. */
export interface SimTxn {
  readonly id: string;
}

export interface AppliedRecord {
  readonly zxid: Zxid;
  readonly id: string;
}

export interface SimSnapshotData {
  readonly records: readonly AppliedRecord[];
}

export function isSimTxn(txn: unknown): txn is SimTxn {
  return typeof txn === 'object' && txn !== null && typeof (txn as SimTxn).id === 'string';
}

/**
 * The replicated state of the simulator: the ordered list of applied writes. Small enough to keep
 * whole, and exactly what the checkers need to compare members.
 */
export class SimStateMachine {
  records: AppliedRecord[] = [];

  get lastZxid(): Zxid {
    return this.records.length ? this.records[this.records.length - 1]!.zxid : ZXID_ZERO;
  }

  apply(entry: LogEntry): AppliedRecord {
    if (!isSimTxn(entry.txn)) throw new Error(`txn at ${formatZxid(entry.zxid)} is not a simulator txn`);
    const rec = { zxid: entry.zxid, id: entry.txn.id };
    this.records.push(rec);
    return rec;
  }

  restore(snapshot: Snapshot): void {
    this.records = (snapshot.data as SimSnapshotData).records.slice();
  }

  snapshot(): Snapshot {
    return { zxid: this.lastZxid, data: { records: this.records.slice() } satisfies SimSnapshotData };
  }
}
