/** ZooKeeper's Transaction builder: collect ops, then commit them as one all-or-nothing multi. */
import type { MultiOp, MultiResult } from '../protocol/client.js';
import { checkOp, createOp, deleteOp, setDataOp } from './ops.js';
import type { CreateOptions, Data } from './types.js';

export class Transaction {
  private readonly ops: MultiOp[] = [];

  constructor(private readonly run: (ops: readonly MultiOp[]) => Promise<MultiResult[]>) {}

  create(path: string, data?: Data, options?: CreateOptions): this {
    this.ops.push(createOp(path, data, options));
    return this;
  }

  delete(path: string, version = -1): this {
    this.ops.push(deleteOp(path, version));
    return this;
  }

  setData(path: string, data: Data, version = -1): this {
    this.ops.push(setDataOp(path, data, version));
    return this;
  }

  check(path: string, version: number): this {
    this.ops.push(checkOp(path, version));
    return this;
  }

  /** Resolves with one result per op; rejects with the failing op's error (per-op results on `results`). */
  commit(): Promise<MultiResult[]> {
    return this.run([...this.ops]);
  }
}
