/**
 * A `Connector` over WebSockets: member index i is `urls[i]`, one WebSocket per connection, one
 * msgpack value per binary message (codec/client-wire.ts). Isomorphic: browsers use their global
 * WebSocket, Node passes `WebSocket` from the `ws` package.
 *
 *   new ZooKeeperClient({ connector: webSocketConnector(urls, { WebSocket }), members: urls.length, … })
 */
import { decodeClientFrame, encodeClientFrame } from '../codec/client-wire.js';
import type { ClientToMember, ConnectionHandlers, Connector, MemberConnection, MemberToClient } from '../protocol/client.js';

/** What we use of a WebSocket; the DOM's and the `ws` package's both fit. */
export interface BinaryWebSocket {
  readonly readyState: number;
  /** Bytes queued by send() and not yet sent (both the DOM's and `ws`'s have it). */
  readonly bufferedAmount?: number;
  binaryType: string;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
  // `any`: the DOM and `ws` type their event objects differently; we read only what both have.
  addEventListener(type: 'open' | 'message' | 'close' | 'error', listener: (event: any) => void): void;
}
export type BinaryWebSocketConstructor = new (url: string) => BinaryWebSocket;

export interface WebSocketConnectorOptions {
  /** Defaults to the global WebSocket (browsers, Node 22+). */
  readonly WebSocket?: BinaryWebSocketConstructor;
}

const OPEN = 1;

export function webSocketConnector(urls: readonly string[], options: WebSocketConnectorOptions = {}): Connector {
  if (urls.length === 0) throw new RangeError('webSocketConnector needs at least one member URL');
  const Ctor = options.WebSocket ?? (globalThis as { WebSocket?: BinaryWebSocketConstructor }).WebSocket;
  if (Ctor === undefined) throw new Error('no WebSocket implementation: pass one (e.g. from the ws package)');
  return (index, handlers) => {
    const url = urls[index];
    return url === undefined ? null : connect(Ctor, url, handlers);
  };
}

function connect(Ctor: BinaryWebSocketConstructor, url: string, handlers: ConnectionHandlers): MemberConnection {
  const ws = new Ctor(url);
  ws.binaryType = 'arraybuffer';
  // The client may send its connect request before the socket opens: hold it until then.
  let waiting: Uint8Array[] | null = [];
  let closed = false;
  const closeWith = (reason: string): void => {
    if (closed) return;
    closed = true;
    waiting = null;
    handlers.onClose(reason);
  };
  ws.addEventListener('open', () => {
    const queued = waiting ?? [];
    waiting = null;
    if (!closed) for (const frame of queued) ws.send(frame);
  });
  ws.addEventListener('message', (event: { data: unknown }) => {
    if (closed) return;
    const data = event.data;
    const bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : data instanceof Uint8Array ? data : null;
    if (bytes === null) {
      ws.close(1003, 'text frames are not part of the protocol');
      closeWith(`${url} sent a text frame`);
      return;
    }
    let message: unknown;
    try {
      message = decodeClientFrame(bytes);
    } catch (err) {
      ws.close(1007, 'undecodable frame');
      closeWith(`${url}: ${(err as Error).message}`);
      return;
    }
    handlers.onMessage(message as MemberToClient);
  });
  ws.addEventListener('close', (event: { code?: number; reason?: string }) => {
    closeWith(`${url} closed the connection (${event.code ?? '?'}${event.reason ? ` ${event.reason}` : ''})`);
  });
  // An error event is always followed by a close event, which carries the code.
  ws.addEventListener('error', () => {});
  return {
    send(message: ClientToMember) {
      if (closed) return;
      // The connect goes in plain msgpack and says that we read and write records; everything after
      // it is written with records (codec/client-wire.ts, ClientFrameReader).
      const frame = message.type === 'connect' ? encodeClientFrame({ ...message, records: true }, false) : encodeClientFrame(message, true);
      if (waiting !== null) waiting.push(frame);
      else if (ws.readyState === OPEN) ws.send(frame);
    },
    close() {
      if (closed) return;
      closed = true;
      waiting = null;
      ws.close(1000, 'bye');
    },
    unsentBytes() {
      return (waiting ?? []).reduce((n, frame) => n + frame.length, 0) + (ws.bufferedAmount ?? 0);
    },
  };
}
