import assert from 'node:assert/strict';
import { test } from 'node:test';
import { computeJoinProof, deriveRoomKey } from '../../../src/signalling/proof.js';
import { newChallenge, roomKeyFor, verifyJoinProof } from '../../../src/signalling/verify.js';

test('the Web Crypto proof (client) verifies with node:crypto (server)', async () => {
  const challenge = newChallenge();
  const key = await deriveRoomKey('s3cret', 'demo');
  assert.equal(key, roomKeyFor('s3cret', 'demo').toString('hex'));
  const proof = await computeJoinProof(key, challenge, 'demo', '1');
  assert.match(proof, /^[0-9a-f]{64}$/);
  assert.ok(verifyJoinProof(roomKeyFor('s3cret', 'demo'), challenge, 'demo', '1', proof));
});

test('a proof is bound to the secret, the room, the member and the challenge', async () => {
  const challenge = newChallenge();
  const proof = await computeJoinProof(await deriveRoomKey('s3cret', 'demo'), challenge, 'demo', '1');
  assert.ok(!verifyJoinProof(roomKeyFor('other', 'demo'), challenge, 'demo', '1', proof), 'wrong secret');
  assert.ok(!verifyJoinProof(roomKeyFor('s3cret', 'demo2'), challenge, 'demo2', '1', proof), 'other room');
  assert.ok(!verifyJoinProof(roomKeyFor('s3cret', 'demo'), challenge, 'demo', '2', proof), 'other member');
  assert.ok(!verifyJoinProof(roomKeyFor('s3cret', 'demo'), newChallenge(), 'demo', '1', proof), 'replayed on another connection');
  assert.ok(!verifyJoinProof(roomKeyFor('s3cret', 'demo'), challenge, 'demo', '1', proof.slice(0, 62)), 'truncated');
});

test('the room key is scoped to its room: the same secret gives different keys per room', async () => {
  assert.notEqual(await deriveRoomKey('s', 'a'), await deriveRoomKey('s', 'b'));
  // The label separates fields: room "a" + member "\0b" cannot collide with other splits in the proof.
  const key = await deriveRoomKey('s', 'a');
  assert.notEqual(await computeJoinProof(key, 'c', 'a', 'b'), await computeJoinProof(key, 'c', 'ab', ''));
});
