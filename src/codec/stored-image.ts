import type { DurableState } from '../zab/persistence.js';
import { validateDurableState } from '../zab/persistence.js';
import { formatZxid } from '../zab/zxid.js';
import { validateServerSnapshot, validateServerTxn } from './peer-messages.js';

/**
 * A durable image read back from storage, checked before a member is built on it: Zab's own rules
 * (validateDurableState), every log entry's txn as the server layer defines it, and the snapshot's
 * tree decoded once and at its zxid — the same checks a txn or a SNAP passes when it comes from a
 * peer. Storage only frames and checksums what it keeps, so a record that is well framed but not a
 * server txn (a bug, a version skew, a hand-edited file) is caught here, with the zxid that holds it,
 * instead of throwing from deep inside the member. Never throws.
 */
export function storedImageProblem(state: DurableState): string | null {
  try {
    validateDurableState(state);
    for (const entry of state.log) {
      const t = validateServerTxn(entry.txn);
      if (!t.ok) return `log entry ${formatZxid(entry.zxid)}: ${t.error}`;
    }
    if (state.snapshot !== null) {
      const s = validateServerSnapshot(state.snapshot);
      if (!s.ok) return `snapshot at ${formatZxid(state.snapshot.zxid)}: ${s.error}`;
    }
    return null;
  } catch (e) {
    return `not a durable image (${e instanceof Error ? e.message : 'unreadable'})`;
  }
}
