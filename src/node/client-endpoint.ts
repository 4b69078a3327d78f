/**
 * A Node member's local endpoint: one port for programs on the same machine (or the LAN, with
 * --client-host). A WebSocket on it is one client connection (binary msgpack frames, see
 * codec/client-wire.ts); plain HTTP GETs answer admin queries (`/status` as JSON, `/metrics` as
 * Prometheus text, … see admin-http.ts) through the `http` handler the member passes in.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { ClientFrameReader, MAX_CLIENT_FRAME_BYTES, encodeClientFrame } from '../codec/client-wire.js';
import type { ClientToMember, ConnectionHandlers, MemberConnection } from '../protocol/client.js';
import { closeServer, listen, urlHost } from './http-listen.js';
import { socketCorker } from './socket-cork.js';

export interface ClientEndpointOptions {
  readonly port: number; // 0 picks a free port
  readonly host?: string; // 127.0.0.1
  /** A new client connection to the member, or null when the member is not running. */
  readonly open: (handlers: ConnectionHandlers) => MemberConnection | null;
  /** Answers a GET; returns false for an unknown path (404). */
  readonly http?: (path: string, res: ServerResponse, query: URLSearchParams) => boolean;
  /** A socket with this much unsent is a client that stopped reading: it is dropped, not buffered forever. */
  readonly maxBufferedBytes?: number;
  readonly log?: (line: string) => void;
}

export interface ClientEndpoint {
  readonly port: number;
  /** ws://host:port — what a client's connector dials. */
  readonly url: string;
  connections(): number;
  close(): Promise<void>;
}

export async function startClientEndpoint(o: ClientEndpointOptions): Promise<ClientEndpoint> {
  const host = o.host ?? '127.0.0.1';
  const maxBuffered = o.maxBufferedBytes ?? 16 * 1024 * 1024;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.pathname;
    if (req.method !== 'GET' || !o.http?.(path, res, url.searchParams)) {
      res.writeHead(req.method === 'GET' ? 404 : 405, { 'content-type': 'text/plain' });
      res.end(req.method === 'GET' ? `no such path ${path}\n` : 'GET only\n');
    }
  });
  const wss = new WebSocketServer({ server, maxPayload: MAX_CLIENT_FRAME_BYTES });
  const sockets = new Set<WebSocket>();

  wss.on('connection', (ws: WebSocket) => {
    sockets.add(ws);
    let connection: MemberConnection | null = null;
    // Plain msgpack both ways until the client's connect says it reads and writes records.
    const reader = new ClientFrameReader();
    const hold = socketCorker(ws);
    const handlers: ConnectionHandlers = {
      onMessage(message) {
        if (ws.readyState !== ws.OPEN) return;
        if (ws.bufferedAmount > maxBuffered) {
          ws.close(1008, 'client is not reading');
          return;
        }
        let frame: Uint8Array;
        try {
          frame = encodeClientFrame(message, reader.recordsOut);
        } catch (err) {
          // The member bounds its replies (codec/reply-size.ts); should one still not encode, this
          // client loses its connection, never the process.
          o.log?.(`client reply not sent: ${(err as Error).message}`);
          connection?.badFrame?.(`reply not encodable: ${(err as Error).message}`);
          ws.close(1011, 'reply could not be encoded');
          return;
        }
        hold();
        ws.send(frame);
      },
      onClose(reason) {
        connection = null;
        // Close reasons are limited to 123 bytes by the protocol.
        if (ws.readyState === ws.OPEN) ws.close(1000, reason.slice(0, 120));
      },
    };
    connection = o.open(handlers);
    if (connection === null) {
      ws.close(1013, 'member is not running');
      return;
    }
    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (connection === null) return;
      if (!isBinary) {
        refuse(ws, 1003, 'text frames are not part of the protocol');
        return;
      }
      const decoded = reader.read(toBytes(data));
      if (!decoded.ok) {
        connection.badFrame?.(decoded.error);
        refuse(ws, 1007, decoded.error);
        return;
      }
      // The member validates the message itself and answers a bad one with an error.
      connection.send(decoded.value as ClientToMember);
    });
    ws.on('close', () => {
      sockets.delete(ws);
      const c = connection;
      connection = null;
      c?.close();
    });
    ws.on('error', (err) => o.log?.(`client socket error: ${err.message}`));
  });

  const port = await listen(server, o.port, host);
  return {
    port,
    url: `ws://${urlHost(host)}:${port}`,
    connections: () => sockets.size,
    close: () => {
      for (const ws of sockets) ws.terminate();
      wss.close();
      return closeServer(server);
    },
  };
}

function refuse(ws: WebSocket, code: number, reason: string): void {
  ws.close(code, reason.slice(0, 120));
}

function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return data;
}
