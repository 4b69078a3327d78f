/**
 * The signalling wire protocol: JSON text frames, shared by the server and the isomorphic client.
 * No `node:*` imports here — browsers load this file too.
 *
 *   server → peer   hello { v, challenge, mode }           on connect
 *   peer → server   join  { room, memberId, proof, verifier? }
 *   server → peer   peers { room, members, ice? }           the others already in the room, after a join;
 *                                                            ice: STUN/TURN servers the operator hands out (ice.ts)
 *   server → peer   peer-joined { memberId } / peer-left { memberId }
 *   peer → server   signal { to, data }                     relayed as signal { from, data }
 *   server → peer   error { code, message }                 the connection stays open unless closed with a reason
 *
 * See README.md in this folder for the secret-proof design.
 */

import { parseIceHandout, type IceConfig } from './ice.js';

export const PROTOCOL_VERSION = 1;

/** "configured": the server knows each room's secret. "open": the first joiner of an empty room sets its verifier. */
export type SecretMode = 'open' | 'configured';

export type ErrorCode =
  | 'bad-json' // not JSON, or a binary frame
  | 'bad-message' // JSON, but not a well-formed message of a known type
  | 'unknown-type'
  | 'not-joined' // signal before join
  | 'already-joined'
  | 'unknown-room' // open mode only: the room is empty, send join again with a verifier
  | 'bad-proof' // the join is refused (wrong secret, or configured: no such room — the same answer); closes
  | 'unknown-peer' // signal to a member that is not in the room
  | 'peer-busy' // the target is not reading: its send buffer is full
  | 'rate-limited' // closes
  | 'too-big' // a frame over the server's limit; closes
  | 'internal';

export type ClientMessage =
  | { type: 'join'; room: string; memberId: string; proof: string; verifier?: string }
  | { type: 'signal'; to: string; data: unknown };

export type ServerMessage =
  | { type: 'hello'; v: number; challenge: string; mode: SecretMode }
  /** `ice` is checked by parseIceHandout on the way in: what failed is dropped and listed in `iceProblems`. */
  | { type: 'peers'; room: string; members: string[]; ice?: IceConfig; iceProblems?: string[] }
  | { type: 'peer-joined'; memberId: string }
  | { type: 'peer-left'; memberId: string }
  | { type: 'signal'; from: string; data: unknown }
  | { type: 'error'; code: ErrorCode; message: string };

/** WebSocket close codes the server uses (4000–4999 are for applications). */
export const CloseCode = {
  shutdown: 1001, // "going away": the server is stopping
  tooBig: 1009, // a frame over maxFrameBytes (sent by `ws` itself)
  replaced: 4000, // a newer connection joined with the same memberId in the same room
  authFailed: 4001, // join refused: wrong proof or (configured mode) unknown room, indistinguishably
  rateLimited: 4002,
  joinTimeout: 4003,
} as const;

// Bounds on identifiers: they are echoed to every member of a room, so keep them short and printable.
const MAX_ID_CHARS = 128;
const HEX_64 = /^[0-9a-f]{64}$/;

function isId(v: unknown): v is string {
  return typeof v === 'string' && v.length > 0 && v.length <= MAX_ID_CHARS && !/[\u0000-\u001f]/.test(v);
}

export type Parsed<T> = { ok: true; message: T } | { ok: false; code: ErrorCode; message: string };

const fail = (code: ErrorCode, message: string): { ok: false; code: ErrorCode; message: string } => ({
  ok: false,
  code,
  message,
});

/** Validate one frame from a peer. Never throws: every failure is a code and a sentence for the error frame. */
export function parseClientMessage(text: string): Parsed<ClientMessage> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return fail('bad-json', 'frame is not valid JSON');
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return fail('bad-message', 'a message is a JSON object');
  const m = raw as Record<string, unknown>;
  switch (m.type) {
    case 'join': {
      if (!isId(m.room)) return fail('bad-message', `join.room must be a string of 1–${MAX_ID_CHARS} characters`);
      if (!isId(m.memberId)) return fail('bad-message', `join.memberId must be a string of 1–${MAX_ID_CHARS} characters`);
      if (typeof m.proof !== 'string' || !HEX_64.test(m.proof)) return fail('bad-message', 'join.proof must be 64 hex digits');
      if (m.verifier !== undefined && (typeof m.verifier !== 'string' || !HEX_64.test(m.verifier))) {
        return fail('bad-message', 'join.verifier must be 64 hex digits');
      }
      const join: ClientMessage = { type: 'join', room: m.room, memberId: m.memberId, proof: m.proof };
      if (typeof m.verifier === 'string') join.verifier = m.verifier;
      return { ok: true, message: join };
    }
    case 'signal':
      if (!isId(m.to)) return fail('bad-message', 'signal.to must be a member id');
      if (m.data === undefined) return fail('bad-message', 'signal.data is missing');
      return { ok: true, message: { type: 'signal', to: m.to, data: m.data } };
    default:
      return fail('unknown-type', `unknown message type ${JSON.stringify(m.type)?.slice(0, 40) ?? 'undefined'}`);
  }
}

/** Longest list of members a `peers` message may carry (far above any ensemble). */
const MAX_MEMBERS = 1000;
const MAX_TEXT_CHARS = 4096;

const isText = (v: unknown): v is string => typeof v === 'string' && v.length <= MAX_TEXT_CHARS;

/**
 * The client's side. A signalling server (or a member's rendezvous) is not trusted any more than a
 * peer is: every frame is checked field by field and rebuilt, and anything malformed — or of a type
 * this version does not know (a newer server may add some) — is `undefined`, to be ignored. Never throws.
 */
export function parseServerMessage(text: string): ServerMessage | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined;
  const m = raw as Record<string, unknown>;
  switch (m.type) {
    case 'hello':
      if (typeof m.v !== 'number' || !isText(m.challenge) || (m.mode !== 'open' && m.mode !== 'configured')) return undefined;
      return { type: 'hello', v: m.v, challenge: m.challenge, mode: m.mode };
    case 'peers': {
      if (!isId(m.room) || !Array.isArray(m.members) || m.members.length > MAX_MEMBERS || !m.members.every(isId)) return undefined;
      const peers: Extract<ServerMessage, { type: 'peers' }> = { type: 'peers', room: m.room, members: [...(m.members as string[])] };
      // A bad ICE configuration costs the configuration, never the admission.
      if (m.ice !== undefined) {
        const handout = parseIceHandout(m.ice);
        peers.ice = handout.config;
        if (handout.problems.length > 0) peers.iceProblems = [...handout.problems];
      }
      return peers;
    }
    case 'peer-joined':
    case 'peer-left':
      return isId(m.memberId) ? { type: m.type, memberId: m.memberId } : undefined;
    case 'signal':
      return isId(m.from) && m.data !== undefined ? { type: 'signal', from: m.from, data: m.data } : undefined;
    case 'error':
      return isText(m.code) && isText(m.message) ? { type: 'error', code: m.code as ErrorCode, message: m.message } : undefined;
    default:
      return undefined;
  }
}
