/**
 * Which member this tab is. Two tabs must never run the same member id: they would share one
 * IndexedDB database and vote twice. The Web Locks API holds `peerkeeper:<room>:<id>` for the tab's
 * life (released by the browser when the tab closes or crashes), so opening one URL in three tabs
 * gives members 1, 2 and 3. A reloaded tab asks for the id it had before (remembered in
 * sessionStorage, which survives a reload) and waits a moment for its previous page to let go.
 */
import type { MemberId } from '../zab/messages.js';

export interface IdClaim {
  readonly id: MemberId;
  release(): void;
}

export function lockName(room: string, id: MemberId): string {
  return `peerkeeper:${room}:${id}`;
}

function locks(): LockManager {
  const l = (globalThis.navigator as Navigator | undefined)?.locks;
  if (l === undefined) throw new Error('the Web Locks API is unavailable (it needs a secure origin: https or localhost)');
  return l;
}

/** Holds the lock until the returned function is called; null if it is taken (and `waitMs` ran out). */
function hold(name: string, waitMs: number): Promise<(() => void) | null> {
  return new Promise((resolve, reject) => {
    const options: LockOptions = waitMs > 0 ? { signal: AbortSignal.timeout(waitMs) } : { ifAvailable: true };
    locks()
      .request(name, options, (lock) => {
        if (lock === null) {
          resolve(null);
          return undefined;
        }
        return new Promise<void>((release) => resolve(release));
      })
      .catch((e: unknown) => {
        if ((e as { name?: string }).name === 'AbortError' || (e as { name?: string }).name === 'TimeoutError') resolve(null);
        else reject(e as Error);
      });
  });
}

/** Claims exactly `id`, waiting up to `waitMs` (a reload of this very tab releases it in a moment). */
export async function claimId(room: string, id: MemberId, waitMs = 3000): Promise<IdClaim | null> {
  const release = await hold(lockName(room, id), waitMs);
  return release ? { id, release } : null;
}

/** The id this tab had before a reload, else the lowest free one; null when every id is taken. */
export async function claimFreeId(room: string, members: readonly MemberId[], waitMs = 3000): Promise<IdClaim | null> {
  const key = `peerkeeper:${room}:id`;
  const before = Number(globalThis.sessionStorage?.getItem(key));
  if (members.includes(before)) {
    const again = await claimId(room, before, waitMs);
    if (again) return again;
  }
  for (const id of [...members].sort((a, b) => a - b)) {
    const release = await hold(lockName(room, id), 0);
    if (release) {
      globalThis.sessionStorage?.setItem(key, String(id));
      return { id, release };
    }
  }
  return null;
}
