/**
 * One connection of peerkeeper's client to a ZooKeeper server, translated: the client's messages
 * (protocol/client.ts) become jute packets, and the server's packets become the messages the client's
 * session layer expects. The reverse of connection.ts, and as pure: no socket, no timer —
 * zookeeper-connector.ts moves the bytes.
 *
 * Bookkeeping, as ZooKeeper's own client keeps it: every request gets the next jute xid and waits in
 * a FIFO; a reply must be for the oldest one (ZooKeeper answers a session in order), and anything
 * else — an unknown xid, a reply nobody asked for, a record that does not decode, more multi results
 * than ops — is a protocol error (`JuteDecodeError`) that costs the connection, never the process.
 * Pings (xid −2) and setWatches (xid −8) are counted apart; notifications (xid −1) go straight through,
 * so a watch event reaches the client before any reply that follows it on the wire.
 */
import { ErrorCode } from '../protocol/errors.js';
import type { ClientToMember, MemberToClient, MultiOp, MultiResult, Operation, OperationResult, SetWatchesRequest, Stat } from '../protocol/client.js';
import { ZXID_ZERO } from '../zab/zxid.js';
import { Chroot, normalizeChroot } from './chroot.js';
import { createOpcodeAndFlags, foldSessionId, fromJuteStat, unwrapPassword, wrapPassword } from './client-convert.js';
import { longToZxid, zxidToLong } from './convert.js';
import {
  encodeConnectRequest,
  encodeSetWatches,
  readChildren,
  readChildren2,
  readCreate2Response,
  readGetDataResponse,
  readMultiResponse,
  readWatcherEvent,
  writeCreateBody,
  writeMultiBody,
  writeRequestHeader,
  type JuteMultiOpOut,
  type JuteMultiResult,
} from './jute/client-records.js';
import { EventType, OpCode, Xid } from './jute/opcodes.js';
import { JuteDecodeError, JuteReader } from './jute/reader.js';
import { OPEN_ACL, decodeConnectResponse, readReplyHeader, readStat, type JuteAcl, type JuteStat } from './jute/records.js';
import { JuteWriter } from './jute/writer.js';

export interface ZooKeeperClientConnectionOptions {
  /** A framed packet for the server. */
  readonly write: (bytes: Uint8Array) => void;
  /** A message for the client, in the order the server's packets arrived. */
  readonly deliver: (message: MemberToClient) => void;
  /** Reported as `Connected.memberId` (the connector's index of this server). */
  readonly memberId: number;
  /** The ACL every create carries; default world:anyone with every permission (ZooKeeper's OPEN_ACL_UNSAFE). */
  readonly acl?: readonly JuteAcl[];
  /** Paths are taken below this one on the server (chroot.ts); absent or `/`: none. */
  readonly chroot?: string;
  /** Credentials sent right after each ConnectRequest (AuthPacket, xid −4), as ZooKeeper's client re-sends its addAuthInfo. */
  readonly auth?: readonly ZooKeeperAuth[];
}

export interface ZooKeeperAuth {
  /** `digest` (auth `user:password`), or any scheme the server has a provider for. */
  readonly scheme: string;
  readonly auth: Uint8Array | string;
}

/** How to read one reply's body (called only when its header says OK). */
type BodyReader = (r: JuteReader, zxid: bigint) => OperationResult;

interface Pending {
  readonly juteXid: number;
  readonly clientXid: number;
  readonly read: BodyReader;
  /** A standalone check goes as a one-op multi: its error comes back inside the body. */
  readonly errFromBody?: (r: JuteReader) => number;
}

/** ZooKeeper's own client sends at most this many path bytes per SetWatches packet. */
const SET_WATCHES_BATCH_BYTES = 128 * 1024;
const MAX_XID = 0x7fffffff;

