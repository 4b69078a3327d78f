/** ZooKeeper's create modes, by name. */
export const CreateMode = {
  PERSISTENT: 'PERSISTENT',
  EPHEMERAL: 'EPHEMERAL',
  PERSISTENT_SEQUENTIAL: 'PERSISTENT_SEQUENTIAL',
  EPHEMERAL_SEQUENTIAL: 'EPHEMERAL_SEQUENTIAL',
  CONTAINER: 'CONTAINER',
  PERSISTENT_WITH_TTL: 'PERSISTENT_WITH_TTL',
  PERSISTENT_SEQUENTIAL_WITH_TTL: 'PERSISTENT_SEQUENTIAL_WITH_TTL',
} as const;

export type CreateMode = (typeof CreateMode)[keyof typeof CreateMode];

/** What a node is once created; the sequential flag only shaped its name. */
export type NodeKind = 'persistent' | 'ephemeral' | 'container' | 'ttl';

/** ZooKeeper caps a TTL at 2^40 - 1 ms (the bits left in its ephemeralOwner encoding). */
export const MAX_TTL_MS = 2 ** 40 - 1;

/** ZooKeeper's numeric flags, for interop with its wire format. */
const FLAGS: Readonly<Record<CreateMode, number>> = {
  PERSISTENT: 0,
  EPHEMERAL: 1,
  PERSISTENT_SEQUENTIAL: 2,
  EPHEMERAL_SEQUENTIAL: 3,
  CONTAINER: 4,
  PERSISTENT_WITH_TTL: 5,
  PERSISTENT_SEQUENTIAL_WITH_TTL: 6,
};

const MODES = new Set<string>(Object.values(CreateMode));
const KINDS = new Set<string>(['persistent', 'ephemeral', 'container', 'ttl']);

export function isCreateMode(value: unknown): value is CreateMode {
  return typeof value === 'string' && MODES.has(value);
}

export function isNodeKind(value: unknown): value is NodeKind {
  return typeof value === 'string' && KINDS.has(value);
}

export function isSequentialMode(mode: CreateMode): boolean {
  return (
    mode === 'PERSISTENT_SEQUENTIAL' || mode === 'EPHEMERAL_SEQUENTIAL' || mode === 'PERSISTENT_SEQUENTIAL_WITH_TTL'
  );
}

export function isEphemeralMode(mode: CreateMode): boolean {
  return mode === 'EPHEMERAL' || mode === 'EPHEMERAL_SEQUENTIAL';
}

export function isTtlMode(mode: CreateMode): boolean {
  return mode === 'PERSISTENT_WITH_TTL' || mode === 'PERSISTENT_SEQUENTIAL_WITH_TTL';
}

export function nodeKindOf(mode: CreateMode): NodeKind {
  if (isEphemeralMode(mode)) return 'ephemeral';
  if (mode === 'CONTAINER') return 'container';
  if (isTtlMode(mode)) return 'ttl';
  return 'persistent';
}

export function createModeFlag(mode: CreateMode): number {
  return FLAGS[mode];
}

export function createModeFromFlag(flag: number): CreateMode | undefined {
  for (const [mode, f] of Object.entries(FLAGS)) if (f === flag) return mode as CreateMode;
  return undefined;
}
