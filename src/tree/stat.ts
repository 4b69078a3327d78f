import type { Zxid } from '../zab/zxid.js';

/**
 * ZooKeeper's Stat. Zxids are (epoch, counter) pairs; times are the leader-assigned ms carried in the
 * txn; session ids are safe integers (0 = not ephemeral). version, cversion and aversion are 32-bit
 * signed counters that wrap as ZooKeeper's do.
 */
export interface Stat {
  /** The txn that created the node. */
  readonly czxid: Zxid;
  /** The txn that last changed the node's data (the create, until a setData). */
  readonly mzxid: Zxid;
  /** The txn that last added or removed a child (the create, until then). */
  readonly pzxid: Zxid;
  readonly ctime: number;
  readonly mtime: number;
  /** Changes to the data. */
  readonly version: number;
  /** Children created under this node (deletes move pzxid, not cversion, as in ZooKeeper 3.5+). */
  readonly cversion: number;
  /** Changes to the ACL; always 0 here (no ACLs yet). */
  readonly aversion: number;
  /** The owning session of an ephemeral node; 0 for every other kind. */
  readonly ephemeralOwner: number;
  readonly dataLength: number;
  readonly numChildren: number;
}

export type MutableStat = { -readonly [K in keyof Stat]: Stat[K] };

export function copyStat(s: Stat): Stat {
  return {
    czxid: s.czxid,
    mzxid: s.mzxid,
    pzxid: s.pzxid,
    ctime: s.ctime,
    mtime: s.mtime,
    version: s.version,
    cversion: s.cversion,
    aversion: s.aversion,
    ephemeralOwner: s.ephemeralOwner,
    dataLength: s.dataLength,
    numChildren: s.numChildren,
  };
}

export function newStat(zxid: Zxid, time: number, ephemeralOwner: number, dataLength: number): MutableStat {
  return {
    czxid: zxid,
    mzxid: zxid,
    pzxid: zxid,
    ctime: time,
    mtime: time,
    version: 0,
    cversion: 0,
    aversion: 0,
    ephemeralOwner,
    dataLength,
    numChildren: 0,
  };
}

export const INT32_MIN = -0x80000000;
export const INT32_MAX = 0x7fffffff;

export function isInt32(n: unknown): n is number {
  return typeof n === 'number' && Number.isInteger(n) && n >= INT32_MIN && n <= INT32_MAX;
}

/** "Any version" in setData, delete and check. */
export const ANY_VERSION = -1;

/**
 * The data version after a change. Wraps like a Java int but skips -1, which would read as "any
 * version" in the next conditional write (ZOOKEEPER-4743).
 */
export function nextVersion(version: number): number {
  const next = (version + 1) | 0;
  return next === ANY_VERSION ? 0 : next;
}

/** The child version after a create: a plain 32-bit wrap, as ZooKeeper's int does. */
export function nextCversion(cversion: number): number {
  return (cversion + 1) | 0;
}