export class ZooKeeperClientConnection {
  private state: 'new' | 'connecting' | 'open' | 'refused' = 'new';
  private nextXid = 1;
  private readonly pending: Pending[] = [];
  private pings = 0;
  private setWatchesReplies = 0;
  private authReplies: string[] = [];
  /** The session as the client numbers it, once the server granted one (owner of our ephemerals). */
  private sessionId = 0;
  private readonly acl: readonly JuteAcl[];
  private readonly chroot: Chroot | null;
  private readonly deliver: (message: MemberToClient) => void;

  constructor(private readonly o: ZooKeeperClientConnectionOptions) {
    this.acl = o.acl ?? OPEN_ACL;
    const root = normalizeChroot(o.chroot);
    const chroot = (this.chroot = root === null ? null : new Chroot(root));
    this.deliver = chroot === null ? o.deliver : (m) => o.deliver(chroot.reply(m));
  }

  /** Requests written and not answered yet. */
  get outstanding(): number {
    return this.pending.length;
  }

  send(original: ClientToMember): void {
    const message = this.chroot === null ? original : this.chroot.request(original);
    switch (message.type) {
      case 'connect': {
        if (this.state !== 'new') throw new Error('connect sent twice on one connection');
        this.state = 'connecting';
        const { sessionId, passwd } = unwrapPassword(message.sessionId, message.password);
        const timeOut = Math.min(0x7fffffff, Math.max(0, Math.round(message.timeoutMs)));
        this.o.write(encodeConnectRequest({ lastZxidSeen: zxidToLong(message.lastZxidSeen), timeOut, sessionId, passwd, readOnly: message.canBeReadOnly }));
        // The server reads these only once it has answered the connect, so they follow it.
        for (const a of this.o.auth ?? []) {
          this.authReplies.push(a.scheme);
          const bytes = typeof a.auth === 'string' ? encoder.encode(a.auth) : a.auth;
          this.o.write(writeRequestHeader(new JuteWriter(), Xid.auth, OpCode.auth).int(0).string(a.scheme).buffer(bytes).framed());
        }
        return;
      }
      case 'ping':
        this.pings++;
        this.o.write(writeRequestHeader(new JuteWriter(), Xid.ping, OpCode.ping).framed());
        return;
      case 'setWatches':
        for (const packet of setWatchesPackets(message)) {
          this.setWatchesReplies++;
          this.o.write(packet);
        }
        return;
      case 'request':
        return this.request(message.xid, message.operation);
    }
  }

  /** One packet from the server, without its length prefix. Throws `JuteDecodeError` on anything wrong. */
  receive(packet: Uint8Array): void {
    if (this.state === 'refused') return;
    if (this.state !== 'open') return this.onConnectResponse(packet);
    const r = new JuteReader(packet);
    const header = readReplyHeader(r);
    const zxid = longToZxid(header.zxid);
    switch (header.xid) {
      case Xid.notification:
        return this.onEvent(r, zxid);
      case Xid.ping:
        if (this.pings === 0) throw new JuteDecodeError('a ping reply with no ping outstanding');
        this.pings--;
        return this.deliver({ type: 'pong', zxid });
      case Xid.auth: {
        const scheme = this.authReplies.shift();
        if (scheme === undefined) throw new JuteDecodeError('an auth reply with no auth outstanding');
        if (header.err === ErrorCode.OK) return;
        // ZooKeeper closes the connection after this; the client hears why first.
        return this.deliver({ type: 'disconnect', err: header.err, reason: `the server refused our ${scheme} credentials` });
      }
      case Xid.setWatches:
        // Nothing in the client's protocol answers setWatches: the events it fires are what counts.
        if (this.setWatchesReplies === 0) throw new JuteDecodeError('a setWatches reply with none outstanding');
        this.setWatchesReplies--;
        return;
    }
    const head = this.pending[0];
    if (head === undefined) throw new JuteDecodeError(`a reply for xid ${header.xid} with no request outstanding`);
    if (head.juteXid !== header.xid) throw new JuteDecodeError(`xid out of order: reply for ${header.xid}, expected ${head.juteXid}`);
    this.pending.shift();
    let err = header.err;
    let result: OperationResult | undefined;
    if (err === ErrorCode.OK) {
      if (head.errFromBody) err = head.errFromBody(r);
      if (err === ErrorCode.OK) result = head.read(r, header.zxid);
    }
    this.deliver({ type: 'response', xid: head.clientXid, zxid, err, ...(result !== undefined ? { result } : {}) });
  }

