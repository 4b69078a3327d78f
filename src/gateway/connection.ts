/**
 * One ZooKeeper client connection, translated: jute packets in (already unframed by server.ts) become
 * the member's client messages on a `MemberConnection`, and the member's replies and watch events come
 * back as jute. The member keeps sessions, watches, ordering, read-only and validation; this only
 * renames. Replies leave in request order: the few requests answered here (auth, an unsupported op,
 * an ACL the member cannot keep) wait behind the member's earlier replies, and watch events go out as
 * they arrive, which is before any reply the member sends after them.
 */
import { ErrorCode } from '../protocol/errors.js';
import type { ConnectionHandlers, MemberConnection, MemberToClient, MultiOp, Operation, OperationResponse, OperationResult, WatcherType } from '../protocol/client.js';
import { createModeFromFlags, juteEventType, longToSessionId, longToZxid, toJuteStat, zxidToLong } from './convert.js';
import { JuteDecodeError } from './jute/reader.js';
import { JuteWriter } from './jute/writer.js';
import { KeeperState, OpCode, Xid } from './jute/opcodes.js';
import {
  OPEN_ACL,
  decodeConnectRequest,
  decodeRequest,
  encodeConnectResponse,
  isOpenAcl,
  writeAcls,
  writeMultiHeader,
  writeReplyHeader,
  writeStat,
  writeWatcherEvent,
  type JuteCreate,
  type JuteMultiOp,
  type JuteReadOp,
  type JuteRequest,
} from './jute/records.js';

export interface GatewayConnectionOptions {
  readonly open: (handlers: ConnectionHandlers) => MemberConnection | null;
  /** Framed bytes for the client. */
  readonly send: (bytes: Uint8Array) => void;
  /** End the client's socket (after what was sent). */
  readonly close: (reason: string) => void;
  /** A packet that did not decode: counted by the server, logged with the reason. */
  readonly malformed?: (reason: string) => void;
}

/** What to do with the member's answer to one request. */
type Answer = (r: OperationResponse) => { err: number; body?: (w: JuteWriter) => void };

interface Pending {
  readonly xid: number;
  /** The member's xid for it, or null when answered here or by a pong. */
  readonly memberXid: number | null;
  readonly answer: Answer | null;
  bytes: Uint8Array | null;
  readonly closeAfter?: boolean;
  /** One read of a multiRead: answered into its parent's reply, never sent by itself. */
  readonly hidden?: boolean;
}

export class GatewayConnection {
  private state: 'handshake' | 'connecting' | 'open' | 'closed' = 'handshake';
  private member: MemberConnection | null = null;
  private readonly early: Uint8Array[] = [];
  private readonly queue: Pending[] = [];
  private nextMemberXid = 1;
  private lastZxid = 0n;

  constructor(private readonly o: GatewayConnectionOptions) {}

  /** Requests read and not yet answered (those held behind the connect included): what backpressure counts. */
  get outstanding(): number {
    return this.queue.length + this.early.length;
  }

  /** One packet, without its length prefix. */
  receive(packet: Uint8Array): void {
    if (this.state === 'closed') return;
    try {
      if (this.state === 'handshake') return this.onConnect(packet);
      if (this.state === 'connecting') {
        // A client may pipeline requests behind its connect; the member takes them once it answered.
        this.early.push(packet);
        return;
      }
      this.onRequest(packet);
    } catch (err) {
      if (!(err instanceof JuteDecodeError)) throw err;
      this.o.malformed?.(err.message);
      this.shut(`malformed packet: ${err.message}`);
    }
  }

  /** The client's socket closed. */
  closed(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    const m = this.member;
    this.member = null;
    m?.close();
  }

  private shut(reason: string): void {
    this.closed();
    this.o.close(reason);
  }

  private onConnect(packet: Uint8Array): void {
    const req = decodeConnectRequest(packet);
    const sessionId = longToSessionId(req.sessionId);
    if (sessionId === null) return this.expired();
    this.state = 'connecting';
    const handlers: ConnectionHandlers = {
      onMessage: (m) => this.fromMember(m),
      onClose: (reason) => {
        if (this.state !== 'closed') this.shut(`member closed the connection: ${reason}`);
      },
    };
    this.member = this.o.open(handlers);
    if (this.member === null) return this.shut('member is not running');
    this.member.send({
      type: 'connect',
      sessionId,
      password: req.passwd,
      // ZooKeeper negotiates any number into its bounds; the member does too, from 1 ms up.
      timeoutMs: Math.max(1, req.timeOut),
      lastZxidSeen: longToZxid(req.lastZxidSeen),
      canBeReadOnly: req.readOnly,
    });
  }

