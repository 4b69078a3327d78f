/**
 * What the load generator needs from a client library: the same few calls over our
 * ZooKeeperClient (clients/peerkeeper.ts) and over node-zookeeper-client (clients/zookeeper.ts),
 * so both targets get exactly the same load.
 */
export type BenchCreateMode = 'PERSISTENT' | 'EPHEMERAL' | 'EPHEMERAL_SEQUENTIAL';

export interface BenchClient {
  /** setData with version -1. */
  setData(path: string, data: Uint8Array): Promise<void>;
  getData(path: string): Promise<Uint8Array>;
  /** Resolves with the created path (with the sequence suffix for EPHEMERAL_SEQUENTIAL). */
  create(path: string, data: Uint8Array, mode: BenchCreateMode): Promise<string>;
  /** Like create, but an existing node is fine. */
  ensure(path: string, data: Uint8Array): Promise<void>;
  delete(path: string): Promise<void>;
  /**
   * Sets a watch on an existing node (resolves once it is set; rejects if the node is not there);
   * `gone` then resolves with `performance.now()` when the client dispatches the deletion event.
   */
  watchDeletion(path: string): Promise<{ readonly gone: Promise<number> }>;
  close(): Promise<void>;
}

export interface ClientOptions {
  readonly sessionTimeoutMs: number;
}

export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
