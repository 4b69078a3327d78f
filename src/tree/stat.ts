import type { Zxid } from '../zab/zxid.js';

import type { Stat } from '../protocol/client.js';

/**
 * ZooKeeper's Stat (defined with the client protocol, the one shape every layer shares). Zxids are
 * (epoch, counter) pairs; times are the leader-assigned ms carried in the txn; version, cversion and
 * aversion are 32-bit signed counters that wrap as ZooKeeper's do.
 */
export type { Stat };

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

/**
 * The Stat a client sees. Inside the tree (as in ZooKeeper's DataNode) `cversion` counts the children
 * ever created under a node: it names the next sequential child, and a delete leaves it alone.
 * ZooKeeper 3.8 reports creates plus deletes instead, derived as 2·cversion − numChildren
 * (DataNode.copyStat), so a delete shows as a cversion step and a node whose child was added without
 * counting (the root with `/zookeeper`) shows −1. Every Stat leaving the tree goes through this.
 */
export function clientStat(s: Stat): Stat {
  return { ...copyStat(s), cversion: reportedCversion(s.cversion, s.numChildren) };
}

/** 2·cversion − numChildren with Java's 32-bit wrap. */
export function reportedCversion(cversion: number, numChildren: number): number {
  return (Math.imul(cversion, 2) - numChildren) | 0;
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
