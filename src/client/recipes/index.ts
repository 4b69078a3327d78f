/** Recipes built on the client: the classic ZooKeeper patterns. */
export { ServiceRegistry, type RegistryOptions, type DiscoverOptions } from './registry.js';
export { Lock, type LockOptions } from './lock.js';
export { LeaderElection, type ElectionOptions } from './election.js';
export { DoubleBarrier, type BarrierOptions } from './barrier.js';
export { ConfigStore, jsonCodec, stringCodec, bytesCodec, type Codec, type Versioned } from './config.js';
export { watchNode, watchChildren, rearmingWatch, type WatchHandle, type NodeSnapshot } from './rearming-watch.js';
export { ensurePath } from './util.js';
