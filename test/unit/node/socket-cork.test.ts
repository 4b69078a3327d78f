import { test } from 'node:test';
import assert from 'node:assert/strict';
import { socketCorker } from '../../../src/node/socket-cork.js';

test('sends within one task share one cork; the socket is uncorked once the task is done', async () => {
  const calls: string[] = [];
  const ws = { _socket: { cork: () => calls.push('cork'), uncork: () => calls.push('uncork') } };
  const hold = socketCorker(ws);
  hold();
  hold();
  hold();
  assert.deepEqual(calls, ['cork']);
  await Promise.resolve();
  assert.deepEqual(calls, ['cork', 'uncork']);
  hold();
  await Promise.resolve();
  assert.deepEqual(calls, ['cork', 'uncork', 'cork', 'uncork'], 'a later task corks again');
});

test('a socket without a corkable handle (a browser WebSocket, a socket not yet open) is left alone', async () => {
  const hold = socketCorker({});
  assert.doesNotThrow(() => hold());
  const notYet = { _socket: null };
  assert.doesNotThrow(() => socketCorker(notYet)());
  await Promise.resolve();
});
