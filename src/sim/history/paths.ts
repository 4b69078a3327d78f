/** Znode path helpers and the create-mode facts the model needs. */
import type { CreateMode } from '../../protocol/client.js';

export function parentOf(path: string): string | null {
  if (path === '/') return null;
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

export function nameOf(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

export function childPath(parent: string, name: string): string {
  return parent === '/' ? `/${name}` : `${parent}/${name}`;
}

/** ZooKeeper's sequential suffix: the parent's cversion, 10 digits, zero-padded (`%010d`). */
export function sequentialPath(prefix: string, parentCversion: number): string {
  return prefix + String(parentCversion).padStart(10, '0');
}

export function isSequential(mode: CreateMode): boolean {
  return mode.includes('SEQUENTIAL');
}

export function isEphemeralMode(mode: CreateMode): boolean {
  return mode.startsWith('EPHEMERAL');
}

/**
 * Whether the model knows the `ephemeralOwner` a node of this mode gets: the session for ephemerals, 0
 * for plain persistent nodes. ZooKeeper encodes containers and TTL nodes into that field; how a tree
 * does so is its own business, so the checkers do not compare it for those modes.
 */
export function ownerIsModelled(mode: CreateMode): boolean {
  return mode === 'PERSISTENT' || mode === 'PERSISTENT_SEQUENTIAL' || isEphemeralMode(mode);
}

export function modeOfEffect(ephemeralOwner: number, mode: CreateMode | undefined): CreateMode {
  return mode ?? (ephemeralOwner !== 0 ? 'EPHEMERAL' : 'PERSISTENT');
}