  /** ZooKeeper's answer to an unknown or expired session: a ConnectResponse of zeros, then close. */
  private expired(): void {
    this.o.send(encodeConnectResponse({ protocolVersion: 0, timeOut: 0, sessionId: 0n, passwd: new Uint8Array(16), readOnly: false }));
    this.shut('session expired');
  }

  private fromMember(m: MemberToClient): void {
    if (this.state === 'closed') return;
    switch (m.type) {
      case 'connected': {
        this.state = 'open';
        this.lastZxid = zxidToLong(m.zxid);
        // The session's requests through an earlier connection took xids up to lastXid: number above.
        this.nextMemberXid = (m.lastXid ?? 0) + 1;
        this.o.send(encodeConnectResponse({ protocolVersion: 0, timeOut: m.timeoutMs, sessionId: BigInt(m.sessionId), passwd: m.password, readOnly: m.readOnly }));
        const early = this.early.splice(0);
        for (const p of early) this.receive(p);
        return;
      }
      case 'connectRefused':
        // Expired or unknown: ZooKeeper's zero response. Anything else (the member is behind the
        // client, shutting down): close, and the client tries its next server.
        if (m.err === ErrorCode.SESSIONEXPIRED) return this.expired();
        return this.shut(m.reason);
      case 'disconnect':
        return this.shut(m.reason);
      case 'watch': {
        const w = new JuteWriter();
        // ZooKeeper 3.8 sends −1 as a notification's zxid (the event's own zxid is not on its wire).
        writeReplyHeader(w, Xid.notification, -1n, 0);
        writeWatcherEvent(w, juteEventType(m.event), KeeperState.SyncConnected, m.path);
        this.o.send(w.framed());
        return;
      }
      case 'pong': {
        this.lastZxid = zxidToLong(m.zxid);
        const p = this.queue.find((q) => q.xid === Xid.ping && q.bytes === null);
        if (p) p.bytes = header(Xid.ping, this.lastZxid, 0);
        return this.flush();
      }
      case 'response': {
        this.lastZxid = zxidToLong(m.zxid);
        const i = this.queue.findIndex((q) => q.memberXid === m.xid);
        const p = this.queue[i];
        if (!p || p.answer === null) return;
        if (p.hidden) {
          this.queue.splice(i, 1);
          p.answer(m);
          return this.flush();
        }
        const { err, body } = p.answer(m);
        const w = new JuteWriter();
        writeReplyHeader(w, p.xid, this.lastZxid, err);
        if (err === 0 && body) body(w);
        p.bytes = w.framed();
        return this.flush();
      }
    }
  }

  private flush(): void {
    while (this.queue.length > 0 && this.queue[0]!.bytes !== null) {
      const p = this.queue.shift()!;
      this.o.send(p.bytes!);
      if (p.closeAfter) return this.shut('session closed');
    }
  }

  /** Answered here, in order behind the member's earlier replies. */
  private local(xid: number, err: number, body?: (w: JuteWriter) => void): void {
    const w = new JuteWriter();
    writeReplyHeader(w, xid, this.lastZxid, err);
    if (body) body(w);
    this.queue.push({ xid, memberXid: null, answer: null, bytes: w.framed() });
    this.flush();
  }

  private ask(xid: number, operation: Operation, answer: Answer, closeAfter = false): void {
    const memberXid = this.nextMemberXid++;
    this.queue.push({ xid, memberXid, answer, bytes: null, closeAfter });
    this.member?.send({ type: 'request', xid: memberXid, operation });
  }

  private onRequest(packet: Uint8Array): void {
    const { xid, request } = decodeRequest(packet);
    this.translate(xid, request);
  }

