/**
 * A `Connector` that takes peerkeeper's `ZooKeeperClient` to ZooKeeper servers — Apache ZooKeeper, or
 * peerkeeper members' ZooKeeper ports — over ZooKeeper's own wire protocol: TCP, each packet a 4-byte
 * big-endian length and a jute record. client-connection.ts translates; this moves the bytes. Node only.
 *
 *   const connector = zooKeeperConnector('zk1:2181,zk2:2181,zk3:2181');   // '…/chroot' works too
 *   const zk = new ZooKeeperClient({ connector, members: connector.members, sessionTimeoutMs: 10_000 });
 *
 * Whatever a server sends is checked: a packet longer than `maxPacketBytes` or below zero, a reply
 * that does not decode or answers nothing we asked, closes that connection with the reason (the
 * client sees CONNECTIONLOSS and moves on to the next server), never the process.
 */
import { connect as tcpConnect } from 'node:net';
import { MAX_CLIENT_FRAME_BYTES } from '../codec/limits.js';
import type { ConnectionHandlers, Connector, MemberConnection } from '../protocol/client.js';
import { ZooKeeperClientConnection, type ZooKeeperAuth } from './client-connection.js';
import { normalizeChroot } from './chroot.js';
import { PacketReader } from './jute/packet-reader.js';
import { JuteDecodeError } from './jute/reader.js';
import type { JuteAcl } from './jute/records.js';

