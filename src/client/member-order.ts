/**
 * Which member to try next: the indexes shuffled once (so clients spread over the ensemble), then
 * round-robin, like ZooKeeper's StaticHostProvider. After a lost connection the next try is another
 * member, never the one that just failed (unless there is only one).
 */
export class MemberOrder {
  private readonly order: number[];
  private position = -1;

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
}
