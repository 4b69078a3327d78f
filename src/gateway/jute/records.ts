/**
 * ZooKeeper's jute records (zookeeper.jute) that cross a client connection: the handshake, the
 * request and reply headers, Stat, and each operation's request and response. Decoding returns a
 * typed request or throws `JuteDecodeError` (reader.ts); the caller turns that into a close.
 */
import { JuteDecodeError, JuteReader } from './reader.js';
import { JuteWriter } from './writer.js';
import { OpCode, PERMS_ALL } from './opcodes.js';

// ---- handshake ------------------------------------------------------------------------------

export interface JuteConnectRequest {
  readonly protocolVersion: number;
  readonly lastZxidSeen: bigint;
  readonly timeOut: number;
  readonly sessionId: bigint;
  readonly passwd: Uint8Array;
  /** Absent from old clients (the trailing byte is optional). */
  readonly readOnly: boolean;
}

export function decodeConnectRequest(bytes: Uint8Array): JuteConnectRequest {
  const r = new JuteReader(bytes);
  const protocolVersion = r.int('protocolVersion');
  const lastZxidSeen = r.long('lastZxidSeen');
  const timeOut = r.int('timeOut');
  const sessionId = r.long('sessionId');
  const passwd = r.buffer('passwd') ?? new Uint8Array(0);
  const readOnly = r.remaining > 0 ? r.bool('readOnly') : false;
  return { protocolVersion, lastZxidSeen, timeOut, sessionId, passwd, readOnly };
}

export interface JuteConnectResponse {
  readonly protocolVersion: number;
  readonly timeOut: number;
  readonly sessionId: bigint;
  readonly passwd: Uint8Array;
  readonly readOnly: boolean;
}

export function encodeConnectResponse(c: JuteConnectResponse): Uint8Array {
  return new JuteWriter().int(c.protocolVersion).int(c.timeOut).long(c.sessionId).buffer(c.passwd).bool(c.readOnly).framed();
}

export function decodeConnectResponse(bytes: Uint8Array): JuteConnectResponse {
  const r = new JuteReader(bytes);
  return { protocolVersion: r.int(), timeOut: r.int(), sessionId: r.long(), passwd: r.buffer() ?? new Uint8Array(0), readOnly: r.remaining > 0 ? r.bool() : false };
}

// ---- Stat, ACL ------------------------------------------------------------------------------

export interface JuteStat {
  readonly czxid: bigint;
  readonly mzxid: bigint;
  readonly ctime: bigint;
  readonly mtime: bigint;
  readonly version: number;
  readonly cversion: number;
  readonly aversion: number;
  readonly ephemeralOwner: bigint;
  readonly dataLength: number;
  readonly numChildren: number;
  readonly pzxid: bigint;
}

export function writeStat(w: JuteWriter, s: JuteStat): JuteWriter {
  return w
    .long(s.czxid).long(s.mzxid).long(s.ctime).long(s.mtime)
    .int(s.version).int(s.cversion).int(s.aversion)
    .long(s.ephemeralOwner).int(s.dataLength).int(s.numChildren).long(s.pzxid);
}

export function readStat(r: JuteReader): JuteStat {
  return {
    czxid: r.long(), mzxid: r.long(), ctime: r.long(), mtime: r.long(),
    version: r.int(), cversion: r.int(), aversion: r.int(),
    ephemeralOwner: r.long(), dataLength: r.int(), numChildren: r.int(), pzxid: r.long(),
  };
}

export interface JuteAcl {
  readonly perms: number;
  readonly scheme: string;
  readonly id: string;
}

function readAcls(r: JuteReader): JuteAcl[] | null {
  // perms (4) + two string lengths (8): the least an ACL takes.
  return r.vector('acl', 12, (x) => ({ perms: x.int('perms'), scheme: x.requiredString('scheme'), id: x.requiredString('id') }));
}

export const OPEN_ACL: readonly JuteAcl[] = [{ perms: PERMS_ALL, scheme: 'world', id: 'anyone' }];

export function writeAcls(w: JuteWriter, acls: readonly JuteAcl[]): JuteWriter {
  w.int(acls.length);
  for (const a of acls) w.int(a.perms).string(a.scheme).string(a.id);
  return w;
}

