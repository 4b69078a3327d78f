/**
 * The endpoint's last line of defence: a reply that does not encode within the frame limit (the member
 * bounds its replies, so this is a member bug) closes that client's socket with 1011 and a reason, and
 * the process and other connections go on. Before, the throw escaped a microtask and ended the process.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WebSocket } from 'ws';
import { encodeClientFrame } from '../../src/codec/client-wire.js';
import { startClientEndpoint } from '../../src/node/client-endpoint.js';
import type { ConnectionHandlers, MemberToClient } from '../../src/protocol/client.js';

test('a reply over the frame limit closes that socket (1011), counts it, and nothing throws', async () => {
  const handlers: ConnectionHandlers[] = [];
  const badFrames: string[] = [];
  const logs: string[] = [];
  const endpoint = await startClientEndpoint({
    port: 0,
    open: (h) => {
      handlers.push(h);
      return { send: () => {}, close: () => {}, badFrame: (r) => badFrames.push(r) };
    },
    log: (line) => logs.push(line),
  });
  const uncaught: unknown[] = [];
  const onUncaught = (e: unknown): void => void uncaught.push(e);
  process.on('uncaughtException', onUncaught);
  try {
    const open = async () => {
      const ws = new WebSocket(endpoint.url);
      await new Promise((r) => ws.on('open', r));
      const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
      const messages: Buffer[] = [];
      ws.on('message', (d: Buffer) => messages.push(d));
      return { ws, closed, messages };
    };
    const victim = await open();
    const other = await open();
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(handlers.length, 2);
    const huge = { type: 'response', xid: 1, zxid: { epoch: 1, counter: 1 }, err: 0, result: { op: 'getChildren', children: Array.from({ length: 1200 }, (_, i) => 'x'.repeat(4000) + i) } } as unknown as MemberToClient;
    handlers[0]!.onMessage(huge);
    const closed = await victim.closed;
    assert.equal(closed.code, 1011);
    assert.match(closed.reason, /could not be encoded/);
    assert.equal(badFrames.length, 1);
    assert.match(logs.join('\n'), /client reply not sent/);
    handlers[1]!.onMessage({ type: 'pong', zxid: { epoch: 1, counter: 1 } });
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(other.messages.length, 1);
    assert.deepEqual(other.messages[0], Buffer.from(encodeClientFrame({ type: 'pong', zxid: { epoch: 1, counter: 1 } })));
    other.ws.close();
    assert.deepEqual(uncaught, []);
  } finally {
    process.off('uncaughtException', onUncaught);
    await endpoint.close();
  }
});
