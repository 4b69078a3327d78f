/**
 * Collects violations, keeping the first few of each kind: one broken invariant usually breaks many
 * later checks, and a person needs the first ones, not ten thousand echoes.
 */
import type { Violation, ViolationKind } from './types.js';

export const DEFAULT_MAX_PER_KIND = 10;

export class ViolationSink {
  readonly list: Violation[] = [];
  suppressed = 0;
  private readonly perKind = new Map<ViolationKind, number>();

  constructor(private readonly maxPerKind = DEFAULT_MAX_PER_KIND) {}

  add(v: Violation): void {
    const n = this.perKind.get(v.kind) ?? 0;
    this.perKind.set(v.kind, n + 1);
    if (n < this.maxPerKind) this.list.push(v);
    else this.suppressed++;
  }
}
