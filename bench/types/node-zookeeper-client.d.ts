/** The part of node-zookeeper-client (1.x, untyped JavaScript) the benchmark uses. */
declare module 'node-zookeeper-client' {
  import type { EventEmitter } from 'node:events';

  export interface ZkException extends Error {
    getCode(): number;
    getName(): string;
  }
  export interface ZkEvent {
    getType(): number;
    getName(): string;
    getPath(): string;
  }
  export interface ZkStat {
    readonly version: number;
  }
  type Cb<T> = (error: ZkException | null, result: T) => void;

  export interface Client extends EventEmitter {
    connect(): void;
    close(): void;
    getSessionTimeout(): number;
    getSessionId(): Buffer;
    create(path: string, data: Buffer | null, mode: number, callback: Cb<string>): void;
    remove(path: string, version: number, callback: (error: ZkException | null) => void): void;
    setData(path: string, data: Buffer, version: number, callback: Cb<ZkStat>): void;
    getData(path: string, callback: (error: ZkException | null, data: Buffer, stat: ZkStat) => void): void;
    getData(path: string, watcher: (event: ZkEvent) => void, callback: (error: ZkException | null, data: Buffer, stat: ZkStat) => void): void;
    exists(path: string, callback: Cb<ZkStat | null>): void;
    exists(path: string, watcher: (event: ZkEvent) => void, callback: Cb<ZkStat | null>): void;
  }

  export interface ClientOptions {
    sessionTimeout?: number;
    spinDelay?: number;
    retries?: number;
  }

  export function createClient(connectionString: string, options?: ClientOptions): Client;

  export const CreateMode: {
    readonly PERSISTENT: number;
    readonly PERSISTENT_SEQUENTIAL: number;
    readonly EPHEMERAL: number;
    readonly EPHEMERAL_SEQUENTIAL: number;
  };
  export const Event: { readonly NODE_CREATED: number; readonly NODE_DELETED: number; readonly NODE_DATA_CHANGED: number; readonly NODE_CHILDREN_CHANGED: number };
  export const Exception: { readonly NODE_EXISTS: number; readonly NO_NODE: number; readonly CONNECTION_LOSS: number; readonly SESSION_EXPIRED: number };

  const zookeeper: {
    createClient: typeof createClient;
    CreateMode: typeof CreateMode;
    Event: typeof Event;
    Exception: typeof Exception;
  };
  export default zookeeper;
}