/** The only ACL peerkeeper can honour: every entry world:anyone with every permission. */
export function isOpenAcl(acls: readonly JuteAcl[] | null): boolean {
  return acls !== null && acls.length > 0 && acls.every((a) => a.scheme === 'world' && a.id === 'anyone' && a.perms === PERMS_ALL);
}

// ---- requests -------------------------------------------------------------------------------

/** A create of any kind; `type` says which response record the client expects. */
export interface JuteCreate {
  readonly type: typeof OpCode.create | typeof OpCode.create2 | typeof OpCode.createContainer | typeof OpCode.createTTL;
  readonly path: string;
  readonly data: Uint8Array;
  readonly acl: JuteAcl[] | null;
  readonly flags: number;
  readonly ttl?: bigint;
}

export type JuteMultiOp =
  | JuteCreate
  | { readonly type: typeof OpCode.delete; readonly path: string; readonly version: number }
  | { readonly type: typeof OpCode.setData; readonly path: string; readonly data: Uint8Array; readonly version: number }
  | { readonly type: typeof OpCode.check; readonly path: string; readonly version: number };

export type JuteReadOp =
  | { readonly type: typeof OpCode.getData; readonly path: string; readonly watch: boolean }
  | { readonly type: typeof OpCode.getChildren; readonly path: string; readonly watch: boolean };

export type JuteRequest =
  | JuteMultiOp
  | JuteReadOp
  | { readonly type: typeof OpCode.exists; readonly path: string; readonly watch: boolean }
  | { readonly type: typeof OpCode.getChildren2; readonly path: string; readonly watch: boolean }
  | { readonly type: typeof OpCode.getACL; readonly path: string }
  | { readonly type: typeof OpCode.setACL; readonly path: string; readonly acl: JuteAcl[] | null; readonly version: number }
  | { readonly type: typeof OpCode.sync; readonly path: string }
  | { readonly type: typeof OpCode.ping }
  | { readonly type: typeof OpCode.closeSession }
  | { readonly type: typeof OpCode.multi; readonly ops: JuteMultiOp[] }
  | { readonly type: typeof OpCode.multiRead; readonly ops: JuteReadOp[] }
  | {
      readonly type: typeof OpCode.setWatches | typeof OpCode.setWatches2;
      readonly relativeZxid: bigint;
      readonly data: string[];
      readonly exist: string[];
      readonly child: string[];
      readonly persistent: string[];
      readonly persistentRecursive: string[];
    }
  | { readonly type: typeof OpCode.addWatch; readonly path: string; readonly mode: number }
  | { readonly type: typeof OpCode.removeWatches | typeof OpCode.checkWatches; readonly path: string; readonly watcherType: number }
  | { readonly type: typeof OpCode.getEphemerals; readonly prefix: string }
  | { readonly type: typeof OpCode.getAllChildrenNumber; readonly path: string }
  | { readonly type: typeof OpCode.auth; readonly authType: number; readonly scheme: string; readonly auth: Uint8Array }
  /** A type this gateway does not serve (reconfig, sasl, whoAmI, …): answered UNIMPLEMENTED. */
  | { readonly type: 'unsupported'; readonly opCode: number };

export interface JuteRequestPacket {
  readonly xid: number;
  readonly request: JuteRequest;
}

/** One request packet after the handshake: RequestHeader then the op's record. */
export function decodeRequest(bytes: Uint8Array): JuteRequestPacket {
  const r = new JuteReader(bytes);
  const xid = r.int('xid');
  const type = r.int('type');
  return { xid, request: decodeBody(r, type) };
}

function decodeCreate(r: JuteReader, type: JuteCreate['type']): JuteCreate {
  const path = r.requiredString('path');
  const data = r.buffer('data') ?? new Uint8Array(0);
  const acl = readAcls(r);
  const flags = r.int('flags');
  if (type === OpCode.createTTL) return { type, path, data, acl, flags, ttl: r.long('ttl') };
  return { type, path, data, acl, flags };
}

