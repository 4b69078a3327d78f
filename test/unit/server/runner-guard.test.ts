/**
 * The runner's guard around one client's input (runner.ts, clientInput): a throw that never reached
 * the replicated core drops that client only; an invariant failure, or a throw after the input reached
 * the core, stops the member through onFatal with a message that says which. Faults are injected by
 * wrapping the member's real fromClient, since validation (client-edge.test.ts) leaves no known input
 * that throws.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { MemberToClient } from '../../../src/protocol/client.js';
import { MemberRunner } from '../../../src/server/runner.js';
import { InstantMemoryStorage } from '../../../src/storage/memory.js';
import { MemoryHub } from '../../../src/transport/memory.js';
import { InvariantError } from '../../../src/zab/context.js';
import { makeZabConfig } from '../../../src/zab/config.js';

const flush = () => new Promise((r) => setTimeout(r, 0));

async function single(): Promise<{ runner: MemberRunner; tick: () => void; fatal: Error[]; faults: string[] }> {
  let fn = (): void => {};
  const fatal: Error[] = [];
  const faults: string[] = [];
  let now = 0;
  const runner = await MemberRunner.start({
    config: { zab: makeZabConfig(1, [1], 7), tickMs: 10, snapshotEveryTxns: 1000, randomBytes: (n) => new Uint8Array(n).fill(3) },
    storage: new InstantMemoryStorage(),
    transport: new MemoryHub().endpoint(1),
    now: () => now,
    every: (_ms, f) => ((fn = f), () => {}),
    onFatal: (e) => fatal.push(e),
    onClientFault: (_c, e) => faults.push(e),
  });
  const tick = (): void => {
    now += 10;
    fn();
  };
  for (let i = 0; i < 50 && !runner.member.status().serving; i++) {
    tick();
    await flush();
  }
  assert.ok(runner.member.status().serving, 'a member of one leads itself');
  return { runner, tick, fatal, faults };
}

function client(runner: MemberRunner) {
  const inbox: MemberToClient[] = [];
  let closed: string | null = null;
  const conn = runner.openClient({ onMessage: (m) => inbox.push(m), onClose: (r) => (closed = r) })!;
  return { conn, inbox, closed: () => closed };
}

async function connect(runner: MemberRunner, tick: () => void) {
  const c = client(runner);
  c.conn.send({ type: 'connect', sessionId: 0, password: new Uint8Array(0), timeoutMs: 1000, lastZxidSeen: { epoch: 0, counter: 0 }, canBeReadOnly: false });
  for (let i = 0; i < 20 && !c.inbox.some((m) => m.type === 'connected'); i++) {
    await flush();
    tick();
  }
  assert.ok(c.inbox.some((m) => m.type === 'connected'));
  return c;
}

describe('runner guard for client input', () => {
  test('a throw before the core drops only that client, is counted, and the member serves on', async () => {
    const { runner, tick, fatal, faults } = await single();
    const victim = await connect(runner, tick);
    const other = await connect(runner, tick);
    const real = runner.member.fromClient.bind(runner.member);
    runner.member.fromClient = (id, m) => {
      if ((m as { type?: unknown }).type === 'ping' && id === 1) throw new TypeError("Cannot read properties of null (reading 'op')");
      real(id, m);
    };
    victim.conn.send({ type: 'ping' });
    await flush();
    await flush();
    assert.match(victim.closed() ?? '', /could not handle a message from this client/);
    assert.deepEqual(fatal, []);
    assert.match(faults[0] ?? '', /TypeError: Cannot read properties of null/);
    assert.equal(runner.metrics().clientInputFailures, 1);
    assert.ok(runner.running);
    other.conn.send({ type: 'request', xid: 1, operation: { op: 'create', path: '/still', data: new Uint8Array(0), mode: 'PERSISTENT' } });
    for (let i = 0; i < 20 && !other.inbox.some((m) => m.type === 'response'); i++) {
      await flush();
      tick();
    }
    const reply = other.inbox.find((m) => m.type === 'response');
    assert.equal(reply?.type === 'response' ? reply.err : 'no reply', 0);
    runner.stop();
  });

  test('an InvariantError stops the member through onFatal, naming the check', async () => {
    const { runner, tick, fatal } = await single();
    const c = await connect(runner, tick);
    runner.member.fromClient = () => {
      throw new InvariantError('leader duties: pending txn count went negative');
    };
    c.conn.send({ type: 'ping' });
    await flush();
    assert.equal(fatal.length, 1);
    assert.match(fatal[0]!.message, /a core invariant failed while handling client connection \d+: leader duties: pending txn count went negative/);
    assert.equal(runner.running, false);
  });

  test('a throw after the input reached the core stops the member too (it may be half-way through a step)', async () => {
    const { runner, tick, fatal } = await single();
    const c = await connect(runner, tick);
    const real = runner.member.fromClient.bind(runner.member);
    runner.member.fromClient = (id, m) => {
      real(id, m); // a write: forwarded to the leader, proposed
      throw new TypeError('boom after the proposal');
    };
    c.conn.send({ type: 'request', xid: 1, operation: { op: 'create', path: '/half', data: new Uint8Array(0), mode: 'PERSISTENT' } });
    await flush();
    assert.equal(fatal.length, 1);
    assert.match(fatal[0]!.message, /after the request reached the core.*boom after the proposal/);
    assert.equal(runner.running, false);
  });
});
