import { Packr } from 'msgpackr';
import { isZxid, type Zxid } from '../zab/zxid.js';
import { isNodeKind } from './create-mode.js';
import { DataTree, type NodeState, type SessionState, type TreeState } from './data-tree.js';
import { ErrorCode, ZkError } from './errors.js';
import { isValidPath } from './paths.js';
import { isInt32, type Stat } from './stat.js';

/**
 * The tree as bytes: msgpack of [format, version, lastZxid, digest, sessions, nodes], nodes sorted by
 * path, so two members at the same zxid produce identical bytes. numChildren and dataLength are
 * derived again on load; the stored digest must match the rebuilt tree's.
 */

const FORMAT = 'peerkeeper/tree';
const VERSION = 1;

// Plain msgpack (no record extension): any msgpack reader can inspect a snapshot.
const packr = new Packr({ useRecords: false, moreTypes: false });

type NodeRow = [
  path: string,
  kind: string,
  ttlMs: number,
  data: Uint8Array,
  czxidEpoch: number,
  czxidCounter: number,
  mzxidEpoch: number,
  mzxidCounter: number,
  pzxidEpoch: number,
  pzxidCounter: number,
  ctime: number,
  mtime: number,
  version: number,
  cversion: number,
  aversion: number,
  ephemeralOwner: number,
];

function nodeRow(n: NodeState): NodeRow {
  const s = n.stat;
  return [
    n.path, n.kind, n.ttlMs, n.data,
    s.czxid.epoch, s.czxid.counter, s.mzxid.epoch, s.mzxid.counter, s.pzxid.epoch, s.pzxid.counter,
    s.ctime, s.mtime, s.version, s.cversion, s.aversion, s.ephemeralOwner,
  ];
}

export function encodeSnapshot(tree: DataTree): Uint8Array {
  const state = tree.exportState();
  const nodes: NodeRow[] = state.nodes.map(nodeRow);
  const sessions = state.sessions.map((s) => [s.sessionId, s.timeoutMs]);
  const lastZxid = [state.lastZxid.epoch, state.lastZxid.counter];
  // A copy: msgpackr returns a view into a buffer it keeps writing later packs into.
  return new Uint8Array(packr.pack([FORMAT, VERSION, lastZxid, tree.digest, sessions, nodes]));
}

/**
 * The same snapshot in pieces — the head, then one piece per node — whose concatenation
 * `decodeSnapshot` reads (the same values; only the width of the nodes array's length may differ
 * from encodeSnapshot's bytes). For an encoder that yields to the event loop between pieces, fed
 * a state captured at one zxid (`DataTree.captureState`) and the tree's digest then.
 */
export function* encodeSnapshotPieces(state: TreeState, digest: string): Generator<Uint8Array> {
  const sessions = state.sessions.map((s) => [s.sessionId, s.timeoutMs]);
  const lastZxid = [state.lastZxid.epoch, state.lastZxid.counter];
  const parts = [FORMAT, VERSION, lastZxid, digest, sessions].map((v) => new Uint8Array(packr.pack(v)));
  const count = state.nodes.length;
  // fixarray of 6, then the nodes array as array32 whatever its length.
  const nodesHead = new Uint8Array([0xdd, count >>> 24, (count >>> 16) & 0xff, (count >>> 8) & 0xff, count & 0xff]);
  const head = new Uint8Array(1 + parts.reduce((n, p) => n + p.length, 0) + nodesHead.length);
  head[0] = 0x96;
  let at = 1;
  for (const p of [...parts, nodesHead]) {
    head.set(p, at);
    at += p.length;
  }
  yield head;
  for (const n of state.nodes) yield new Uint8Array(packr.pack(nodeRow(n)));
}

/** Rebuilds a tree; throws ZkError MARSHALLINGERROR for bad bytes, DATAINCONSISTENCY for a bad tree. */
export function decodeSnapshot(bytes: Uint8Array): DataTree {
  let decoded: unknown;
  try {
    // A fresh view (no copy): msgpackr caches a DataView on the object it decodes, not on ours.
    decoded = packr.unpack(bytes.subarray(0));
  } catch (e) {
    throw malformed(`not msgpack (${(e as Error).message})`);
  }
  if (!Array.isArray(decoded) || decoded.length !== 6) throw malformed('not a tree snapshot');
  const [format, version, lastZxid, digest, sessions, nodes] = decoded as unknown[];
  if (format !== FORMAT) throw malformed(`format ${JSON.stringify(format)}`);
  if (version !== VERSION) throw malformed(`unsupported version ${String(version)}`);
  if (typeof digest !== 'string') throw malformed('digest');
  if (!Array.isArray(sessions) || !Array.isArray(nodes)) throw malformed('sessions or nodes');
  const tree = DataTree.fromState({
    lastZxid: readZxid(lastZxid, 'lastZxid'),
    sessions: sessions.map(readSession),
    nodes: nodes.map(readNode),
  });
  if (tree.digest !== digest) {
    throw new ZkError(
      ErrorCode.DATAINCONSISTENCY,
      undefined,
      `snapshot digest ${digest} does not match its content (${tree.digest})`,
    );
  }
  return tree;
}

function readSession(row: unknown): SessionState {
  if (!Array.isArray(row) || row.length !== 2) throw malformed('session row');
  const [sessionId, timeoutMs] = row as unknown[];
  if (!isPositiveSafe(sessionId) || !isPositiveSafe(timeoutMs)) throw malformed('session row values');
  return { sessionId, timeoutMs };
}

function readNode(row: unknown): NodeState {
  if (!Array.isArray(row) || row.length !== 16) throw malformed('node row');
  const r = row as unknown[];
  const [path, kind, ttlMs, data] = r;
  if (!isValidPath(path)) throw malformed(`node path ${JSON.stringify(path)}`);
  if (!isNodeKind(kind)) throw malformed(`${path}: kind`);
  if (!isSafe(ttlMs) || ttlMs < 0) throw malformed(`${path}: ttlMs`);
  if (!(data instanceof Uint8Array)) throw malformed(`${path}: data`);
  const nums = r.slice(4);
  if (!nums.every(isSafe)) throw malformed(`${path}: stat`);
  const n = nums as number[];
  const stat: Stat = {
    czxid: readZxid([n[0], n[1]], `${path}: czxid`),
    mzxid: readZxid([n[2], n[3]], `${path}: mzxid`),
    pzxid: readZxid([n[4], n[5]], `${path}: pzxid`),
    ctime: n[6]!,
    mtime: n[7]!,
    version: int32(n[8]!, path),
    cversion: int32(n[9]!, path),
    aversion: int32(n[10]!, path),
    ephemeralOwner: n[11]!,
    dataLength: data.length,
    numChildren: 0,
  };
  // May be a view into the input; fromState copies it.
  return { path, kind, ttlMs, data, stat };
}

function readZxid(pair: unknown, what: string): Zxid {
  if (!Array.isArray(pair) || pair.length !== 2) throw malformed(what);
  const z = { epoch: pair[0] as number, counter: pair[1] as number };
  if (!isZxid(z)) throw malformed(what);
  return z;
}

function int32(n: number, path: string): number {
  if (!isInt32(n)) throw malformed(`${path}: version out of range`);
  return n;
}

function isSafe(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n);
}

function isPositiveSafe(n: unknown): n is number {
  return isSafe(n) && n > 0;
}

function malformed(what: string): ZkError {
  return new ZkError(ErrorCode.MARSHALLINGERROR, undefined, `bad tree snapshot: ${what}`);
}
