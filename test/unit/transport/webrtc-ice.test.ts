/**
 * The transport's side of the ICE hand-out: a source that hands out a configuration (checked by the
 * signalling client, problems and all) fills in what the member's own config does not say, for links
 * made afterwards, with a log line; its problems are logged too. No links are made here (nobody is present).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Emitter } from '../../../src/signalling/emitter.js';
import { parseIceHandout, type IceHandout } from '../../../src/signalling/ice.js';
import { WebRtcTransport } from '../../../src/transport/webrtc.js';
import type { SignallingLike } from '../../../src/transport/webrtc/sources.js';

class HandingOutSource extends Emitter<{ signal: [string, unknown]; peers: [string[], IceHandout | undefined]; 'peer-joined': [string]; 'peer-left': [string]; close: [] }> implements SignallingLike {
  constructor(private readonly handout: IceHandout) {
    super();
  }
  join(): Promise<string[]> {
    // As SignallingClient does: the snapshot (with the hand-out) synchronously, before join() resolves.
    this.emit('peers', [], this.handout);
    return Promise.resolve([]);
  }
  signal(): void {}
  close(): Promise<void> {
    return Promise.resolve();
  }
}

const events = { peerUp() {}, peerDown() {}, message() {} };
const turn = { urls: 'turn:relay.example:3478?transport=udp', username: 'u', credential: 'p' };

function transport(handout: IceHandout, config?: RTCConfiguration): { t: WebRtcTransport; lines: string[] } {
  const lines: string[] = [];
  const t = new WebRtcTransport({ self: 1, members: [1, 2], room: 'r', secret: 's', signalling: new HandingOutSource(handout), ...(config ? { config } : {}), log: (l) => lines.push(l) });
  t.start(events);
  return { t, lines };
}

test('without settings of its own, a member takes the handed-out servers and policy', () => {
  const { t, lines } = transport(parseIceHandout({ iceServers: [turn], iceTransportPolicy: 'relay' }));
  try {
    assert.deepEqual(t.iceConfig(), { iceServers: [turn], iceTransportPolicy: 'relay' });
    assert.ok(lines.some((l) => /ICE configuration from source #0: turn:relay\.example.*policy relay; new links use turn:relay\.example/.test(l)), lines.join('\n'));
    assert.ok(!lines.some((l) => l.includes("'p'") || l.includes('credential')), 'the credential is never logged');
  } finally {
    t.close();
  }
});

test("the member's own servers win; the handed-out policy fills the gap; other RTCConfiguration fields stay", () => {
  const own: RTCConfiguration = { iceServers: [{ urls: 'stun:mine:3478' }], bundlePolicy: 'max-bundle' };
  const { t, lines } = transport(parseIceHandout({ iceServers: [turn], iceTransportPolicy: 'relay' }), own);
  try {
    assert.deepEqual(t.iceConfig(), { iceServers: [{ urls: 'stun:mine:3478' }], bundlePolicy: 'max-bundle', iceTransportPolicy: 'relay' });
    assert.ok(lines.some((l) => /our own servers win/.test(l)), lines.join('\n'));
  } finally {
    t.close();
  }
});

test('what a hostile hand-out carried that fails is logged and left out', () => {
  const { t, lines } = transport(parseIceHandout({ iceServers: [{ urls: 'http://10.0.0.1/' }, { urls: 'stun:ok:1' }], iceTransportPolicy: 'relay' }));
  try {
    assert.deepEqual(t.iceConfig(), { iceServers: [{ urls: 'stun:ok:1' }] });
    assert.ok(lines.some((l) => /ICE server dropped: .*only stun:/.test(l)), lines.join('\n'));
    assert.ok(lines.some((l) => /relay without a usable TURN server: ignored/.test(l)), lines.join('\n'));
  } finally {
    t.close();
  }
});

test('no hand-out and no settings: the library default (no config passed)', () => {
  const t = new WebRtcTransport({ self: 1, members: [1, 2], room: 'r', secret: 's', signalling: new HandingOutSource({ config: {}, problems: [] }) });
  assert.equal(t.iceConfig(), undefined);
});
