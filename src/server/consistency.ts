import type { MemberId } from '../zab/messages.js';
import { compareZxid, type Zxid } from '../zab/zxid.js';
import type { DigestEntry } from './digest-ring.js';

/** One member's recent (zxid → digest) pairs, oldest first, its current tree last. */
export interface MemberDigests {
  readonly member: MemberId;
  readonly entries: readonly DigestEntry[];
}

export interface DigestGroup {
  readonly digest: string;
  readonly members: readonly MemberId[];
}

export type ConsistencyVerdict =
  /** Every member has the same digest at every zxid they all hold; `zxid` is the highest of those. */
  | { readonly kind: 'agree'; readonly zxid: Zxid; readonly digest: string; readonly members: readonly MemberId[]; readonly compared: number }
  | {
      readonly kind: 'diverged';
      /** The highest zxid all hold at which they disagree, and who holds which digest there. */
      readonly zxid: Zxid;
      readonly groups: readonly DigestGroup[];
      /** Members outside a strict majority's digest (every member when there is no majority). */
      readonly suspects: readonly MemberId[];
      /** The lowest shared zxid with a disagreement, and the shared zxid before it where all agreed. */
      readonly firstDifference: Zxid;
      readonly lastAgreement: Zxid | null;
      /** How many shared zxids disagree, of how many compared. */
      readonly disagreements: number;
      readonly compared: number;
    }
  /** The members' windows do not overlap (one is too far behind, or the ring too short): nothing to compare. */
  | { readonly kind: 'noCommonZxid'; readonly ranges: readonly { readonly member: MemberId; readonly first: Zxid | null; readonly last: Zxid | null }[] };

const key = (z: Zxid): string => `${z.epoch},${z.counter}`;

/**
 * Compares members' trees where it means something: at the zxids every one of them has a digest for.
 * Members apply at different moments, so the highest such zxid is where the comparison is freshest;
 * every shared zxid is checked, so a divergence that later healed (the corrupted node overwritten) is
 * still reported.
 */
export function compareDigests(members: readonly MemberDigests[]): ConsistencyVerdict {
  if (members.length === 0) throw new Error('compareDigests needs at least one member');
  const maps = members.map((m) => new Map(m.entries.map((e) => [key(e.zxid), e.digest] as const)));
  const shared = members[0]!.entries
    .map((e) => e.zxid)
    .filter((z) => maps.every((map) => map.has(key(z))))
    .sort(compareZxid);
  if (shared.length === 0) {
    return {
      kind: 'noCommonZxid',
      ranges: members.map((m) => ({ member: m.member, first: m.entries[0]?.zxid ?? null, last: m.entries.at(-1)?.zxid ?? null })),
    };
  }
  const disagreeing: Zxid[] = [];
  let lastAgreement: Zxid | null = null;
  for (const z of shared) {
    const k = key(z);
    const first = maps[0]!.get(k);
    if (maps.every((map) => map.get(k) === first)) {
      if (disagreeing.length === 0) lastAgreement = z;
    } else {
      disagreeing.push(z);
    }
  }
  const top = shared.at(-1)!;
  if (disagreeing.length === 0) {
    return { kind: 'agree', zxid: top, digest: maps[0]!.get(key(top))!, members: members.map((m) => m.member), compared: shared.length };
  }
  const at = disagreeing.at(-1)!;
  const byDigest = new Map<string, MemberId[]>();
  members.forEach((m, i) => {
    const d = maps[i]!.get(key(at))!;
    byDigest.set(d, [...(byDigest.get(d) ?? []), m.member]);
  });
  const groups = [...byDigest].map(([digest, ids]) => ({ digest, members: ids })).sort((a, b) => b.members.length - a.members.length);
  const majority = groups[0]!.members.length * 2 > members.length ? groups[0]! : null;
  const suspects = members.map((m) => m.member).filter((id) => !majority?.members.includes(id));
  return {
    kind: 'diverged',
    zxid: at,
    groups,
    suspects,
    firstDifference: disagreeing[0]!,
    lastAgreement,
    disagreements: disagreeing.length,
    compared: shared.length,
  };
}
