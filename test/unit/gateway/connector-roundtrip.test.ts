/**
 * Both directions of the jute codec against each other, in one process: peerkeeper's ZooKeeperClient
 * → zooKeeperConnector (client-connection.ts) → bytes → the gateway's GatewayConnection
 * (connection.ts) → a real in-process ensemble, and back. No sockets: a socket pair in memory that
 * delivers bytes on later turns, as TCP would. If either side's records drift from the other's (or
 * from ZooKeeper's), this fails without a JVM or a child process.
 */
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { after, before, describe, test } from 'node:test';
import { ErrorCode, ZooKeeperClient, ZooKeeperError, fromUtf8, type WatchedEvent } from '../../../src/client/index.js';
import { GatewayConnection } from '../../../src/gateway/connection.js';
import { PacketReader } from '../../../src/gateway/jute/packet-reader.js';
import { zooKeeperConnector, type ConnectorSocket } from '../../../src/gateway/zookeeper-connector.js';
import { startLocalEnsemble, type LocalEnsemble } from '../../../src/server/local-ensemble.js';

const WAIT_MS = 10_000;

async function waitFor(what: string, condition: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!(await condition())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The client's end of an in-memory connection to member `index` through a GatewayConnection. */
class PipeSocket extends EventEmitter implements ConnectorSocket {
  writableLength = 0;
  private closed = false;
  private readonly packets = new PacketReader(8 << 20);
  private readonly gateway: GatewayConnection;

  constructor(ensemble: LocalEnsemble, index: number) {
    super();
    this.gateway = new GatewayConnection({
      open: (handlers) => ensemble.connector(index, handlers),
      send: (bytes) => setImmediate(() => !this.closed && this.emit('data', bytes)),
      close: () => setImmediate(() => this.shut()),
    });
  }

  write(bytes: Uint8Array): boolean {
    setImmediate(() => {
      if (this.closed) return;
      for (const p of this.packets.push(bytes)) this.gateway.receive(p);
    });
    return true;
  }

  destroy(): void {
    this.shut();
  }

  private shut(): void {
    if (this.closed) return;
    this.closed = true;
    this.gateway.closed();
    this.emit('close');
  }
}

describe('ZooKeeperClient → ZooKeeper connector → gateway → an in-process ensemble', { timeout: 60_000 }, () => {
  let ensemble: LocalEnsemble;
  const clients: ZooKeeperClient[] = [];
  const sockets: PipeSocket[][] = [[], [], []];
  const client = async (): Promise<ZooKeeperClient> => {
    const connector = zooKeeperConnector('m1:2181,m2:2181,m3:2181', {
      openSocket: (address) => {
        const index = Number(address.host.slice(1)) - 1;
        const s = new PipeSocket(ensemble, index);
        sockets[index]!.push(s);
        return s;
      },
    });
    const zk = new ZooKeeperClient({ connector, members: connector.members, sessionTimeoutMs: 2000 });
    clients.push(zk);
    await zk.connected();
    return zk;
  };

  before(async () => {
    ensemble = await startLocalEnsemble({ size: 3, tickMs: 20 });
  });
  after(async () => {
    for (const c of clients) await c.close().catch(() => undefined);
    ensemble.stop();
  });

  test('operations, Stats, multi, watches and errors survive both codecs', async () => {
    const a = await client();
    const b = await client();
    const created = await a.create2('/rt', 'hello');
    assert.equal(created.stat.dataLength, 5);
    const eph = await a.create2('/rt/e-', null, { mode: 'EPHEMERAL_SEQUENTIAL' });
    assert.match(eph.path, /^\/rt\/e-\d{10}$/);
    assert.equal(eph.stat.ephemeralOwner, a.sessionId);
    assert.deepEqual(await a.getEphemerals('/rt'), [eph.path]);
    await b.sync('/rt');
    const got = await b.getData('/rt');
    assert.equal(fromUtf8(got.data), 'hello');
    assert.deepEqual(got.stat.czxid, created.stat.czxid);
    assert.equal(got.stat.ctime, created.stat.ctime);
    assert.equal(got.stat.numChildren, 1);
    const events: string[] = [];
    await b.getData('/rt', { watch: (e: WatchedEvent) => void events.push(`${e.type} ${e.path}`) });
    await b.addWatch('/rt', 'PERSISTENT_RECURSIVE', (e) => void events.push(`recursive ${e.type} ${e.path}`));
    const results = await a.multi([
      { op: 'setData', path: '/rt', data: new Uint8Array([1]), version: 0 },
      { op: 'create', path: '/rt/k', data: new Uint8Array(0), mode: 'PERSISTENT' },
      { op: 'check', path: '/rt/k', version: 0 },
    ]);
    assert.deepEqual(results.map((r) => r.op), ['setData', 'create', 'check']);
    await waitFor('the events', () => events.length >= 3);
    assert.deepEqual([...events].sort(), ['NodeDataChanged /rt', 'recursive NodeCreated /rt/k', 'recursive NodeDataChanged /rt'].sort());
    await assert.rejects(a.setData('/rt', 'x', 0), (e: unknown) => e instanceof ZooKeeperError && e.code === ErrorCode.BADVERSION);
    await assert.rejects(a.multi([{ op: 'check', path: '/rt', version: 9 }]), (e: unknown) => e instanceof ZooKeeperError && e.code === ErrorCode.BADVERSION);
    const kids = await a.getChildren2('/rt');
    assert.deepEqual([...kids.children].sort(), [eph.path.slice(4), 'k'].sort());
    assert.equal(kids.stat.numChildren, 2);
    await b.removeWatches('/rt', 'ANY');
    await a.close();
    await b.sync('/rt');
    assert.equal(await b.exists(eph.path), null, 'the ephemeral went with the closed session');
  });

  test('the member a client is on stops: the session resumes elsewhere through the connector', async () => {
    const a = await client();
    await a.create('/moving', null, { mode: 'EPHEMERAL' });
    const id = a.sessionId;
    const on = a.memberIndex!;
    ensemble.kill(on + 1);
    for (const s of sockets[on]!) s.destroy();
    await waitFor('reconnected elsewhere', () => a.state === 'CONNECTED' && a.memberIndex !== on);
    assert.equal(a.sessionId, id);
    assert.ok(await a.exists('/moving'));
    await ensemble.restart(on + 1);
  });
});
