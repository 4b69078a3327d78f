/**
 * A tiny sequential simulation that produces random *valid* histories: sessions send ops one at a time;
 * each op takes effect at a random instant inside its [sent, answered] window (an unknown-outcome write
 * anywhere after it was sent, or never); the tree applies them in that order; reads are answered from a
 * random committed zxid no older than what the session has already seen. So every history it makes keeps
 * ZooKeeper's guarantees by construction, with plenty of concurrency, errors, sequential names,
 * ephemerals, expiries and unknown outcomes for the checker to wade through.
 */
import type { CreateMode, MultiOp, MultiResult, Operation } from '../../../src/protocol/client.js';
import { Rng } from '../../../src/sim/rng.js';
import { compareZxid, ZXID_ZERO, zxid, type Zxid } from '../../../src/zab/zxid.js';
import { TreeModel } from '../../../src/sim/history/model.js';
import { ZK } from '../../../src/sim/history/errors.js';
import type { CommittedTxn, HistoryOp, InitialNode } from '../../../src/sim/history/types.js';

export interface GenOptions {
  readonly sessions: number;
  readonly opsPerSession: number;
  /** Top-level node names the writes pick from (`/k0`…). */
  readonly paths: number;
  readonly readRate: number;
  readonly syncRate: number;
  readonly unknownRate: number;
  /** Multis that join two top-level paths (merging their partitions). */
  readonly crossMultiRate: number;
  /** Children under the top-level paths and sequential children under /q. */
  readonly treeOps: boolean;
  readonly ephemerals: boolean;
  readonly maxDurationMs: number;
  readonly maxGapMs: number;
}

export const SMALL: GenOptions = {
  sessions: 4,
  opsPerSession: 15,
  paths: 3,
  readRate: 0.3,
  syncRate: 0.05,
  unknownRate: 0.08,
  crossMultiRate: 0.05,
  treeOps: true,
  ephemerals: true,
  maxDurationMs: 25,
  maxGapMs: 10,
};

export interface Generated {
  readonly ops: HistoryOp[];
  readonly committed: CommittedTxn[];
  readonly initial: InitialNode[];
}

interface Planned {
  readonly id: number;
  readonly session: number;
  readonly op: Operation;
  readonly invokeMs: number;
  readonly completeMs: number | null;
  /** When it takes effect (or is answered, for reads). */
  readonly at: number;
  readonly kind: 'write' | 'read' | 'sync' | 'expire';
  readonly unknown: boolean;
  /** For unknown writes: whether it really happens. */
  readonly happens: boolean;
}

const text = new TextEncoder();

