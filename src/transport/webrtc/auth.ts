/**
 * Peer authentication over the data channel (isomorphic, Web Crypto). Each end sends a random nonce;
 * each answers with
 *
 *   meshKey = HMAC-SHA256(secret,  "peerkeeper/mesh-key/v1\0" + room)
 *   proof   = HMAC-SHA256(meshKey, "peerkeeper/mesh-auth/v1\0" + room + "\0" + prover + "\0" + verifier + "\0" + verifierNonce)
 *
 * The label differs from the signalling room key's ("peerkeeper/signal-room-key/v1"), so whoever holds
 * the signalling verifier (the server operator, an eavesdropper) cannot pass this check. Binding prover
 * and verifier ids stops a proof being reflected back or reused for another member.
 */
export const MESH_KEY_LABEL = 'peerkeeper/mesh-key/v1\0';
export const MESH_AUTH_LABEL = 'peerkeeper/mesh-auth/v1\0';

const encoder = new TextEncoder();

function subtle(): SubtleCrypto {
  const s = globalThis.crypto?.subtle;
  if (s === undefined) throw new Error('Web Crypto (crypto.subtle) is unavailable: browsers only expose it on secure origins');
  return s;
}

async function hmac(key: Uint8Array<ArrayBuffer>, message: string): Promise<Uint8Array<ArrayBuffer>> {
  const k = await subtle().importKey('raw', key, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return new Uint8Array(await subtle().sign('HMAC', k, encoder.encode(message)));
}

export function deriveMeshKey(secret: string, room: string): Promise<Uint8Array<ArrayBuffer>> {
  return hmac(encoder.encode(secret), MESH_KEY_LABEL + room);
}

export function newNonce(): Uint8Array<ArrayBuffer> {
  const n = new Uint8Array(32);
  globalThis.crypto.getRandomValues(n);
  return n;
}

function hex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

export function computeProof(meshKey: Uint8Array<ArrayBuffer>, room: string, prover: string, verifier: string, verifierNonce: Uint8Array): Promise<Uint8Array<ArrayBuffer>> {
  return hmac(meshKey, `${MESH_AUTH_LABEL}${room}\0${prover}\0${verifier}\0${hex(verifierNonce)}`);
}

/** Constant-time over the full length. */
export async function verifyProof(
  meshKey: Uint8Array<ArrayBuffer>,
  room: string,
  prover: string,
  verifier: string,
  myNonce: Uint8Array,
  proof: Uint8Array,
): Promise<boolean> {
  const expected = await computeProof(meshKey, room, prover, verifier, myNonce);
  if (proof.length !== expected.length) return false;
  let diff = 0;
  for (let i = 0; i < expected.length; i++) diff |= (expected[i] ?? 0) ^ (proof[i] ?? 0);
  return diff === 0;
}