  private translate(xid: number, req: JuteRequest): void {
    if (req.type === 'unsupported') return this.local(xid, ErrorCode.UNIMPLEMENTED);
    switch (req.type) {
      case OpCode.ping:
        this.queue.push({ xid: Xid.ping, memberXid: null, answer: null, bytes: null });
        this.member?.send({ type: 'ping' });
        return;
      case OpCode.create:
      case OpCode.create2:
      case OpCode.createContainer:
      case OpCode.createTTL: {
        const op = toMultiOp(req);
        if (typeof op === 'number') return this.local(xid, op);
        return this.ask(xid, op, (r) => {
          if (r.err !== 0 || r.result?.op !== 'create') return { err: errOf(r) };
          const res = r.result;
          return { err: 0, body: (w) => (req.type === OpCode.create ? w.string(res.path) : writeStat(w.string(res.path), toJuteStat(res.stat))) };
        });
      }
      case OpCode.delete:
      case OpCode.check:
        return this.ask(xid, toMultiOp(req) as MultiOp, (r) => ({ err: errOf(r) }));
      case OpCode.setData:
        return this.ask(xid, toMultiOp(req) as MultiOp, (r) => withResult(r, 'setData', (res, w) => writeStat(w, toJuteStat(res.stat))));
      case OpCode.exists:
        return this.ask(xid, { op: 'exists', path: req.path, watch: req.watch }, (r) => {
          if (r.err !== 0 || r.result?.op !== 'exists') return { err: errOf(r) };
          const stat = r.result.stat;
          return stat === null ? { err: ErrorCode.NONODE } : { err: 0, body: (w) => writeStat(w, toJuteStat(stat)) };
        });
      case OpCode.getData:
        return this.ask(xid, { op: 'getData', path: req.path, watch: req.watch }, (r) => withResult(r, 'getData', (res, w) => writeStat(w.buffer(res.data), toJuteStat(res.stat))));
      case OpCode.getChildren:
      case OpCode.getChildren2: {
        const withStat = req.type === OpCode.getChildren2;
        return this.ask(xid, { op: 'getChildren', path: req.path, watch: req.watch, withStat }, (r) =>
          withResult(r, 'getChildren', (res, w) => {
            w.stringVector(res.children);
            if (withStat && res.stat) writeStat(w, toJuteStat(res.stat));
          }),
        );
      }
      case OpCode.getACL:
        // No ACLs yet: every znode is world:anyone with every permission.
        return this.ask(xid, { op: 'exists', path: req.path, watch: false }, (r) => {
          if (r.err !== 0 || r.result?.op !== 'exists') return { err: errOf(r) };
          const stat = r.result.stat;
          return stat === null ? { err: ErrorCode.NONODE } : { err: 0, body: (w) => writeStat(writeAcls(w, OPEN_ACL), toJuteStat(stat)) };
        });
      case OpCode.setACL: {
        if (!isOpenAcl(req.acl)) return this.local(xid, ErrorCode.INVALIDACL);
        const version = req.version;
        return this.ask(xid, { op: 'exists', path: req.path, watch: false }, (r) => {
          if (r.err !== 0 || r.result?.op !== 'exists') return { err: errOf(r) };
          const stat = r.result.stat;
          if (stat === null) return { err: ErrorCode.NONODE };
          if (version !== -1 && version !== stat.aversion) return { err: ErrorCode.BADVERSION };
          return { err: 0, body: (w) => writeStat(w, toJuteStat(stat)) };
        });
      }
      case OpCode.sync:
        return this.ask(xid, { op: 'sync', path: req.path }, (r) => withResult(r, 'sync', (res, w) => w.string(res.path)));
      case OpCode.getEphemerals:
        return this.ask(xid, { op: 'getEphemerals', prefix: req.prefix }, (r) => withResult(r, 'getEphemerals', (res, w) => w.stringVector(res.paths)));
      case OpCode.addWatch: {
        const mode = req.mode === 0 ? 'PERSISTENT' : req.mode === 1 ? 'PERSISTENT_RECURSIVE' : null;
        // ZooKeeper cannot read an unknown AddWatchMode and answers MARSHALLINGERROR.
        if (mode === null) return this.local(xid, ErrorCode.MARSHALLINGERROR);
        // ZooKeeper answers addWatch with an ErrorResponse record (an int, 0) after the header, and
        // the Java client reads it: without it, its read runs off the packet and it drops the connection.
        return this.ask(xid, { op: 'addWatch', path: req.path, mode }, (r) => ({ err: errOf(r), body: (w) => w.int(0) }));
      }
      case OpCode.removeWatches: {
        const type = watcherTypeOf(req.watcherType);
        // ZooKeeper cannot read an unknown WatcherType and answers MARSHALLINGERROR.
        if (type === null) return this.local(xid, ErrorCode.MARSHALLINGERROR);
        return this.ask(xid, { op: 'removeWatches', path: req.path, type }, (r) => ({ err: errOf(r) }));
      }
      case OpCode.checkWatches: {
        const type = watcherTypeOf(req.watcherType);
        if (type === null) return this.local(xid, ErrorCode.MARSHALLINGERROR);
        return this.ask(xid, { op: 'checkWatches', path: req.path, type }, (r) => ({ err: errOf(r) }));
      }
      case OpCode.getAllChildrenNumber:
        return this.ask(xid, { op: 'getAllChildrenNumber', path: req.path }, (r) => withResult(r, 'getAllChildrenNumber', (res, w) => w.int(res.count)));
      case OpCode.setWatches:
      case OpCode.setWatches2:
        // The member answers nothing; it fires what changed since relativeZxid right away.
        this.member?.send({
          type: 'setWatches',
          lastZxid: longToZxid(req.relativeZxid),
          data: req.data,
          exist: req.exist,
          children: req.child,
          persistent: req.persistent,
          persistentRecursive: req.persistentRecursive,
        });
        return this.local(xid, 0);
      case OpCode.auth:
        // No authentication schemes: ZooKeeper's answer to a scheme it has no provider for.
        return this.local(Xid.auth, ErrorCode.AUTHFAILED);
      case OpCode.closeSession:
        return this.ask(xid, { op: 'closeSession' }, (r) => ({ err: errOf(r) }), true);
      case OpCode.multi: {
        const ops: MultiOp[] = [];
        for (const [i, o] of req.ops.entries()) {
          const op = toMultiOp(o);
          if (typeof op === 'number') return this.local(xid, 0, (w) => writeFailedMulti(w, req.ops.length, i, op));
          ops.push(op);
        }
        const kinds = req.ops.map((o) => o.type);
        return this.ask(xid, { op: 'multi', ops }, (r) => {
          if (r.result?.op !== 'multi') return { err: errOf(r) };
          const results = r.result.results;
          // As ZooKeeper: the header says OK, each result carries its own code.
          return {
            err: 0,
            body: (w) => {
              results.forEach((res, i) => {
                switch (res.op) {
                  case 'create':
                    // As ZooKeeper answers: create and create2 as a create (the path), container and
                    // TTL creates as a create2 (path and stat).
                    if (kinds[i] === OpCode.create || kinds[i] === OpCode.create2) writeMultiHeader(w, OpCode.create, false, 0).string(res.path);
                    else writeStat(writeMultiHeader(w, OpCode.create2, false, 0).string(res.path), toJuteStat(res.stat));
                    return;
                  case 'delete':
                    writeMultiHeader(w, OpCode.delete, false, 0);
                    return;
                  case 'check':
                    writeMultiHeader(w, OpCode.check, false, 0);
                    return;
                  case 'setData':
                    writeStat(writeMultiHeader(w, OpCode.setData, false, 0), toJuteStat(res.stat));
                    return;
                  case 'error':
                    writeMultiHeader(w, OpCode.error, false, res.err).int(res.err);
                    return;
                }
              });
              writeMultiHeader(w, -1, true, -1);
            },
          };
        });
      }
      case OpCode.multiRead:
        return this.multiRead(xid, req.ops);
    }
  }

