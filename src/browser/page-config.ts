/**
 * The member page's configuration, from its URL:
 *
 *   member.html?room=demo&secret=s3cret&members=1,2,3[&id=2][&signal=ws://host:4444,…]
 *              [&broadcast=0][&storage=memory][&tick=100][&ice=none][&record=1]
 *
 * `members` is a list of ids or a count (3 → 1,2,3). Without `id` the tab takes the lowest free id
 * (ids.ts). `ice=none` uses no STUN server (members on one machine or LAN).
 */
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
    rtcConfig: q.get('ice') === 'none' ? { iceServers: [] } : undefined,
    record: q.get('record') === '1',
  };
}
