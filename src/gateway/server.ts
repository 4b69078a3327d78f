/**
 * ZooKeeper's client port on a Node member: TCP, each packet a 4-byte big-endian length and a jute
 * record (connection.ts translates). A length above the request limit (ZooKeeper's jute.maxbuffer) or
 * below zero closes the connection with a log line, as ZooKeeper does; so does a packet that does not
 * decode. The first four bytes of a connection may instead spell a whitelisted four-letter word.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { CLIENT_FRAMES_PER_TURN, DEFAULT_GLOBAL_OUTSTANDING_LIMIT, DEFAULT_MAX_CLIENT_CNXNS, DEFAULT_MAX_REQUEST_BYTES } from '../codec/limits.js';
import type { ConnectionHandlers, MemberConnection } from '../protocol/client.js';
import { GatewayConnection } from './connection.js';
import { FOUR_LETTER_WORDS, answerFourLetterWord, fourLetterWord, type FourLetterSource } from './four-letter.js';

export interface GatewayOptions {
  readonly port: number; // 0 picks a free port
  readonly host?: string; // 127.0.0.1
  readonly open: (handlers: ConnectionHandlers) => MemberConnection | null;
  readonly fourLetter: FourLetterSource;
  /** Words that answer; default all those implemented. */
  readonly whitelist?: ReadonlySet<string>;
  readonly maxPacketBytes?: number;
  /** A client that stopped reading (this much unsent) is dropped, not buffered forever. */
  readonly maxBufferedBytes?: number;
  /** Requests a connection may have unanswered before its socket is no longer read (ZooKeeper's globalOutstandingLimit, 1000). */
  readonly maxOutstanding?: number;
  /** Connections from one IP (ZooKeeper's maxClientCnxns, 60; 0 = unlimited). */
  readonly maxClientCnxns?: number;
  readonly log?: (line: string) => void;
}

export interface GatewayCounters {
  connections: number;
  malformedPackets: number;
  oversizedPackets: number;
  fourLetterWords: number;
  /** Times a connection's reading was paused (backpressure). */
  throttled: number;
  /** Connections refused: their IP had maxClientCnxns already. */
  refusedPerIp: number;
}

export interface Gateway {
  readonly port: number;
  /** host:port, as a ZooKeeper connect string names this member. */
  readonly address: string;
  connections(): number;
  /** One line per open connection: remote address, packets in and out. */
  describeConnections(): string[];
  readonly counters: Readonly<GatewayCounters>;
  close(): Promise<void>;
}

