/**
 * The member page's configuration, from its URL:
 *
 *   member.html?room=demo&secret=s3cret&members=1,2,3[&id=2][&signal=ws://host:4444,…]
 *              [&broadcast=0][&storage=memory][&tick=100][&ice=none][&record=1]
 *              [&ice-server=turn:host:3478?transport=udp (repeatable, or a comma list)]
 *              [&ice-username=U&ice-credential=C][&ice-policy=all|relay]
 *
 * `members` is a list of ids or a count (3 → 1,2,3). Without `id` the tab takes the lowest free id
 * (ids.ts). `ice=none` uses no STUN server (members on one machine or LAN). `ice-server` gives the
 * tab its own STUN/TURN servers (TURN ones take ice-username and ice-credential: a page URL is no
 * place for a long-lived secret, so give short-lived TURN credentials, or let the signalling server
 * hand them out); `ice-policy=relay` allows only relayed candidates. These win over a hand-out.
 */
import { buildIceServers, parseIceTransportPolicy } from '../signalling/ice.js';
import type { MemberId } from '../zab/messages.js';

export interface PageConfig {
  readonly id: MemberId | null;
  readonly members: readonly MemberId[];
  readonly room: string;
  readonly secret: string;
  /** True when the URL gave no secret and the demo's well-known one is used. */
  readonly defaultSecret: boolean;
  readonly signal: readonly string[];
  readonly broadcast: boolean;
  readonly storage: 'indexeddb' | 'memory';
  readonly tickMs: number | undefined;
  readonly rtcConfig: RTCConfiguration | undefined;
  readonly record: boolean;
}

export const DEMO_ROOM = 'peerkeeper-demo';
export const DEMO_SECRET = 'peerkeeper-demo-secret';

function ids(text: string): MemberId[] {
  const parts = text.split(',').map((s) => s.trim()).filter(Boolean);
  if (parts.length === 1 && /^\d+$/.test(parts[0]!) && Number(parts[0]) <= 15) {
    return Array.from({ length: Number(parts[0]) }, (_, i) => i + 1);
  }
  const out = parts.map(Number);
  if (!out.length || out.some((n) => !Number.isSafeInteger(n) || n < 1)) throw new Error(`members: expected ids like 1,2,3 or a count, got "${text}"`);
  return out;
}

export function parsePageConfig(search: string): PageConfig {
  const q = new URLSearchParams(search);
  const members = ids(q.get('members') ?? '3');
  const idText = q.get('id');
  const id = idText === null || idText === '' ? null : Number(idText);
  if (id !== null && !members.includes(id)) throw new Error(`id ${idText} is not one of the members ${members.join(',')}`);
  const storage = q.get('storage') ?? 'indexeddb';
  if (storage !== 'indexeddb' && storage !== 'memory') throw new Error(`storage: indexeddb or memory, got "${storage}"`);
  const tick = q.get('tick');
  const tickMs = tick === null ? undefined : Number(tick);
  if (tickMs !== undefined && !(Number.isInteger(tickMs) && tickMs >= 5)) throw new Error(`tick: a whole number of ms ≥ 5, got "${tick}"`);
  const off = (v: string | null): boolean => v === '0' || v === 'false' || v === 'no';
  return {
    id,
    members,
    room: q.get('room') || DEMO_ROOM,
    secret: q.get('secret') || DEMO_SECRET,
    defaultSecret: !q.get('secret'),
    signal: (q.get('signal') ?? '').split(',').map((s) => s.trim()).filter(Boolean),
    broadcast: !off(q.get('broadcast')),
    storage,
    tickMs,
    rtcConfig: pageIceConfig(q),
    record: q.get('record') === '1',
  };
}

/** The tab's own ICE settings from the URL (see the top of this file); undefined: none given. */
function pageIceConfig(q: URLSearchParams): RTCConfiguration | undefined {
  const urls = q.getAll('ice-server').flatMap((v) => v.split(',')).map((s) => s.trim()).filter(Boolean);
  const policyText = q.get('ice-policy');
  if (q.get('ice') === 'none') {
    if (urls.length > 0 || policyText !== null) throw new Error('ice=none says no ICE servers: leave out ice-server and ice-policy');
    return { iceServers: [] };
  }
  const username = q.get('ice-username');
  const credential = q.get('ice-credential');
  if ((username === null) !== (credential === null)) throw new Error('ice-username and ice-credential go together');
  try {
    const iceServers = urls.length > 0 ? buildIceServers(urls, username !== null && credential !== null ? { username, credential } : undefined) : undefined;
    const policy = policyText === null ? undefined : parseIceTransportPolicy(policyText);
    if (iceServers === undefined && policy === undefined) return undefined;
    return { ...(iceServers ? { iceServers } : {}), ...(policy ? { iceTransportPolicy: policy } : {}) };
  } catch (err) {
    throw new Error(`ice-server: ${(err as Error).message}`);
  }
}
