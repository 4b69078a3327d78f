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

/** A source that answers its join only when told to, with the members present and its hand-out. */
class LateSource extends Emitter<{ signal: [string, unknown]; peers: [string[], IceHandout | undefined]; 'peer-joined': [string]; 'peer-left': [string]; close: [] }> implements SignallingLike {
  private answer: (() => void) | undefined;
  readonly signals: unknown[] = [];
  constructor(private readonly present: string[], private readonly handout?: IceHandout) {
    super();
  }
  join(): Promise<string[]> {
    return new Promise((resolve) => {
      this.answer = () => {
        this.emit('peers', this.present, this.handout);
        resolve(this.present);
      };
    });
  }
  answerJoin(): void {
    this.answer?.();
  }
  /** A signal from `from` arriving through this source. */
  deliver(from: string, data: unknown): void {
    this.emit('signal', from, data);
  }
  signal(_to: string, data: unknown): void {
    this.signals.push(data);
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

test('a hand-out arriving after a link to a present member began restarts that link under the new configuration', async () => {
  // The CI failure this guards: member 1 joined member 2's rendezvous first, dialled with no
  // configuration, and the relay-only hand-out that came 10 ms later never reached that link.
  const wrtc = (await import('@roamhq/wrtc')).default as unknown as Record<string, unknown> & { RTCPeerConnection: new (c?: RTCConfiguration) => object };
  const configs: (RTCConfiguration | undefined)[] = [];
  class Recording extends wrtc.RTCPeerConnection {
    constructor(config?: RTCConfiguration) {
      configs.push(config);
      super(config);
    }
  }
  const early = new LateSource(['2']);
  const handing = new LateSource([], parseIceHandout({ iceServers: [turn], iceTransportPolicy: 'relay' }));
  const lines: string[] = [];
  const t = new WebRtcTransport({ self: 1, members: [1, 2], room: 'r', secret: 's', signalling: [early, handing], wrtc: { ...wrtc, RTCPeerConnection: Recording }, log: (l) => lines.push(l) });
  t.start(events);
  try {
    early.answerJoin();
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(configs.length, 1, 'member 2 is present: member 1 dials at once');
    assert.equal(configs[0]?.iceTransportPolicy, undefined);
    handing.answerJoin();
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(configs.length, 2, lines.join('\n'));
    assert.equal(configs[1]?.iceTransportPolicy, 'relay');
    assert.ok(lines.some((l) => /link to 2 was being set up under the previous ICE configuration/.test(l)), lines.join('\n'));
  } finally {
    t.close();
  }
});

test('on the answering side, the hand-out drops the half-made link and knocks for a redial', async () => {
  const early = new LateSource(['1']);
  const handing = new LateSource(['1'], parseIceHandout({ iceServers: [turn], iceTransportPolicy: 'relay' }));
  const lines: string[] = [];
  const wrtc = (await import('@roamhq/wrtc')).default;
  const t = new WebRtcTransport({ self: 2, members: [1, 2], room: 'r', secret: 's', signalling: [early, handing], wrtc, log: (l) => lines.push(l) });
  t.start(events);
  try {
    early.answerJoin();
    await new Promise((r) => setTimeout(r, 10));
    // Member 1's offer, as it would come through the early source (a real one, so the link is made).
    const { default: SimplePeer } = await import('simple-peer');
    const offerer = new SimplePeer({ initiator: true, trickle: true, wrtc: wrtc as never });
    const offer = await new Promise<unknown>((resolve) => offerer.once('signal', resolve));
    early.deliver('1', { s: 'session-1', d: offer });
    await new Promise((r) => setTimeout(r, 20));
    const knocksBefore = t.stats().knocksSent;
    handing.answerJoin();
    await new Promise((r) => setTimeout(r, 10));
    offerer.destroy();
    assert.equal(t.stats().knocksSent, knocksBefore + 1, lines.join('\n'));
    assert.ok([...early.signals, ...handing.signals].some((s) => (s as { k?: number; r?: number }).k === 1 && (s as { r?: number }).r === 1), 'the knock asks for a restart');
  } finally {
    t.close();
  }
});