function decodeBody(r: JuteReader, type: number): JuteRequest {
  switch (type) {
    case OpCode.create:
    case OpCode.create2:
    case OpCode.createContainer:
    case OpCode.createTTL:
      return decodeCreate(r, type);
    case OpCode.delete:
      return { type, path: r.requiredString('path'), version: r.int('version') };
    case OpCode.setData:
      return { type, path: r.requiredString('path'), data: r.buffer('data') ?? new Uint8Array(0), version: r.int('version') };
    case OpCode.check:
      return { type, path: r.requiredString('path'), version: r.int('version') };
    case OpCode.exists:
    case OpCode.getData:
    case OpCode.getChildren:
    case OpCode.getChildren2:
      return { type, path: r.requiredString('path'), watch: r.bool('watch') };
    case OpCode.getACL:
      return { type, path: r.requiredString('path') };
    case OpCode.setACL:
      return { type, path: r.requiredString('path'), acl: readAcls(r), version: r.int('version') };
    case OpCode.sync:
      return { type, path: r.requiredString('path') };
    case OpCode.getAllChildrenNumber:
      return { type, path: r.requiredString('path') };
    case OpCode.getEphemerals:
      return { type, prefix: r.requiredString('prefixPath') };
    case OpCode.ping:
    case OpCode.closeSession:
      return { type };
    case OpCode.addWatch:
      return { type, path: r.requiredString('path'), mode: r.int('mode') };
    case OpCode.removeWatches:
    case OpCode.checkWatches:
      return { type, path: r.requiredString('path'), watcherType: r.int('type') };
    case OpCode.setWatches:
    case OpCode.setWatches2: {
      const relativeZxid = r.long('relativeZxid');
      const data = r.stringVector('dataWatches') ?? [];
      const exist = r.stringVector('existWatches') ?? [];
      const child = r.stringVector('childWatches') ?? [];
      const persistent = type === OpCode.setWatches2 ? (r.stringVector('persistentWatches') ?? []) : [];
      const persistentRecursive = type === OpCode.setWatches2 ? (r.stringVector('persistentRecursiveWatches') ?? []) : [];
      return { type, relativeZxid, data, exist, child, persistent, persistentRecursive };
    }
    case OpCode.auth:
      return { type, authType: r.int('type'), scheme: r.requiredString('scheme'), auth: r.buffer('auth') ?? new Uint8Array(0) };
    case OpCode.multi:
    case OpCode.multiRead:
      return decodeMulti(r, type);
    default:
      return { type: 'unsupported', opCode: type };
  }
}

/** A multi: (MultiHeader, op) pairs up to a header with done set. Each pair takes ≥ 13 bytes, so the packet bounds the count. */
function decodeMulti(r: JuteReader, type: typeof OpCode.multi | typeof OpCode.multiRead): JuteRequest {
  const ops: JuteRequest[] = [];
  for (;;) {
    const opType = r.int('multi header type');
    const done = r.bool('multi header done');
    r.int('multi header err');
    if (done) break;
    const allowed =
      type === OpCode.multi
        ? opType === OpCode.create || opType === OpCode.create2 || opType === OpCode.createContainer || opType === OpCode.createTTL || opType === OpCode.delete || opType === OpCode.setData || opType === OpCode.check
        : opType === OpCode.getData || opType === OpCode.getChildren;
    if (!allowed) throw new JuteDecodeError(`op type ${opType} is not allowed in a ${type === OpCode.multi ? 'multi' : 'multiRead'}`);
    ops.push(decodeBody(r, opType));
  }
  return type === OpCode.multi ? { type, ops: ops as JuteMultiOp[] } : { type, ops: ops as JuteReadOp[] };
}

// ---- replies --------------------------------------------------------------------------------

export function writeReplyHeader(w: JuteWriter, xid: number, zxid: bigint, err: number): JuteWriter {
  return w.int(xid).long(zxid).int(err);
}

export interface JuteReplyHeader {
  readonly xid: number;
  readonly zxid: bigint;
  readonly err: number;
}

export function readReplyHeader(r: JuteReader): JuteReplyHeader {
  return { xid: r.int('xid'), zxid: r.long('zxid'), err: r.int('err') };
}

/** MultiHeader: each result in a multi's reply (and each op in its request) starts with one. */
export function writeMultiHeader(w: JuteWriter, type: number, done: boolean, err: number): JuteWriter {
  return w.int(type).bool(done).int(err);
}

/** WatcherEvent: sent with xid −1. */
export function writeWatcherEvent(w: JuteWriter, type: number, state: number, path: string): JuteWriter {
  return w.int(type).int(state).string(path);
}
