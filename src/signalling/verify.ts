/** Server-side, synchronous twin of proof.ts (node:crypto), with a constant-time comparison. */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { ROOM_KEY_LABEL, joinProofMessage } from './proof.js';

export function roomKeyFor(secret: string, room: string): Buffer {
  return createHmac('sha256', secret).update(ROOM_KEY_LABEL + room).digest();
}

export function verifyJoinProof(roomKey: Buffer, challenge: string, room: string, memberId: string, proofHex: string): boolean {
  const expected = createHmac('sha256', roomKey).update(joinProofMessage(challenge, room, memberId)).digest();
  const given = Buffer.from(proofHex, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** 32 random bytes as hex: fresh per connection, so proofs cannot be replayed on another connection. */
export function newChallenge(): string {
  return randomBytes(32).toString('hex');
}