export async function startGateway(o: GatewayOptions): Promise<Gateway> {
  const host = o.host ?? '127.0.0.1';
  const maxPacket = o.maxPacketBytes ?? DEFAULT_MAX_REQUEST_BYTES;
  const maxBuffered = o.maxBufferedBytes ?? 16 * 1024 * 1024;
  const whitelist = o.whitelist ?? new Set<string>(FOUR_LETTER_WORDS);
  const counters: GatewayCounters = { connections: 0, malformedPackets: 0, oversizedPackets: 0, fourLetterWords: 0, throttled: 0, refusedPerIp: 0 };
  const maxOutstanding = o.maxOutstanding ?? DEFAULT_GLOBAL_OUTSTANDING_LIMIT;
  const maxPerIp = o.maxClientCnxns ?? DEFAULT_MAX_CLIENT_CNXNS;
  const perIp = new Map<string, number>();
  const sockets = new Map<Socket, { received: number; sent: number }>();

  const server: Server = createServer((socket) => {
    const ip = socket.remoteAddress ?? 'unknown';
    if (maxPerIp > 0 && (perIp.get(ip) ?? 0) >= maxPerIp) {
      // ZooKeeper closes such a connection at once, with a log line.
      counters.refusedPerIp++;
      o.log?.(`zookeeper client from ${ip} refused: it has ${maxPerIp} connections (maxClientCnxns)`);
      socket.destroy();
      return;
    }
    perIp.set(ip, (perIp.get(ip) ?? 0) + 1);
    const stats = { received: 0, sent: 0 };
    sockets.set(socket, stats);
    counters.connections++;
    const peer = `${socket.remoteAddress}:${socket.remotePort}`;
    // ZooKeeper's server sets TCP_NODELAY on its client sockets: a reply must not wait for the ACK of
    // the one before it (Nagle). Instead the replies of one task (a COMMIT answers many requests at
    // once) leave together: the socket is corked at the first and uncorked when the task is done,
    // one writev for all of them rather than one write each.
    socket.setNoDelay(true);
    let corked = false;
    const hold = (): void => {
      if (corked) return;
      corked = true;
      socket.cork();
      queueMicrotask(() => {
        corked = false;
        socket.uncork();
      });
    };
    let buffered: Uint8Array = new Uint8Array(0);
    let first = true;
    let done = false;
    let replySent = (): void => {};
    const end = (reason: string | null): void => {
      if (done) return;
      done = true;
      if (reason !== null) o.log?.(`zookeeper client ${peer}: closing: ${reason}`);
      conn.closed();
      socket.end();
      // A client that keeps its half open gets cut after a moment.
      setTimeout(() => socket.destroy(), 1000).unref();
    };
    const conn = new GatewayConnection({
      open: o.open,
      send: (bytes) => {
        if (done) return;
        if (socket.writableLength > maxBuffered) return end('client is not reading its replies');
        stats.sent++;
        hold();
        socket.write(bytes);
        replySent();
      },
      close: (reason) => end(reason),
      malformed: () => counters.malformedPackets++,
    });

    // Backpressure, as on the WebSocket port: at most CLIENT_FRAMES_PER_TURN packets per event-loop turn (so
    // peer messages and ticks get the loop in between), and no reading while this connection has
    // maxOutstanding requests unanswered; the socket is paused, the kernel window fills, the client waits.
    let paused = false;
    let drainScheduled = false;
    const scheduleDrain = (): void => {
      if (drainScheduled || done) return;
      drainScheduled = true;
      setImmediate(() => {
        drainScheduled = false;
        drain();
      });
    };
    const setPaused = (pause: boolean): void => {
      if (pause === paused) return;
      paused = pause;
      if (pause) {
        counters.throttled++;
        socket.pause();
      } else socket.resume();
    };
    const drain = (): void => {
      let budget = CLIENT_FRAMES_PER_TURN;
      while (!done && buffered.byteLength >= 4) {
        const length = new DataView(buffered.buffer, buffered.byteOffset, 4).getInt32(0);
        if (length < 0 || length > maxPacket) {
          counters.oversizedPackets++;
          return end(`packet length ${length} is out of range (limit ${maxPacket} bytes)`);
        }
        if (buffered.byteLength < 4 + length) break;
        if (budget === 0) {
          setPaused(true);
          return scheduleDrain();
        }
        if (conn.outstanding >= maxOutstanding) return setPaused(true); // resumed as replies go out
        const packet = buffered.slice(4, 4 + length);
        buffered = buffered.subarray(4 + length);
        stats.received++;
        budget--;
        try {
          conn.receive(packet);
        } catch (err) {
          // A bug in the translation costs this client its connection, never the member.
          counters.malformedPackets++;
          return end(`could not translate a packet: ${(err as Error).message}`);
        }
      }
      setPaused(false);
    };
    replySent = (): void => {
      if (paused && conn.outstanding < maxOutstanding / 2) scheduleDrain();
    };

    socket.on('data', (chunk: Buffer) => {
      if (done) return;
      buffered = buffered.byteLength === 0 ? new Uint8Array(chunk) : concat(buffered, chunk);
      if (first && buffered.byteLength >= 4) {
        first = false;
        const word = fourLetterWord(buffered.subarray(0, 4), whitelist);
        if (word !== null) {
          counters.fourLetterWords++;
          let text: string;
          try {
            text = answerFourLetterWord(word, o.fourLetter);
          } catch (err) {
            text = `error: ${(err as Error).message}\n`;
          }
          done = true;
          conn.closed();
          socket.end(text);
          return;
        }
      }
      if (!paused) drain();
    });
    socket.on('close', () => {
      sockets.delete(socket);
      const left = (perIp.get(ip) ?? 1) - 1;
      if (left > 0) perIp.set(ip, left);
      else perIp.delete(ip);
      done = true;
      conn.closed();
    });
    socket.on('error', (err) => o.log?.(`zookeeper client ${peer}: socket error: ${err.message}`));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr !== null ? addr.port : o.port;
  return {
    port,
    address: `${host.includes(':') ? `[${host}]` : host}:${port}`,
    connections: () => sockets.size,
    describeConnections: () => [...sockets].map(([s, st]) => ` /${s.remoteAddress}:${s.remotePort}[1](queued=0,recved=${st.received},sent=${st.sent})`),
    counters,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets.keys()) s.destroy();
        server.close(() => resolve());
      }),
  };
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.byteLength + b.byteLength);
  out.set(a);
  out.set(b, a.byteLength);
  return out;
}
