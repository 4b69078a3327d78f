/**
 * Issue 15, problems 1, 3 and 6, against real member processes: a frame that used to end the process
 * is refused (an error on its xid, or a close with a reason), the member stays up, the tree does not
 * change, and every other client goes on.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Packr } from 'msgpackr';
import { WebSocket } from 'ws';
import { ErrorCode, ZooKeeperError, fromUtf8 } from '../../src/client/index.js';
import { formedCluster, waitUntil } from './fixtures/cluster.js';

const plain = new Packr({ useRecords: false, moreTypes: false });
const connectMessage = { type: 'connect', sessionId: 0, password: new Uint8Array(0), timeoutMs: 4000, lastZxidSeen: { epoch: 0, counter: 0 }, canBeReadOnly: false };

/** A raw client that writes plain msgpack, the way a Python or Go client with a msgpack library would. */
class RawClient {
  readonly replies: Record<string, unknown>[] = [];
  closed: { code: number; reason: string } | null = null;
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (d: Buffer) => this.replies.push(plain.unpack(d) as Record<string, unknown>));
    ws.on('close', (code, reason) => (this.closed = { code, reason: reason.toString() }));
  }

  static async open(url: string, connect = true, timeoutMs = connectMessage.timeoutMs): Promise<RawClient> {
    const ws = new WebSocket(url);
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    const c = new RawClient(ws);
    if (connect) {
      c.sendBytes(plain.pack({ ...connectMessage, timeoutMs }));
      await c.next((m) => m.type === 'connected');
    }
    return c;
  }

  sendBytes(bytes: Uint8Array): void {
    this.ws.send(bytes);
  }

  next(match: (m: Record<string, unknown>) => boolean, timeoutMs = 10_000): Promise<Record<string, unknown>> {
    return waitUntil(async () => this.replies.find(match) ?? (this.closed ? Promise.reject(new Error(`closed: ${JSON.stringify(this.closed)} after ${JSON.stringify(this.replies)}`)) : undefined), timeoutMs, () => `no such reply in ${JSON.stringify(this.replies)}`);
  }

  response(xid: number): Promise<Record<string, unknown>> {
    return this.next((m) => m.type === 'response' && m.xid === xid);
  }

  waitClosed(timeoutMs = 10_000): Promise<{ code: number; reason: string }> {
    return waitUntil(async () => this.closed ?? undefined, timeoutMs, () => 'still open');
  }
}

/** One counter from a member's mntr. */
async function mntr(port: number, key: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/mntr`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${key}\t`));
  assert.ok(line, `${key} in mntr`);
  return Number(line.split('\t')[1]);
}

