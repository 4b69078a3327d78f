/**
 * Reaching members from the shell: the connect string (`host:port,…` or ws:// URLs), a client over
 * WebSockets, and a member's `GET /status` and `GET /mntr` on the same port.
 */
import { WebSocket } from 'ws';
import { ZooKeeperClient } from '../../client/index.js';
import type { Watcher } from '../../client/types.js';
import { webSocketConnector } from '../../client/websocket-connector.js';
import type { MemberStatus } from '../../node/status.js';
import { adminGet, adminJson } from '../admin-get.js';
import { ShellUsageError } from './parse.js';

/** `127.0.0.1:2181,ws://h:2182` → `['ws://127.0.0.1:2181', 'ws://h:2182']`. */
export function parseConnectString(spec: string): string[] {
  const parts = spec.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (parts.length === 0) throw new ShellUsageError('the connect string needs at least one host:port');
  return parts.map((part) => {
    const hasScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(part);
    const withScheme = hasScheme ? part : `ws://${part}`;
    let url: URL;
    try {
      url = new URL(withScheme);
    } catch {
      throw new ShellUsageError(`${part} is not host:port or a ws:// URL`);
    }
    if (url.protocol !== 'ws:' && url.protocol !== 'wss:') throw new ShellUsageError(`${part}: only ws:// and wss:// members`);
    if (!hasScheme && url.port === '') throw new ShellUsageError(`${part} has no port`);
    return `${url.protocol}//${url.host}${url.pathname === '/' ? '' : url.pathname}`;
  });
}

/** `ws://127.0.0.1:2181` → `127.0.0.1:2181` (how the prompt names a member). */
export function hostPort(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

export interface ShellClientOptions {
  readonly urls: readonly string[];
  readonly sessionTimeoutMs: number;
  readonly readOnly: boolean;
  readonly watcher: Watcher;
}

export function openClient(o: ShellClientOptions): ZooKeeperClient {
  return new ZooKeeperClient({
    connector: webSocketConnector(o.urls, { WebSocket }),
    members: o.urls.length,
    sessionTimeoutMs: o.sessionTimeoutMs,
    canBeReadOnly: o.readOnly,
    watcher: o.watcher,
  });
}

/** GET /status of the member whose client URL is `url` (same host and port, over HTTP). */
export function fetchStatus(url: string, timeoutMs: number): Promise<MemberStatus> {
  return adminJson<MemberStatus>(url, '/status', timeoutMs);
}

/** GET /mntr: ZooKeeper's mntr lines, `key<TAB>value`. */
export async function fetchMntr(url: string, timeoutMs: number): Promise<string[]> {
  return (await adminGet(url, '/mntr', timeoutMs)).split('\n').filter((line) => line !== '');
}
