import type { MemberId } from '../zab/messages.js';
import type { Zxid } from '../zab/zxid.js';
import type { Checker } from './checker.js';
import type { SimNode } from './node.js';
import type { SimProfile } from './profile.js';
import type { Rng } from './rng.js';
import type { AppliedRecord } from './state-machine.js';
import type { SimStats } from './stats.js';

/** What a workload may use of the world it runs in. */
export interface WorldApi {
  readonly now: number;
  readonly healing: boolean;
  readonly rng: Rng;
  readonly profile: SimProfile;
  readonly stats: SimStats;
  readonly checker: Checker;
  readonly ids: readonly MemberId[];
  schedule(atMs: number, fn: () => void): void;
  /** The live node of a member, or null while it is down. */
  node(id: MemberId): SimNode | null;
  /** Routes what a node produced after the workload called into it. */
  pump(id: MemberId): void;
  /** A Zab-level proposal was made (for the one-proposal-per-zxid check). */
  proposed(member: MemberId, zxid: Zxid, id: string): void;
}

/** Who writes, and what they expect: bare Zab clients, or ZooKeeper clients with a history to check. */
export interface Workload {
  start(world: WorldApi): void;
  /** `detail` carries the txn and its result when the node can tell them. */
  onApplied(member: MemberId, record: AppliedRecord, detail?: { readonly txn: unknown; readonly result: unknown }): void;
  /** A member wrote these entries to its log (a leader proposing, a follower accepting). */
  onLogged?(member: MemberId, entries: readonly { readonly zxid: Zxid; readonly txn: unknown }[]): void;
  /** A member established its leadership of `epoch` (told before anything it logs in the same step). */
  onEstablished?(member: MemberId, epoch: number): void;
  onCrash(member: MemberId): void;
  /** Messages from a member to a client connection, and connections the member closed. */
  onClientMessage(member: MemberId, connection: number, message: unknown): void;
  onClientClosed(member: MemberId, connection: number): void;
  /** After convergence: anything the workload checks on its own (histories). Throws a Violation. */
  finish(): void;
}
