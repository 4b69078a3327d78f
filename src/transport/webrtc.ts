/**
 * The WebRTC full-mesh transport (simple-peer; in Node a binding from node/webrtc-binding.ts, native in browsers).
 *
 *   new WebRtcTransport({ self: 1, members: [1, 2, 3], room, secret, wrtc,      // wrtc: omit in browsers
 *                         signalling: [{ url: central, WebSocket }, { url: rendezvousOf2, WebSocket }] })
 *
 * For each pair the lower id initiates; offers, answers and candidates are tagged with a session id so
 * signals of an old attempt never reach a new one. Signals travel through any of several signalling
 * sources (webrtc/sources.ts: the central server, members' rendezvous servers from webrtc/rendezvous.ts;
 * a `{ url }` source is rejoined with backoff whenever it drops) or, once members are connected, are
 * relayed over the mesh: every member tells its up peers whom it has up links to, and forwards a signal
 * one hop to a member it is linked to (webrtc/relay.ts). So the ensemble re-forms, and a restarted
 * member rejoins, with the signalling server stopped as long as one live member is reachable. A member
 * counts as reachable when some source has it present or some up peer lists it; the initiator dials on
 * reachability, the answering side replies the way the offer came and, when the initiator becomes
 * reachable while no link exists, knocks (a tiny signal) so a restarted answerer is dialled at once.
 *
 * A link counts as up (peerUp) only after both ends proved the room secret over the channel (see
 * webrtc/auth.ts); when its channel closes or errors, or nothing arrives for idleTimeoutMs (keepalive,
 * webrtc/link.ts), we report peerDown and the initiator retries with backoff. Messages are msgpack,
 * coalesced per peer per turn, chunked to 16 KiB (webrtc/framing.ts), and held back by the channel's
 * bufferedAmount. The transport's own frames (pings, link lists, relayed signals) never reach the
 * application.
 */
import type { MemberId } from '../zab/messages.js';
import { describeIceConfig, resolveIceConfig, type IceConfig, type IceHandout } from '../signalling/ice.js';
import type { PeerEvents, PeerTransport } from './transport.js';
import { deriveMeshKey } from './webrtc/auth.js';
import { describeCandidatePath, type CandidatePath } from './webrtc/candidate-path.js';
import { encodeMessage } from './webrtc/framing.js';
import { PeerLink } from './webrtc/link.js';
import { PeerLinks, decideRelay, parseTransportMessage, routeTo, sameRoute, type Route } from './webrtc/relay.js';
import { SignallingSources, type SignallingSource } from './webrtc/sources.js';

export { MessageTooLargeError, MAX_MESSAGE_BYTES } from './webrtc/framing.js';
import { MAX_MESSAGE_BYTES } from './webrtc/framing.js';
export type { SignallingLike, SignallingSource } from './webrtc/sources.js';
export type { CandidatePath, CandidateEnd } from './webrtc/candidate-path.js';

export interface WebRtcTransportOptions {
  self: MemberId;
  members: readonly MemberId[];
  room: string;
  secret: string;
  /** One source or several: a `SignallingLike` (joined once, never closed by us) or `{ url }` (ours, rejoined with backoff). */
  signalling: SignallingSource | readonly SignallingSource[];
  /** In Node, the WebRTC binding for simple-peer's `wrtc` option (node/webrtc-binding.ts); omit in browsers. */
  wrtc?: unknown;
  /**
   * The member's own RTCConfiguration (ICE servers, iceTransportPolicy…). Its iceServers and
   * iceTransportPolicy, where set, win over an ICE configuration a signalling source hands out
   * (signalling/ice.ts); where neither says anything, the WebRTC library's default (simple-peer's public STUN).
   */
  config?: RTCConfiguration;
  initialBackoffMs?: number; // 200
  maxBackoffMs?: number; // 5000
  highWaterBytes?: number; // 1 MiB
  lowWaterBytes?: number; // 256 KiB
  maxQueueBytes?: number; // 8 MiB
  upTimeoutMs?: number; // 10 s
  /** An up link that receives nothing for this long is dropped; pings go every third of it. 0: off. */
  idleTimeoutMs?: number; // 6 s
  /** After a knock on an up link: nothing received within this long drops it. */
  probeTimeoutMs?: number; // 2 s
  /**
   * After a peer with an up link vanished from a signalling source (it left a room, or the server
   * we met it at is gone: what a killed process looks like from outside): nothing received from it
   * within this long drops the link. A live peer answers a probe at once, so this can be short.
   */
  presenceProbeMs?: number; // 150 ms
  signallingInitialBackoffMs?: number; // 500
  signallingMaxBackoffMs?: number; // 5000
  signallingJoinTimeoutMs?: number; // 10 s
  log?: (line: string) => void;
  /** The peer wire version our links state (default PEER_WIRE_VERSION): only for tests of mixed versions. */
  wireVersion?: number;
}

