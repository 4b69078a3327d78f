import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { WebSocket } from 'ws';
import { SignallingClient, SignallingError } from '../../src/signalling/client.js';
import { computeJoinProof, deriveRoomKey } from '../../src/signalling/proof.js';
import { CloseCode, type ServerMessage } from '../../src/signalling/protocol.js';
import { startSignallingServer, type SignallingServerOptions } from '../../src/signalling/server.js';

// ---- helpers ---------------------------------------------------------------------------------------

async function withServer(options: Partial<SignallingServerOptions>, body: (url: string) => Promise<void>): Promise<void> {
  const server = await startSignallingServer({ port: 0, ...options });
  try {
    await body(server.url);
  } finally {
    await server.close();
  }
}

function client(url: string, room: string, memberId: string, secret = 's3cret'): SignallingClient {
  return new SignallingClient({ url, room, memberId, secret, WebSocket });
}

/** Collects what a client receives, so tests can wait for "the next signal from X". */
function inbox(c: SignallingClient): { next: (pred: (e: string) => boolean) => Promise<string>; events: string[] } {
  const events: string[] = [];
  const waiters: { pred: (e: string) => boolean; resolve: (e: string) => void }[] = [];
  const push = (e: string): void => {
    events.push(e);
    for (const w of [...waiters]) if (w.pred(e)) (waiters.splice(waiters.indexOf(w), 1), w.resolve(e));
  };
  c.on('signal', (from, data) => push(`signal ${from} ${JSON.stringify(data)}`));
  c.on('peer-joined', (id) => push(`joined ${id}`));
  c.on('peer-left', (id) => push(`left ${id}`));
  c.on('error', (e) => push(`error ${e.code}`));
  c.on('close', (code, reason) => push(`close ${code} ${reason}`));
  return {
    events,
    next: (pred) => {
      const seen = events.find(pred);
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve) => waiters.push({ pred, resolve }));
    },
  };
}

/** A raw socket for sending the server things a well-behaved client never would. */
async function raw(url: string) {
  const ws = new WebSocket(url);
  const frames: ServerMessage[] = [];
  const waiters: ((m: ServerMessage) => void)[] = [];
  ws.on('message', (d) => {
    const m = JSON.parse(String(d)) as ServerMessage;
    const w = waiters.shift();
    if (w) w(m);
    else frames.push(m);
  });
  ws.on('error', () => {});
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  const next = (): Promise<ServerMessage> => {
    const f = frames.shift();
    return f ? Promise.resolve(f) : new Promise((resolve) => waiters.push(resolve));
  };
  await once(ws, 'open');
  const hello = await next();
  assert.equal(hello.type, 'hello');
  const challenge = hello.type === 'hello' ? hello.challenge : '';
  return {
    ws,
    next,
    closed,
    challenge,
    sendJson: (m: unknown) => ws.send(JSON.stringify(m)),
    /** Join properly (with the verifier, so it also works as the first joiner in open mode). */
    async join(room: string, memberId: string, secret = 's3cret') {
      const key = await deriveRoomKey(secret, room);
      ws.send(JSON.stringify({ type: 'join', room, memberId, proof: await computeJoinProof(key, challenge, room, memberId), verifier: key }));
      return next();
    },
  };
}

async function expectError(r: Awaited<ReturnType<typeof raw>>, code: string): Promise<void> {
  const m = await r.next();
  assert.equal(m.type, 'error', JSON.stringify(m));
  if (m.type === 'error') {
    assert.equal(m.code, code);
    assert.ok(m.message.length > 0);
  }
}

/** After abuse, the server must still introduce two fresh peers. */
async function stillServes(url: string): Promise<void> {
  const room = `healthy-${Math.random()}`;
  const a = client(url, room, 'a');
  const b = client(url, room, 'b');
  const bInbox = inbox(b);
  await a.join();
  assert.deepEqual(await b.join(), ['a']);
  a.signal('b', { type: 'offer', sdp: 'v=0' });
  await bInbox.next((e) => e.startsWith('signal a'));
  await Promise.all([a.close(), b.close()]);
}

// ---- introductions -----------------------------------------------------------------------------------