  private onConnectResponse(packet: Uint8Array): void {
    if (this.state === 'new') throw new JuteDecodeError('the server spoke before our connect request');
    const c = decodeConnectResponse(packet);
    if (c.timeOut <= 0) {
      // ZooKeeper's answer to an unknown or expired session: a response with no timeout, then close.
      this.state = 'refused';
      return this.deliver({ type: 'connectRefused', err: ErrorCode.SESSIONEXPIRED, reason: 'the server says the session has expired or is unknown' });
    }
    this.state = 'open';
    this.sessionId = foldSessionId(c.sessionId);
    this.deliver({
      type: 'connected',
      sessionId: foldSessionId(c.sessionId),
      password: wrapPassword(c.sessionId, c.passwd),
      timeoutMs: c.timeOut,
      readOnly: c.readOnly,
      memberId: this.o.memberId,
      // ConnectResponse carries no zxid: ZooKeeper itself refuses a client that has seen more than it has.
      zxid: ZXID_ZERO,
    });
  }

  private onEvent(r: JuteReader, zxid: ReturnType<typeof longToZxid>): void {
    const e = readWatcherEvent(r);
    const event = EVENT_NAMES.get(e.type);
    if (event !== undefined) return this.deliver({ type: 'watch', event, path: e.path, zxid });
    // Connection-state events and *WatchRemoved have no member message (the client makes its own).
    if (e.type === EventType.None || e.type === EventType.DataWatchRemoved || e.type === EventType.ChildWatchRemoved || e.type === EventType.PersistentWatchRemoved) return;
    throw new JuteDecodeError(`a watch event of unknown type ${e.type}`);
  }

