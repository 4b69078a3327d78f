/**
 * Issue 16 with issue 15's rules, against real member processes: the ZooKeeper port answers the
 * whitelisted four-letter words and closes; a word off the whitelist, a packet over the size limit
 * or one that does not decode closes that connection only (counted in mntr), and the member and its
 * other clients go on serving.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { describe, test } from 'node:test';
import { JuteWriter } from '../../src/gateway/jute/writer.js';
import { DEFAULT_MAX_REQUEST_BYTES } from '../../src/codec/limits.js';
import { formedCluster } from './fixtures/cluster.js';
import { zkAddress } from './fixtures/zk-ensemble.js';

/** Writes `bytes`, returns everything the server sent until it closed (or the timeout). */
function exchange(address: string, bytes: Uint8Array, timeoutMs = 10_000): Promise<{ text: string; closed: boolean }> {
  const [host, port] = [address.slice(0, address.lastIndexOf(':')), Number(address.slice(address.lastIndexOf(':') + 1))];
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const s = connect(port, host, () => s.write(bytes));
    const timer = setTimeout(() => {
      s.destroy();
      resolve({ text: Buffer.concat(chunks).toString('latin1'), closed: false });
    }, timeoutMs);
    s.on('data', (d) => chunks.push(d));
    s.on('error', () => {});
    s.on('close', () => {
      clearTimeout(timer);
      resolve({ text: Buffer.concat(chunks).toString('latin1'), closed: true });
    });
  });
}

const word = (w: string): Uint8Array => new TextEncoder().encode(w);

describe('the ZooKeeper port at its edges', () => {
  // Member 3 answers only ruok: a word off its whitelist is read as a packet length, as ZooKeeper does.
  const cluster = formedCluster({ size: 3, args: ['--zk-port', '0'] });

  test('four-letter words: ruok, srvr, stat, mntr, cons, wchs, isro', async () => {
    const a = zkAddress(cluster, 1);
    assert.equal((await exchange(a, word('ruok'))).text, 'imok');
    assert.match((await exchange(a, word('srvr'))).text, /^Zookeeper version: peerkeeper[\s\S]*Mode: (leader|follower)\n/);
    assert.match((await exchange(a, word('stat'))).text, /Clients:\n/);
    const mntr = (await exchange(a, word('mntr'))).text;
    assert.match(mntr, /^zk_version\t/m);
    assert.match(mntr, /^zk_gateway_four_letter_words\t\d+$/m);
    assert.match((await exchange(a, word('wchs'))).text, /Total watches:\d+/);
    assert.equal((await exchange(a, word('isro'))).text, 'rw');
    const cons = await exchange(a, word('cons'));
    assert.equal(cons.closed, true);
  });

  test('an oversized, a negative and an undecodable packet each close their connection; the member is unharmed', async () => {
    const a = zkAddress(cluster, 2);
    const over = new Uint8Array(4);
    new DataView(over.buffer).setInt32(0, DEFAULT_MAX_REQUEST_BYTES + 1);
    assert.deepEqual(await exchange(a, over), { text: '', closed: true });
    const negative = new Uint8Array([0xff, 0xff, 0xff, 0xf0]);
    assert.deepEqual(await exchange(a, negative), { text: '', closed: true });
    // A connect whose password length lies.
    const lying = new JuteWriter().int(0).long(0n).int(4000).long(0n).int(1 << 20).framed();
    assert.deepEqual(await exchange(a, lying), { text: '', closed: true });

    const mntr = (await exchange(a, word('mntr'))).text;
    assert.match(mntr, /^zk_gateway_oversized_packets\t2$/m);
    assert.match(mntr, /^zk_gateway_malformed_packets\t1$/m);
    // The same counters over HTTP, where scrapers read them: /mntr and Prometheus' /metrics.
    const http = `http://127.0.0.1:${cluster.member(2).clientPort}`;
    const httpMntr = await (await fetch(`${http}/mntr`, { signal: AbortSignal.timeout(5000) })).text();
    assert.match(httpMntr, /^zk_gateway_oversized_packets\t2$/m);
    assert.match(httpMntr, /^zk_gateway_malformed_packets\t1$/m);
    const metrics = await (await fetch(`${http}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
    assert.match(metrics, /^peerkeeper_zk_port_oversized_packets_total\{member="2"\} 2$/m);
    assert.match(metrics, /^peerkeeper_zk_port_malformed_packets_total\{member="2"\} 1$/m);
    assert.equal((await exchange(a, word('ruok'))).text, 'imok');
    const s = await cluster.status(2);
    assert.equal(s?.serving, true);
  });

  test('a word off the whitelist gets no answer', async () => {
    await cluster.kill(3, 'SIGTERM');
    await cluster.start(3, { args: ['--zk-4lw', 'ruok'] });
    await cluster.waitForLeader();
    const a = zkAddress(cluster, 3);
    assert.equal((await exchange(a, word('ruok'))).text, 'imok');
    // 'srvr' read as a length: 0x73727672 bytes, over the limit, so the connection is closed.
    assert.deepEqual(await exchange(a, word('srvr')), { text: '', closed: true });
  });
});
