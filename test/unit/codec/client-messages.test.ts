import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { clientMessageProblem, operationProblem } from '../../../src/codec/client-messages.js';

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
