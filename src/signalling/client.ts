/**
 * The signalling client, the same code in browsers and Node: pass a WebSocket constructor (the
 * global `WebSocket` in browsers, `WebSocket` from the `ws` package in Node 20). No `node:*` imports.
 *
 *   const s = new SignallingClient({ url, room, memberId, secret, WebSocket });
 *   s.on('signal', (from, data) => …); s.on('peer-joined', (id) => …);
 *   const others = await s.join();
 *   s.signal(others[0], { sdp: … });
 */
import { Emitter } from './emitter.js';
import { computeJoinProof, deriveRoomKey } from './proof.js';
import type { IceHandout } from './ice.js';
import { parseServerMessage, type ClientMessage, type ErrorCode, type SecretMode } from './protocol.js';

/** The part of the WebSocket API we use; both the DOM's WebSocket and `ws` satisfy it. */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  // `any`: the DOM and `ws` type their event objects differently; the handlers below read only what both have.
  addEventListener(type: 'open' | 'message' | 'close' | 'error', listener: (event: any) => void): void;
}
export type WebSocketConstructor = new (url: string) => WebSocketLike;

export interface SignallingClientOptions {
  url: string;
  room: string;
  memberId: string;
  secret: string;
  WebSocket?: WebSocketConstructor;
}

export class SignallingError extends Error {
  constructor(
    readonly code: ErrorCode | 'closed',
    message: string,
  ) {
    super(message);
    this.name = 'SignallingError';
  }
}

type Events = {
  /** `ice`: the ICE configuration the server handed out with this snapshot, already checked (ice.ts). */
  peers: [members: string[], ice: IceHandout | undefined];
  'peer-joined': [memberId: string];
  'peer-left': [memberId: string];
  signal: [from: string, data: unknown];
  /** An error frame after joining (e.g. unknown-peer); the connection stays open unless a close follows. */
  error: [error: SignallingError];
  close: [code: number, reason: string];
};

const OPEN = 1;

export class SignallingClient extends Emitter<Events> {
  /** The other members of the room as the server last told us. */
  readonly members = new Set<string>();
  private ws: WebSocketLike | undefined;
  private joined = false;
  private closed: Promise<void> | undefined;

  constructor(private readonly options: SignallingClientOptions) {
    super();
  }

  /** Connect, prove the room secret, and resolve with the other members once the server has admitted us. */
  join(): Promise<string[]> {
    if (this.ws !== undefined) return Promise.reject(new Error('join() was already called'));
    const { url, room, memberId, secret } = this.options;
    const Ctor = this.options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (Ctor === undefined) return Promise.reject(new Error('no WebSocket constructor: pass options.WebSocket (the `ws` package in Node 20)'));
    const ws = (this.ws = new Ctor(url));
    let closeResolve: () => void = () => {};
    this.closed = new Promise((r) => (closeResolve = r));

    return new Promise<string[]>((resolve, reject) => {
      let lastError: SignallingError | undefined;
      let challenge = '';
      let mode: SecretMode = 'configured';
      let sentVerifier = false;
      const roomKey = deriveRoomKey(secret, room);
      roomKey.catch(() => {}); // surfaced through sendJoin

      const sendJoin = async (withVerifier: boolean): Promise<void> => {
        const key = await roomKey;
        const m: ClientMessage = { type: 'join', room, memberId, proof: await computeJoinProof(key, challenge, room, memberId) };
        if (withVerifier) m.verifier = key;
        this.send(m);
      };
      const fail = (err: unknown): void => {
        reject(err);
        ws.close();
      };

      ws.addEventListener('message', (event: { data: unknown }) => {
        if (typeof event.data !== 'string') return;
        const m = parseServerMessage(event.data);
        if (m === undefined) return;
        switch (m.type) {
          case 'hello':
            challenge = m.challenge;
            mode = m.mode;
            sendJoin(false).catch(fail);
            return;
          case 'peers':
            this.members.clear();
            for (const id of m.members) this.members.add(id);
            if (!this.joined) {
              this.joined = true;
              resolve([...this.members]);
            }
            this.emit('peers', [...this.members], m.ice === undefined ? undefined : { config: m.ice, problems: m.iceProblems ?? [] });
            return;
          case 'peer-joined':
            this.members.add(m.memberId);
            this.emit('peer-joined', m.memberId);
            return;
          case 'peer-left':
            this.members.delete(m.memberId);
            this.emit('peer-left', m.memberId);
            return;
          case 'signal':
            this.emit('signal', m.from, m.data);
            return;
          case 'error': {
            const err = new SignallingError(m.code, m.message);
            // Open mode: we are the first in the room, so we hand over the verifier (the room key, never the secret).
            if (!this.joined && m.code === 'unknown-room' && mode === 'open' && !sentVerifier) {
              sentVerifier = true;
              sendJoin(true).catch(fail);
              return;
            }
            if (!this.joined) lastError = err; // the server closes after a failed join; reject with the reason then
            else this.emit('error', err);
            return;
          }
        }
      });
      ws.addEventListener('close', (event: { code: number; reason: string }) => {
        if (!this.joined) {
          reject(lastError ?? new SignallingError('closed', `signalling connection closed before joining (${event.code} ${event.reason})`));
        }
        this.members.clear();
        closeResolve();
        this.emit('close', event.code, event.reason);
      });
      // Browsers give error events no detail; the close event that follows carries the code.
      ws.addEventListener('error', () => {});
    });
  }

  /** Relay `data` (an offer, answer or ICE candidate — opaque here) to one member of the room. */
  signal(to: string, data: unknown): void {
    if (!this.joined) throw new Error('signal() before join() resolved');
    this.send({ type: 'signal', to, data });
  }

  close(): Promise<void> {
    if (this.ws === undefined) return Promise.resolve();
    this.ws.close(1000, 'bye');
    return this.closed ?? Promise.resolve();
  }

  private send(m: ClientMessage): void {
    if (this.ws?.readyState === OPEN) this.ws.send(JSON.stringify(m));
  }
}
