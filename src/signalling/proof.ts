/**
 * The join proof, computed with Web Crypto so the same code runs in browsers and Node ≥ 20.
 *
 *   roomKey  = HMAC-SHA256(secret, "peerkeeper/signal-room-key/v1\0" + room)
 *   proof    = HMAC-SHA256(roomKey, "peerkeeper/signal-join/v1\0" + challenge + "\0" + room + "\0" + memberId)
 *
 * The room secret itself never leaves the peer. The room key is one-way derived and labelled for
 * signalling only, so whoever learns it (the server operator, or an eavesdropper on a first join in
 * open mode) can join the signalling room but cannot pass the mesh's own peer authentication, which
 * must derive its key from the secret under a different label. The challenge is fresh per connection,
 * so a recorded proof cannot be replayed; binding room and memberId stops a proof being reused for
 * another identity.
 */

export const ROOM_KEY_LABEL = 'peerkeeper/signal-room-key/v1\0';
export const JOIN_PROOF_LABEL = 'peerkeeper/signal-join/v1\0';

export function joinProofMessage(challenge: string, room: string, memberId: string): string {
  return `${JOIN_PROOF_LABEL}${challenge}\0${room}\0${memberId}`;
}

const encoder = new TextEncoder();

function toHex(bytes: ArrayBuffer): string {
  return Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, '0')).join('');
}

function fromHex(hex: string): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

async function hmacHex(key: Uint8Array<ArrayBuffer>, message: string): Promise<string> {
  const subtle = globalThis.crypto?.subtle;
  if (subtle === undefined) throw new Error('Web Crypto (crypto.subtle) is unavailable: browsers only expose it on secure origins (https or localhost)');
  const k = await subtle.importKey('raw', key, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return toHex(await subtle.sign('HMAC', k, encoder.encode(message)));
}

/** The room key as 64 hex digits; this is what open mode stores as the room's verifier. */
export function deriveRoomKey(secret: string, room: string): Promise<string> {
  return hmacHex(encoder.encode(secret), ROOM_KEY_LABEL + room);
}

export function computeJoinProof(roomKeyHex: string, challenge: string, room: string, memberId: string): Promise<string> {
  return hmacHex(fromHex(roomKeyHex), joinProofMessage(challenge, room, memberId));
}
