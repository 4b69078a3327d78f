/**
 * The signalling server: introduces members of a room to each other by relaying their WebRTC
 * offers, answers and ICE candidates, and nothing else. It keeps no state beyond who is in which
 * room, so stopping it never loses anything: a formed mesh keeps working and introduces newcomers
 * itself. Every input is untrusted; bad input earns an error frame and/or a close, never a crash.
 */
import { WebSocketServer, WebSocket, type RawData } from 'ws';
import { CloseCode, PROTOCOL_VERSION, parseClientMessage, type ClientMessage, type ErrorCode, type SecretMode, type ServerMessage } from './protocol.js';
import { parseIceHandout, type IceConfig } from './ice.js';
import { TokenBucket } from './rate-limit.js';
import { Rooms } from './rooms.js';
import { newChallenge, roomKeyFor, verifyJoinProof } from './verify.js';

/** 'open': the first joiner of an empty room sets its verifier. A function: the secret of a room, or undefined if there is no such room. */
export type RoomSecretCheck = 'open' | ((room: string) => string | undefined);

export interface SignallingServerOptions {
  port: number; // 0 picks a free port
  host?: string;
  /** Frames above this get an error and a close (offers with many candidates are a few KiB). */
  maxFrameBytes?: number;
  /** Sustained messages per second per connection; bursts up to `burstMessages`. */
  maxMessagesPerSecond?: number;
  burstMessages?: number;
  roomSecretCheck?: RoomSecretCheck;
  /** A connection that has not joined by then is closed: it holds a socket and does nothing useful. */
  joinTimeoutMs?: number;
  /** Ping period; a connection that misses a whole period is dropped so ghosts leave their rooms. */
  pingIntervalMs?: number;
  /**
   * STUN/TURN servers (with TURN credentials) handed to every member admitted to a room, in its
   * `peers` frame; a member's own settings win over them (ice.ts). Checked here as members check it.
   */
  ice?: IceConfig;
  log?: (line: string) => void;
}

export interface SignallingStats {
  connections: number;
  rooms: number;
  members: number;
  joins: number;
  relayed: number;
  errorFrames: number;
  authFailures: number;
  rateLimited: number;
}

export interface SignallingServer {
  readonly port: number;
  readonly url: string;
  close(): Promise<void>;
  stats(): SignallingStats;
}

interface Conn {
  readonly ws: WebSocket;
  readonly challenge: string;
  readonly bucket: TokenBucket;
  joined: { room: string; memberId: string } | undefined;
  alive: boolean;
  closing: boolean;
  joinTimer: ReturnType<typeof setTimeout> | undefined;
}

/** The one answer to a refused join, whatever the reason: a peer must not learn which rooms exist. */
const JOIN_REFUSED = 'join refused: no room by that name accepts this proof';

// A target whose socket has this much unsent is not reading; more would only grow our memory.
const MAX_BUFFERED_BYTES = 1 << 20;

