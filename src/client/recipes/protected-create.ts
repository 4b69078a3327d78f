/**
 * Creating an ephemeral-sequential node safely across a lost connection (Curator's "protected"
 * mode): the name starts with a random id of ours, so after CONNECTIONLOSS — when the create may or
 * may not have happened — we look for our id among the children instead of creating a second node
 * that nobody would ever delete (a lock held forever by a ghost).
 */
import type { ZooKeeperClient } from '../client.js';
import { ErrorCode, ZooKeeperError } from '../errors.js';
import { joinPath } from '../paths.js';
import type { Data } from '../types.js';
import { nextConnection, retryOnConnectionLoss } from './util.js';

export async function createProtectedSequential(client: ZooKeeperClient, parent: string, namePrefix: string, data?: Data): Promise<string> {
  const prefix = joinPath(parent, namePrefix);
  for (;;) {
    try {
      return await client.create(prefix, data, { mode: 'EPHEMERAL_SEQUENTIAL' });
    } catch (err) {
      if (!ZooKeeperError.is(err, ErrorCode.CONNECTIONLOSS)) throw err;
      if (!(await nextConnection(client))) throw new ZooKeeperError(ErrorCode.SESSIONEXPIRED, { path: prefix, message: `client is ${client.state}` });
      const mine = (await retryOnConnectionLoss(client, () => client.getChildren(parent))).find((name) => name.startsWith(namePrefix));
      if (mine !== undefined) return joinPath(parent, mine);
    }
  }
}

/** Deletes a node of ours; already gone (or gone with the session) is fine. */
export async function deleteIfPresent(client: ZooKeeperClient, path: string): Promise<void> {
  try {
    await retryOnConnectionLoss(client, () => client.delete(path));
  } catch (err) {
    if (!ZooKeeperError.is(err, ErrorCode.NONODE) && !ZooKeeperError.is(err, ErrorCode.SESSIONEXPIRED)) throw err;
  }
}
