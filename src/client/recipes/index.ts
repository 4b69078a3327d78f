/** Recipes built on the client: the classic ZooKeeper patterns. */
export { ServiceRegistry, type RegistryOptions, type DiscoverOptions } from './registry.js';
export { Lock, watchLockHolder, withLock, type LockOptions } from './lock.js';
export { LeaderElection, electLeader, watchLeader, type ElectionOptions, type ElectLeaderHandle, type LeaderState } from './election.js';
export { DoubleBarrier, type BarrierOptions } from './barrier.js';
export { ConfigStore, jsonCodec, stringCodec, bytesCodec, type Codec, type Versioned } from './config.js';
export { Presence } from './presence.js';
export { watchNode, watchChildren, rearmingWatch, watchFirstSequential, type WatchHandle, type NodeSnapshot, type RearmingOptions } from './rearming-watch.js';
export { ensurePath } from './util.js';