/** What the connector uses of a socket; node:net's Socket fits (tests pass a fake). */
export interface ConnectorSocket {
  write(bytes: Uint8Array): unknown;
  destroy(): unknown;
  readonly writableLength?: number;
  on(event: 'data', listener: (chunk: Uint8Array) => void): unknown;
  on(event: 'close', listener: () => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
}

export interface ServerAddress {
  readonly host: string;
  readonly port: number;
}

export interface ZooKeeperConnectorOptions {
  /** The largest packet read from a server. Default 4 MiB (ZooKeeper's jute.maxbuffer is 1 MiB). */
  readonly maxPacketBytes?: number;
  /** The ACL every create carries. Default world:anyone with every permission (OPEN_ACL_UNSAFE). */
  readonly acl?: readonly JuteAcl[];
  /**
   * Every path below this one on the server, as if it were `/` (ZooKeeper's chroot). Default: the
   * connect string's suffix (`h1:2181,h2:2181/apps/billing`), else none.
   */
  readonly chroot?: string;
  /**
   * Credentials for every connection (ZooKeeper's addAuthInfo, e.g. `{ scheme: 'digest', auth:
   * 'user:password' }`), sent after each connect. A refusal drops the connection with AUTHFAILED as
   * the reason and the client keeps trying (its protocol has no AUTH_FAILED state). peerkeeper's
   * ZooKeeper port has no authentication schemes and refuses every one.
   */
  readonly auth?: readonly ZooKeeperAuth[];
  /** Opens the TCP connection; default node:net's connect with Nagle off. */
  readonly openSocket?: (address: ServerAddress) => ConnectorSocket;
}

/** A Connector that also says how many servers it knows: pass `members: connector.members`. */
export interface ZooKeeperConnector extends Connector {
  readonly members: number;
  readonly servers: readonly ServerAddress[];
  /** The chroot in use, or null. */
  readonly chroot: string | null;
}

export const DEFAULT_ZOOKEEPER_PORT = 2181;

export function zooKeeperConnector(hosts: string | readonly string[], options: ZooKeeperConnectorOptions = {}): ZooKeeperConnector {
  const parsed = parseConnectString(hosts);
  const servers = parsed.servers;
  const chroot = normalizeChroot(options.chroot ?? parsed.chroot ?? undefined);
  const maxPacketBytes = options.maxPacketBytes ?? MAX_CLIENT_FRAME_BYTES;
  const openSocket = options.openSocket ?? defaultSocket;
  const connector = (index: number, handlers: ConnectionHandlers): MemberConnection | null => {
    const server = servers[index];
    if (server === undefined) return null;
    return open(server, index, handlers, openSocket, maxPacketBytes, { acl: options.acl, chroot, auth: options.auth });
  };
  return Object.assign(connector, { members: servers.length, servers, chroot });
}

/**
 * `host:port,host:port[/chroot]` (or a list of host:port) as ZooKeeper's connect string spells it;
 * `[v6]:port`; the port defaults to 2181.
 */
export function parseConnectString(hosts: string | readonly string[]): { servers: ServerAddress[]; chroot: string | null } {
  let text = typeof hosts === 'string' ? hosts : hosts.join(',');
  let chroot: string | null = null;
  const slash = text.indexOf('/');
  if (slash >= 0) {
    chroot = normalizeChroot(text.slice(slash));
    text = text.slice(0, slash);
  }
  const parts = text.split(',').map((h) => h.trim()).filter((h) => h !== '');
  if (parts.length === 0) throw new RangeError('zooKeeperConnector needs at least one host:port');
  const servers = parts.map((part) => {
    const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(part);
    const m = v6 ?? /^([^:]+)(?::(\d+))?$/.exec(part);
    if (m === null) throw new RangeError(`${part}: not host:port`);
    const port = m[2] === undefined ? DEFAULT_ZOOKEEPER_PORT : Number(m[2]);
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new RangeError(`${part}: bad port`);
    return { host: m[1]!, port };
  });
  return { servers, chroot };
}

function defaultSocket(address: ServerAddress): ConnectorSocket {
  const socket = tcpConnect({ host: address.host, port: address.port });
  socket.setNoDelay(true);
  return socket;
}

function open(
  server: ServerAddress,
  index: number,
  handlers: ConnectionHandlers,
  openSocket: (address: ServerAddress) => ConnectorSocket,
  maxPacketBytes: number,
  o: { acl: readonly JuteAcl[] | undefined; chroot: string | null; auth: readonly ZooKeeperAuth[] | undefined },
): MemberConnection {
  const name = `${server.host.includes(':') ? `[${server.host}]` : server.host}:${server.port}`;
  const socket = openSocket(server);
  const packets = new PacketReader(maxPacketBytes);
  let closed = false;
  let lastError: string | null = null;
  const closeWith = (reason: string): void => {
    if (closed) return;
    closed = true;
    socket.destroy();
    handlers.onClose(reason);
  };
  const conn = new ZooKeeperClientConnection({
    write: (bytes) => {
      if (!closed) socket.write(bytes);
    },
    deliver: (message) => {
      if (!closed) handlers.onMessage(message);
    },
    memberId: index,
    ...(o.acl !== undefined ? { acl: o.acl } : {}),
    ...(o.chroot !== null ? { chroot: o.chroot } : {}),
    ...(o.auth !== undefined ? { auth: o.auth } : {}),
  });
  socket.on('data', (chunk) => {
    if (closed) return;
    try {
      for (const packet of packets.push(chunk)) {
        conn.receive(packet);
        // The client may have closed us from inside its handler (a refused session, say).
        if (closed) return;
      }
    } catch (err) {
      // A reply that does not decode is the server's fault; anything else thrown on the way to the
      // client is ours, and still costs only this connection.
      const why = err instanceof Error ? err.message : String(err);
      closeWith(err instanceof JuteDecodeError ? `${name} sent a bad reply: ${why}` : `could not handle a reply from ${name}: ${why}`);
    }
  });
  socket.on('error', (err) => {
    lastError = err.message;
  });
  socket.on('close', () => closeWith(`${name} closed the connection${lastError !== null ? ` (${lastError})` : ''}`));
  return {
    send(message) {
      if (closed) return;
      conn.send(message);
    },
    close() {
      if (closed) return;
      closed = true;
      socket.destroy();
    },
    unsentBytes() {
      return closed ? 0 : (socket.writableLength ?? 0);
    },
  };
}
