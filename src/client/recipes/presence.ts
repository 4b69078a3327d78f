/**
 * Who is online: each participant is an ephemeral child of the group node, named by the
 * participant and holding a short description (JSON, a display name…). A participant that crashes
 * or is cut off for good drops out when its session ends; everyone following the group sees it go.
 *
 * The registry's layout (`<parent>/<group>/<name>`, ephemeral, data = a string) is exactly this,
 * so Presence is a ServiceRegistry seen from another angle.
 */
import type { ZooKeeperClient } from '../client.js';
import { ErrorCode, ZooKeeperError } from '../errors.js';
import { basename, joinPath, parentOf, validatePath } from '../paths.js';
import { ServiceRegistry } from './registry.js';
import { deadlineFrom, timeoutError, waitForChange } from './util.js';

/**
 * Who is online in a group (`path`): `join` announces a name with some info for the session's
 * life, `watch` follows everyone online. Built on ServiceRegistry's ephemeral layout.
 */
export class Presence {
  private readonly registry: ServiceRegistry;
  private readonly group: string;

  constructor(
    private readonly client: ZooKeeperClient,
    readonly path: string,
  ) {
    validatePath(path);
    if (path === '/') throw new ZooKeeperError(ErrorCode.BADARGUMENTS, { message: 'a presence group needs its own node, not /' });
    this.registry = new ServiceRegistry(client, { root: parentOf(path) });
    this.group = basename(path);
  }

  /**
   * Announces `name` as online with `info` for as long as this client's session lives (joining
   * again from the same session updates `info`). When another live session holds the name — this
   * tab's previous page, not yet expired — waits until it goes (up to `timeoutMs`: OPERATIONTIMEOUT).
   */
  async join(name: string, info = '', options: { readonly timeoutMs?: number } = {}): Promise<void> {
    const deadline = deadlineFrom(this.client, options.timeoutMs);
    for (;;) {
      try {
        await this.registry.register(this.group, name, info);
        return;
      } catch (err) {
        if (!ZooKeeperError.is(err, ErrorCode.NODEEXISTS)) throw err;
      }
      if ((await waitForChange(this.client, joinPath(this.path, name), deadline)) === 'timeout') throw timeoutError(`presence ${name}`, options.timeoutMs);
    }
  }

  /** Goes offline now rather than when the session ends. */
  leave(name: string): Promise<void> {
    return this.registry.unregister(this.group, name);
  }

  /** `onChange` gets everyone online (name → info) now and after every change. Returns stop(). */
  watch(onChange: (online: ReadonlyMap<string, string>) => void): () => void {
    return this.registry.watchService(this.group, onChange);
  }

  /** Stops every watch (the client stays open; our own entry stays until leave() or the session ends). */
  close(): void {
    this.registry.close();
  }
}
