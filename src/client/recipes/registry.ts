/**
 * Service registry, the layout the seed's MPIM uses:
 *
 *   /<Service>            persistent, created on first registration
 *   /<Service>/<method>   ephemeral, data = UTF-8 "ip:port" of the provider
 *
 * A provider's methods live exactly as long as its session: when the provider crashes, its session
 * expires, the ephemerals go, and every consumer's watch fires. Consumers keep a local cache that
 * watches keep fresh, so `discover` after the first call costs no round trip.
 */
import type { ZooKeeperClient } from '../client.js';
import { fromUtf8 } from '../bytes.js';
import { ErrorCode, ZooKeeperError } from '../errors.js';
import { joinPath } from '../paths.js';
import { watchChildren, watchNode, type WatchHandle } from './rearming-watch.js';
import { checkSegment, ensurePath, retryOnConnectionLoss } from './util.js';

export interface RegistryOptions {
  /** Where services live; "/" gives ZooKeeper paths /<Service>/<method> (the default). */
  readonly root?: string;
}

export interface DiscoverOptions {
  /** Called with the new address (null: gone) each time it changes, until `signal` aborts. */
  readonly onChange?: (address: string | null) => void;
  readonly signal?: AbortSignal;
}

interface CacheEntry {
  address: string | null;
  readonly handle: WatchHandle;
  readonly listeners: Set<(address: string | null) => void>;
}

export class ServiceRegistry {
  private readonly root: string;
  private readonly cache = new Map<string, CacheEntry>();
  private readonly serviceWatches = new Set<() => void>();

  constructor(
    private readonly client: ZooKeeperClient,
    options: RegistryOptions = {},
  ) {
    this.root = options.root ?? '/';
  }

  servicePath(service: string): string {
    checkSegment('service', service);
    return joinPath(this.root, service);
  }

  methodPath(service: string, method: string): string {
    checkSegment('method', method);
    return joinPath(this.servicePath(service), method);
  }

  /**
   * Publishes `address` for `service.method` as an ephemeral of this client's session. Registering
   * again from the same session updates the address; a method another live provider holds is
   * NODEEXISTS.
   */
  async register(service: string, method: string, address: string): Promise<string> {
    const path = this.methodPath(service, method);
    await ensurePath(this.client, this.servicePath(service));
    for (;;) {
      try {
        return await this.client.create(path, address, { mode: 'EPHEMERAL' });
      } catch (err) {
        // CONNECTIONLOSS: the create may have happened; the next round finds our own node if so.
        if (!ZooKeeperError.is(err, ErrorCode.NODEEXISTS) && !ZooKeeperError.is(err, ErrorCode.CONNECTIONLOSS)) throw err;
        if (ZooKeeperError.is(err, ErrorCode.CONNECTIONLOSS)) await retryOnConnectionLoss(this.client, () => this.client.sync(path));
      }
      const stat = await retryOnConnectionLoss(this.client, () => this.client.exists(path));
      if (stat === null) continue; // gone in between: create again
      if (stat.ephemeralOwner !== this.client.sessionId) {
        throw new ZooKeeperError(ErrorCode.NODEEXISTS, { path, message: `another provider (session ${stat.ephemeralOwner}) holds this method` });
      }
      await retryOnConnectionLoss(this.client, () => this.client.setData(path, address));
      return path;
    }
  }

  /** Withdraws a method this session registered (a no-op when it is not there). */
  async unregister(service: string, method: string): Promise<void> {
    const path = this.methodPath(service, method);
    try {
      await retryOnConnectionLoss(this.client, () => this.client.delete(path));
    } catch (err) {
      if (!ZooKeeperError.is(err, ErrorCode.NONODE)) throw err;
    }
  }

  /**
   * The provider address of `service.method`, or null when no live provider has it. Sets a watch the
   * first time, so the answer stays current (a crashed provider disappears once its session ends).
   */
  async discover(service: string, method: string, options: DiscoverOptions = {}): Promise<string | null> {
    const path = this.methodPath(service, method);
    let entry = this.cache.get(path);
    if (entry === undefined) {
      const listeners = new Set<(address: string | null) => void>();
      let first = true;
      const created: CacheEntry = {
        address: null,
        listeners,
        handle: watchNode(
          this.client,
          path,
          (node) => {
            created.address = node === null ? null : fromUtf8(node.data);
            if (first) {
              first = false;
              return;
            }
            for (const fn of [...listeners]) fn(created.address);
          },
          () => this.cache.delete(path),
        ),
      };
      entry = created;
      this.cache.set(path, entry);
    }
    await entry.handle.ready;
    const { onChange, signal } = options;
    if (onChange !== undefined && signal?.aborted !== true) {
      entry.listeners.add(onChange);
      signal?.addEventListener('abort', () => entry.listeners.delete(onChange), { once: true });
    }
    return entry.address;
  }

  /**
   * Follows every method of `service`: `onChange` gets the full method → address map at first and
   * after each change (a provider registering, changing address or going away). Returns stop().
   */
  watchService(service: string, onChange: (methods: ReadonlyMap<string, string>) => void): () => void {
    const servicePath = this.servicePath(service);
    const nodes = new Map<string, WatchHandle>();
    const addresses = new Map<string, string>();
    let lastReported: Map<string, string> | null = null;
    let stopped = false;

    const report = () => {
      if (stopped) return;
      if (lastReported !== null && sameMap(lastReported, addresses)) return;
      lastReported = new Map(addresses);
      onChange(lastReported);
    };

    const children = watchChildren(this.client, servicePath, (names) => {
      const present = new Set(names ?? []);
      for (const [name, handle] of nodes) {
        if (present.has(name)) continue;
        handle.stop();
        nodes.delete(name);
        addresses.delete(name);
      }
      // Report once the new methods' addresses are known, not a half-read list.
      const loading: Promise<void>[] = [];
      let loaded = false;
      for (const name of present) {
        if (nodes.has(name)) continue;
        const handle = watchNode(this.client, joinPath(servicePath, name), (node) => {
          if (node === null) addresses.delete(name);
          else addresses.set(name, fromUtf8(node.data));
          if (loaded) report();
        });
        nodes.set(name, handle);
        loading.push(handle.ready);
      }
      void Promise.all(loading).then(() => {
        loaded = true;
        report();
      });
    });

    const stop = () => {
      stopped = true;
      children.stop();
      for (const handle of nodes.values()) handle.stop();
      nodes.clear();
      this.serviceWatches.delete(stop);
    };
    this.serviceWatches.add(stop);
    return stop;
  }

  /** Stops every watch this registry set (the client stays open). */
  close(): void {
    for (const entry of this.cache.values()) entry.handle.stop();
    this.cache.clear();
    for (const stop of [...this.serviceWatches]) stop();
  }
}

function sameMap(a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) if (b.get(k) !== v) return false;
  return true;
}
