/** The Node member's local endpoint: clients over WebSocket, admin over HTTP, bad input refused. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Packr } from 'msgpackr';
import { WebSocket } from 'ws';
import { ZooKeeperClient, fromUtf8 } from '../../src/client/index.js';
import { webSocketConnector } from '../../src/client/websocket-connector.js';
import { encodeClientFrame, decodeClientFrame } from '../../src/codec/client-wire.js';
import { startClientEndpoint, type ClientEndpoint } from '../../src/node/client-endpoint.js';
import { memberStatus, type MemberStatus } from '../../src/node/status.js';
import { startLocalEnsemble, type LocalEnsemble } from '../../src/server/local-ensemble.js';

let ensemble: LocalEnsemble;
let endpoints: ClientEndpoint[];

before(async () => {
  ensemble = await startLocalEnsemble({ size: 3, tickMs: 20 });
  endpoints = await Promise.all(
    ensemble.members.map((runner) =>
      startClientEndpoint({
        port: 0,
        open: (h) => runner.openClient(h),
        http: (path, res) => {
          if (path !== '/status') return false;
          res.end(JSON.stringify(memberStatus(runner, [], 0, Date.now(), 20)));
          return true;
        },
      }),
    ),
  );
});

after(async () => {
  await Promise.all(endpoints.map((e) => e.close()));
  ensemble.stop();
});

function closeOf(ws: WebSocket): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
}

test('clients on different members see each other’s writes', async () => {
  const urls = endpoints.map((e) => e.url);
  const a = new ZooKeeperClient({ connector: webSocketConnector([urls[0]!], { WebSocket }), members: 1, sessionTimeoutMs: 2000 });
  const b = new ZooKeeperClient({ connector: webSocketConnector([urls[2]!], { WebSocket }), members: 1, sessionTimeoutMs: 2000 });
  try {
    await a.create('/over-ws', 'hello');
    await b.sync('/over-ws');
    assert.equal(fromUtf8((await b.getData('/over-ws')).data), 'hello');
    const fired = new Promise((resolve) => void b.getData('/over-ws', { watch: resolve }));
    await a.setData('/over-ws', 'changed');
    assert.equal(((await fired) as { type: string }).type, 'NodeDataChanged');
  } finally {
    await a.close();
    await b.close();
  }
});

test('GET /status answers JSON, other paths 404, other methods 405', async () => {
  const port = endpoints[0]!.port;
  const status = (await (await fetch(`http://127.0.0.1:${port}/status`)).json()) as MemberStatus;
  assert.equal(status.id, 1);
  assert.ok(['LEADING', 'FOLLOWING', 'LOOKING'].includes(status.role));
  assert.equal((await fetch(`http://127.0.0.1:${port}/nope`)).status, 404);
  assert.equal((await fetch(`http://127.0.0.1:${port}/status`, { method: 'POST' })).status, 405);
});

test('a text frame, an undecodable frame and a malformed message are refused without harming the member', async () => {
  const url = endpoints[1]!.url;
  const text = new WebSocket(url);
  await new Promise((r) => text.on('open', r));
  text.send('hello');
  assert.equal((await closeOf(text)).code, 1003);

  const garbage = new WebSocket(url);
  await new Promise((r) => garbage.on('open', r));
  garbage.send(Buffer.from([0x92, 0x01])); // an array of two holding one element: truncated msgpack
  assert.equal((await closeOf(garbage)).code, 1007);

  // Well-formed msgpack, nonsense message: the member answers with an error and closes.
  const nonsense = new WebSocket(url);
  await new Promise((r) => nonsense.on('open', r));
  const replies: unknown[] = [];
  nonsense.on('message', (d: Buffer) => replies.push(decodeClientFrame(d)));
  nonsense.send(encodeClientFrame({ type: 'launch-missiles' }));
  await closeOf(nonsense);
  assert.ok(replies.length <= 1, 'at most one error reply before the close');

  const client = new ZooKeeperClient({ connector: webSocketConnector([url], { WebSocket }), members: 1, sessionTimeoutMs: 2000 });
  try {
    await client.create('/still-serving');
  } finally {
    await client.close();
  }
});

test('replies are plain msgpack unless the connect says the client reads records', async () => {
  const url = endpoints[0]!.url;
  const connectAndFirstReply = async (records: boolean): Promise<Buffer> => {
    const ws = new WebSocket(url);
    await new Promise((r) => ws.on('open', r));
    const first = new Promise<Buffer>((resolve) => ws.once('message', (d: Buffer) => resolve(d)));
    const connect = { type: 'connect', sessionId: 0, password: new Uint8Array(0), timeoutMs: 2000, lastZxidSeen: { epoch: 0, counter: 0 }, canBeReadOnly: false, ...(records ? { records: true } : {}) };
    ws.send(encodeClientFrame(connect));
    const reply = await first;
    ws.close();
    return reply;
  };
  const plain = await connectAndFirstReply(false);
  // A map (fixmap or map16/32), as any msgpack library writes and reads it.
  assert.ok((plain[0]! & 0xf0) === 0x80 || plain[0] === 0xde || plain[0] === 0xdf, `first byte 0x${plain[0]!.toString(16)}`);
  assert.equal((new Packr({ useRecords: false }).unpack(plain) as { type: string }).type, 'connected');
  const records = await connectAndFirstReply(true);
  // A reference to a shared record structure (0x40–0x7f), or an inline record definition.
  assert.ok((records[0]! >= 0x40 && records[0]! <= 0x7f) || records[0] === 0xd4, `first byte 0x${records[0]!.toString(16)}`);
  assert.equal((decodeClientFrame(records) as { type: string }).type, 'connected');
});
