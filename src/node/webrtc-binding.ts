/**
 * Which WebRTC implementation a Node member's links use: the object handed to simple-peer's `wrtc`
 * option, and what has to happen when the process's last member stops.
 *
 * - `roamhq`: `@roamhq/wrtc` (Chromium's WebRTC), the binding members used first. The default.
 * - `datachannel`: node-datachannel's polyfill (libdatachannel). Its sends return at once, where
 *   `@roamhq/wrtc` blocks the main thread until its network thread takes each chunk: 3–10× the
 *   messages per second and a shorter round trip between two bare ends, yet inside a member, on a
 *   loaded 2-core machine, no faster write rows in four same-run benchmarks (×16 slower in three);
 *   bench/README.md has the figures. The default goes to whichever the member rows favour.
 *
 * Both take the same RTCConfiguration (iceServers, iceTransportPolicy), passed by the transport to
 * each RTCPeerConnection; this module only picks the constructors. Each binding is imported on first
 * use, so a member never loads the native library it does not run.
 */

export const WEBRTC_BINDINGS = ['roamhq', 'datachannel'] as const;
export type WebRtcBindingName = (typeof WEBRTC_BINDINGS)[number];
export const DEFAULT_WEBRTC_BINDING: WebRtcBindingName = 'roamhq';

export function isWebRtcBindingName(value: string): value is WebRtcBindingName {
  return (WEBRTC_BINDINGS as readonly string[]).includes(value);
}

export interface WebRtcBinding {
  readonly name: WebRtcBindingName;
  /** For simple-peer's `wrtc` option (RTCPeerConnection, RTCSessionDescription, RTCIceCandidate). */
  readonly wrtc: unknown;
  /**
   * The caller's links are all closed: when no other user of the binding in this process is left,
   * let its native threads go, so the process can exit. Idempotent per acquisition.
   */
  release(): void;
}

interface Loaded {
  readonly wrtc: unknown;
  /** Called when the last user releases the binding. */
  readonly shutdown: () => void;
}

const users = new Map<WebRtcBindingName, number>();

/** How many acquisitions of the binding are not yet released (0: its native side may shut down). */
export function webRtcBindingUsers(name: WebRtcBindingName): number {
  return users.get(name) ?? 0;
}

/** The binding named, counted as in use until the returned object is released. */
export async function acquireWebRtcBinding(name: WebRtcBindingName = DEFAULT_WEBRTC_BINDING): Promise<WebRtcBinding> {
  const loaded = name === 'datachannel' ? await loadDataChannel() : await loadRoamhq();
  users.set(name, (users.get(name) ?? 0) + 1);
  let released = false;
  return {
    name,
    wrtc: loaded.wrtc,
    release: () => {
      if (released) return;
      released = true;
      const left = (users.get(name) ?? 1) - 1;
      users.set(name, left);
      if (left === 0) loaded.shutdown();
    },
  };
}

async function loadRoamhq(): Promise<Loaded> {
  const wrtc = (await import('@roamhq/wrtc')).default;
  // Its native threads wind down by themselves once every peer connection is closed.
  return { wrtc, shutdown: () => {} };
}

let dataChannel: Promise<Loaded> | undefined;

function loadDataChannel(): Promise<Loaded> {
  return (dataChannel ??= (async () => {
    const [polyfill, native] = await Promise.all([import('node-datachannel/polyfill'), import('node-datachannel')]);
    return { wrtc: plainDescriptions(polyfill), shutdown: () => native.cleanup() };
  })());
}

type Description = { type: string; sdp: string };
type PeerConnectionClass = new (config?: RTCConfiguration) => {
  createOffer(...args: unknown[]): Promise<Description>;
  createAnswer(...args: unknown[]): Promise<Description>;
};

/**
 * The polyfill's createOffer/createAnswer resolve to RTCSessionDescription objects whose `sdp` has
 * no setter; simple-peer rewrites `offer.sdp` before setLocalDescription and would throw. A subclass
 * hands it plain `{type, sdp}` objects instead.
 *
 * It also percent-encodes TURN usernames and credentials: the polyfill writes them into a
 * `turn:user:credential@host` URL, which libdatachannel splits at the first ':' and then URL-decodes,
 * so a TURN REST username (`expiry:name`) or a credential with ':', '@' or '%' would otherwise reach
 * the server cut in the wrong place.
 */
function plainDescriptions(polyfill: typeof import('node-datachannel/polyfill')): unknown {
  const Base = polyfill.RTCPeerConnection as unknown as PeerConnectionClass;
  class RTCPeerConnection extends Base {
    constructor(config?: RTCConfiguration) {
      super(config === undefined ? config : encodeCredentials(config));
    }
    override async createOffer(...args: unknown[]): Promise<Description> {
      const d = await super.createOffer(...args);
      return { type: d.type, sdp: d.sdp };
    }
    override async createAnswer(...args: unknown[]): Promise<Description> {
      const d = await super.createAnswer(...args);
      return { type: d.type, sdp: d.sdp };
    }
  }
  return {
    RTCPeerConnection,
    RTCSessionDescription: polyfill.RTCSessionDescription,
    RTCIceCandidate: polyfill.RTCIceCandidate,
  };
}

function encodeCredentials(config: RTCConfiguration): RTCConfiguration {
  if (!Array.isArray(config.iceServers)) return config;
  return {
    ...config,
    iceServers: config.iceServers.map((server) =>
      typeof server.username === 'string' && typeof server.credential === 'string'
        ? { ...server, username: encodeURIComponent(server.username), credential: encodeURIComponent(server.credential) }
        : server,
    ),
  };
}
