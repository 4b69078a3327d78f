/** Shared setup for client tests: virtual time, a fake ensemble, clients with deterministic randomness. */
import { ZooKeeperClient } from '../../../src/client/client.js';
import type { ClientOptions, StateChange } from '../../../src/client/types.js';
import { mulberry32 } from '../../../src/sim/rng.js';
import { FakeEnsemble, type FakeEnsembleOptions } from './fake-ensemble.js';
import { VirtualScheduler } from './virtual-scheduler.js';

/** Member order and jitter repeat run to run. */
export const seeded = mulberry32;

export interface World {
  readonly scheduler: VirtualScheduler;
  readonly ensemble: FakeEnsemble;
  client(tag?: string, options?: Partial<ClientOptions>): ZooKeeperClient;
  /** A client already connected. */
  connectedClient(tag?: string, options?: Partial<ClientOptions>): Promise<ZooKeeperClient>;
}

export function world(options: FakeEnsembleOptions = {}): World {
  const scheduler = new VirtualScheduler();
  const ensemble = new FakeEnsemble(scheduler, options);
  let seed = 1;
  const client = (tag = 'client', extra: Partial<ClientOptions> = {}) =>
    new ZooKeeperClient({
      connector: ensemble.connectorFor(tag),
      members: ensemble.members.length,
      sessionTimeoutMs: 3000,
      scheduler,
      random: seeded(seed++),
      ...extra,
    });
  return {
    scheduler,
    ensemble,
    client,
    async connectedClient(tag, extra) {
      const c = client(tag, extra);
      await scheduler.run(c.connected());
      return c;
    },
  };
}

/** Records every state change of a client. */
export function recordStates(client: ZooKeeperClient): StateChange[] {
  const changes: StateChange[] = [];
  client.on('state', (change) => changes.push(change));
  return changes;
}

/** Runs a promise that must reject, returning the error. */
export async function rejection(w: World, promise: Promise<unknown>, maxMs?: number): Promise<unknown> {
  try {
    await w.scheduler.run(promise, maxMs);
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}
