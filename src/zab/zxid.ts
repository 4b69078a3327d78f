/**
 * A ZXID names one transaction: the epoch of the leader that proposed it and that leader's counter.
 * Kept as a pair (not a packed 64-bit number) because a JS number is exact only to 2^53.
 */
export interface Zxid {
  readonly epoch: number;
  readonly counter: number;
}

export const ZXID_ZERO: Zxid = Object.freeze({ epoch: 0, counter: 0 });

/** ZooKeeper's counter is 32 bits; a leader that would pass it must stop and force an election. */
export const MAX_COUNTER_DEFAULT = 0xffffffff;

export function zxid(epoch: number, counter: number): Zxid {
  return { epoch, counter };
}

export function compareZxid(a: Zxid, b: Zxid): number {
  if (a.epoch !== b.epoch) return a.epoch < b.epoch ? -1 : 1;
  if (a.counter !== b.counter) return a.counter < b.counter ? -1 : 1;
  return 0;
}

export function zxidEquals(a: Zxid, b: Zxid): boolean {
  return a.epoch === b.epoch && a.counter === b.counter;
}

export function zxidLess(a: Zxid, b: Zxid): boolean {
  return compareZxid(a, b) < 0;
}

export function maxZxid(a: Zxid, b: Zxid): Zxid {
  return compareZxid(a, b) >= 0 ? a : b;
}

export function minZxid(a: Zxid, b: Zxid): Zxid {
  return compareZxid(a, b) <= 0 ? a : b;
}

/** The zxid a leader of `epoch` proposes after `last` (the first of its epoch if `last` is older). */
export function nextZxid(last: Zxid, epoch: number): Zxid {
  if (last.epoch === epoch) return { epoch, counter: last.counter + 1 };
  if (last.epoch > epoch) throw new Error(`zxid ${formatZxid(last)} is ahead of epoch ${epoch}`);
  return { epoch, counter: 1 };
}

/** Human form used everywhere a person reads a zxid: (epoch, counter). */
export function formatZxid(z: Zxid): string {
  return `(${z.epoch},${z.counter})`;
}

/** ZooKeeper's 64-bit hex form, for people who compare with zkCli output. */
export function zxidToHex(z: Zxid): string {
  return '0x' + z.epoch.toString(16) + z.counter.toString(16).padStart(8, '0');
}

export function isZxid(value: unknown): value is Zxid {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return isEpochNumber(v.epoch) && isEpochNumber(v.counter);
}

function isEpochNumber(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
}
