/**
 * ICE configuration for the WebRTC links (isomorphic, pure: no `node:*`, no I/O): which STUN and TURN
 * servers a member uses and whether it may use only relayed candidates.
 *
 * It comes from two places, and this file decides between them:
 * - the member's own settings (`peerkeeper node --ice-server …`, a tab's `rtcConfig` or URL), and
 * - the signalling server, which may hand a room's members an ICE configuration in its `peers` frame.
 * The member's own settings win, field by field (`resolveIceConfig`). What a signalling server sends
 * is hostile like any peer frame (`parseIceHandout`): only stun:/stuns:/turn:/turns: URLs, bounded
 * counts and lengths; what fails is dropped with a reason for the log, never thrown.
 */

export type IceTransportPolicy = 'all' | 'relay';

/** One ICE server, shaped like the DOM's RTCIceServer (one URL per entry here). */
export interface IceServer {
  readonly urls: string;
  readonly username?: string;
  readonly credential?: string;
}

/** The part of an RTCConfiguration peerkeeper sets. */
export interface IceConfig {
  readonly iceServers?: readonly IceServer[];
  readonly iceTransportPolicy?: IceTransportPolicy;
}

/** Bounds on what a member accepts (and the CLI allows): far above any real deployment. */
export const MAX_ICE_SERVERS = 8;
export const MAX_ICE_URL_CHARS = 256;
export const MAX_ICE_CREDENTIAL_CHARS = 256;

const SCHEMES = ['stun', 'stuns', 'turn', 'turns'] as const;
// RFC 7064/7065: scheme ":" host [":" port], and for TURN an optional "?transport=udp|tcp".
const HOST = String.raw`(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?)`;
const ICE_URL = new RegExp(String.raw`^(stuns?|turns?):(${HOST})(?::(\d{1,5}))?(?:\?transport=(udp|tcp))?$`);

/** Why `url` is not an ICE server URL we accept, or undefined when it is. */
export function iceUrlProblem(url: unknown): string | undefined {
  if (typeof url !== 'string') return 'an ICE server URL must be a string';
  if (url.length === 0 || url.length > MAX_ICE_URL_CHARS) return `an ICE server URL must be 1–${MAX_ICE_URL_CHARS} characters`;
  const scheme = url.slice(0, Math.max(0, url.indexOf(':')));
  if (!(SCHEMES as readonly string[]).includes(scheme)) return `${quote(url)}: only ${SCHEMES.map((s) => `${s}:`).join(' ')} URLs are ICE servers`;
  const m = ICE_URL.exec(url);
  if (m === null) return `${quote(url)}: expected ${scheme}:host[:port]${scheme.startsWith('turn') ? '[?transport=udp|tcp]' : ''}`;
  if (m[3] !== undefined && (Number(m[3]) < 1 || Number(m[3]) > 65535)) return `${quote(url)}: port must be 1–65535`;
  if (m[4] !== undefined && !scheme.startsWith('turn')) return `${quote(url)}: ?transport= is for TURN URLs only`;
  return undefined;
}

export const isTurnUrl = (url: string): boolean => url.startsWith('turn:') || url.startsWith('turns:');

function credentialProblem(what: string, v: unknown): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v.length === 0 || v.length > MAX_ICE_CREDENTIAL_CHARS) return `a TURN ${what} must be a string of 1–${MAX_ICE_CREDENTIAL_CHARS} characters`;
  if (/[\u0000-\u001f\u007f]/.test(v)) return `a TURN ${what} must not contain control characters`;
  return undefined;
}

export interface IceCredentials {
  readonly username: string;
  readonly credential: string;
}

/**
 * The member's own ICE servers from its settings (CLI flags, page URL): each URL checked, TURN URLs
 * given the credentials (a TURN URL without them is refused: the server would answer 401 to every
 * allocation, which is a silent failure to connect). Throws an Error with the reason: this is the
 * operator's own input, refused at start-up.
 */
export function buildIceServers(urls: readonly string[], credentials: IceCredentials | undefined): IceServer[] {
  if (urls.length > MAX_ICE_SERVERS) throw new Error(`at most ${MAX_ICE_SERVERS} ICE servers, got ${urls.length}`);
  for (const what of ['username', 'credential'] as const) {
    const problem = credentials === undefined ? undefined : credentialProblem(what, credentials[what]);
    if (problem !== undefined) throw new Error(problem);
  }
  return urls.map((url) => {
    const problem = iceUrlProblem(url);
    if (problem !== undefined) throw new Error(problem);
    if (!isTurnUrl(url)) return { urls: url };
    if (credentials === undefined) throw new Error(`${url} is a TURN server: give its username and credential (a file, or the environment)`);
    return { urls: url, username: credentials.username, credential: credentials.credential };
  });
}

