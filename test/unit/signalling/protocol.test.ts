import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseClientMessage } from '../../../src/signalling/protocol.js';

const proof = 'ab'.repeat(32);

test('well-formed join and signal messages parse', () => {
  assert.deepEqual(parseClientMessage(JSON.stringify({ type: 'join', room: 'r', memberId: '1', proof })), {
    ok: true,
    message: { type: 'join', room: 'r', memberId: '1', proof },
  });
  const withVerifier = parseClientMessage(JSON.stringify({ type: 'join', room: 'r', memberId: '1', proof, verifier: proof }));
  assert.equal(withVerifier.ok && withVerifier.message.type === 'join' && withVerifier.message.verifier, proof);
  assert.deepEqual(parseClientMessage(JSON.stringify({ type: 'signal', to: '2', data: { sdp: 'x' } })), {
    ok: true,
    message: { type: 'signal', to: '2', data: { sdp: 'x' } },
  });
});

test('every malformed frame is a code, never an exception', () => {
  const cases: [string, string][] = [
    ['{not json', 'bad-json'],
    ['', 'bad-json'],
    ['null', 'bad-message'],
    ['[1,2]', 'bad-message'],
    ['"join"', 'bad-message'],
    ['{"type":"hello"}', 'unknown-type'],
    ['{}', 'unknown-type'],
    [JSON.stringify({ type: 'join', room: '', memberId: '1', proof }), 'bad-message'],
    [JSON.stringify({ type: 'join', room: 'r'.repeat(129), memberId: '1', proof }), 'bad-message'],
    [JSON.stringify({ type: 'join', room: 'r', memberId: 7, proof }), 'bad-message'],
    [JSON.stringify({ type: 'join', room: 'r', memberId: 'a\nb', proof }), 'bad-message'],
    [JSON.stringify({ type: 'join', room: 'r', memberId: '1', proof: 'zz' }), 'bad-message'],
    [JSON.stringify({ type: 'join', room: 'r', memberId: '1', proof, verifier: 1 }), 'bad-message'],
    [JSON.stringify({ type: 'signal', to: '2' }), 'bad-message'],
    [JSON.stringify({ type: 'signal', data: 1 }), 'bad-message'],
  ];
  for (const [text, code] of cases) {
    const r = parseClientMessage(text);
    assert.equal(r.ok, false, text);
    if (!r.ok) {
      assert.equal(r.code, code, text);
      assert.ok(r.message.length > 0);
    }
  }
});