test('two peers join a room and relay offer, answer and candidates', { timeout: 60_000 }, async () => {
  await withServer({}, async (url) => {
    const a = client(url, 'demo', '1');
    const b = client(url, 'demo', '2');
    const ia = inbox(a);
    const ib = inbox(b);
    assert.deepEqual(await a.join(), []);
    assert.deepEqual(await b.join(), ['1']);
    await ia.next((e) => e === 'joined 2');
    assert.deepEqual([...a.members], ['2']);

    b.signal('1', { type: 'offer', sdp: 'offer-sdp' });
    assert.equal(await ia.next((e) => e.startsWith('signal')), 'signal 2 {"type":"offer","sdp":"offer-sdp"}');
    a.signal('2', { type: 'answer', sdp: 'answer-sdp' });
    a.signal('2', { candidate: 'candidate:1 1 udp 2122260223 192.168.1.2 54321 typ host', sdpMid: '0' });
    await ib.next((e) => e.includes('candidate:1'));
    assert.deepEqual(
      ib.events.filter((e) => e.startsWith('signal')),
      ['signal 1 {"type":"answer","sdp":"answer-sdp"}', 'signal 1 {"candidate":"candidate:1 1 udp 2122260223 192.168.1.2 54321 typ host","sdpMid":"0"}'],
      'relayed in order',
    );
    await b.close();
    await ia.next((e) => e === 'left 2');
    assert.deepEqual([...a.members], []);
    await a.close();
  });
});

test('three peers: every pair relays both ways, and departures are announced', { timeout: 60_000 }, async () => {
  await withServer({}, async (url) => {
    const ids = ['1', '2', '3'];
    const cs = ids.map((id) => client(url, 'trio', id));
    const boxes = cs.map(inbox);
    for (const c of cs) await c.join();
    for (const [i, c] of cs.entries()) {
      for (const other of ids) if (other !== ids[i]) c.signal(other, { type: 'offer', from: ids[i] });
    }
    for (const [i, box] of boxes.entries()) {
      for (const other of ids) if (other !== ids[i]) await box.next((e) => e.startsWith(`signal ${other} `));
      assert.deepEqual([...cs[i]!.members].sort(), ids.filter((x) => x !== ids[i]));
    }
    await cs[2]!.close();
    await boxes[0]!.next((e) => e === 'left 3');
    await boxes[1]!.next((e) => e === 'left 3');
    await Promise.all([cs[0]!.close(), cs[1]!.close()]);
  });
});

test('rooms are isolated: same member ids, no crossing peers or signals', { timeout: 60_000 }, async () => {
  await withServer({}, async (url) => {
    const a1 = client(url, 'room-a', '1', 'secret-a');
    const b1 = client(url, 'room-b', '1', 'secret-b');
    const b2 = client(url, 'room-b', '2', 'secret-b');
    const ia1 = inbox(a1);
    await a1.join();
    assert.deepEqual(await b1.join(), [], 'room-b does not see room-a members');
    assert.deepEqual(await b2.join(), ['1']);
    a1.signal('2', { type: 'offer' }); // member 2 exists, but in another room
    assert.equal(await ia1.next((e) => e.startsWith('error')), 'error unknown-peer');
    assert.ok(!ia1.events.includes('joined 2'));
    await Promise.all([a1.close(), b1.close(), b2.close()]);
  });
});

test('a second connection with the same memberId replaces the first, with a clear close reason', { timeout: 60_000 }, async () => {
  await withServer({}, async (url) => {
    const a = client(url, 'r', '1');
    const old = client(url, 'r', '2');
    const ia = inbox(a);
    const iold = inbox(old);
    await a.join();
    await old.join();
    const fresh = client(url, 'r', '2');
    const ifresh = inbox(fresh);
    assert.deepEqual(await fresh.join(), ['1']);
    assert.match(await iold.next((e) => e.startsWith('close')), new RegExp(`^close ${CloseCode.replaced} replaced by a newer connection`));
    await ia.next((e) => e === 'left 2');
    await ia.next((e) => e === 'joined 2');
    a.signal('2', 'hi');
    await ifresh.next((e) => e === 'signal 1 "hi"');
    assert.ok(!iold.events.some((e) => e.startsWith('signal')));
    // The replaced connection's close did not evict the new one.
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(ia.events.filter((e) => e === 'left 2').length, 1);
    await Promise.all([a.close(), fresh.close()]);
  });
});

// ---- the room secret -------------------------------------------------------------------------------

test('open mode: the first joiner sets the room verifier; a wrong secret is refused and closed', { timeout: 60_000 }, async () => {
  await withServer({}, async (url) => {
    const owner = client(url, 'private', '1', 'right');
    await owner.join();
    const intruder = client(url, 'private', '2', 'wrong');
    const iIntruder = inbox(intruder);
    await assert.rejects(intruder.join(), (e: unknown) => e instanceof SignallingError && e.code === 'bad-proof');
    assert.match(await iIntruder.next((e) => e.startsWith('close')), new RegExp(`^close ${CloseCode.authFailed} join refused`));
    assert.deepEqual([...owner.members], [], 'the intruder never appeared');
    await owner.close();
    // An empty room is forgotten with its verifier: the next first joiner opens it afresh.
    const next = client(url, 'private', '3', 'wrong');
    await next.join();
    await next.close();
    await stillServes(url);
  });
});

