/**
 * The test-only partition of the WebRTC transport (setPartitioned, what `peerkeeper node
 * --test-partition` uses): nothing crosses either way and no link closes — the others see a silent
 * member, not a closed one, and do not hear of it from signalling — what was sent crosses in order at
 * the heal; a cut longer than the idle timeout drops the links by their own keepalive and the mesh
 * re-forms after the heal.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import { startSignallingServer, type SignallingServer } from '../../src/signalling/server.js';
import { MeshMember } from './fixtures/mesh-member.js';

const MEMBERS = [1, 2, 3];
const IDLE_MS = 1500;

let server: SignallingServer;
const members: MeshMember[] = [];
after(async () => {
  for (const m of members) m.close();
  await server?.close();
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

test('a partitioned member is silent, not gone; its traffic crosses in order at the heal', async (t) => {
  server = await startSignallingServer({ port: 0, host: '127.0.0.1' });
  const [m1, m2, m3] = MEMBERS.map(
    (self) => new MeshMember({ self, members: MEMBERS, room: 'partition', secret: 's', signalling: { url: server.url, WebSocket }, idleTimeoutMs: IDLE_MS }),
  ) as [MeshMember, MeshMember, MeshMember];
  members.push(m1, m2, m3);
  for (const m of members) await m.until('mesh', () => m.up.size === 2);

  await t.test('a short cut: nothing crosses, no link drops; the heal delivers in order', async () => {
    m3.t.setPartitioned(true);
    for (let i = 0; i < 5; i++) {
      m1.t.send(3, { n: i });
      m3.t.send(2, { n: i });
    }
    await sleep(IDLE_MS / 2);
    assert.deepEqual(m3.from(1), [], 'nothing reached the cut member');
    assert.deepEqual(m2.from(3), [], 'nothing left the cut member');
    for (const m of members) assert.equal(m.up.size, 2, `member ${m.t.self} still has both links up`);
    assert.ok(!members.some((m) => m.log.some((l) => l.startsWith('down'))), 'no link went down (signalling did not give the cut away)');
    m3.t.setPartitioned(false);
    await m3.until('held messages in', () => m3.from(1).length === 5);
    await m2.until('held messages out', () => m2.from(3).length === 5);
    assert.deepEqual(m3.from(1).map((m) => (m as { n: number }).n), [0, 1, 2, 3, 4]);
    assert.deepEqual(m2.from(3).map((m) => (m as { n: number }).n), [0, 1, 2, 3, 4]);
    assert.ok(!members.some((m) => m.log.some((l) => l.startsWith('down'))));
  });

  await t.test('a cut past the idle timeout: the links drop by their own keepalive, none re-forms until the heal', async () => {
    m3.t.setPartitioned(true);
    await m1.until('1 dropped 3', () => !m1.up.has(3), IDLE_MS * 3);
    await m2.until('2 dropped 3', () => !m2.up.has(3), IDLE_MS * 3);
    await m3.until('3 dropped both', () => m3.up.size === 0, IDLE_MS * 3);
    await sleep(1000);
    assert.ok(!m1.up.has(3) && !m2.up.has(3) && m3.up.size === 0, 'no link formed across the cut');
    assert.ok(m1.up.has(2) && m2.up.has(1), 'the others kept theirs');
    const healedAt = Date.now();
    m3.t.setPartitioned(false);
    for (const m of members) await m.until('mesh again', () => m.up.size === 2, 15_000);
    t.diagnostic(`mesh re-formed ${Date.now() - healedAt} ms after the heal`);
    m1.t.send(3, 'after');
    await m3.until('a message after the heal', () => m3.from(1).includes('after'));
  });
});
