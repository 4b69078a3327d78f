/** PeerLink's probe (real @roamhq/wrtc, two links in one process): what counts as an answer. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import wrtc from '@roamhq/wrtc';
import { deriveMeshKey } from '../../src/transport/webrtc/auth.js';
import { encodeMessage } from '../../src/transport/webrtc/framing.js';
import { PeerLink, type LinkOptions } from '../../src/transport/webrtc/link.js';

const ROOM = 'probe-test';

function pair(onMessageA: (a: PeerLink) => void): { a: PeerLink; b: PeerLink; up: Promise<void>; closedA: Promise<string> } {
  const meshKey = deriveMeshKey('probe-secret', ROOM);
  let a!: PeerLink;
  let b!: PeerLink;
  let ups = 0;
  let upDone!: () => void;
  const up = new Promise<void>((r) => (upDone = r));
  let closedDone!: (reason: string) => void;
  const closedA = new Promise<string>((r) => (closedDone = r));
  const common = (self: string, remote: string): Omit<LinkOptions, 'initiator' | 'signal' | 'onMessage' | 'onClosed'> => ({
    self, remote, room: ROOM, meshKey, wrtc,
    highWaterBytes: 1 << 20, lowWaterBytes: 256 << 10, maxQueueBytes: 8 << 20, upTimeoutMs: 10_000, idleTimeoutMs: 0,
    onUp: () => void (++ups === 2 && upDone()),
    onTransport: () => {},
  });
  a = new PeerLink({ ...common('1', '2'), initiator: true, signal: (d) => b.signal(d), onMessage: () => onMessageA(a), onClosed: (r) => closedDone(r) });
  b = new PeerLink({ ...common('2', '1'), initiator: false, signal: (d) => a.signal(d), onMessage: () => {}, onClosed: () => {} });
  return { a, b, up, closedA };
}

test('a chunk read in the same millisecond as a probe is sent does not answer it (a killed peer’s last message)', async () => {
  const { a, b, up, closedA } = pair((link) => link.probe(100)); // probe from inside the arrival: the same ms
  try {
    await up;
    // The peer "dies" after this message: it neither answers nor closes its channel (like kill -9).
    const dying = (b as unknown as { peer: { send: (c: Uint8Array) => void } }).peer;
    const send = dying.send.bind(dying);
    dying.send = (chunk) => {
      send(chunk);
      dying.send = () => {};
    };
    b.enqueue(encodeMessage({ last: true }));
    const outcome = await Promise.race([closedA, new Promise<string>((r) => setTimeout(() => r('still up after 1 s'), 1000))]);
    assert.equal(outcome, 'no answer to a probe within 100 ms');
  } finally {
    a.destroy();
    b.destroy();
  }
});