test('configured mode: unknown rooms and wrong secrets are refused, the right secret joins', { timeout: 60_000 }, async () => {
  await withServer({ roomSecretCheck: (room) => (room === 'demo' ? 'configured-secret' : undefined) }, async (url) => {
    await assert.rejects(client(url, 'nope', '1', 'configured-secret').join(), (e: unknown) => e instanceof SignallingError && e.code === 'bad-proof');
    await assert.rejects(client(url, 'demo', '1', 'guess').join(), (e: unknown) => e instanceof SignallingError && e.code === 'bad-proof');
    // A raw peer that sends a verifier of its own choosing gains nothing: configured rooms ignore it.
    const r = await raw(url);
    await r.join('demo', 'x', 'guess');
    await r.closed;
    const ok = client(url, 'demo', '1', 'configured-secret');
    assert.deepEqual(await ok.join(), []);
    await ok.close();
  });
});

test('configured mode: an unknown room and a wrong secret get the same answer, so room names cannot be probed; the log tells them apart', { timeout: 60_000 }, async () => {
  const log: string[] = [];
  await withServer({ roomSecretCheck: (room) => (room === 'demo' ? 'configured-secret' : undefined), log: (l) => log.push(l) }, async (url) => {
    const answers: string[] = [];
    for (const room of ['nope', 'demo']) {
      const r = await raw(url);
      const reply = await r.join(room, 'x', 'guess');
      const closed = await r.closed;
      answers.push(JSON.stringify({ reply, closed }));
    }
    assert.equal(answers[0], answers[1], 'the two refusals differ');
    assert.match(answers[0]!, /"code":"bad-proof"/);
    assert.ok(log.some((l) => l.includes('"nope"') && l.includes('no such room')), log.join('\n'));
    assert.ok(log.some((l) => l.includes('"demo"') && l.includes('wrong proof')), log.join('\n'));
  });
});

test('a proof recorded on one connection cannot be replayed on another', { timeout: 60_000 }, async () => {
  await withServer({}, async (url) => {
    const owner = client(url, 'r', '1');
    await owner.join();
    const first = await raw(url);
    const key = await deriveRoomKey('s3cret', 'r');
    const recorded = await computeJoinProof(key, first.challenge, 'r', '2');
    first.ws.close();
    const second = await raw(url);
    second.sendJson({ type: 'join', room: 'r', memberId: '2', proof: recorded });
    await expectError(second, 'bad-proof');
    assert.equal((await second.closed).code, CloseCode.authFailed);
    await owner.close();
  });
});

// ---- bad input -------------------------------------------------------------------------------------

test('malformed frames get error frames and the connection keeps working', { timeout: 60_000 }, async () => {
  await withServer({}, async (url) => {
    const r = await raw(url);
    r.ws.send('{not json');
    await expectError(r, 'bad-json');
    r.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    await expectError(r, 'bad-json');
    r.sendJson({ type: 'launch-missiles' });
    await expectError(r, 'unknown-type');
    r.sendJson([1, 2]);
    await expectError(r, 'bad-message');
    r.sendJson({ type: 'join', room: 'r', memberId: 1, proof: 'x' });
    await expectError(r, 'bad-message');
    r.sendJson({ type: 'signal', to: '2', data: 'offer' });
    await expectError(r, 'not-joined');
    // The same connection can still join and be told who is there.
    const peers = await r.join('r', '1');
    assert.deepEqual(peers, { type: 'peers', room: 'r', members: [] });
    r.sendJson({ type: 'signal', to: 'nobody', data: 'offer' });
    await expectError(r, 'unknown-peer');
    const again = await r.join('r', '1');
    assert.equal(again.type === 'error' && again.code, 'already-joined');
    r.ws.close();
    await stillServes(url);
  });
});

test('open mode: joining an empty room without a verifier is answered, not punished', { timeout: 60_000 }, async () => {
  await withServer({}, async (url) => {
    const r = await raw(url);
    const key = await deriveRoomKey('s3cret', 'fresh');
    r.sendJson({ type: 'join', room: 'fresh', memberId: '1', proof: await computeJoinProof(key, r.challenge, 'fresh', '1') });
    await expectError(r, 'unknown-room');
    assert.equal((await r.join('fresh', '1')).type, 'peers');
    r.ws.close();
  });
});