  /**
   * multiRead: each read is its own request to the member, answered together in one reply (ZooKeeper
   * does not make them atomic either); a failed read is an ErrorResponse in its slot.
   */
  private multiRead(xid: number, ops: readonly JuteReadOp[]): void {
    const slots: (((w: JuteWriter) => void) | null)[] = ops.map(() => null);
    const entry: Pending = { xid, memberXid: null, answer: null, bytes: null };
    this.queue.push(entry);
    let left = ops.length;
    const done = (): void => {
      const w = new JuteWriter();
      writeReplyHeader(w, xid, this.lastZxid, 0);
      for (const s of slots) s!(w);
      writeMultiHeader(w, -1, true, -1);
      entry.bytes = w.framed();
      this.flush();
    };
    if (left === 0) return done();
    ops.forEach((o, i) => {
      const memberXid = this.nextMemberXid++;
      const isData = o.type === OpCode.getData;
      // No watches: ZooKeeper's multiRead drops the watch flag of its reads (Op.GetData/GetChildren keep none).
      const operation: Operation = isData ? { op: 'getData', path: o.path, watch: false } : { op: 'getChildren', path: o.path, watch: false, withStat: false };
      // A hidden slot in the queue: filled when this read's answer arrives, never sent by itself.
      const answer: Answer = (r) => {
        const err = errOf(r);
        slots[i] =
          err !== 0 || !r.result
            ? (w) => writeMultiHeader(w, OpCode.error, false, err).int(err)
            : (w) => {
                const res = r.result as OperationResult;
                writeMultiHeader(w, o.type, false, 0);
                if (res.op === 'getData') writeStat(w.buffer(res.data), toJuteStat(res.stat));
                else if (res.op === 'getChildren') w.stringVector(res.children);
              };
        if (--left === 0) done();
        return { err };
      };
      this.queue.splice(this.queue.indexOf(entry), 0, { xid: entry.xid, memberXid, answer, bytes: null, hidden: true });
      this.member?.send({ type: 'request', xid: memberXid, operation });
    });
  }
}

