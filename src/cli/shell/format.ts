/**
 * How the shell prints things, as zkCli does where it has an equivalent: Stat field by field, child
 * lists as `[a, b]`, `WATCHER::` lines, errors by ZooKeeper's names, `srvr` from a member's status.
 * Pure: strings in, strings out.
 */
import { ErrorCode, ZooKeeperError, errorDescription } from '../../client/errors.js';
import type { WatchedEvent } from '../../client/types.js';
import type { MultiOp, MultiResult, Stat } from '../../protocol/client.js';
import type { MemberStatus } from '../../node/status.js';
import { errorDisplayName, isErrorCode } from '../../tree/errors.js';
import type { Zxid } from '../../zab/zxid.js';

/** ZooKeeper's 64-bit zxid in hex: epoch in the high 32 bits, counter in the low 32. */
export function zxidHex(z: Zxid): string {
  return `0x${((BigInt(z.epoch) << 32n) | BigInt(z.counter)).toString(16)}`;
}

/** `0x100000005 (1,5)`: the hex zkCli users know and the (epoch,counter) pair peerkeeper logs. */
export function zxidText(z: Zxid): string {
  return `${zxidHex(z)} (${z.epoch},${z.counter})`;
}

/** `(1,5)` as `formatZxid` writes it → the pair; null for anything else. */
export function parseZxidText(text: string): Zxid | null {
  const m = /^\((\d+),(\d+)\)$/.exec(text.trim());
  return m === null ? null : { epoch: Number(m[1]), counter: Number(m[2]) };
}

function time(ms: number): string {
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? String(ms) : `${d.toISOString()} (${ms})`;
}

