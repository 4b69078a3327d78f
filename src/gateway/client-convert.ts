/**
 * Conversions the ZooKeeper connector needs beyond convert.ts: jute Stat → peerkeeper's Stat, create
 * modes → ZooKeeper's opcode and flags, and session ids, which do not fit.
 *
 * ZooKeeper's session ids are 64-bit (the server id in the top byte, a start time, a counter), and the
 * client keeps a session id as a JavaScript number. So the connector hands the client a 53-bit *fold*
 * of the id as its number (identity for ids below 2^53, as peerkeeper's all are) and carries the exact
 * id inside the password the client keeps and sends back on a reconnect: `8 bytes id ‖ password`.
 * Stat.ephemeralOwner is folded the same way, so `stat.ephemeralOwner === client.sessionId` holds.
 */
import type { CreateMode, Stat } from '../protocol/client.js';
import type { JuteStat } from './jute/records.js';
import { OpCode } from './jute/opcodes.js';
import { longToZxid } from './convert.js';

const MASK_53 = (1n << 53n) - 1n;

/** A 64-bit session id as the client's number: exact below 2^53, else its high bits folded into the low ones. */
export function foldSessionId(id: bigint): number {
  const u = BigInt.asUintN(64, id);
  return Number((u ^ (u >> 53n)) & MASK_53);
}

/** The password the client keeps: the exact session id in front of the server's password. */
export function wrapPassword(sessionId: bigint, passwd: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + passwd.byteLength);
  new DataView(out.buffer).setBigUint64(0, BigInt.asUintN(64, sessionId));
  out.set(passwd, 8);
  return out;
}

/**
 * The exact session id and the server's password behind what the client sends on a reconnect. A
 * password that is not one of ours (too short, or an id that does not fold to the client's number)
 * is passed through as it is, with the number as the id.
 */
export function unwrapPassword(sessionId: number, password: Uint8Array): { sessionId: bigint; passwd: Uint8Array } {
  if (password.byteLength >= 8) {
    const id = new DataView(password.buffer, password.byteOffset, 8).getBigUint64(0);
    if (foldSessionId(id) === sessionId) return { sessionId: BigInt.asIntN(64, id), passwd: password.slice(8) };
  }
  return { sessionId: BigInt(sessionId), passwd: password };
}

export function fromJuteStat(s: JuteStat): Stat {
  return {
    czxid: longToZxid(s.czxid),
    mzxid: longToZxid(s.mzxid),
    pzxid: longToZxid(s.pzxid),
    ctime: Number(s.ctime),
    mtime: Number(s.mtime),
    version: s.version,
    cversion: s.cversion,
    aversion: s.aversion,
    ephemeralOwner: s.ephemeralOwner === 0n ? 0 : foldSessionId(s.ephemeralOwner),
    dataLength: s.dataLength,
    numChildren: s.numChildren,
  };
}

/** CreateMode.toFlag(), and which create request carries it (all of them answer with a Stat). */
export function createOpcodeAndFlags(mode: CreateMode): { type: typeof OpCode.create2 | typeof OpCode.createContainer | typeof OpCode.createTTL; flags: number } {
  switch (mode) {
    case 'PERSISTENT':
      return { type: OpCode.create2, flags: 0 };
    case 'EPHEMERAL':
      return { type: OpCode.create2, flags: 1 };
    case 'PERSISTENT_SEQUENTIAL':
      return { type: OpCode.create2, flags: 2 };
    case 'EPHEMERAL_SEQUENTIAL':
      return { type: OpCode.create2, flags: 3 };
    case 'CONTAINER':
      return { type: OpCode.createContainer, flags: 4 };
    case 'PERSISTENT_WITH_TTL':
      return { type: OpCode.createTTL, flags: 5 };
    case 'PERSISTENT_SEQUENTIAL_WITH_TTL':
      return { type: OpCode.createTTL, flags: 6 };
  }
}
