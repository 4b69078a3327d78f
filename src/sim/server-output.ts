import type { ServerMember, ServerReady } from '../server/member.js';
import type { ServerTxn } from '../server/messages.js';
import { formatZxid } from '../zab/zxid.js';
import { Violation } from './checker.js';
import type { NodeDelivery } from './node.js';

/** How the checker names a server txn: who asked, for what, when the leader prepared it. */
export function serverTxnId(txn: unknown): string | undefined {
  const t = txn as ServerTxn;
  if (!t || typeof t !== 'object' || !t.body) return undefined;
  if (t.xid === -2) return t.message;
  const path = 'path' in t.body ? t.body.path : '';
  return `m${t.origin}:s${t.sessionId}:x${t.xid}:${t.body.type}:${path}:${t.body.time}`;
}

/** What a whole server applied or restored, in the checker's terms. */
export function serverDelivery(d: ServerReady['deliveries'][number]): NodeDelivery {
  return d.kind === 'restore'
    ? { kind: 'restore', zxid: d.zxid, digest: d.digest }
    : { kind: 'apply', record: { zxid: d.zxid, id: serverTxnId(d.txn) ?? `?${formatZxid(d.zxid)}` }, digest: d.digest, detail: { txn: d.txn, result: d.result } };
}

/**
 * Pitfall 3: no client is served with the full (non-read-only) guarantees before the member has
 * finished syncing with a leader (UPTODATE) and while it is not following or leading one: every
 * successful answer not marked read-only, and every session opened as a read-write one, must leave
 * while Zab serves, or go to a connection the member drops in the same breath (an answer computed
 * just before the input that took the member out of the quorum).
 */
export function checkServesOnlyInQuorum(server: ServerMember, clients: ServerReady['clients'], closing: readonly number[]): void {
  if (clients.length === 0 || server.zab.status().serving) return;
  for (const { connection, message: m } of clients) {
    const full = (m.type === 'response' && m.err === 0 && !m.readOnly) || (m.type === 'connected' && !m.readOnly);
    if (full && !closing.includes(connection)) {
      const what = m.type === 'response' ? `answered request ${m.xid}${m.result ? ` (${m.result.op})` : ''}` : 'opened a read-write session';
      throw new Violation('serve only in quorum', `m${server.id} ${what} on connection ${connection} while not serving (${server.zab.status().phase})`);
    }
  }
}
