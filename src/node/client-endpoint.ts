/**
 * A Node member's local endpoint: one port for programs on the same machine (or the LAN, with
 * --client-host). A WebSocket on it is one client connection (binary msgpack frames, see
 * codec/client-wire.ts); plain HTTP GETs answer admin queries (`/status` as JSON, `/metrics` as
 * Prometheus text, … see admin-http.ts) through the `http` handler the member passes in.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { ClientFrameReader, encodeClientFrame } from '../codec/client-wire.js';
import { ErrorCode } from '../protocol/errors.js';
import type { ClientToMember, ConnectionHandlers, MemberConnection, MemberToClient } from '../protocol/client.js';
import {
  AdmissionCounters,
  CLIENT_FRAMES_PER_TURN,
  INBOX_PAUSE_BYTES,
  INBOX_PAUSE_FRAMES,
  LARGE_REPLY_READS_PER_TURN,
  RateLimitedLog,
  admissionLimits,
  holdFor,
  mayReplyLarge,
  outstandingShare,
  type AdmissionLimits,
  type AdmissionMetrics,
  type Hold,
} from './admission.js';
import { closeServer, listen, urlHost } from './http-listen.js';
import { allowedHostNames, hostAllowed, originAllowed } from './origin-check.js';
import { socketCorker } from './socket-cork.js';

export interface ClientEndpointOptions {
  readonly port: number; // 0 picks a free port
  readonly host?: string; // 127.0.0.1
  /** A new client connection to the member, or null when the member is not running. */
  readonly open: (handlers: ConnectionHandlers) => MemberConnection | null;
  /** Answers a GET; returns false for an unknown path (404). */
  readonly http?: (path: string, res: ServerResponse, query: URLSearchParams) => boolean;
  /** Browser origins allowed to open a client WebSocket (origin-check.ts); none by default. */
  readonly allowOrigins?: readonly string[];
  /** Host names requests may address this port by beyond IP literals, localhost and this machine's name (origin-check.ts). */
  readonly allowHosts?: readonly string[];
  /** Admission limits (admission.ts); ZooKeeper's defaults where it has them. */
  readonly limits?: Partial<AdmissionLimits>;
  /** A socket with this much unsent is a client that stopped reading: it is dropped, not buffered forever. */
  readonly maxBufferedBytes?: number;
  readonly log?: (line: string) => void;
}

export interface ClientEndpoint {
  readonly port: number;
  /** ws://host:port — what a client's connector dials. */
  readonly url: string;
  connections(): number;
  /** What was refused and throttled, with the limits (shown in mntr and /metrics). */
  admission(): AdmissionMetrics;
  close(): Promise<void>;
}

/** A decoded frame waiting for admission; `type` read once (the frame may be anything: the member validates it). */
interface Queued {
  readonly message: ClientToMember;
  readonly type: unknown;
  readonly bytes: number;
}

/** One client WebSocket and what admission control knows of it. */
interface Link {
  readonly ws: WebSocket;
  readonly ip: string;
  connection: MemberConnection | null;
  /** Decoded frames not yet handed to the member, oldest first, and their size. */
  readonly inbox: Queued[];
  inboxBytes: number;
  outstanding: number;
  /** When each outstanding request went to the member (performance.now()), oldest first. */
  readonly sentAt: number[];
  hold: Hold;
  readingPaused: boolean;
  /** Reads with possibly large replies handed to the member in this pump turn. */
  largeReadsThisTurn: number;
  /** A 'connected' reply was sent: a session is attached here. */
  session: boolean;
  /** A connect for a new session is with the member, not yet answered. */
  newSessionPending: boolean;
  /** Plain msgpack both ways until the client's connect says it reads and writes records. */
  readonly reader: ClientFrameReader;
}

