/** The client's public surface. */
export { ZooKeeperClient, type ClientEvents } from './client.js';
export { Transaction } from './transaction.js';
export { ErrorCode, ZooKeeperError, errorName, errorDescription, type ErrorCodeName } from './errors.js';
export { realScheduler } from './scheduler.js';
export { utf8, fromUtf8 } from './bytes.js';
export { validatePath, pathProblem } from './paths.js';
export type {
  ClientOptions,
  ConnectionState,
  CreateOptions,
  CreateResult,
  ChildrenResult,
  Data,
  DataResult,
  StateChange,
  WatchOption,
  WatchedEvent,
  WatchedEventType,
  Watcher,
} from './types.js';
export type { CreateMode, MultiOp, MultiResult, Stat, WatchMode, WatcherType, Connector, Scheduler } from '../protocol/client.js';
export * from './recipes/index.js';