  private request(clientXid: number, op: Operation): void {
    const juteXid = this.nextXid;
    this.nextXid = this.nextXid >= MAX_XID ? 1 : this.nextXid + 1;
    const w = new JuteWriter();
    const pending = (read: BodyReader, errFromBody?: Pending['errFromBody']): void => {
      this.pending.push({ juteXid, clientXid, read, ...(errFromBody ? { errFromBody } : {}) });
    };
    switch (op.op) {
      case 'create': {
        const { type, flags } = createOpcodeAndFlags(op.mode);
        writeCreateBody(writeRequestHeader(w, juteXid, type), { path: op.path, data: op.data, acl: this.acl, flags, ...ttl(op) });
        pending((r) => createResult(readCreate2Response(r)));
        break;
      }
      case 'delete':
        writeRequestHeader(w, juteXid, OpCode.delete).string(op.path).int(op.version);
        pending(() => ({ op: 'delete' }));
        break;
      case 'setData':
        writeRequestHeader(w, juteXid, OpCode.setData).string(op.path).buffer(op.data).int(op.version);
        pending((r) => ({ op: 'setData', stat: fromJuteStat(readStat(r)) }));
        break;
      case 'check':
        // A check by itself is a one-op multi: every ZooKeeper since 3.4 answers that the same way.
        writeMultiBody(writeRequestHeader(w, juteXid, OpCode.multi), [{ type: OpCode.check, path: op.path, version: op.version }]);
        pending(() => ({ op: 'check' }), (r) => {
          const [res] = readMultiResponse(r, 1);
          if (res === undefined) throw new JuteDecodeError('a check answered with no result');
          return res.type === 'error' ? res.err : ErrorCode.OK;
        });
        break;
      case 'getData':
        writeRequestHeader(w, juteXid, OpCode.getData).string(op.path).bool(op.watch);
        pending((r) => {
          const { data, stat } = readGetDataResponse(r);
          return { op: 'getData', data, stat: fromJuteStat(stat) };
        });
        break;
      case 'exists':
        writeRequestHeader(w, juteXid, OpCode.exists).string(op.path).bool(op.watch);
        pending((r) => ({ op: 'exists', stat: fromJuteStat(readStat(r)) }));
        break;
      case 'getChildren':
        writeRequestHeader(w, juteXid, op.withStat ? OpCode.getChildren2 : OpCode.getChildren).string(op.path).bool(op.watch);
        pending((r) => {
          if (!op.withStat) return { op: 'getChildren', children: readChildren(r) };
          const { children, stat } = readChildren2(r);
          return { op: 'getChildren', children, stat: fromJuteStat(stat) };
        });
        break;
      case 'getEphemerals':
        writeRequestHeader(w, juteXid, OpCode.getEphemerals).string(op.prefix);
        pending((r) => ({ op: 'getEphemerals', paths: r.stringVector('ephemerals') ?? [] }));
        break;
      case 'multi': {
        writeMultiBody(writeRequestHeader(w, juteXid, OpCode.multi), op.ops.map((o) => this.multiOp(o)));
        const ops = op.ops;
        const owner = this.sessionId;
        pending((r, zxid) => ({ op: 'multi', results: multiResults(readMultiResponse(r, ops.length), ops, zxid, owner) }));
        break;
      }
      case 'sync':
        writeRequestHeader(w, juteXid, OpCode.sync).string(op.path);
        pending((r) => ({ op: 'sync', path: r.requiredString('path') }));
        break;
      case 'addWatch':
        writeRequestHeader(w, juteXid, OpCode.addWatch).string(op.path).int(op.mode === 'PERSISTENT' ? 0 : 1);
        pending(() => ({ op: 'addWatch' }));
        break;
      case 'removeWatches':
        writeRequestHeader(w, juteXid, OpCode.removeWatches).string(op.path).int(watcherType(op.type));
        pending(() => ({ op: 'removeWatches' }));
        break;
      case 'checkWatches':
        writeRequestHeader(w, juteXid, OpCode.checkWatches).string(op.path).int(watcherType(op.type));
        pending(() => ({ op: 'checkWatches' }));
        break;
      case 'getAllChildrenNumber':
        writeRequestHeader(w, juteXid, OpCode.getAllChildrenNumber).string(op.path);
        pending((r) => ({ op: 'getAllChildrenNumber', count: r.int('totalNumber') }));
        break;
      case 'closeSession':
        writeRequestHeader(w, juteXid, OpCode.closeSession);
        pending(() => ({ op: 'closeSession' }));
        break;
      default: {
        // An operation the protocol gained and this translation has not: a compile error here.
        const unknown: never = op;
        throw new Error(`the ZooKeeper connector cannot send ${(unknown as { op: string }).op}`);
      }
    }
    this.o.write(w.framed());
  }

  private multiOp(o: MultiOp): JuteMultiOpOut {
    switch (o.op) {
      case 'create': {
        const { type, flags } = createOpcodeAndFlags(o.mode);
        return { type, create: { path: o.path, data: o.data, acl: this.acl, flags, ...ttl(o) } };
      }
      case 'delete':
        return { type: OpCode.delete, path: o.path, version: o.version };
      case 'check':
        return { type: OpCode.check, path: o.path, version: o.version };
      case 'setData':
        return { type: OpCode.setData, path: o.path, data: o.data, version: o.version };
    }
  }
}

/** WatcherType as removeWatches and checkWatches number it. */
function watcherType(t: 'CHILDREN' | 'DATA' | 'ANY'): number {
  return t === 'CHILDREN' ? 1 : t === 'DATA' ? 2 : 3;
}

const EVENT_NAMES = new Map<number, 'NodeCreated' | 'NodeDeleted' | 'NodeDataChanged' | 'NodeChildrenChanged'>([
  [EventType.NodeCreated, 'NodeCreated'],
  [EventType.NodeDeleted, 'NodeDeleted'],
  [EventType.NodeDataChanged, 'NodeDataChanged'],
  [EventType.NodeChildrenChanged, 'NodeChildrenChanged'],
]);

