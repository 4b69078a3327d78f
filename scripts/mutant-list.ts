/** Bugs real Zab implementations had (ZAB-PITFALLS.md), each as a one-place change to plant. */
export interface Edit {
  readonly file: string;
  readonly find: string;
  readonly replace: string;
}

export interface Mutant {
  readonly name: string;
  readonly description: string;
  readonly edits: readonly Edit[];
  /** Which simulator workload must catch it: bare Zab (default) or ZooKeeper clients with histories. */
  readonly workload?: 'zab' | 'zk';
}

export const MUTANTS: readonly Mutant[] = [
  {
    name: 'ack-before-persist',
    description: 'a follower ACKs proposals it holds in memory, before they are durable (pitfall 1)',
    edits: [{ file: 'src/zab/follower.ts', find: 'const durable = this.ctx.durableUpTo;', replace: 'const durable = this.ctx.log.last();' }],
  },
  {
    name: 'no-wait-for-fsync',
    description: 'ACKEPOCH, ACK(NEWLEADER) and the leader’s own votes go out before their writes are durable (pitfalls 1, 8)',
    edits: [{ file: 'src/zab/context.ts', find: 'if (seq <= this.durableSeq) {', replace: 'if (seq <= this.durableSeq || true) {' }],
  },
  {
    name: 'leader-counts-itself-early',
    description: 'the leader counts its own vote before its log write is durable',
    edits: [{ file: 'src/zab/leader.ts', find: 'const acks: Zxid[] = [this.ctx.durableUpTo];', replace: 'const acks: Zxid[] = [this.ctx.log.last()];' }],
  },
  {
    name: 'commit-without-quorum',
    description: 'the leader commits what the best follower acked, not what a quorum acked',
    edits: [{ file: 'src/zab/leader.ts', find: 'const candidate = acks[this.ctx.quorum - 1]!;', replace: 'const candidate = acks[1] ?? acks[0]!;' }],
  },
  {
    name: 'quorum-off-by-one',
    description: 'a quorum of n/2 rounded down: two disjoint "majorities" in a 4- or 2-member split',
    edits: [{ file: 'src/zab/config.ts', find: 'return Math.floor(members.length / 2) + 1;', replace: 'return Math.max(1, Math.floor(members.length / 2));' }],
  },
  {
    name: 'trunc-by-comparison',
    description: 'TRUNC to the largest leader zxid below the follower’s last, not by history (pitfall 5, ZOOKEEPER-1154)',
    edits: [{ file: 'src/zab/sync-plan.ts', find: 'const common = commonPoint(leader, follower);', replace: 'const common = ((): Zxid | undefined => { if (compareZxid(followerLast, leader.base) < 0) return undefined; let best: Zxid = leader.base; for (const e of leader.all()) if (compareZxid(e.zxid, followerLast) <= 0) best = e.zxid; void follower; return best; })();' }],
  },
  {
    name: 'accept-gaps',
    description: 'a follower appends a proposal that does not extend its log (pitfall 6, ZOOKEEPER-4925)',
    edits: [{ file: 'src/zab/follower.ts', find: 'if (!zxidEquals(prev, log.last())) return', replace: 'if (false) return' }],
  },
  {
    name: 'apply-uncommitted',
    description: 'a member applies what is durable but not yet committed (pitfall 2)',
    edits: [{ file: 'src/zab/context.ts', find: 'const limit = minZxid(this.committedInLog, this.durableUpTo);', replace: 'const limit = minZxid(this.log.last(), this.durableUpTo);' }],
  },
  {
    name: 'epoch-ignores-promises',
    description: 'the new epoch is the leader’s own acceptedEpoch + 1, not above its quorum’s promises (pitfall 9)',
    edits: [{ file: 'src/zab/leader.ts', find: 'const epoch = max + 1;', replace: 'const epoch = this.selfAcceptedEpoch + 1;' }],
  },
  {
    name: 'promise-twice',
    description: 'a follower promises an epoch it already promised (ZooKeeper’s ACKEPOCH -1 rule dropped)',
    edits: [{ file: 'src/zab/follower.ts', find: 'const promised = epoch > this.ctx.acceptedEpoch;', replace: 'const promised = epoch >= this.ctx.acceptedEpoch;' }],
  },
  {
    name: 'vote-before-drain',
    description: 'a member votes before its pending writes are durable: memory ≠ disk at election (pitfall 7)',
    edits: [{ file: 'src/zab/member.ts', find: 'if (this.ctx.allDurable) {', replace: 'if (this.ctx.allDurable || true) {' }],
  },
  {
    name: 'no-follower-ahead-check',
    description: 'the new leader ignores an ACKEPOCH from a more up-to-date follower (pitfall 11)',
    edits: [{ file: 'src/zab/leader.ts', find: 'if (theirs > 0) {', replace: 'if (theirs > 0 && false) {' }],
  },
  {
    name: 'count-syncing-acks',
    description: 'the leader counts followers that have not acked NEWLEADER yet (pitfall 4, ZOOKEEPER-4685)',
    edits: [{ file: 'src/zab/leader.ts', find: "for (const l of this.learners.values()) if (l.state === 'synced') acks.push(l.acked);", replace: "for (const l of this.learners.values()) if (l.state === 'synced' || l.state === 'syncing') acks.push(l.state === 'syncing' ? l.newLeaderZxid : l.acked);" }],
  },
  {
    name: 'election-ignores-epoch',
    description: 'votes ignore currentEpoch: a member with a stale history can win (pitfall 11)',
    edits: [{ file: 'src/zab/election.ts', find: 'if (a.epoch !== b.epoch) return a.epoch < b.epoch ? -1 : 1;', replace: 'if (a.epoch !== b.epoch && false) return a.epoch < b.epoch ? -1 : 1;' }],
  },
  {
    name: 'snapshot-over-install',
    description: 'a background snapshot that lands while a SNAP installs replaces the newer durable snapshot (found by the unit tests)',
    edits: [
      { file: 'src/zab/context.ts', find: 'if (this.restorePending || zxidLess(snapshot.zxid, this.log.base)) return;', replace: '' },
      {
        file: 'src/zab/persistence.ts',
        find: 'if (!state.snapshot || compareZxid(state.snapshot.zxid, write.snapshot.zxid) < 0) state.snapshot = write.snapshot;',
        replace: 'state.snapshot = write.snapshot;',
      },
    ],
  },
  {
    name: 'watch-after-reply',
    description: 'a member answers the request before firing the watches its change triggers (pitfall 19)',
    workload: 'zk',
    edits: [
      { file: 'src/server/member.ts', find: '    // Pitfall 19: watches fire as the change applies, before any reply that shows it.\n', replace: '    if (txn.origin === this.id) this.complete(txn, applied);\n' },
      { file: 'src/server/member.ts', find: '    this.leader?.onApplied(txn, this.nowMs);\n    if (txn.origin === this.id) this.complete(txn, applied);\n', replace: '    this.leader?.onApplied(txn, this.nowMs);\n' },
    ],
  },
  {
    name: 'sync-answered-locally',
    description: 'sync answers at once from the member’s own state, without a quorum round (ZOOKEEPER-1675)',
    workload: 'zk',
    edits: [
      {
        file: 'src/server/member.ts',
        find: "      if (c.readOnly) pending.outcome = {",
        replace: "      if (operation.op === 'sync') pending.outcome = { err: 0, result: { op: 'sync', path: operation.path } };\n      else if (c.readOnly) pending.outcome = {",
      },
    ],
  },
  {
    name: 'serve-client-ahead',
    description: 'a member accepts a client that has seen more than it has applied: its reads go back in time (pitfall 17)',
    workload: 'zk',
    edits: [{ file: 'src/server/member.ts', find: 'if (compareZxid(req.lastZxidSeen, this.tree.lastZxid) > 0) {', replace: 'if (compareZxid(req.lastZxidSeen, this.tree.lastZxid) > 0 && false) {' }],
  },
  {
    name: 'expire-before-touches',
    description: 'a leader judges expiry on a tick before counting its own clients’ touches since the last one (pitfall 18)',
    workload: 'zk',
    edits: [
      { file: 'src/server/member.ts', find: '    this.sendTouches();\n    this.leader?.tick(this.nowMs);\n    this.pumpZab();\n', replace: '    this.leader?.tick(this.nowMs);\n    this.pumpZab();\n    this.sendTouches();\n' },
    ],
  },
  {
    name: 'touch-in-the-past',
    description: 'the leader extends a touched session from a tick ago, not from when the touch arrived (pitfall 18)',
    workload: 'zk',
    edits: [{ file: 'src/server/leader-duties.ts', find: 'if (!this.tracker.touch(id, nowMs)) gone.push(id);', replace: 'if (!this.tracker.touch(id, nowMs - 10)) gone.push(id);' }],
  },
];
