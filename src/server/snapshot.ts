import { decodeSnapshot, encodeSnapshot, type DataTree } from '../tree/index.js';

/** What a member's state machine snapshot holds: the tree (its own encoding) and the session secrets. */
export interface ServerSnapshotData {
  readonly tree: Uint8Array;
  readonly passwords: readonly (readonly [number, Uint8Array])[];
}

export function makeSnapshotData(tree: DataTree, passwords: ReadonlyMap<number, Uint8Array>): ServerSnapshotData {
  return { tree: encodeSnapshot(tree), passwords: [...passwords].sort((a, b) => a[0] - b[0]) };
}

export function readSnapshotData(data: unknown): { tree: DataTree; passwords: Map<number, Uint8Array> } {
  const d = data as ServerSnapshotData;
  if (!d || !(d.tree instanceof Uint8Array) || !Array.isArray(d.passwords)) throw new Error('not a server snapshot');
  return { tree: decodeSnapshot(d.tree), passwords: new Map(d.passwords.map(([id, pw]) => [id, pw])) };
}
