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

test('server frames: only well-formed messages of known types reach the client; nothing throws', async () => {
  const { parseServerMessage } = await import('../../../src/signalling/protocol.js');
  // A signalling server (or a member's rendezvous) is not trusted: `peers` whose members is not a
  // list made the client's handler throw (`for … of 5`) out of the socket's message event.
  const bad = [
    { type: 'peers', room: 'r', members: 5 },
    { type: 'peers', room: 'r', members: [1, 2] },
    { type: 'peers', room: 'r' },
    { type: 'hello', v: 1, challenge: 7, mode: 'open' },
    { type: 'hello', v: 1, challenge: 'ab', mode: 'whatever' },
    { type: 'peer-joined', memberId: { id: 1 } },
    { type: 'peer-left' },
    { type: 'signal', from: null, data: {} },
    { type: 'error', code: 5, message: 'x' },
    { type: 'error', code: 'bad-proof' },
    { type: 'somethingNew' },
  ];
  for (const m of bad) assert.equal(parseServerMessage(JSON.stringify(m)), undefined, JSON.stringify(m));
  const good = [
    { type: 'hello', v: 1, challenge: 'ab'.repeat(32), mode: 'configured' },
    { type: 'peers', room: 'r', members: ['1', '2'] },
    { type: 'peer-joined', memberId: '3' },
    { type: 'peer-left', memberId: '3' },
    { type: 'signal', from: '2', data: { type: 'offer', sdp: 'v=0' } },
    { type: 'error', code: 'bad-proof', message: 'join refused' },
  ];
  for (const m of good) assert.deepEqual(parseServerMessage(JSON.stringify(m)), m);
});
