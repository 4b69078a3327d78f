/**
 * Reaching members from the shell: the connect string (`host:port,…` or ws:// URLs), a client over
 * WebSockets, and a member's `GET /status` on the same port.
 */
import { get as httpGet } from 'node:http';
import { get as httpsGet } from 'node:https';
import { WebSocket } from 'ws';
import { ZooKeeperClient } from '../../client/index.js';
import type { Watcher } from '../../client/types.js';
import { webSocketConnector } from '../../client/websocket-connector.js';
import type { MemberStatus } from '../../node/status.js';
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
  const u = new URL(url);
  u.protocol = u.protocol === 'wss:' ? 'https:' : 'http:';
  u.pathname = '/status';
  const get = u.protocol === 'https:' ? httpsGet : httpGet;
  return new Promise((resolve, reject) => {
    // agent: false — one connection, closed after the answer: nothing keeps the shell alive.
    const req = get(u, { agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        if (res.statusCode !== 200) {
          reject(new Error(`${u.href} answered ${res.statusCode ?? '?'} ${body.trim()}`));
          return;
        }
        try {
          resolve(JSON.parse(body) as MemberStatus);
        } catch {
          reject(new Error(`${u.href} did not answer JSON`));
        }
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${u.href} did not answer within ${timeoutMs} ms`)));
    req.on('error', reject);
  });
}
