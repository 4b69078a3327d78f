import assert from 'node:assert/strict';
import { compareZxid, zxid, type Zxid } from '../../../src/zab/zxid.js';
import { DataTree } from '../../../src/tree/data-tree.js';
import { Preparer, type Prepared, type PrepareOptions } from '../../../src/tree/prepare.js';
import type { WriteRequest } from '../../../src/tree/request.js';
import type { ApplyResult } from '../../../src/tree/results.js';
import type { Txn } from '../../../src/tree/txn.js';
import type { ErrorCode } from '../../../src/tree/errors.js';
import { Rng } from '../../../src/sim/rng.js';

export const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
export const dec = (b: Uint8Array): string => new TextDecoder().decode(b);

/** One leader in miniature: prepare → "propose" (assign the next zxid) → apply, time in steps of 10 ms. */
export class Leader {
  readonly tree: DataTree;
  readonly preparer: Preparer;
  /** Every txn proposed, in order, for replaying on another tree. */
  readonly log: { zxid: Zxid; txn: Txn }[] = [];
  epoch = 1;
  counter = 0;
  time = 1000;

  constructor(options?: PrepareOptions, tree = new DataTree()) {
    this.tree = tree;
    this.preparer = new Preparer(this.tree, options);
  }

  /** Prepares and proposes without applying (the txn stays pending). */
  propose(request: WriteRequest, sessionId = 0): { prepared: Prepared; zxid: Zxid } {
    this.time += 10;
    const prepared = this.preparer.prepare(request, { sessionId, time: this.time });
    const z = zxid(this.epoch, ++this.counter);
    this.preparer.proposed(prepared.txn, z);
    this.log.push({ zxid: z, txn: prepared.txn });
    return { prepared, zxid: z };
  }

  /** Applies the proposed-but-unapplied txns, oldest first. */
  applyAll(): ApplyResult[] {
    return this.log.filter((e) => compareZxid(e.zxid, this.tree.lastZxid) > 0).map((e) => this.tree.apply(e.txn, e.zxid));
  }

  /** The whole pipeline for one request. */
  write(request: WriteRequest, sessionId = 0): { prepared: Prepared; applied: ApplyResult } {
    const { prepared } = this.propose(request, sessionId);
    const applied = this.applyAll();
    assert.equal(applied.length, 1);
    return { prepared, applied: applied[0]! };
  }

  /** A write that must succeed; returns the apply result. */
  ok(request: WriteRequest, sessionId = 0): ApplyResult {
    const { prepared, applied } = this.write(request, sessionId);
    if (!prepared.ok) assert.fail(`expected success, got ${prepared.error.message}`);
    assert.equal(applied.code, 0, `apply failed with ${applied.code}`);
    return applied;
  }

  /** A write that prepare must refuse with `code`; checks nothing changed. */
  refused(request: WriteRequest, code: ErrorCode, sessionId = 0): Prepared & { ok: false } {
    const digest = this.tree.digest;
    const before = JSON.stringify(this.tree.exportState().nodes.map((n) => [n.path, n.stat]));
    const { prepared, applied } = this.write(request, sessionId);
    if (prepared.ok) assert.fail(`expected error ${code}, but the request was accepted`);
    assert.equal(prepared.error.code, code, prepared.error.message);
    assert.equal(applied.code, code);
    assert.deepEqual(applied.triggers, []);
    assert.equal(this.tree.digest, digest, 'a refused request changed the digest');
    assert.equal(JSON.stringify(this.tree.exportState().nodes.map((n) => [n.path, n.stat])), before);
    return prepared;
  }

  create(path: string, data = '', mode: import('../../../src/tree/create-mode.js').CreateMode = 'PERSISTENT', sessionId = 0, ttlMs?: number) {
    const req: WriteRequest = ttlMs === undefined
      ? { type: 'create', path, data: enc(data), mode }
      : { type: 'create', path, data: enc(data), mode, ttlMs };
    const r = this.ok(req, sessionId).result;
    assert.equal(r.type, 'create');
    return r as Extract<typeof r, { type: 'create' }>;
  }

  openSession(sessionId: number, timeoutMs = 6000): void {
    this.ok({ type: 'createSession', sessionId, timeoutMs });
  }
}

/** Uniform in [0, 1) from the simulator's seeded generator, so a failing case names its seed. */
export function rng(seed: number): () => number {
  const r = new Rng(seed);
  return () => r.float();
}

const PATHS = ['/r', '/r/a', '/r/b', '/r/a/x', '/r/b/y', '/c', '/c/k', '/t'];
const SESSIONS = [11, 12, 13];

/** A random write (often invalid on purpose), from a small space of paths so ops collide. */
export function randomRequest(rand: () => number): { request: WriteRequest; sessionId: number } {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const sessionId = rand() < 0.7 ? pick(SESSIONS) : 0;
  const version = () => (rand() < 0.5 ? -1 : Math.floor(rand() * 3));
  const data = () => enc('v' + Math.floor(rand() * 100));
  const op = (): import('../../../src/tree/request.js').MultiOpRequest => {
    const r = rand();
    if (r < 0.45) {
      const mode = pick(['PERSISTENT', 'PERSISTENT', 'EPHEMERAL', 'PERSISTENT_SEQUENTIAL', 'EPHEMERAL_SEQUENTIAL', 'CONTAINER', 'PERSISTENT_WITH_TTL'] as const);
      const path = mode.includes('SEQUENTIAL') ? pick(PATHS) + '/s-' : pick(PATHS);
      return mode === 'PERSISTENT_WITH_TTL'
        ? { type: 'create', path, data: data(), mode, ttlMs: 50 }
        : { type: 'create', path, data: data(), mode };
    }
    if (r < 0.65) return { type: 'delete', path: pick(PATHS), version: version() };
    if (r < 0.9) return { type: 'setData', path: pick(PATHS), data: data(), version: version() };
    return { type: 'check', path: pick(PATHS), version: version() };
  };
  const r = rand();
  if (r < 0.06) return { request: { type: 'createSession', sessionId: pick(SESSIONS), timeoutMs: 1000 }, sessionId: 0 };
  if (r < 0.1) return { request: { type: 'closeSession', sessionId: pick(SESSIONS) }, sessionId: 0 };
  if (r < 0.13) return { request: { type: 'deleteContainer', path: pick(PATHS) }, sessionId: 0 };
  if (r < 0.3) {
    const n = Math.floor(rand() * 4);
    return { request: { type: 'multi', ops: Array.from({ length: n }, op) }, sessionId };
  }
  return { request: op(), sessionId };
}
