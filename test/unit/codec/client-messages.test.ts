import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkClientMessage, clientMessageProblem, operationProblem } from '../../../src/codec/client-messages.js';
import { ErrorCode } from '../../../src/protocol/errors.js';

describe('client message checks', () => {
  test('a 64-bit integer where a name belongs (msgpack decodes it as a BigInt) is a problem, not a throw', () => {
    assert.match(clientMessageProblem({ type: 1n }) ?? '', /unknown message type 1n/);
    assert.match(operationProblem({ op: 1n }) ?? '', /unknown operation 1n/);
    assert.match(operationProblem({ op: 'multi', ops: [{ op: 1n, path: '/a' }] }) ?? '', /multi op 0: 1n cannot be part of a multi/);
    assert.match(operationProblem({ op: 'create', path: '/a', data: new Uint8Array(0), mode: 1n }) ?? '', /unknown create mode 1n/);
  });

  test('messages name what is wrong as before', () => {
    assert.equal(operationProblem({ op: 'create', path: '/a', data: 'x', mode: 'PERSISTENT' }), 'data must be bytes');
    assert.equal(operationProblem({ op: 'delete', path: '/a', version: -2 }), 'bad version');
    assert.equal(operationProblem({ op: 'check', path: '' }), 'has no valid path');
    assert.equal(operationProblem({ op: 'multi', ops: [{ op: 'getData', path: '/a' }] }), 'multi op 0: "getData" cannot be part of a multi');
    assert.equal(operationProblem({ op: 'create', path: '/a', data: new Uint8Array(0), mode: 'PERSISTENT', ttlMs: 1.5 }), 'ttlMs must be an integer');
    assert.equal(operationProblem({ op: 'create', path: '/a', data: new Uint8Array(0), mode: 'PERSISTENT_WITH_TTL', ttlMs: 10 }), null);
  });
});

describe('checkClientMessage: total over any decoded value', () => {
  test('non-maps are malformed, never thrown', () => {
    for (const v of [null, undefined, 0, 64, 'x', [], new Uint8Array(2), true, 1n]) assert.equal(checkClientMessage(v).kind, 'malformed', String(v));
  });

  test('an unknown type is skipped; a known one with bad fields is malformed', () => {
    assert.deepEqual(checkClientMessage({ type: 'hello' }), { kind: 'unknown', type: 'hello' });
    assert.equal(checkClientMessage({ type: 7 }).kind, 'malformed');
    assert.equal(checkClientMessage({ type: 'request', xid: -1, operation: { op: 'sync', path: '/' } }).kind, 'malformed');
    assert.equal(checkClientMessage({ type: 'request', xid: 2 ** 60, operation: { op: 'sync', path: '/' } }).kind, 'malformed');
    assert.equal(checkClientMessage({ type: 'setWatches', lastZxid: { epoch: 0, counter: 0 }, data: [new Uint8Array(1)], exist: [], children: [], persistent: [], persistentRecursive: [] }).kind, 'malformed');
  });

  test('a request with a readable xid and a bad operation is answered on its xid', () => {
    assert.deepEqual(checkClientMessage({ type: 'request', xid: 3, operation: null }), { kind: 'badRequest', xid: 3, code: ErrorCode.MARSHALLINGERROR, problem: 'request 3 has no operation (null)' });
    assert.equal((checkClientMessage({ type: 'request', xid: 3 }) as { code: number }).code, ErrorCode.MARSHALLINGERROR);
    const bad = checkClientMessage({ type: 'request', xid: 4, operation: { op: 'getData', path: '/a', watch: 'yes' } });
    assert.equal(bad.kind, 'badRequest');
    assert.equal((bad as { code: number }).code, ErrorCode.BADARGUMENTS);
  });

  test('connect: timeout a positive safe integer, records a boolean when present', () => {
    const base = { type: 'connect', sessionId: 0, password: new Uint8Array(0), timeoutMs: 1000, lastZxidSeen: { epoch: 0, counter: 0 }, canBeReadOnly: false };
    assert.equal(checkClientMessage(base).kind, 'ok');
    assert.equal(checkClientMessage({ ...base, records: true }).kind, 'ok');
    for (const bad of [{ timeoutMs: Infinity }, { timeoutMs: 1.5 }, { timeoutMs: 0 }, { records: 1 }, { lastZxidSeen: { epoch: -1, counter: 0 } }, { password: new Uint8Array(300) }]) {
      assert.equal(checkClientMessage({ ...base, ...bad }).kind, 'malformed', JSON.stringify(bad));
    }
  });
});