/** Counters for status lines and tests. */
export interface WebRtcStats {
  signalsViaSource: number;
  signalsViaRelay: number;
  signalsUnroutable: number;
  relaysForwarded: number;
  relaysDropped: number;
  malformed: number;
  knocksSent: number;
  knocksReceived: number;
}

interface Slot {
  link: PeerLink | undefined;
  session: string | undefined;
  /** The way this session's signals go (the answering side: the way its offer came). */
  route: Route | undefined;
  startedMs: number;
  /** Our attempt (as the dialling side) has had a signal back from the remote for its session. */
  answered: boolean;
  up: boolean;
  reachable: boolean;
  /** In how many signalling sources the peer was present at the last refresh. */
  presentIn: number;
  attempt: number;
  retry: ReturnType<typeof setTimeout> | undefined;
}

// A knock while our attempt is younger than this, and has been answered, leaves the attempt alone
// (the two crossed: the remote is already negotiating with it).
const KNOCK_RESTART_AFTER_MS = 2000;
const MAX_SESSION_CHARS = 64;

function randomSession(): string {
  const b = new Uint8Array(8);
  globalThis.crypto.getRandomValues(b);
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

export class WebRtcTransport implements PeerTransport {
  readonly self: MemberId;
  readonly maxMessageBytes = MAX_MESSAGE_BYTES;
  private events: PeerEvents | null = null;
  private closed = false;
  /** TEST ONLY: cut off by setPartitioned. */
  private cut = false;
  private readonly sources: SignallingSources;
  private readonly slots = new Map<MemberId, Slot>();
  private readonly everyone: ReadonlySet<MemberId>;
  private readonly links = new PeerLinks();
  private readonly meshKey: Promise<Uint8Array<ArrayBuffer>>;
  /** The last ICE configuration a signalling source handed out (checked), and its JSON to see a change. */
  private handedOutIce: IceConfig | undefined;
  private handedOutIceText = '';
  private readonly counters: WebRtcStats = {
    signalsViaSource: 0,
    signalsViaRelay: 0,
    signalsUnroutable: 0,
    relaysForwarded: 0,
    relaysDropped: 0,
    malformed: 0,
    knocksSent: 0,
    knocksReceived: 0,
  };

  /** Encoded message bytes handed to each peer's link (before batching and chunking), for metrics. */
  private readonly sentBytes = new Map<MemberId, number>();
  private lastEncoded: { message: unknown; bytes: Uint8Array } | undefined;

  constructor(private readonly o: WebRtcTransportOptions) {
    this.self = o.self;
    this.everyone = new Set([...o.members, o.self]);
    for (const m of o.members) {
      if (m !== o.self) {
        this.slots.set(m, { link: undefined, session: undefined, route: undefined, startedMs: 0, answered: false, up: false, reachable: false, presentIn: 0, attempt: 0, retry: undefined });
      }
    }
    this.meshKey = deriveMeshKey(o.secret, o.room);
    this.meshKey.catch(() => {});
    const list: readonly SignallingSource[] = Array.isArray(o.signalling) ? o.signalling : [o.signalling as SignallingSource];
    this.sources = new SignallingSources(list, {
      self: String(o.self),
      room: o.room,
      secret: o.secret,
      initialBackoffMs: o.signallingInitialBackoffMs ?? 500,
      maxBackoffMs: o.signallingMaxBackoffMs ?? 5000,
      joinTimeoutMs: o.signallingJoinTimeoutMs ?? 10_000,
      log: (line) => this.log(line),
    });
  }

  start(events: PeerEvents): void {
    if (this.events !== null || this.closed) throw new Error('WebRtcTransport.start() called twice');
    this.events = events;
    this.sources.start({
      signal: (from, data, source) => {
        const remote = this.member(from);
        if (remote !== undefined) this.onSignal(remote, data, { source });
      },
      changed: () => this.refresh(),
      ice: (handout, source) => this.onIceHandout(handout, source),
    });
  }

  /** The selected ICE candidate pair of the up link to `peer` (undefined: no up link, or the stats do not say). */
  async candidatePath(peer: MemberId): Promise<CandidatePath | undefined> {
    const slot = this.slots.get(peer);
    return slot?.up && slot.link ? slot.link.candidatePath() : undefined;
  }

  /** The configuration new links use: ours, filled in from the last hand-out (see signalling/ice.ts). */
  iceConfig(): RTCConfiguration | undefined {
    const own = this.o.config;
    if (this.handedOutIce === undefined) return own;
    return { ...own, ...resolveIceConfig(own as IceConfig | undefined, this.handedOutIce) } as RTCConfiguration;
  }

  private onIceHandout(handout: IceHandout, source: string): void {
    for (const problem of handout.problems) this.log(`ICE configuration from ${source}: ${problem}`);
    const text = JSON.stringify(handout.config);
    if (text === this.handedOutIceText) return;
    this.handedOutIce = handout.config;
    this.handedOutIceText = text;
    const own = this.o.config;
    const overridden = [own?.iceServers !== undefined ? 'servers' : '', own?.iceTransportPolicy !== undefined ? 'policy' : ''].filter(Boolean);
    this.log(
      `ICE configuration from ${source}: ${describeIceConfig(handout.config)}` +
        (overridden.length ? ` (our own ${overridden.join(' and ')} win)` : '') +
        `; new links use ${describeIceConfig(this.iceConfig() as IceConfig | undefined)}`,
    );
    this.restartLinksBeingSetUp();
  }

  /**
   * A hand-out usually comes milliseconds after the first join, and a source joined before it may
   * already have had us dial (or answer) under the old configuration: a relay-only room would then
   * get a link with host candidates. Links not yet up start again under the new one (the initiator
   * dials, the answering side drops its end and knocks with `r` so the initiator redials even if it
   * was answered just now). Up links keep working and take the new configuration when they next form.
   */
  private restartLinksBeingSetUp(): void {
    for (const [m, slot] of this.slots) {
      if (this.closed) return;
      if (slot.link === undefined || slot.up) continue;
      this.log(`link to ${m} was being set up under the previous ICE configuration: starting it again`);
      if (this.initiates(m)) {
        this.connect(m);
      } else {
        this.drop(m, slot);
        this.knock(m, slot, true);
      }
    }
  }

  send(to: MemberId, message: unknown): void {
    // The same message object to several peers in a row (a PROPOSAL, a COMMIT) is encoded once;
    // messages are never mutated once handed over.
    let encoded = this.lastEncoded;
    if (encoded === undefined || encoded.message !== message) this.lastEncoded = encoded = { message, bytes: encodeMessage(message) }; // throws MessageTooLargeError: refused, never sent
    const bytes = encoded.bytes;
    const link = this.slots.get(to)?.link;
    if (link?.isUp) {
      link.enqueue(bytes);
      this.sentBytes.set(to, (this.sentBytes.get(to) ?? 0) + bytes.length);
    }
  }

  bytesSent(peer: MemberId): number {
    return this.sentBytes.get(peer) ?? 0;
  }

  backlog(peer: MemberId): number {
    return this.slots.get(peer)?.link?.backlogBytes ?? 0;
  }

  disconnect(peer: MemberId, reason: string): void {
    const link = this.slots.get(peer)?.link;
    if (link?.isUp) link.close(reason);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const slot of this.slots.values()) {
      clearTimeout(slot.retry);
      slot.retry = undefined;
      slot.link?.destroy();
      slot.link = undefined;
      slot.up = false;
    }
    this.sources.close();
    this.events = null;
  }

  /**
   * TEST ONLY (`peerkeeper node --test-partition`): cut this member off the mesh as a network
   * partition would, or heal it. Every link holds its traffic both ways, its own pings and probes
   * included (PeerLink.setCut), and signals through the signalling sources are dropped both ways, so
   * no new link forms across the cut. No socket is closed: the signalling connections stay joined,
   * so the others still see us present and learn of the cut only from silence. After the heal a
   * member whose link failed meanwhile is dialled (or knocked on) at once.
   */
  setPartitioned(cut: boolean): void {
    if (this.cut === cut || this.closed) return;
    this.cut = cut;
    this.sources.setCut(cut);
    for (const slot of this.slots.values()) slot.link?.setCut(cut);
    if (cut) return;
    for (const [m, slot] of this.slots) {
      if (this.closed) return;
      if (slot.up || !this.reachable(m)) continue;
      slot.attempt = 0;
      if (this.initiates(m)) this.connect(m);
      else this.knock(m, slot);
    }
  }

  /** Members currently up, for status lines and tests. */
  upPeers(): MemberId[] {
    return [...this.slots].filter(([, s]) => s.up).map(([m]) => m);
  }

  stats(): WebRtcStats {
    return { ...this.counters };
  }

  private log(line: string): void {
    this.o.log?.(`[webrtc ${this.self}] ${line}`);
  }

  private member(id: string): MemberId | undefined {
    const m = Number(id);
    return String(m) === id && this.slots.has(m) ? m : undefined;
  }

  private initiates(remote: MemberId): boolean {
    return this.self < remote;
  }

  private reachable(remote: MemberId): boolean {
    return this.sources.with(String(remote)).length > 0 || this.links.relayFor(remote) !== undefined;
  }

  /** Presence changed somewhere: dial (or knock on) every member that just became reachable and has no up link. */
  private refresh(): void {
    for (const [m, slot] of this.slots) {
      if (this.closed) return;
      const presentIn = this.sources.with(String(m)).length;
      if (presentIn < slot.presentIn && slot.up) slot.link?.probe(this.o.presenceProbeMs ?? 150);
      slot.presentIn = presentIn;
      const now = this.reachable(m);
      const rose = now && !slot.reachable;
      slot.reachable = now;
      if (!rose || slot.up) continue;
      slot.attempt = 0;
      if (this.initiates(m)) this.connect(m);
      else if (slot.link === undefined) this.knock(m, slot);
    }
  }

  /** Send a signalling payload to `remote` the way this session's signals go, or the best way there is now. */
  private sendSignal(remote: MemberId, slot: Slot, payload: unknown): void {
    const route = routeTo(remote, slot.route, (m) => this.sources.with(String(m)), this.links);
    if (route === undefined) {
      this.counters.signalsUnroutable++;
      this.log(`no route to ${remote}: signal dropped`);
      return;
    }
    if (!sameRoute(route, slot.route)) {
      slot.route = route;
      this.log(`signals to ${remote} go ${'source' in route ? `through ${this.sources.name(route.source)}` : `by relay through ${route.via}`}`);
    }
    if ('source' in route) {
      if (this.sources.signal(route.source, String(remote), payload)) this.counters.signalsViaSource++;
      return;
    }
    if (this.slots.get(route.via)?.link?.sendTransport({ t: 'relay', from: this.self, to: remote, d: payload, h: 0 })) {
      this.counters.signalsViaRelay++;
    } else {
      this.log(`relay of a signal for ${remote} through ${route.via} failed`);
    }
  }

  /** `restart`: our end of a link being set up is gone; the initiator must redial even if it was just answered. */
  private knock(remote: MemberId, slot: Slot, restart = false): void {
    this.counters.knocksSent++;
    this.sendSignal(remote, slot, restart ? { k: 1, r: 1 } : { k: 1 });
  }

  private drop(remote: MemberId, slot: Slot): void {
    slot.link?.destroy();
    slot.link = undefined;
    slot.session = undefined;
    slot.route = undefined;
    if (slot.up) {
      slot.up = false;
      this.links.delete(remote);
      this.events?.peerDown(remote);
      this.announceLinks();
      this.refresh();
    }
  }

  /** Tell every up peer whom we have up links to (after every change of that set). */
  private announceLinks(): void {
    const m = this.upPeers();
    for (const slot of this.slots.values()) if (slot.up) slot.link?.sendTransport({ t: 'links', m });
  }

  private newLink(remote: MemberId, slot: Slot, session: string, initiator: boolean, route: Route | undefined): void {
    this.drop(remote, slot);
    if (this.closed) return; // the application closed us from its peerDown
    slot.session = session;
    slot.route = route;
    slot.startedMs = Date.now();
    slot.answered = false;
    const linkConfig = this.iceConfig();
    const link: PeerLink = new PeerLink({
      self: String(this.self),
      remote: String(remote),
      room: this.o.room,
      meshKey: this.meshKey,
      initiator,
      ...(this.o.wireVersion === undefined ? {} : { wireVersion: this.o.wireVersion }),
      wrtc: this.o.wrtc,
      ...(linkConfig ? { config: linkConfig } : {}),
      highWaterBytes: this.o.highWaterBytes ?? 1 << 20,
      lowWaterBytes: this.o.lowWaterBytes ?? 256 << 10,
      maxQueueBytes: this.o.maxQueueBytes ?? 8 << 20,
      upTimeoutMs: this.o.upTimeoutMs ?? 10_000,
      idleTimeoutMs: this.o.idleTimeoutMs ?? 6000,
      signal: (data) => {
        if (slot.link === link) this.sendSignal(remote, slot, { s: session, d: data });
      },
      onUp: () => {
        if (slot.link !== link || this.closed) return;
        slot.up = true;
        slot.attempt = 0;
        this.log(`link to ${remote} up`);
        // Which candidates carry it (host, srflx, relay): what an operator checks when a NAT is in the way.
        void link.candidatePath().then((path) => {
          if (path !== undefined && slot.link === link) this.log(`link to ${remote} goes ${describeCandidatePath(path)}`);
        });
        this.events?.peerUp(remote);
        this.announceLinks();
      },
      onMessage: (m) => {
        if (slot.link === link && slot.up) this.events?.message(remote, m);
      },
      onDrained: () => {
        if (slot.link === link && slot.up) this.events?.drained?.(remote);
      },
      onTransport: (value) => {
        if (slot.link === link && slot.up && !this.closed) this.onTransport(remote, value);
      },
      onClosed: (reason) => {
        if (slot.link !== link || this.closed) return;
        this.log(`link to ${remote} closed: ${reason}`);
        this.drop(remote, slot);
        if (initiator) this.scheduleRetry(remote, slot);
      },
    });
    slot.link = link;
    if (this.cut) link.setCut(true);
  }

  private connect(remote: MemberId): void {
    if (this.closed) return;
    const slot = this.slots.get(remote)!;
    clearTimeout(slot.retry);
    slot.retry = undefined;
    this.newLink(remote, slot, randomSession(), true, undefined);
  }

  private scheduleRetry(remote: MemberId, slot: Slot): void {
    clearTimeout(slot.retry);
    if (this.closed) return;
    const delay = Math.min(this.o.maxBackoffMs ?? 5000, (this.o.initialBackoffMs ?? 200) * 2 ** slot.attempt);
    slot.attempt = Math.min(slot.attempt + 1, 30);
    slot.retry = setTimeout(() => {
      slot.retry = undefined;
      // Unreachable: wait until it is (refresh dials then) instead of offering into the void.
      if (this.reachable(remote)) this.connect(remote);
    }, delay);
  }

  private onTransport(remote: MemberId, value: unknown): void {
    const parsed = parseTransportMessage(value, this.everyone);
    if (!parsed.ok) {
      this.counters.malformed++;
      this.log(`dropped a malformed transport message from ${remote}: ${parsed.reason}`);
      return;
    }
    const msg = parsed.message;
    if (msg.t === 'links') {
      this.links.set(remote, msg.m.filter((m) => m !== this.self));
      this.refresh();
      return;
    }
    const d = decideRelay(msg, remote, this.self, (m) => this.slots.get(m)?.up === true);
    if (d.action === 'deliver') {
      if (this.slots.has(d.from)) this.onSignal(d.from, d.data, { via: d.via });
    } else if (d.action === 'forward') {
      if (this.slots.get(d.to)?.link?.sendTransport(d.message)) this.counters.relaysForwarded++;
      else this.log(`could not forward a signal from ${msg.from} to ${d.to}`);
    } else {
      this.counters.relaysDropped++;
      this.log(`dropped a relayed signal from ${remote}: ${d.reason}`);
    }
  }

  private onKnock(remote: MemberId, slot: Slot, restart: boolean): void {
    if (!this.initiates(remote)) return;
    this.counters.knocksReceived++;
    slot.attempt = 0;
    // The answering side dropped its end of a link still being set up (restartLinksBeingSetUp).
    if (restart && !slot.up) return this.connect(remote);
    // It has no link to us: if ours looks up, it is to a process that is gone, unless the knock crossed our dial.
    if (slot.up) slot.link?.probe(this.o.probeTimeoutMs ?? 2000);
    // An attempt nobody has answered may have offered into the void (through a member whose link to
    // the remote's old process was stale, before the new one was present): it would wait out
    // upTimeoutMs. Dial again now; if it had in fact crossed the knock, one offer is wasted.
    else if (slot.link === undefined || !slot.answered || Date.now() - slot.startedMs > KNOCK_RESTART_AFTER_MS) this.connect(remote);
  }

  private onSignal(remote: MemberId, raw: unknown, route: Route): void {
    if (this.closed) return;
    const slot = this.slots.get(remote)!;
    const env = raw as { s?: unknown; d?: unknown; k?: unknown; r?: unknown } | null;
    if (typeof env !== 'object' || env === null) return;
    if (env.k === 1) {
      this.onKnock(remote, slot, env.r === 1);
      return;
    }
    if (typeof env.s !== 'string' || env.s.length > MAX_SESSION_CHARS || typeof env.d !== 'object' || env.d === null) return;
    if (this.initiates(remote)) {
      if (slot.link !== undefined && slot.session === env.s) {
        slot.answered = true;
        slot.link.signal(env.d);
      }
      return;
    }
    if (slot.session !== env.s) {
      if ((env.d as { type?: unknown }).type !== 'offer') return; // a stale attempt's candidate
      this.newLink(remote, slot, env.s, false, route);
    }
    slot.link?.signal(env.d);
  }
}