function ttl(op: { readonly mode: string; readonly ttlMs?: number }): { ttl?: bigint } {
  if (op.mode !== 'PERSISTENT_WITH_TTL' && op.mode !== 'PERSISTENT_SEQUENTIAL_WITH_TTL') return {};
  // The client checks ttlMs before it sends; a missing one goes as 0, which the server refuses.
  return { ttl: BigInt(Math.max(0, Math.trunc(op.ttlMs ?? 0))) };
}

function createResult(c: { path: string; stat?: JuteStat }): OperationResult {
  if (c.stat === undefined) throw new JuteDecodeError('a create answered without its Stat');
  return { op: 'create', path: c.path, stat: fromJuteStat(c.stat) };
}

function multiResults(results: readonly JuteMultiResult[], ops: readonly MultiOp[], zxid: bigint, owner: number): MultiResult[] {
  if (results.length !== ops.length) throw new JuteDecodeError(`multi reply has ${results.length} results for ${ops.length} ops`);
  return results.map((res, i): MultiResult => {
    switch (res.type) {
      case 'create': {
        if (res.result.stat !== undefined) return { op: 'create', path: res.result.path, stat: fromJuteStat(res.result.stat) };
        const op = ops[i];
        if (op?.op !== 'create') throw new JuteDecodeError(`multi result ${i} is a create, op ${i} is a ${op?.op}`);
        return { op: 'create', path: res.result.path, stat: freshStat(op, zxid, owner) };
      }
      case 'setData':
        return { op: 'setData', stat: fromJuteStat(res.stat) };
      case 'error':
        return { op: 'error', err: res.err };
      default:
        return { op: res.type };
    }
  });
}

/**
 * Apache ZooKeeper answers a plain create inside a multi with its path alone (CreateResponse; only
 * containers and TTL nodes get a Create2Response). The client's protocol promises a Stat, so this is
 * the Stat a node just created by that multi has: created, modified and child-changed at the multi's
 * zxid (the reply header's: ZooKeeper replies right after applying it), versions 0, no children,
 * the data's length, our session as owner of an ephemeral. ctime and mtime are 0: the server did
 * not say, and a time made up here would be a lie.
 */
function freshStat(op: Extract<MultiOp, { op: 'create' }>, zxid: bigint, owner: number): Stat {
  const z = longToZxid(zxid);
  const ephemeral = op.mode === 'EPHEMERAL' || op.mode === 'EPHEMERAL_SEQUENTIAL';
  return { czxid: z, mzxid: z, pzxid: z, ctime: 0, mtime: 0, version: 0, cversion: 0, aversion: 0, ephemeralOwner: ephemeral ? owner : 0, dataLength: op.data.byteLength, numChildren: 0 };
}

/** SetWatches in batches of at most SET_WATCHES_BATCH_BYTES of paths, each list in order. */
function setWatchesPackets(s: SetWatchesRequest): Uint8Array[] {
  const relativeZxid = zxidToLong(s.lastZxid);
  const lists = [s.data, s.exist, s.children, s.persistent, s.persistentRecursive] as const;
  const packets: Uint8Array[] = [];
  let batch: string[][] = [[], [], [], [], []];
  let bytes = 0;
  const flush = (): void => {
    const [data, exist, child, persistent, persistentRecursive] = batch as [string[], string[], string[], string[], string[]];
    packets.push(encodeSetWatches(Xid.setWatches, { relativeZxid, data, exist, child, persistent, persistentRecursive }));
    batch = [[], [], [], [], []];
    bytes = 0;
  };
  lists.forEach((list, i) => {
    for (const path of list) {
      const size = 4 + utf8Length(path);
      if (bytes > 0 && bytes + size > SET_WATCHES_BATCH_BYTES) flush();
      batch[i]!.push(path);
      bytes += size;
    }
  });
  if (bytes > 0 || packets.length === 0) flush();
  return packets;
}

const encoder = new TextEncoder();

function utf8Length(s: string): number {
  return encoder.encode(s).byteLength;
}