export async function startSignallingServer(options: SignallingServerOptions): Promise<SignallingServer> {
  const host = options.host ?? '127.0.0.1';
  const maxFrameBytes = options.maxFrameBytes ?? 64 * 1024;
  const rate = options.maxMessagesPerSecond ?? 100;
  const burst = options.burstMessages ?? rate * 2;
  const check = options.roomSecretCheck ?? 'open';
  const mode: SecretMode = check === 'open' ? 'open' : 'configured';
  const joinTimeoutMs = options.joinTimeoutMs ?? 10_000;
  const pingIntervalMs = options.pingIntervalMs ?? 15_000;
  const log = options.log ?? (() => {});
  let ice: IceConfig | undefined;
  if (options.ice !== undefined) {
    // The operator's own input: refused at start rather than handed out for every member to drop.
    const checked = parseIceHandout(options.ice);
    if (checked.problems.length > 0) throw new Error(`ice: ${checked.problems.join('; ')}`);
    ice = checked.config;
  }

  // Stands in for the secret of a room that does not exist (configured mode), so the refusal costs the same work.
  const unknownRoomSecret = newChallenge();
  const rooms = new Rooms<Conn>();
  const conns = new Set<Conn>();
  const counters = { joins: 0, relayed: 0, errorFrames: 0, authFailures: 0, rateLimited: 0 };

  // `ws` refuses frames above maxPayload by closing with a bare 1009 before we see them; leave it a
  // hard cap above ours so ordinary oversize frames get our error frame and a close with a reason.
  const wss = new WebSocketServer({ port: options.port, host, maxPayload: Math.max(2 * maxFrameBytes, maxFrameBytes + 4096) });
  await new Promise<void>((resolve, reject) => {
    wss.once('listening', resolve);
    wss.once('error', reject);
  });
  wss.on('error', (err) => log(`server error: ${err.message}`));
  const address = wss.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;

  const send = (c: Conn, m: ServerMessage): void => {
    if (c.ws.readyState === WebSocket.OPEN) c.ws.send(JSON.stringify(m));
  };
  const sendError = (c: Conn, code: ErrorCode, message: string): void => {
    counters.errorFrames++;
    send(c, { type: 'error', code, message });
  };
  const closeWith = (c: Conn, code: number, reason: string): void => {
    if (c.closing) return;
    c.closing = true;
    c.ws.close(code, reason.slice(0, 120)); // a close reason is limited to 123 bytes
  };
  const broadcast = (room: string, except: string, m: ServerMessage): void => {
    for (const [id, other] of rooms.get(room)?.members ?? []) if (id !== except) send(other, m);
  };

  function onJoin(c: Conn, m: Extract<ClientMessage, { type: 'join' }>): void {
    if (c.joined !== undefined) return sendError(c, 'already-joined', `already joined room ${c.joined.room} as ${c.joined.memberId}`);
    let key: Buffer;
    let refusal: string | undefined; // why, for our log only
    if (check === 'open') {
      const existing = rooms.get(m.room);
      if (existing !== undefined) key = existing.key;
      else if (m.verifier !== undefined) key = Buffer.from(m.verifier, 'hex');
      // Not a failure: the client answers by joining again with the room's verifier. (Open mode cannot
      // hide whether a room is occupied: anyone may open an empty one. Configured mode can.)
      else return sendError(c, 'unknown-room', `room ${m.room} is empty: join again with a verifier to open it`);
    } else {
      const secret = check(m.room);
      // An unknown room is refused exactly as a wrong secret is — same reply, same close, and the
      // same HMAC work against a key no proof can match — so room names cannot be probed.
      if (secret === undefined) refusal = 'no such room';
      key = secret === undefined ? roomKeyFor(unknownRoomSecret, m.room) : roomKeyFor(secret, m.room);
    }
    if (!verifyJoinProof(key, c.challenge, m.room, m.memberId, m.proof) || refusal !== undefined) {
      counters.authFailures++;
      log(`refused ${JSON.stringify(m.memberId)} joining ${JSON.stringify(m.room)}: ${refusal ?? 'wrong proof (not the room secret)'}`);
      sendError(c, 'bad-proof', JOIN_REFUSED);
      return closeWith(c, CloseCode.authFailed, 'join refused');
    }

    const { room, replaced } = rooms.add(m.room, key, m.memberId, c);
    c.joined = { room: m.room, memberId: m.memberId };
    counters.joins++;
    if (c.joinTimer !== undefined) clearTimeout(c.joinTimer);
    if (replaced !== undefined) {
      // The old connection is no longer in the room; its late close must not announce a departure.
      replaced.joined = undefined;
      closeWith(replaced, CloseCode.replaced, 'replaced by a newer connection with the same memberId');
      // Tell the others the old member is gone, so they drop peer connections negotiated with it.
      broadcast(m.room, m.memberId, { type: 'peer-left', memberId: m.memberId });
    }
    log(`${m.memberId} joined ${m.room}${replaced ? ' (replacing its previous connection)' : ''}`);
    send(c, { type: 'peers', room: m.room, members: [...room.members.keys()].filter((id) => id !== m.memberId), ...(ice ? { ice } : {}) });
    broadcast(m.room, m.memberId, { type: 'peer-joined', memberId: m.memberId });
  }

  function onSignal(c: Conn, m: Extract<ClientMessage, { type: 'signal' }>): void {
    if (c.joined === undefined) return sendError(c, 'not-joined', 'join a room before signalling');
    const target = rooms.get(c.joined.room)?.members.get(m.to);
    if (target === undefined) return sendError(c, 'unknown-peer', `no member ${m.to} in room ${c.joined.room}`);
    if (target.ws.bufferedAmount > MAX_BUFFERED_BYTES) return sendError(c, 'peer-busy', `member ${m.to} is not reading; try later`);
    counters.relayed++;
    send(target, { type: 'signal', from: c.joined.memberId, data: m.data });
  }

  function onMessage(c: Conn, data: RawData, isBinary: boolean): void {
    if (c.closing) return;
    if (!c.bucket.take()) {
      counters.rateLimited++;
      sendError(c, 'rate-limited', `more than ${rate} messages per second`);
      return closeWith(c, CloseCode.rateLimited, 'rate limit exceeded');
    }
    const bytes = Array.isArray(data) ? data.reduce((n, b) => n + b.length, 0) : data.byteLength;
    if (bytes > maxFrameBytes) {
      sendError(c, 'too-big', `frame of ${bytes} bytes is over the ${maxFrameBytes}-byte limit`);
      return closeWith(c, CloseCode.tooBig, `frame over ${maxFrameBytes} bytes`);
    }
    if (isBinary) return sendError(c, 'bad-json', 'binary frames are not accepted: send JSON text');
    const text = Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data as ArrayBuffer).toString('utf8');
    const parsed = parseClientMessage(text);
    if (!parsed.ok) return sendError(c, parsed.code, parsed.message);
    if (parsed.message.type === 'join') onJoin(c, parsed.message);
    else onSignal(c, parsed.message);
  }

  wss.on('connection', (ws) => {
    const c: Conn = {
      ws,
      challenge: newChallenge(),
      bucket: new TokenBucket(rate, burst),
      joined: undefined,
      alive: true,
      closing: false,
      joinTimer: undefined,
    };
    conns.add(c);
    c.joinTimer = setTimeout(() => closeWith(c, CloseCode.joinTimeout, `no join within ${joinTimeoutMs} ms`), joinTimeoutMs);
    ws.on('message', (data, isBinary) => {
      try {
        onMessage(c, data, isBinary);
      } catch (err) {
        // A bug here must cost one connection an error frame, not the whole server.
        log(`internal error: ${err instanceof Error ? err.stack : String(err)}`);
        sendError(c, 'internal', 'internal server error');
      }
    });
    ws.on('pong', () => (c.alive = true));
    // Protocol violations (bad frames, oversize beyond the hard cap) surface here; `ws` closes the socket itself.
    ws.on('error', (err) => log(`connection error: ${err.message}`));
    ws.on('close', () => {
      conns.delete(c);
      if (c.joinTimer !== undefined) clearTimeout(c.joinTimer);
      const j = c.joined;
      if (j !== undefined && rooms.remove(j.room, j.memberId, c)) {
        log(`${j.memberId} left ${j.room}`);
        broadcast(j.room, j.memberId, { type: 'peer-left', memberId: j.memberId });
      }
    });
    send(c, { type: 'hello', v: PROTOCOL_VERSION, challenge: c.challenge, mode });
  });

  const pinger = setInterval(() => {
    for (const c of conns) {
      if (!c.alive) {
        c.ws.terminate();
        continue;
      }
      c.alive = false;
      c.ws.ping();
    }
  }, pingIntervalMs);
  pinger.unref();

  let closed: Promise<void> | undefined;
  return {
    port,
    url: `ws://${host.includes(':') ? `[${host}]` : host}:${port}`,
    stats: () => ({ connections: conns.size, ...rooms.counts(), ...counters }),
    close() {
      closed ??= (async () => {
        clearInterval(pinger);
        // wss.close stops accepting; it does not wait for upgraded sockets, so we wait for each close ourselves.
        const listening = new Promise<void>((resolve) => wss.close(() => resolve()));
        const gone = [...conns].map((c) => new Promise<void>((resolve) => c.ws.once('close', () => resolve())));
        for (const c of conns) closeWith(c, CloseCode.shutdown, 'server shutting down');
        // A peer that never answers the close handshake must not hold the shutdown hostage.
        const force = setTimeout(() => {
          for (const c of conns) c.ws.terminate();
        }, 1000);
        await Promise.all([listening, ...gone]);
        clearTimeout(force);
      })();
      return closed;
    },
  };
}
