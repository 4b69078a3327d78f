/**
 * Signalling over the mesh, pure (no I/O, no timers, isomorphic): the transport-level messages that
 * members exchange on up links, their validation, what to do with a relayed signal, and which way a
 * signal to a member goes.
 *
 *   links { t: 'links', m: [memberId…] }       the sender's up links; sent on every change of them
 *   relay { t: 'relay', from, to, d, h: 0|1 }   a signalling payload `d` from `from` for `to`;
 *                                               h = 1 once a relayer forwarded it (one hop at most)
 *
 * A member is reachable when some signalling source has it present or some up peer lists it in its
 * links. A signal goes through a source that has the member, else through an up peer that lists it.
 */
import type { MemberId } from '../../zab/messages.js';

export type LinksMessage = { t: 'links'; m: MemberId[] };
export type RelayMessage = { t: 'relay'; from: MemberId; to: MemberId; d: object; h: 0 | 1 };
export type TransportMessage = LinksMessage | RelayMessage;

export type Parsed = { ok: true; message: TransportMessage } | { ok: false; reason: string };

function isMember(v: unknown, members: ReadonlySet<MemberId>): v is MemberId {
  return typeof v === 'number' && members.has(v);
}

/** A type tag for a refusal's reason; never throws (msgpack's uint64 decodes to a bigint, which JSON.stringify refuses). */
function describeTag(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v.slice(0, 40)) : typeof v;
}

/** Validate a decoded transport frame; `members` is the whole ensemble (self included). */
export function parseTransportMessage(value: unknown, members: ReadonlySet<MemberId>): Parsed {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, reason: 'not an object' };
  const v = value as Record<string, unknown>;
  if (v.t === 'links') {
    if (!Array.isArray(v.m) || v.m.length > members.size) return { ok: false, reason: 'links.m is not a short array' };
    if (!v.m.every((x) => isMember(x, members))) return { ok: false, reason: 'links.m holds a non-member' };
    return { ok: true, message: { t: 'links', m: [...new Set(v.m as MemberId[])] } };
  }
  if (v.t === 'relay') {
    if (!isMember(v.from, members) || !isMember(v.to, members)) return { ok: false, reason: 'relay.from/to is not a member' };
    if (v.from === v.to) return { ok: false, reason: 'relay.from equals relay.to' };
    if (typeof v.d !== 'object' || v.d === null || Array.isArray(v.d)) return { ok: false, reason: 'relay.d is not an object' };
    if (v.h !== 0 && v.h !== 1) return { ok: false, reason: 'relay.h is not 0 or 1' };
    return { ok: true, message: { t: 'relay', from: v.from, to: v.to, d: v.d, h: v.h } };
  }
  return { ok: false, reason: `unknown type ${describeTag(v.t)}` };
}

export type RelayDecision =
  | { action: 'deliver'; from: MemberId; via: MemberId; data: object }
  | { action: 'forward'; to: MemberId; message: RelayMessage }
  | { action: 'drop'; reason: string };

/** What `self` does with a relay message that arrived on its up link to `link`. */
export function decideRelay(m: RelayMessage, link: MemberId, self: MemberId, isUp: (member: MemberId) => boolean): RelayDecision {
  if (m.from === self) return { action: 'drop', reason: 'relay claims to come from us' };
  // The originator sends with h = 0 to its relayer; only a relayer sets h = 1, on behalf of someone else.
  if (m.h === 0 && m.from !== link) return { action: 'drop', reason: `unrelayed message from ${m.from} arrived from ${link}` };
  if (m.h === 1 && m.from === link) return { action: 'drop', reason: `${link} relayed its own message` };
  if (m.to === self) return { action: 'deliver', from: m.from, via: link, data: m.d };
  if (m.h === 1) return { action: 'drop', reason: `already relayed once (for ${m.to})` };
  if (!isUp(m.to)) return { action: 'drop', reason: `no up link to ${m.to}` };
  return { action: 'forward', to: m.to, message: { ...m, h: 1 } };
}

/** The way a signal travels: through signalling source number `source`, or relayed by up peer `via`. */
export type Route = { source: number } | { via: MemberId };

export function sameRoute(a: Route | undefined, b: Route | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return 'source' in a ? 'source' in b && a.source === b.source : 'via' in b && a.via === b.via;
}

/** What each up peer last said it has up links to. An entry exists only while our link to that peer is up. */
export class PeerLinks {
  private readonly of = new Map<MemberId, ReadonlySet<MemberId>>();

  set(peer: MemberId, members: readonly MemberId[]): void {
    this.of.set(peer, new Set(members));
  }

  delete(peer: MemberId): void {
    this.of.delete(peer);
  }

  lists(peer: MemberId, member: MemberId): boolean {
    return peer !== member && (this.of.get(peer)?.has(member) ?? false);
  }

  /** An up peer that lists `member`, the lowest id first (deterministic). */
  relayFor(member: MemberId): MemberId | undefined {
    let best: MemberId | undefined;
    for (const [peer, set] of this.of) if (peer !== member && set.has(member) && (best === undefined || peer < best)) best = peer;
    return best;
  }
}

/**
 * The route for a signal to `to`: the remembered one if it still works (the answering side replies the
 * way the offer came), else a source where `to` is present, else an up peer that lists `to`.
 */
export function routeTo(
  to: MemberId,
  remembered: Route | undefined,
  sourcesWith: (member: MemberId) => readonly number[],
  links: PeerLinks,
): Route | undefined {
  const present = sourcesWith(to);
  if (remembered !== undefined) {
    if ('source' in remembered ? present.includes(remembered.source) : links.lists(remembered.via, to)) return remembered;
  }
  const first = present[0];
  if (first !== undefined) return { source: first };
  const via = links.relayFor(to);
  return via === undefined ? undefined : { via };
}
