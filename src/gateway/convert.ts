/**
 * Conversions between peerkeeper's client messages and ZooKeeper's jute values: zxids as one signed
 * 64-bit number (epoch in the high 32 bits, as ZooKeeper's), session ids as longs, Stat field by field,
 * create flags as CreateMode names.
 */
import type { CreateMode, EventType as MemberEventType, Stat } from '../protocol/client.js';
import type { Zxid } from '../zab/zxid.js';
import { EventType } from './jute/opcodes.js';
import type { JuteStat } from './jute/records.js';

export function zxidToLong(z: Zxid): bigint {
  return (BigInt(z.epoch) << 32n) | BigInt(z.counter >>> 0);
}

/** A client's lastZxidSeen or setWatches' relativeZxid; negative (none yet) reads as (0, 0). */
export function longToZxid(l: bigint): Zxid {
  if (l <= 0n) return { epoch: 0, counter: 0 };
  return { epoch: Number((l >> 32n) & 0xffffffffn), counter: Number(l & 0xffffffffn) };
}

/** A session id from the wire, or null when no peerkeeper session can have it (negative, beyond 2^53). */
export function longToSessionId(l: bigint): number | null {
  if (l < 0n || l > BigInt(Number.MAX_SAFE_INTEGER)) return null;
  return Number(l);
}

export function toJuteStat(s: Stat): JuteStat {
  return {
    czxid: zxidToLong(s.czxid),
    mzxid: zxidToLong(s.mzxid),
    ctime: BigInt(Math.trunc(s.ctime)),
    mtime: BigInt(Math.trunc(s.mtime)),
    version: s.version,
    cversion: s.cversion,
    aversion: s.aversion,
    ephemeralOwner: BigInt(s.ephemeralOwner),
    dataLength: s.dataLength,
    numChildren: s.numChildren,
    pzxid: zxidToLong(s.pzxid),
  };
}

/** CreateMode's flag numbers (CreateMode.fromFlag); undefined for any other. */
const CREATE_FLAGS: readonly CreateMode[] = [
  'PERSISTENT',
  'EPHEMERAL',
  'PERSISTENT_SEQUENTIAL',
  'EPHEMERAL_SEQUENTIAL',
  'CONTAINER',
  'PERSISTENT_WITH_TTL',
  'PERSISTENT_SEQUENTIAL_WITH_TTL',
];

export function createModeFromFlags(flags: number): CreateMode | undefined {
  return Number.isInteger(flags) && flags >= 0 ? CREATE_FLAGS[flags] : undefined;
}

export function juteEventType(e: MemberEventType): number {
  return EventType[e];
}