test('frames over the limit are refused with a reason; far over, ws closes with 1009', { timeout: 60_000 }, async () => {
  await withServer({ maxFrameBytes: 1024 }, async (url) => {
    const r = await raw(url);
    r.ws.send(JSON.stringify({ type: 'signal', to: 'x', data: 'y'.repeat(2000) }));
    await expectError(r, 'too-big');
    assert.deepEqual(await r.closed, { code: CloseCode.tooBig, reason: 'frame over 1024 bytes' });

    const huge = await raw(url);
    huge.ws.send('z'.repeat(100_000));
    assert.equal((await huge.closed).code, 1009);
    await stillServes(url);
  });
});

test('a flood is rate limited and closed; other peers are unaffected', { timeout: 60_000 }, async () => {
  await withServer({ maxMessagesPerSecond: 20, burstMessages: 20 }, async (url) => {
    const r = await raw(url);
    for (let i = 0; i < 200; i++) r.ws.send('{}');
    let m: ServerMessage;
    do m = await r.next();
    while (m.type === 'error' && m.code === 'unknown-type');
    assert.equal(m.type === 'error' && m.code, 'rate-limited');
    assert.deepEqual(await r.closed, { code: CloseCode.rateLimited, reason: 'rate limit exceeded' });
    await stillServes(url);
  });
});

test('a connection that never joins is closed after the join timeout', { timeout: 60_000 }, async () => {
  await withServer({ joinTimeoutMs: 100 }, async (url) => {
    const r = await raw(url);
    const closed = await r.closed;
    assert.equal(closed.code, CloseCode.joinTimeout);
    assert.match(closed.reason, /no join within 100 ms/);
  });
});

test('close() closes every socket with "server shutting down" and frees the port', { timeout: 60_000 }, async () => {
  const server = await startSignallingServer({ port: 0 });
  const a = client(server.url, 'r', '1');
  const b = client(server.url, 'r', '2');
  const ia = inbox(a);
  const ib = inbox(b);
  await a.join();
  await b.join();
  const idle = await raw(server.url); // connected but never joined
  const { connections, rooms, members, joins } = server.stats();
  assert.deepEqual({ connections, rooms, members, joins }, { connections: 3, rooms: 1, members: 2, joins: 2 });
  await server.close();
  await server.close(); // idempotent
  assert.equal(await ia.next((e) => e.startsWith('close')), `close ${CloseCode.shutdown} server shutting down`);
  assert.equal(await ib.next((e) => e.startsWith('close')), `close ${CloseCode.shutdown} server shutting down`);
  assert.equal((await idle.closed).code, CloseCode.shutdown);
  assert.equal(server.stats().connections, 0);
  // The port is free again: a new server can take it.
  const again = await startSignallingServer({ port: server.port });
  await again.close();
});

// ---- the CLI entry, as a real process ---------------------------------------------------------------

test('signalCommand runs as a child process, introduces peers, and exits cleanly on SIGTERM', { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pk-signal-'));
  const roomsFile = join(dir, 'rooms.json');
  writeFileSync(roomsFile, JSON.stringify({ demo: 'file-secret' }));
  const fixture = new URL('./fixtures/signal-server.ts', import.meta.url).pathname;
  const child = spawn(process.execPath, ['--import', 'tsx', fixture, '--port', '0', '--rooms-file', roomsFile], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  try {
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => (out += d));
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (d: string) => {
        out += d;
        const m = /listening on (ws:\/\/\S+)/.exec(out);
        if (m) resolve(m[1]!);
      });
      void exited.then(() => reject(new Error(`exited before listening:\n${out}`)));
    });
    const a = client(url, 'demo', '1', 'file-secret');
    const b = client(url, 'demo', '2', 'file-secret');
    const ib = inbox(b);
    const ia = inbox(a);
    await a.join();
    await b.join();
    a.signal('2', { type: 'offer' });
    await ib.next((e) => e === 'signal 1 {"type":"offer"}');
    await assert.rejects(client(url, 'demo', '3', 'nope').join(), (e: unknown) => e instanceof SignallingError && e.code === 'bad-proof');

    child.kill('SIGTERM');
    const [code, signal] = await exited;
    assert.equal(signal, null, 'exited by itself rather than being killed by the signal');
    assert.equal(code, 0, out);
    assert.equal(await ia.next((e) => e.startsWith('close')), `close ${CloseCode.shutdown} server shutting down`);
    assert.match(out, /\[signal\] stopping/);
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
});