describe('the client edge of real member processes', () => {
  const cluster = formedCluster({ size: 3, tickMs: 50 });

  /** Every member up and at one digest; returns it. */
  async function settled(): Promise<string> {
    const s = await cluster.converged();
    for (const m of cluster.members) assert.equal(m.proc?.child.exitCode, null, `member ${m.id} exited`);
    return `${s.appliedZxid} ${s.digest}`;
  }

  test('a one-byte nil frame (0xc0) closes that connection with a reason; the member and other clients go on', async () => {
    const other = await cluster.client([1]);
    await other.create('/nil-kept', 'x');
    // A long session: its expiry (a txn) must not fall inside the comparison below.
    const raw = await RawClient.open(cluster.url(1), true, 60_000);
    const before = await settled();
    raw.sendBytes(Uint8Array.of(0xc0));
    const closed = await raw.waitClosed();
    assert.match(closed.reason + JSON.stringify(raw.replies), /not a map/);
    assert.equal(await settled(), before);
    assert.ok((await mntr(cluster.member(1).clientPort, 'zk_client_frames_rejected')) >= 1);
    assert.equal(fromUtf8((await other.getData('/nil-kept')).data), 'x');
    const again = await RawClient.open(cluster.url(1));
    again.ws.close();
  });

  test('a request with a null or missing operation is answered MARSHALLINGERROR on its xid; nothing changes', async () => {
    const other = await cluster.client([2]);
    const raw = await RawClient.open(cluster.url(2));
    const before = await settled();
    raw.sendBytes(plain.pack({ type: 'request', xid: 1, operation: null }));
    raw.sendBytes(plain.pack({ type: 'request', xid: 2 }));
    raw.sendBytes(plain.pack({ type: 'request', xid: 3, operation: { op: 'create', path: null, data: new Uint8Array(0), mode: 'PERSISTENT' } }));
    assert.equal((await raw.response(1)).err, ErrorCode.MARSHALLINGERROR);
    assert.equal((await raw.response(2)).err, ErrorCode.MARSHALLINGERROR);
    assert.equal((await raw.response(3)).err, ErrorCode.BADARGUMENTS);
    assert.equal(raw.closed, null, 'the connection stays open');
    assert.equal(await settled(), before);
    raw.sendBytes(plain.pack({ type: 'request', xid: 4, operation: { op: 'exists', path: '/', watch: false } }));
    assert.equal((await raw.response(4)).err, 0);
    await other.create('/after-bad-operation');
    raw.ws.close();
  });

  test('a plain-msgpack client using xids, versions and timeouts of 64–79 is served', async () => {
    const raw = await RawClient.open(cluster.url(3), false);
    raw.sendBytes(plain.pack({ ...connectMessage, timeoutMs: 70 * 100 }));
    await raw.next((m) => m.type === 'connected');
    raw.sendBytes(plain.pack({ type: 'request', xid: 10, operation: { op: 'create', path: '/plain', data: new Uint8Array(0), mode: 'PERSISTENT' } }));
    assert.equal((await raw.response(10)).err, 0);
    for (let xid = 64; xid <= 79; xid++) {
      raw.sendBytes(plain.pack({ type: 'request', xid, operation: { op: 'create', path: `/plain/${xid}`, data: Uint8Array.of(xid), mode: 'PERSISTENT' } }));
    }
    for (let xid = 64; xid <= 79; xid++) assert.equal((await raw.response(xid)).err, 0, `xid ${xid}`);
    assert.equal(raw.closed, null);
    // A version of 64: the 65th setData of /plain/64 is refused as BADVERSION, not misread.
    raw.sendBytes(plain.pack({ type: 'request', xid: 80, operation: { op: 'setData', path: '/plain/64', data: new Uint8Array(0), version: 64 } }));
    assert.equal((await raw.response(80)).err, ErrorCode.BADVERSION);
    raw.ws.close();
  });

  test('a ~3 MiB multi (three 1 MiB creates) is refused up front; nothing changes, nobody stalls', async () => {
    // Its frame is over --max-request-bytes, so the endpoint closes the connection before the member
    // reads it, as ZooKeeper closes on a packet over jute.maxbuffer (the member's own BADARGUMENTS for a
    // multi over the limit guards members without that frame limit: tabs, in-process ensembles; unit-tested).
    const writer = await cluster.client([2], 10_000);
    const before = await settled();
    const refusedBefore = await mntr(cluster.member(2).clientPort, 'zk_requests_refused_too_large');
    const mib = new Uint8Array(1024 * 1024 - 100);
    const err = await writer.multi([0, 1, 2].map((i) => ({ op: 'create' as const, path: `/three-mib-${i}`, data: mib, mode: 'PERSISTENT' as const }))).then(
      () => null,
      (e: unknown) => e,
    );
    assert.ok(err instanceof ZooKeeperError, String(err));
    assert.equal(err.code, ErrorCode.CONNECTIONLOSS);
    await waitUntil(async () => ((await mntr(cluster.member(2).clientPort, 'zk_requests_refused_too_large')) > refusedBefore ? true : undefined), 10_000, () => 'the refused frame counted in mntr');
    assert.equal(await settled(), before);
    // The ensemble goes on at once: a write through every member, the refused client's own included.
    await writer.create('/after-big-multi-writer');
    for (const id of cluster.ids) await (await cluster.client([id])).create(`/after-big-multi-${id}`);
  });

  test('a node whose children\'s names total more than 4 MiB: listing it is an error, never a crash', async () => {
    const writer = await cluster.client([1], 10_000);
    await writer.create('/wide');
    const long = 'w'.repeat(4000);
    const total = 1100; // 1100 names of ~4 KB: 4.4 MB of names
    for (let i = 0; i < total; i += 50) {
      await Promise.all(Array.from({ length: Math.min(50, total - i) }, (_, k) => writer.create(`/wide/${long}${i + k}`)));
    }
    const readers = await Promise.all(cluster.ids.map((id) => cluster.client([id], 10_000)));
    const before = await settled();
    for (const reader of readers) {
      const id = readers.indexOf(reader) + 1;
      const err = await reader.getChildren('/wide').then(
        () => null,
        (e: unknown) => e,
      );
      assert.ok(err instanceof ZooKeeperError, `member ${id}: ${String(err)}`);
      assert.equal(err.code, ErrorCode.MARSHALLINGERROR);
      assert.match(err.message, /frame limit/);
      // What a user does instead: the count.
      assert.equal((await reader.exists('/wide'))?.numChildren, total);
    }
    assert.equal(await settled(), before);
    for (const id of cluster.ids) assert.ok((await mntr(cluster.member(id).clientPort, 'zk_oversized_replies')) >= 1, `member ${id}`);
    await writer.create('/after-wide');
  });
});