/** zkCli's `stat` block, one `name = value` per line. */
export function formatStat(stat: Stat): string[] {
  return [
    `cZxid = ${zxidText(stat.czxid)}`,
    `ctime = ${time(stat.ctime)}`,
    `mZxid = ${zxidText(stat.mzxid)}`,
    `mtime = ${time(stat.mtime)}`,
    `pZxid = ${zxidText(stat.pzxid)}`,
    `cversion = ${stat.cversion}`,
    `dataVersion = ${stat.version}`,
    `aclVersion = ${stat.aversion}`,
    `ephemeralOwner = 0x${stat.ephemeralOwner.toString(16)}`,
    `dataLength = ${stat.dataLength}`,
    `numChildren = ${stat.numChildren}`,
  ];
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Node data as UTF-8 text when it is valid UTF-8, otherwise `0x` and hex. */
export function formatData(data: Uint8Array): string {
  try {
    return strictUtf8.decode(data);
  } catch {
    return `0x${Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('hex')}`;
  }
}

/** zkCli's `ls` form. */
export function formatChildren(children: readonly string[]): string {
  return `[${children.join(', ')}]`;
}

/** `WATCHER:: WatchedEvent state:CONNECTED type:NodeDataChanged path:/a` */
export function formatEvent(event: WatchedEvent): string {
  return `WATCHER:: WatchedEvent state:${event.state} type:${event.type} path:${event.path ?? 'null'}`;
}

/** ZooKeeper's name for a code, as in `KeeperErrorCode = BadVersion`. */
export function keeperName(code: number): string {
  return isErrorCode(code) ? errorDisplayName(code) : `UNKNOWN(${code})`;
}

/**
 * The member's or client's own words about an error, when they say more than the code's name and
 * description. Members already write `KeeperErrorCode = BadVersion for /a: reason`: keep the reason.
 */
function detail(err: ZooKeeperError): string | null {
  let text = err.message;
  const ours = `${err.codeName}${err.path !== undefined ? ` for ${err.path}` : ''}: `;
  if (text.startsWith(ours)) text = text.slice(ours.length);
  const theirs = `KeeperErrorCode = ${keeperName(err.code)}`;
  if (text.startsWith(theirs)) {
    text = text.slice(theirs.length);
    for (const where of err.path !== undefined ? [` for ${err.path}`, ` for ${JSON.stringify(err.path)}`] : []) {
      if (text.startsWith(where)) {
        text = text.slice(where.length);
        break;
      }
    }
    text = text.replace(/^: /, '');
  }
  return text === '' || text === errorDescription(err.code) ? null : text;
}

/**
 * zkCli's wording: `Node does not exist: /x`, `Node already exists: /x`, `Node not empty: /x`,
 * `Ephemerals cannot have children: /x`; everything else as ZooKeeper's exception message,
 * `KeeperErrorCode = BadVersion for /x`, with the member's reason after a colon when it gave one.
 */
export function formatError(err: unknown, path?: string): string {
  if (!(err instanceof ZooKeeperError)) return err instanceof Error ? err.message : String(err);
  const where = err.path ?? path;
  switch (err.code) {
    case ErrorCode.NONODE:
      return `Node does not exist: ${where ?? ''}`.trimEnd();
    case ErrorCode.NODEEXISTS:
      return `Node already exists: ${where ?? ''}`.trimEnd();
    case ErrorCode.NOTEMPTY:
      return `Node not empty: ${where ?? ''}`.trimEnd();
    case ErrorCode.NOCHILDRENFOREPHEMERALS:
      return `Ephemerals cannot have children: ${where ?? ''}`.trimEnd();
  }
  const more = detail(err);
  return `KeeperErrorCode = ${keeperName(err.code)}${where !== undefined ? ` for ${where}` : ''}${more !== null ? `: ${more}` : ''}`;
}

/** One op of a multi as the user wrote it: `set /b`, `check /d 3`. */
export function describeMultiOp(op: MultiOp): string {
  switch (op.op) {
    case 'create':
      return `create ${op.path}${op.mode === 'PERSISTENT' ? '' : ` (${op.mode})`}`;
    case 'setData':
      return `set ${op.path}${op.version === -1 ? '' : ` -v ${op.version}`}`;
    case 'delete':
      return `delete ${op.path}${op.version === -1 ? '' : ` -v ${op.version}`}`;
    case 'check':
      return `check ${op.path} ${op.version}`;
  }
}

/** One line per op of a committed multi. */
export function formatMultiResults(ops: readonly MultiOp[], results: readonly MultiResult[]): string[] {
  return results.map((r, i) => {
    const op = ops[i];
    const what = op !== undefined ? describeMultiOp(op) : `op ${i + 1}`;
    switch (r.op) {
      case 'create':
        return `${what}: Created ${r.path}`;
      case 'setData':
        return `${what}: dataVersion = ${r.stat.version}`;
      case 'error':
        return `${what}: ${formatError(new ZooKeeperError(r.err, op !== undefined ? { path: op.path } : {}))}`;
      default:
        return `${what}: ok`;
    }
  });
}

function mode(role: string): string {
  switch (role) {
    case 'LEADING':
      return 'leader';
    case 'FOLLOWING':
      return 'follower';
    default:
      return role.toLowerCase();
  }
}

function zxidLine(text: string): string {
  const z = parseZxidText(text);
  return z === null ? text : `${zxidHex(z)} ${text}`;
}

/** `srvr` as ZooKeeper's four-letter word prints it, with peerkeeper's extra facts. */
export function formatStatus(url: string, s: MemberStatus): string[] {
  return [
    `Member: ${s.id} at ${url} (pid ${s.pid})`,
    `Mode: ${mode(s.role)}`,
    `Phase: ${s.phase}`,
    `Leader: ${s.leader ?? 'none'}`,
    `Epoch: ${s.epoch ?? 'none'} (accepted ${s.acceptedEpoch}, current ${s.currentEpoch})`,
    `Zxid: ${zxidLine(s.lastZxid)}`,
    `Committed: ${zxidLine(s.committedZxid)}`,
    `Applied: ${zxidLine(s.appliedZxid)}`,
    `Digest: ${s.digest}`,
    `Serving: ${s.serving}`,
    ...(s.latencyMs ? [`Latency min/avg/max/p99: ${s.latencyMs.min}/${s.latencyMs.avg}/${s.latencyMs.max}/${s.latencyMs.p99} ms`] : []),
    `Sessions: ${s.sessions}`,
    `Connections: ${s.clientConnections}`,
    ...(s.outstandingRequests !== undefined ? [`Outstanding: ${s.outstandingRequests}`] : []),
    ...(s.znodeCount !== undefined ? [`Node count: ${s.znodeCount}`] : []),
    ...(s.watchCount !== undefined ? [`Watches: ${s.watchCount}`] : []),
    ...(s.proposalCount !== undefined ? [`Proposals: ${s.proposalCount}`] : []),
    ...(s.commitCount !== undefined ? [`Commits: ${s.commitCount}`] : []),
    `Peers: ${s.peersUp.length === 0 ? 'none' : s.peersUp.join(',')}`,
    `Tick: ${s.tickMs} ms`,
    `Uptime: ${Math.round(s.uptimeMs / 1000)} s`,
  ];
}
