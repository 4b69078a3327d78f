import type { Connector } from '../protocol/client.js';
import { InstantMemoryStorage } from '../storage/memory.js';
import { MemoryHub } from '../transport/memory.js';
import { makeZabConfig, type ZabConfig } from '../zab/config.js';
import { MemberRunner } from './runner.js';

export interface LocalEnsembleOptions {
  readonly size?: number;
  readonly tickMs?: number;
  readonly snapshotEveryTxns?: number;
  /** Zab timing and retention overrides. */
  readonly zab?: Partial<ZabConfig>;
  /** Make the memory transport refuse larger messages, as WebRTC does (256 KiB). */
  readonly maxMessageBytes?: number;
}

export interface LocalEnsemble {
  readonly members: readonly MemberRunner[];
  readonly hub: MemoryHub;
  /** For `new ZooKeeperClient({ connector, members: size, … })`: index i is member i + 1. */
  readonly connector: Connector;
  /** Crashes member `id` (memory storage: it restarts empty, so it syncs everything back). */
  kill(id: number): void;
  restart(id: number): Promise<void>;
  stop(): void;
}

function randomBytes(n: number): Uint8Array {
  const bytes = new Uint8Array(n);
  globalThis.crypto.getRandomValues(bytes);
  return bytes;
}

/**
 * A whole ensemble inside one process, over the memory transport with memory storage: for
 * examples, tests, and a browser tab that hosts several members side by side.
 */
export async function startLocalEnsemble(options: LocalEnsembleOptions = {}): Promise<LocalEnsemble> {
  const size = options.size ?? 3;
  const tickMs = options.tickMs ?? 50;
  const ids = Array.from({ length: size }, (_, i) => i + 1);
  const hub = new MemoryHub(options.maxMessageBytes === undefined ? {} : { maxMessageBytes: options.maxMessageBytes });
  const members: MemberRunner[] = [];
  const startMember = (id: number): Promise<MemberRunner> =>
    MemberRunner.start({
      config: {
        zab: makeZabConfig(id, ids, randomBytes(4).reduce((a, b) => a * 256 + b, 0), options.zab ?? {}),
        tickMs,
        snapshotEveryTxns: options.snapshotEveryTxns ?? 1000,
        randomBytes,
      },
      storage: new InstantMemoryStorage(),
      transport: hub.endpoint(id),
    });
  for (const id of ids) members.push(await startMember(id));
  return {
    members,
    hub,
    connector: (index, handlers) => members[index]?.openClient(handlers) ?? null,
    kill: (id) => members[id - 1]?.stop(),
    restart: async (id) => {
      members[id - 1]?.stop();
      members[id - 1] = await startMember(id);
    },
    stop: () => {
      for (const m of members) m.stop();
    },
  };
}