export function generate(seed: number, o: GenOptions = SMALL): Generated {
  const rng = new Rng(seed);
  const initial: InitialNode[] = [{ path: '/q' }];
  const tops = Array.from({ length: o.paths }, (_, i) => `/k${i}`);
  const data = (): Uint8Array => text.encode(rng.pick(['', 'a', 'bb', 'ccc', 'dd', 'x']));
  const version = (): number => (rng.chance(0.4) ? -1 : rng.int(0, 3));
  const mode = (): CreateMode => (o.ephemerals && rng.chance(0.3) ? 'EPHEMERAL' : 'PERSISTENT');
  const top = (): string => rng.pick(tops);
  const child = (): string => `${top()}/c`;

  const oneWrite = (): MultiOp => {
    const r = rng.float();
    if (o.treeOps && r < 0.1) return { op: 'create', path: '/q/n-', data: data(), mode: rng.chance(0.5) ? 'PERSISTENT_SEQUENTIAL' : o.ephemerals ? 'EPHEMERAL_SEQUENTIAL' : 'PERSISTENT_SEQUENTIAL' };
    if (o.treeOps && r < 0.15) return { op: 'delete', path: `/q/n-${String(rng.int(0, 6)).padStart(10, '0')}`, version: -1 };
    if (o.treeOps && r < 0.22) return rng.chance(0.6) ? { op: 'create', path: child(), data: data(), mode: 'PERSISTENT' } : { op: 'delete', path: child(), version: -1 };
    if (r < 0.45) return { op: 'create', path: top(), data: data(), mode: mode() };
    if (r < 0.75) return { op: 'setData', path: top(), data: data(), version: version() };
    if (r < 0.9) return { op: 'delete', path: top(), version: version() };
    return { op: 'check', path: top(), version: version() };
  };
  const writeOp = (): Operation => {
    if (rng.chance(0.12)) {
      const p = top();
      const same: MultiOp[] = [
        { op: 'check', path: p, version: version() },
        { op: 'setData', path: p, data: data(), version: -1 },
      ];
      if (rng.chance(o.crossMultiRate / 0.12)) return { op: 'multi', ops: [oneWrite(), oneWrite()] };
      return { op: 'multi', ops: same };
    }
    return oneWrite();
  };
  const readOp = (): Operation => {
    const r = rng.float();
    if (r < 0.45) return { op: 'getData', path: top(), watch: false };
    if (r < 0.7) return { op: 'exists', path: rng.chance(0.8) ? top() : child(), watch: false };
    if (r < 0.92) return { op: 'getChildren', path: rng.pick(['/', '/q', top()]), watch: false, withStat: rng.chance(0.5) };
    return { op: 'getEphemerals', prefix: rng.pick(['/', '/q']) };
  };

  // 1. Plan every session's ops in time.
  const planned: Planned[] = [];
  let nextId = 1;
  for (let s = 0; s < o.sessions; s++) {
    const session = 0x1000 + s;
    let t = rng.int(0, 20);
    let lastEffect = 0;
    for (let k = 0; k < o.opsPerSession; k++) {
      const dur = rng.int(1, o.maxDurationMs);
      const r = rng.float();
      const kind = r < o.readRate ? 'read' : r < o.readRate + o.syncRate ? 'sync' : 'write';
      const op = kind === 'read' ? readOp() : kind === 'sync' ? ({ op: 'sync', path: '/' } as const) : writeOp();
      const unknown = kind === 'write' && rng.chance(o.unknownRate);
      // An unknown write may still land well after its client gave up on it.
      const at = unknown ? t + rng.float() * (dur + 60) : t + rng.float() * dur;
      const completeMs = unknown && rng.chance(0.5) ? null : t + dur;
      planned.push({ id: nextId++, session, op, invokeMs: t, completeMs, at, kind, unknown, happens: !unknown || rng.chance(0.5) });
      lastEffect = Math.max(lastEffect, at, t + dur);
      t += dur + rng.int(1, o.maxGapMs);
    }
    if (o.ephemerals && rng.chance(0.3)) {
      // The session ends: closed by its client or expired by the leader.
      const at = Math.ceil(lastEffect) + rng.int(1, 20);
      if (rng.chance(0.5)) {
        planned.push({ id: nextId++, session, op: { op: 'closeSession' }, invokeMs: at - 1, completeMs: at + 1, at, kind: 'write', unknown: false, happens: true });
      } else {
        planned.push({ id: -1, session, op: { op: 'closeSession' }, invokeMs: at - 2, completeMs: at + 3, at, kind: 'expire', unknown: false, happens: true });
      }
    }
  }

  // 2. Let them take effect in order.
  const model = new TreeModel(initial);
  const committed: CommittedTxn[] = [];
  const stamps: Zxid[] = [ZXID_ZERO];
  const lastSeen = new Map<number, number>(); // session → index into stamps
  const ops: HistoryOp[] = [];
  const reads: { h: HistoryOp; at: Zxid }[] = [];
  const commit = (opId: number | null, effects: CommittedTxn['effects'], timeMs: number, extra: Partial<CommittedTxn> = {}): Zxid => {
    const z = zxid(1, committed.length + 1);
    committed.push({ zxid: z, opId, effects, timeMs, ...extra });
    stamps.push(z);
    return z;
  };
  for (const p of [...planned].sort((a, b) => a.at - b.at || a.id - b.id)) {
    const timeMs = Math.round(p.at);
    const base = { id: p.id, session: p.session, op: p.op, invokeMs: p.invokeMs, completeMs: p.completeMs };
    const seen = lastSeen.get(p.session) ?? 0;
    if (p.kind === 'expire') {
      const z = zxid(1, committed.length + 1);
      const a = model.attempt(p.op, p.session, { zxid: z, timeMs, opId: null });
      if (a.ok) commit(null, a.effects, timeMs, { proposedMs: p.invokeMs, committedMs: p.completeMs! });
      model.forget();
      continue;
    }
    if (p.kind === 'write') {
      if (p.unknown) {
        if (p.happens) {
          const z = zxid(1, committed.length + 1);
          const a = model.attempt(p.op, p.session, { zxid: z, timeMs, opId: p.id });
          if (a.ok) commit(p.id, a.effects, timeMs);
        }
        ops.push(p.completeMs === null ? { ...base, outcome: 'unknown' } : { ...base, outcome: 'unknown', err: ZK.CONNECTIONLOSS });
        model.forget();
        continue;
      }
      if (rng.chance(0.01)) {
        ops.push({ ...base, outcome: 'error', err: ZK.NOTREADONLY, zxid: stamps[seen]!, readOnly: true });
        continue;
      }
      const z = zxid(1, committed.length + 1);
      const a = model.attempt(p.op, p.session, { zxid: z, timeMs, opId: p.id });
      model.forget();
      if (a.ok) {
        commit(p.id, a.effects, timeMs);
        lastSeen.set(p.session, stamps.length - 1);
        ops.push({ ...base, outcome: 'ok', result: a.result, zxid: z });
      } else {
        // Error txns take a zxid too (as ZooKeeper's do), sometimes.
        if (rng.chance(0.3)) commit(p.id, [], timeMs);
        const idx = rng.int(seen, stamps.length - 1);
        lastSeen.set(p.session, idx);
        const h: HistoryOp = { ...base, outcome: 'error', err: a.errs[0]!, zxid: stamps[idx]! };
        if (p.op.op === 'multi' && rng.chance(0.5)) {
          const results: MultiResult[] = p.op.ops.map((_, i) => ({
            op: 'error',
            err: i < a.index ? ZK.OK : i === a.index ? a.errs[0]! : ZK.RUNTIMEINCONSISTENCY,
          }));
          ops.push({ ...h, result: { op: 'multi', results } });
        } else ops.push(h);
      }
      continue;
    }
    if (p.kind === 'sync') {
      lastSeen.set(p.session, stamps.length - 1);
      ops.push({ ...base, outcome: 'ok', result: { op: 'sync', path: '/' }, zxid: stamps[stamps.length - 1]! });
      continue;
    }
    // A read: from some member at least as fresh as what the session has seen.
    const idx = rng.int(seen, stamps.length - 1);
    lastSeen.set(p.session, idx);
    const h: HistoryOp = { ...base, outcome: 'ok', zxid: stamps[idx]! };
    reads.push({ h, at: stamps[idx]! });
    ops.push(h);
  }

  // 3. Answer the reads from the committed state at their stamps.
  const replay = new TreeModel(initial);
  let next = 0;
  const answered = new Map<number, HistoryOp>();
  for (const { h, at } of [...reads].sort((a, b) => compareZxid(a.at, b.at))) {
    while (next < committed.length && compareZxid(committed[next]!.zxid, at) <= 0) {
      const txn = committed[next++]!;
      for (const e of txn.effects) replay.applyEffect(e, { zxid: txn.zxid, timeMs: txn.timeMs, opId: txn.opId });
      replay.forget();
    }
    const a = replay.read(h.op, h.session);
    answered.set(h.id, a.ok ? { ...h, result: a.result } : { ...h, outcome: 'error', err: a.err });
  }
  const final = ops.map((h) => answered.get(h.id) ?? h).sort((a, b) => a.id - b.id);
  return { ops: final, committed, initial };
}
