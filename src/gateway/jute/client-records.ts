/**
 * The other direction of records.ts: what a ZooKeeper *client* writes (ConnectRequest, RequestHeader
 * and each op's request record, MultiHeader-framed multis, SetWatches/SetWatches2) and what it reads
 * back (ConnectResponse, ReplyHeader, each op's response, MultiResponse, WatcherEvent). Pure: bytes
 * in, records out. Every read goes through JuteReader, so a short or lying reply from a broken or
 * hostile server ends in a `JuteDecodeError`, never in a crash or an allocation the packet cannot back.
 */
import { JuteDecodeError, type JuteReader } from './reader.js';
import { JuteWriter } from './writer.js';
import { OpCode } from './opcodes.js';
import { readStat, writeAcls, writeMultiHeader, type JuteAcl, type JuteStat } from './records.js';

// ---- requests -------------------------------------------------------------------------------

export interface JuteConnectRequestOut {
  readonly lastZxidSeen: bigint;
  readonly timeOut: number;
  readonly sessionId: bigint;
  readonly passwd: Uint8Array;
  readonly readOnly: boolean;
}

/** ConnectRequest with protocol version 0 and the trailing readOnly byte (ZooKeeper 3.4+). */
export function encodeConnectRequest(c: JuteConnectRequestOut): Uint8Array {
  return new JuteWriter().int(0).long(c.lastZxidSeen).int(c.timeOut).long(c.sessionId).buffer(c.passwd).bool(c.readOnly).framed();
}

export function writeRequestHeader(w: JuteWriter, xid: number, type: number): JuteWriter {
  return w.int(xid).int(type);
}

/** The body of a create of any kind (CreateRequest, or CreateTTLRequest when `ttl` is given). */
export interface JuteCreateOut {
  readonly path: string;
  readonly data: Uint8Array;
  readonly acl: readonly JuteAcl[];
  readonly flags: number;
  readonly ttl?: bigint;
}

export function writeCreateBody(w: JuteWriter, c: JuteCreateOut): JuteWriter {
  writeAcls(w.string(c.path).buffer(c.data), c.acl).int(c.flags);
  if (c.ttl !== undefined) w.long(c.ttl);
  return w;
}

/** One op of a multi as it goes inside MultiRequest: its MultiHeader, then its request record. */
export type JuteMultiOpOut =
  | { readonly type: typeof OpCode.create | typeof OpCode.create2 | typeof OpCode.createContainer | typeof OpCode.createTTL; readonly create: JuteCreateOut }
  | { readonly type: typeof OpCode.delete | typeof OpCode.check; readonly path: string; readonly version: number }
  | { readonly type: typeof OpCode.setData; readonly path: string; readonly data: Uint8Array; readonly version: number };

export function writeMultiBody(w: JuteWriter, ops: readonly JuteMultiOpOut[]): JuteWriter {
  for (const op of ops) {
    writeMultiHeader(w, op.type, false, -1);
    switch (op.type) {
      case OpCode.delete:
      case OpCode.check:
        w.string(op.path).int(op.version);
        break;
      case OpCode.setData:
        w.string(op.path).buffer(op.data).int(op.version);
        break;
      default:
        writeCreateBody(w, op.create);
    }
  }
  return writeMultiHeader(w, -1, true, -1);
}

export interface JuteSetWatchesOut {
  readonly relativeZxid: bigint;
  readonly data: readonly string[];
  readonly exist: readonly string[];
  readonly child: readonly string[];
  /** Non-empty persistent lists need SetWatches2 (ZooKeeper 3.6+); empty ones go as SetWatches. */
  readonly persistent: readonly string[];
  readonly persistentRecursive: readonly string[];
}

/** SetWatches or SetWatches2, with xid −8 as ZooKeeper's own client sends it. */
export function encodeSetWatches(xid: number, s: JuteSetWatchesOut): Uint8Array {
  const two = s.persistent.length > 0 || s.persistentRecursive.length > 0;
  const w = writeRequestHeader(new JuteWriter(), xid, two ? OpCode.setWatches2 : OpCode.setWatches);
  w.long(s.relativeZxid).stringVector(s.data).stringVector(s.exist).stringVector(s.child);
  if (two) w.stringVector(s.persistent).stringVector(s.persistentRecursive);
  return w.framed();
}

// ---- replies --------------------------------------------------------------------------------

export interface JuteCreateResult {
  readonly path: string;
  /** Absent when the server answered with a plain CreateResponse (opcode create). */
  readonly stat?: JuteStat;
}

export function readCreate2Response(r: JuteReader): JuteCreateResult {
  return { path: r.requiredString('path'), stat: readStat(r) };
}

export function readGetDataResponse(r: JuteReader): { data: Uint8Array; stat: JuteStat } {
  return { data: r.buffer('data') ?? new Uint8Array(0), stat: readStat(r) };
}

export function readChildren(r: JuteReader): string[] {
  return r.stringVector('children') ?? [];
}

export function readChildren2(r: JuteReader): { children: string[]; stat: JuteStat } {
  return { children: readChildren(r), stat: readStat(r) };
}

/** One result of a MultiResponse, by the opcode in its MultiHeader. */
export type JuteMultiResult =
  | { readonly type: 'create'; readonly result: JuteCreateResult }
  | { readonly type: 'delete' }
  | { readonly type: 'setData'; readonly stat: JuteStat }
  | { readonly type: 'check' }
  | { readonly type: 'error'; readonly err: number };

/**
 * MultiResponse: (MultiHeader, result) pairs up to a header with done set. Each pair takes at least
 * the header's 9 bytes, so the packet bounds how many there can be; `maxResults` (the ops we sent)
 * bounds it again, since a reply with more results than requests is not an answer to ours.
 */
export function readMultiResponse(r: JuteReader, maxResults: number): JuteMultiResult[] {
  const out: JuteMultiResult[] = [];
  for (;;) {
    const type = r.int('multi header type');
    const done = r.bool('multi header done');
    const err = r.int('multi header err');
    if (done) return out;
    if (out.length >= maxResults) throw new JuteDecodeError(`multi reply has more than the ${maxResults} results asked for`);
    switch (type) {
      case OpCode.create:
        out.push({ type: 'create', result: { path: r.requiredString('path') } });
        break;
      case OpCode.create2:
      case OpCode.createContainer:
      case OpCode.createTTL:
        out.push({ type: 'create', result: readCreate2Response(r) });
        break;
      case OpCode.delete:
        out.push({ type: 'delete' });
        break;
      case OpCode.setData:
        out.push({ type: 'setData', stat: readStat(r) });
        break;
      case OpCode.check:
        out.push({ type: 'check' });
        break;
      case OpCode.error:
        // ErrorResponse repeats the code the header carries.
        out.push({ type: 'error', err: r.int('error response err') });
        void err;
        break;
      default:
        throw new JuteDecodeError(`multi reply has a result of op type ${type}`);
    }
  }
}

export interface JuteWatcherEvent {
  readonly type: number;
  readonly state: number;
  readonly path: string;
}

export function readWatcherEvent(r: JuteReader): JuteWatcherEvent {
  return { type: r.int('event type'), state: r.int('keeper state'), path: r.string('event path') ?? '' };
}