export async function startClientEndpoint(o: ClientEndpointOptions): Promise<ClientEndpoint> {
  const host = o.host ?? '127.0.0.1';
  const limits = admissionLimits({ ...(o.maxBufferedBytes !== undefined ? { maxBufferedBytes: o.maxBufferedBytes } : {}), ...o.limits });
  const allowOrigins = o.allowOrigins ?? [];
  const allowedHosts = allowedHostNames(allowOrigins, o.allowHosts ?? []);
  /** A request addressed by a name not allowed (DNS rebinding): counted, logged, refused. */
  const wrongHost = (req: IncomingMessage): string | null => {
    const host = req.headers.host;
    if (hostAllowed(host, allowedHosts)) return null;
    counters.refusedHost++;
    refusals.say(`host ${host}`, `refused a request addressed to host ${host}: not an IP, localhost, this machine or --allow-host (counted in zk_requests_refused_host)`);
    return `host ${host} is not allowed (peerkeeper node --allow-host)`;
  };
  const counters = new AdmissionCounters();
  const refusals = new RateLimitedLog((line) => o.log?.(line));
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.pathname;
    const badHost = wrongHost(req);
    if (badHost !== null) {
      res.writeHead(403, { 'content-type': 'text/plain' });
      res.end(`${badHost}\n`);
      return;
    }
    if (req.method !== 'GET' || !o.http?.(path, res, url.searchParams)) {
      res.writeHead(req.method === 'GET' ? 404 : 405, { 'content-type': 'text/plain' });
      res.end(req.method === 'GET' ? `no such path ${path}\n` : 'GET only\n');
    }
  });
  const wss = new WebSocketServer({ noServer: true, maxPayload: limits.maxRequestBytes });
  const links = new Set<Link>();
  const perIp = new Map<string, number>();
  let memberOutstanding = 0;
  let sessions = 0;
  let newSessionsPending = 0;

  // Admission at the upgrade: the page's origin, then the client's IP; refused with an HTTP status and a reason.
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const badHost = wrongHost(req);
    if (badHost !== null) return refuseUpgrade(socket, 403, 'Forbidden', badHost);
    const origin = req.headers.origin;
    if (!originAllowed(origin, allowOrigins)) {
      counters.refusedOrigin++;
      refusals.say(`origin ${origin}`, `refused a client WebSocket from origin ${origin}: not in --allow-origin (counted in zk_connections_refused_origin)`);
      return refuseUpgrade(socket, 403, 'Forbidden', `origin ${origin} is not allowed (peerkeeper node --allow-origin)`);
    }
    const ip = req.socket.remoteAddress ?? 'unknown';
    const open = perIp.get(ip) ?? 0;
    if (limits.maxClientCnxns > 0 && open >= limits.maxClientCnxns) {
      counters.refusedPerIp++;
      refusals.say(`ip ${ip}`, `refused a client connection from ${ip}: it has ${open}, the limit is ${limits.maxClientCnxns} (--max-client-cnxns)`);
      return refuseUpgrade(socket, 429, 'Too Many Requests', `too many connections from ${ip} (limit ${limits.maxClientCnxns}, --max-client-cnxns)`);
    }
    wss.handleUpgrade(req, socket, head, (ws) => accept(ws, ip));
  });

  function accept(ws: WebSocket, ip: string): void {
    perIp.set(ip, (perIp.get(ip) ?? 0) + 1);
    const link: Link = { ws, ip, connection: null, inbox: [], inboxBytes: 0, outstanding: 0, sentAt: [], hold: null, readingPaused: false, largeReadsThisTurn: 0, session: false, newSessionPending: false, reader: new ClientFrameReader() };
    links.add(link);
    const hold = socketCorker(ws);
    // After each reply reaches the socket: a slow reader that caught up gets its requests read again.
    const written = (): void => {
      if (link.hold === 'slowReader' && ws.bufferedAmount < limits.readPauseBytes / 2) schedulePump();
    };
    const handlers: ConnectionHandlers = {
      onMessage(message) {
        if (ws.readyState !== ws.OPEN) return;
        noteReply(link, message);
        if (ws.bufferedAmount > limits.maxBufferedBytes) {
          counters.closedNotReading++;
          ws.close(1008, 'client is not reading');
          return;
        }
        let frame: Uint8Array;
        try {
          frame = encodeClientFrame(message, link.reader.recordsOut);
        } catch (err) {
          // The member bounds its replies (codec/reply-size.ts); should one still not encode, this
          // client loses its connection, never the process.
          o.log?.(`client reply not sent: ${(err as Error).message}`);
          link.connection?.badFrame?.(`reply not encodable: ${(err as Error).message}`);
          ws.close(1011, 'reply could not be encoded');
          return;
        }
        hold();
        ws.send(frame, written);
      },
      onClose(reason) {
        link.connection = null;
        // Close reasons are limited to 123 bytes by the protocol.
        if (ws.readyState === ws.OPEN) ws.close(1000, reason.slice(0, 120));
      },
    };
    ws.on('close', () => forget(link));
    ws.on('error', (err) => {
      if ((err as { code?: string }).code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
        counters.refusedTooLarge++;
        refusals.say(`too large ${ip}`, `closed a client connection from ${ip}: a frame over ${limits.maxRequestBytes} bytes (--max-request-bytes)`);
      } else o.log?.(`client socket error: ${err.message}`);
    });
    link.connection = o.open(handlers);
    if (link.connection === null) {
      ws.close(1013, 'member is not running');
      return;
    }
    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (link.connection === null) return;
      if (!isBinary) {
        refuse(ws, 1003, 'text frames are not part of the protocol');
        return;
      }
      const bytes = toBytes(data);
      const decoded = link.reader.read(bytes);
      if (!decoded.ok) {
        link.connection.badFrame?.(decoded.error);
        refuse(ws, 1007, decoded.error);
        return;
      }
      const message = decoded.value;
      const type = typeof message === 'object' && message !== null ? (message as { type?: unknown }).type : undefined;
      // The member validates the message itself and answers a bad one with an error.
      link.inbox.push({ message: message as ClientToMember, type, bytes: bytes.length });
      link.inboxBytes += bytes.length;
      if (link.inbox.length >= INBOX_PAUSE_FRAMES || link.inboxBytes >= INBOX_PAUSE_BYTES) setReading(link, false);
      schedulePump();
    });
  }

  /** Replies that settle what admission counts: answered requests, sessions attached here. */
  function noteReply(link: Link, message: MemberToClient): void {
    if (message.type === 'response') {
      if (link.outstanding > 0) {
        link.outstanding--;
        link.sentAt.shift();
        memberOutstanding--;
        if (waiting) schedulePump(); // a connection held back may go on
      }
    } else if (message.type === 'connected' || message.type === 'connectRefused') {
      if (link.newSessionPending) {
        link.newSessionPending = false;
        newSessionsPending--;
      }
      if (message.type === 'connected' && !link.session) {
        link.session = true;
        sessions++;
      }
    }
  }

  function forget(link: Link): void {
    if (!links.delete(link)) return;
    const left = (perIp.get(link.ip) ?? 1) - 1;
    if (left > 0) perIp.set(link.ip, left);
    else perIp.delete(link.ip);
    memberOutstanding -= link.outstanding;
    link.outstanding = 0;
    link.sentAt.length = 0;
    if (link.session) sessions--;
    if (link.newSessionPending) newSessionsPending--;
    link.inbox.length = 0;
    const c = link.connection;
    link.connection = null;
    c?.close();
    schedulePump(); // what it held of the member's limit is free for the others
  }

  // The pump: hands queued frames to the member, a bounded number per event-loop turn, round robin
  // over connections, each frame only once admission allows it (holdFor).
  let scheduled = false;
  let waiting = false;
  function schedulePump(): void {
    if (scheduled) return;
    scheduled = true;
    setImmediate(pump);
  }

  function pump(): void {
    scheduled = false;
    waiting = false;
    let busy = 0;
    for (const l of links) if (l.outstanding > 0 || l.inbox.length > 0) busy++;
    const share = outstandingShare(limits, busy);
    let budget = CLIENT_FRAMES_PER_TURN;
    const now = performance.now();
    for (const l of links) l.largeReadsThisTurn = 0;
    let moved = true;
    let budgetLeftOver = false;
    while (budget > 0 && moved) {
      moved = false;
      for (const l of links) {
        if (budget === 0) break;
        const next = l.inbox[0];
        if (!next || l.connection === null) continue;
        const isRequest = next.type === 'request';
        const why = holdFor({ outstanding: l.outstanding, bufferedBytes: l.ws.bufferedAmount, heldAsSlowReader: l.hold === 'slowReader', oldestWaitMs: l.sentAt.length ? now - l.sentAt[0]! : 0 }, isRequest, memberOutstanding, share, limits);
        if (why !== l.hold && why !== null) {
          if (why === 'outstanding') counters.throttledOutstanding++;
          else counters.throttledSlowReader++;
        }
        l.hold = why;
        if (why !== null) {
          waiting = true;
          continue;
        }
        const large = isRequest && mayReplyLarge(next.message);
        if (large && l.largeReadsThisTurn >= LARGE_REPLY_READS_PER_TURN) {
          budgetLeftOver = true; // its turn again in the next pump, once these replies are queued
          continue;
        }
        if (large) l.largeReadsThisTurn++;
        l.inbox.shift();
        l.inboxBytes -= next.bytes;
        budget--;
        moved = true;
        dispatch(l, next, isRequest);
      }
    }
    for (const l of links) {
      if (l.inbox.length === 0 && l.hold === 'outstanding') l.hold = null;
      const full = l.inbox.length >= INBOX_PAUSE_FRAMES || l.inboxBytes >= INBOX_PAUSE_BYTES;
      setReading(l, !full && l.hold !== 'slowReader');
    }
    // Budget spent with frames still admissible: the rest next turn, after peer messages and ticks.
    if (budget === 0 || budgetLeftOver) schedulePump();
  }

  function dispatch(l: Link, { message, type }: Queued, isRequest: boolean): void {
    if (type === 'connect' && (message as { sessionId?: unknown }).sessionId === 0) {
      if (sessions + newSessionsPending >= limits.maxSessions) {
        counters.refusedSessions++;
        refusals.say('sessions', `refused a new session: this member has ${sessions} (--max-sessions ${limits.maxSessions})`);
        const refusal: MemberToClient = { type: 'connectRefused', err: ErrorCode.CONNECTIONLOSS, reason: `member is at its session limit (${limits.maxSessions}); try another member` };
        l.ws.send(encodeClientFrame(refusal, l.reader.recordsOut));
        l.ws.close(1013, 'session limit reached');
        const c = l.connection;
        l.connection = null;
        l.inbox.length = 0;
        c?.close();
        return;
      }
      if (!l.newSessionPending) {
        l.newSessionPending = true;
        newSessionsPending++;
      }
    }
    if (isRequest) {
      l.outstanding++;
      l.sentAt.push(performance.now());
      memberOutstanding++;
    }
    l.connection!.send(message);
  }

  function setReading(l: Link, read: boolean): void {
    if (read === !l.readingPaused) return;
    l.readingPaused = !read;
    if (read) l.ws.resume();
    else l.ws.pause();
  }

  const port = await listen(server, o.port, host);
  return {
    port,
    url: `ws://${urlHost(host)}:${port}`,
    connections: () => links.size,
    admission: () => {
      let buffered = 0;
      let paused = 0;
      for (const l of links) {
        buffered += l.ws.bufferedAmount;
        if (l.readingPaused) paused++;
      }
      return { limits, ...counters, outstanding: memberOutstanding, pausedConnections: paused, sessions, bufferedBytes: buffered };
    },
    close: () => {
      for (const l of links) l.ws.terminate();
      wss.close();
      return closeServer(server);
    },
  };
}

/** Answers an upgrade with an HTTP error and a one-line reason, and hangs up. */
function refuseUpgrade(socket: Duplex, status: number, text: string, reason: string): void {
  const body = `${reason}\n`;
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
}

function refuse(ws: WebSocket, code: number, reason: string): void {
  ws.close(code, reason.slice(0, 120));
}

function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return data;
}
