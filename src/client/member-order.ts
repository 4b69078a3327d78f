/**
 * Which members to try, in what order: the indexes shuffled once (so clients spread over the
 * ensemble), then round-robin, like ZooKeeper's StaticHostProvider — except that a member that failed
 * us lately (silent, refused, unreachable, read-only when we need a quorum, or it dropped us) goes to
 * the back of the line, the most recent failure last, until it has served us again. So after a cut a
 * client tries the members that may be in the quorum first, and the one that just went silent last.
 */
export class MemberOrder {
  private readonly order: number[];
  private position = -1;
  /** When each member last failed us (a counter, not a clock: only the order of failures matters). */
  private readonly failedAt = new Map<number, number>();
  private failures = 0;

  constructor(members: number, random: () => number) {
    if (!Number.isInteger(members) || members < 1) throw new RangeError(`members must be a positive integer, got ${members}`);
    this.order = Array.from({ length: members }, (_, i) => i);
    for (let i = members - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [this.order[i], this.order[j]] = [this.order[j]!, this.order[i]!];
    }
  }

  get size(): number {
    return this.order.length;
  }

  next(): number {
    this.position = (this.position + 1) % this.order.length;
    return this.order[this.position]!;
  }

  /** The next member that is not `exclude` (for the read-write probe); null with a single member. */
  nextOther(exclude: number): number | null {
    if (this.order.length < 2) return null;
    for (;;) {
      const index = this.next();
      if (index !== exclude) return index;
    }
  }

  /**
   * Every member once, for one round of connect attempts: round-robin from the next position (each
   * round starts one further on), members that never failed us first, then those that failed us,
   * the longest ago first.
   */
  round(): number[] {
    const start = (this.position + 1) % this.order.length;
    this.position = start;
    const rotated = [...this.order.slice(start), ...this.order.slice(0, start)];
    const rank = (m: number): number => this.failedAt.get(m) ?? -1;
    return rotated.map((m, i) => ({ m, i })).sort((a, b) => rank(a.m) - rank(b.m) || a.i - b.i).map((x) => x.m);
  }

  /** The member failed us (or dropped us): it goes to the back of the line. */
  failed(index: number): void {
    this.failedAt.set(index, ++this.failures);
  }

  /** The member serves us: it is as good as any again. */
  served(index: number): void {
    this.failedAt.delete(index);
  }
}