export function parseIceTransportPolicy(v: string): IceTransportPolicy {
  if (v !== 'all' && v !== 'relay') throw new Error(`the ICE transport policy is all or relay, got ${quote(v)}`);
  return v;
}

/**
 * A credentials file: the username on the first line, the credential on the second (so a username
 * may hold ':' as TURN's REST-API usernames do). Surrounding whitespace and a trailing newline are ignored.
 */
export function parseIceCredentialsText(text: string): IceCredentials {
  const lines = text.split(/\r?\n/).map((l) => l.trim());
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  if (lines.length !== 2 || lines[0] === '' || lines[1] === '') throw new Error('expected two lines: the TURN username, then the credential');
  return { username: lines[0]!, credential: lines[1]! };
}

/** An ICE configuration a signalling server handed out, with what was dropped from it and why. */
export interface IceHandout {
  readonly config: IceConfig;
  readonly problems: readonly string[];
}

/**
 * Check an ICE configuration from a signalling server field by field. Never throws: a server entry
 * that fails is dropped (and said why), a bad policy is ignored, too many servers are cut at
 * MAX_ICE_SERVERS. A policy of 'relay' with no usable server is dropped too: it could only stop every link.
 */
export function parseIceHandout(raw: unknown): IceHandout {
  const problems: string[] = [];
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { config: {}, problems: ['the ICE configuration is not an object: ignored'] };
  const r = raw as Record<string, unknown>;
  const servers: IceServer[] = [];
  if (r.iceServers !== undefined) {
    if (!Array.isArray(r.iceServers)) problems.push('iceServers is not a list: ignored');
    else {
      if (r.iceServers.length > MAX_ICE_SERVERS) problems.push(`${r.iceServers.length} ICE servers: only the first ${MAX_ICE_SERVERS} are used`);
      for (const entry of r.iceServers.slice(0, MAX_ICE_SERVERS) as unknown[]) {
        const server = parseServer(entry);
        if (typeof server === 'string') problems.push(`ICE server dropped: ${server}`);
        else servers.push(server);
      }
    }
  }
  let policy: IceTransportPolicy | undefined;
  if (r.iceTransportPolicy !== undefined) {
    if (r.iceTransportPolicy === 'all' || r.iceTransportPolicy === 'relay') policy = r.iceTransportPolicy;
    else problems.push(`iceTransportPolicy ${quote(r.iceTransportPolicy)} is not all or relay: ignored`);
  }
  if (policy === 'relay' && !servers.some((s) => isTurnUrl(s.urls))) {
    problems.push('iceTransportPolicy relay without a usable TURN server: ignored');
    policy = undefined;
  }
  const config: IceConfig = { ...(r.iceServers !== undefined ? { iceServers: servers } : {}), ...(policy ? { iceTransportPolicy: policy } : {}) };
  return { config, problems };
}

function parseServer(entry: unknown): IceServer | string {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return 'an entry is not an object';
  const e = entry as Record<string, unknown>;
  // The DOM allows a list of URLs per entry; the hand-out sends one, and a list of one is accepted.
  const url = Array.isArray(e.urls) && e.urls.length === 1 ? e.urls[0] : e.urls;
  const problem = iceUrlProblem(url) ?? credentialProblem('username', e.username) ?? credentialProblem('credential', e.credential);
  if (problem !== undefined) return problem;
  const u = url as string;
  if (isTurnUrl(u) && (e.username === undefined || e.credential === undefined)) return `${quote(u)}: a TURN server needs a username and a credential`;
  if (!isTurnUrl(u)) return { urls: u };
  return { urls: u, username: e.username as string, credential: e.credential as string };
}

/**
 * The configuration a new link uses: the member's own settings win field by field over what a
 * signalling server handed out. undefined when neither says anything: the WebRTC library's default.
 */
export function resolveIceConfig(own: IceConfig | undefined, handedOut: IceConfig | undefined): IceConfig | undefined {
  const iceServers = own?.iceServers ?? handedOut?.iceServers;
  const iceTransportPolicy = own?.iceTransportPolicy ?? handedOut?.iceTransportPolicy;
  if (iceServers === undefined && iceTransportPolicy === undefined) return undefined;
  return { ...(iceServers !== undefined ? { iceServers } : {}), ...(iceTransportPolicy !== undefined ? { iceTransportPolicy } : {}) };
}

/** For logs: the URLs and the policy, never the credentials. */
export function describeIceConfig(config: IceConfig | undefined): string {
  if (config === undefined) return 'the WebRTC library default';
  const urls = config.iceServers?.map((s) => s.urls).join(' ') || 'no ICE servers (host candidates only)';
  return `${urls}${config.iceTransportPolicy ? `, policy ${config.iceTransportPolicy}` : ''}`;
}

function quote(v: unknown): string {
  const text = typeof v === 'string' ? v : String(JSON.stringify(v));
  return JSON.stringify(text.length > 60 ? `${text.slice(0, 59)}…` : text);
}
