/**
 * The --metrics-port server: a plain HTTP server for scrapers (Prometheus, curl) apart from the
 * client port, so it can listen on another interface and carries no client traffic. It answers the
 * same admin GETs as the client port (admin-http.ts); `/` lists them.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AdminHandler } from './admin-http.js';
import { closeServer, listen, urlHost } from './http-listen.js';

export interface MetricsServer {
  readonly port: number;
  /** http://host:port/metrics */
  readonly url: string;
  close(): Promise<void>;
}

export async function startMetricsServer(o: { port: number; host?: string; http: AdminHandler }): Promise<MetricsServer> {
  const host = o.host ?? '127.0.0.1';
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (req.method !== 'GET') {
      res.writeHead(405, { 'content-type': 'text/plain' });
      res.end('GET only\n');
      return;
    }
    if (url.pathname === '/') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('/metrics  /metrics.json  /mntr  /status  /digests\n');
      return;
    }
    if (!o.http(url.pathname, res, url.searchParams)) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end(`no such path ${url.pathname}\n`);
    }
  });
  const port = await listen(server, o.port, host);
  return {
    port,
    url: `http://${urlHost(host)}:${port}/metrics`,
    close: () => closeServer(server),
  };
}
