/**
 * A chroot, as ZooKeeper's connect string spells it (`host:2181,host2:2181/apps/billing`): every path
 * the client sends is taken below the chroot, and the chroot is taken off every path that comes back
 * (created paths, sync, getEphemerals, watch events), so an application sees its own tree as `/`.
 * The client's protocol messages in, the same messages out: the jute translation does not know.
 */
import type { ClientToMember, MemberToClient, MultiOp, MultiResult, Operation, OperationResult } from '../protocol/client.js';

/** Checks a chroot: absolute, no trailing slash, no empty segment; `/` means none (returns null). */
export function normalizeChroot(chroot: string | undefined): string | null {
  if (chroot === undefined || chroot === '' || chroot === '/') return null;
  if (!chroot.startsWith('/') || chroot.endsWith('/') || chroot.includes('//')) throw new RangeError(`chroot ${chroot}: must be an absolute path like /apps/billing`);
  return chroot;
}

export class Chroot {
  constructor(readonly root: string) {}

  /** A client path as the server knows it. */
  toServer(path: string): string {
    return path === '/' ? this.root : this.root + path;
  }

  /** A server path as the client knows it; one outside the chroot is left as it is (ZooKeeper's client does the same). */
  fromServer(path: string): string {
    if (path === this.root) return '/';
    return path.startsWith(`${this.root}/`) ? path.slice(this.root.length) : path;
  }

  request(m: ClientToMember): ClientToMember {
    switch (m.type) {
      case 'request':
        return { ...m, operation: this.operation(m.operation) };
      case 'setWatches': {
        const all = (list: readonly string[]): string[] => list.map((p) => this.toServer(p));
        return { ...m, data: all(m.data), exist: all(m.exist), children: all(m.children), persistent: all(m.persistent), persistentRecursive: all(m.persistentRecursive) };
      }
      default:
        return m;
    }
  }

  reply(m: MemberToClient): MemberToClient {
    if (m.type === 'watch') return { ...m, path: this.fromServer(m.path) };
    if (m.type === 'response' && m.result !== undefined) return { ...m, result: this.result(m.result) };
    return m;
  }

  private operation(op: Operation): Operation {
    switch (op.op) {
      case 'closeSession':
        return op;
      case 'getEphemerals':
        return { ...op, prefix: this.toServer(op.prefix) };
      case 'multi':
        return { ...op, ops: op.ops.map((o): MultiOp => ({ ...o, path: this.toServer(o.path) })) };
      default:
        return { ...op, path: this.toServer(op.path) };
    }
  }

  private result(r: OperationResult): OperationResult {
    switch (r.op) {
      case 'create':
      case 'sync':
        return { ...r, path: this.fromServer(r.path) };
      case 'getEphemerals':
        return { ...r, paths: r.paths.map((p) => this.fromServer(p)) };
      case 'multi':
        return { ...r, results: r.results.map((x): MultiResult => (x.op === 'create' ? { ...x, path: this.fromServer(x.path) } : x)) };
      default:
        return r;
    }
  }
}