/**
 * A multi whose op `failedAt` the gateway refuses before the member sees it (an ACL, a flag, a TTL):
 * ZooKeeper's layout for a failed multi, OK for the ops before, the code, RUNTIMEINCONSISTENCY after.
 * (ZooKeeper would report an earlier op's own failure first; the member is not asked, so this cannot.)
 */
function writeFailedMulti(w: JuteWriter, count: number, failedAt: number, code: number): void {
  for (let i = 0; i < count; i++) {
    const err = i < failedAt ? 0 : i === failedAt ? code : ErrorCode.RUNTIMEINCONSISTENCY;
    writeMultiHeader(w, OpCode.error, false, err).int(err);
  }
  writeMultiHeader(w, -1, true, -1);
}

/** Watcher.WatcherType's numbers; null for any other. */
function watcherTypeOf(n: number): WatcherType | null {
  return n === 1 ? 'CHILDREN' : n === 2 ? 'DATA' : n === 3 ? 'ANY' : null;
}

function header(xid: number, zxid: bigint, err: number): Uint8Array {
  return writeReplyHeader(new JuteWriter(), xid, zxid, err).framed();
}

function errOf(r: OperationResponse): number {
  return r.err;
}

function withResult<K extends OperationResult['op']>(
  r: OperationResponse,
  op: K,
  body: (res: Extract<OperationResult, { op: K }>, w: JuteWriter) => void,
): { err: number; body?: (w: JuteWriter) => void } {
  if (r.err !== 0) return { err: r.err };
  const res = r.result;
  if (res?.op !== op) return { err: ErrorCode.SYSTEMERROR };
  return { err: 0, body: (w) => body(res as Extract<OperationResult, { op: K }>, w) };
}

/** A jute write op as the member's, or the error code ZooKeeper gives for it. */
export function toMultiOp(req: JuteMultiOp): MultiOp | number {
  switch (req.type) {
    case OpCode.delete:
      return { op: 'delete', path: req.path, version: req.version };
    case OpCode.setData:
      return { op: 'setData', path: req.path, data: req.data, version: req.version };
    case OpCode.check:
      return { op: 'check', path: req.path, version: req.version };
    default:
      return toCreate(req);
  }
}

function toCreate(req: JuteCreate): MultiOp | number {
  if (!isOpenAcl(req.acl)) return ErrorCode.INVALIDACL;
  const flagMode = createModeFromFlags(req.flags);
  if (flagMode === undefined) return ErrorCode.BADARGUMENTS;
  const ttlMode = flagMode === 'PERSISTENT_WITH_TTL' || flagMode === 'PERSISTENT_SEQUENTIAL_WITH_TTL';
  if ((req.type === OpCode.createTTL) !== ttlMode) return ErrorCode.BADARGUMENTS;
  // As ZooKeeper: the opcode makes a container, whatever else the flags say (ephemeral, sequential);
  // the container flag on a plain create makes a persistent node.
  // A sequential container (ZooKeeper makes one) has no create mode here: refused, not made unsequenced.
  if (req.type === OpCode.createContainer && (flagMode === 'PERSISTENT_SEQUENTIAL' || flagMode === 'EPHEMERAL_SEQUENTIAL')) return ErrorCode.UNIMPLEMENTED;
  const mode = req.type === OpCode.createContainer ? 'CONTAINER' : flagMode === 'CONTAINER' ? 'PERSISTENT' : flagMode;
  if (req.type === OpCode.createTTL) {
    const ttl = req.ttl ?? 0n;
    if (ttl <= 0n || ttl > BigInt(Number.MAX_SAFE_INTEGER)) return ErrorCode.BADARGUMENTS;
    return { op: 'create', path: req.path, data: req.data, mode, ttlMs: Number(ttl) };
  }
  return { op: 'create', path: req.path, data: req.data, mode };
}
