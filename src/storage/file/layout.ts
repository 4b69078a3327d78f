import type { Zxid } from '../../zab/zxid.js';

/**
 * The files of a data directory:
 *   log-<n>.log    log segments; n grows by one at every compaction / snapshot install
 *   snap-<n>.snap  snapshots, one frame each: { zxid, data }
 *   *.tmp          half-written atomic files, removed on open
 */

const DIGITS = 12;

export function segmentName(n: number): string {
  return `log-${String(n).padStart(DIGITS, '0')}.log`;
}

export function snapshotName(n: number): string {
  return `snap-${String(n).padStart(DIGITS, '0')}.snap`;
}

export function parseSegmentName(name: string): number | null {
  const m = /^log-(\d+)\.log$/.exec(name);
  return m ? Number(m[1]) : null;
}

export function parseSnapshotName(name: string): number | null {
  const m = /^snap-(\d+)\.snap$/.exec(name);
  return m ? Number(m[1]) : null;
}

/** A snapshot file and the zxid it covers: what log records hold instead of the snapshot itself. */
export interface SnapshotRef {
  readonly file: string;
  readonly zxid: Zxid;
}

/** How many snapshots stay on disk: the current one and two to fall back to if it is corrupt. */
export const SNAPSHOTS_KEPT = 3;
