/**
 * A concurrent client workload inside one tab, recorded for the history checker: CAS counters (read,
 * then setData at the version read; or check + setData in one multi), sequential creates, ephemerals
 * created and deleted by competing sessions, reads, and sync followed by a read. Several sessions per
 * tab, each its own ZooKeeperClient attached to this tab's member. Alongside, every txn this member
 * applies is kept (zxid, txn, result, time): the union over all tabs is the ground truth the checker
 * matches the ops against. The test pulls both out with `exportHistory()` (msgpack, base64).
 */
import type { Operation } from '../protocol/client.js';
import { mulberry32 } from '../sim/rng.js';
import type { ServerTxn } from '../server/messages.js';
import type { TxnResult } from '../tree/index.js';
import { encodeValue } from '../storage/indexeddb/codec.js';
import type { Zxid } from '../zab/zxid.js';
import type { BrowserMember } from './member.js';
import { RecordingClient, type RecordedOp } from './recording-client.js';

export const WORKLOAD_PARENTS = ['/c', '/q', '/eph'] as const;
export const COUNTERS = ['/c/k0', '/c/k1', '/c/k2'] as const;
const EPHEMERALS = ['/eph/e0', '/eph/e1'] as const;

export interface WorkloadOptions {
  /** Op ids (and aliases of read-only sessions) start here: unique per tab and page load. */
  readonly idBase: number;
  readonly clients?: number;
  readonly thinkMs?: number;
  readonly sessionTimeoutMs?: number;
  readonly seed?: number;
}

export interface AppliedTxn {
  readonly zxid: Zxid;
  readonly txn: ServerTxn;
  readonly result: TxnResult;
  /** When this tab applied it (the earliest over all tabs is when it took effect). */
  readonly atMs: number;
}

/** Every txn the member applies from now on. */
export class AppliedLog {
  readonly txns: AppliedTxn[] = [];
  private readonly off: () => void;

  constructor(member: BrowserMember) {
    this.off = member.onReady((ready) => {
      const atMs = Date.now();
      for (const d of ready.deliveries) if (d.kind === 'apply') this.txns.push({ zxid: d.zxid, txn: d.txn, result: d.result, atMs });
    });
  }

  stop(): void {
    this.off();
  }
}

const enc = new TextEncoder();
const dec = new TextDecoder();

export class TabWorkload {
  readonly ops: RecordedOp[] = [];
  /** The client working in each slot now. */
  private readonly slots: RecordingClient[] = [];
  /** Every client ever made (one replaces an expired one). */
  private readonly all: RecordingClient[] = [];
  private readonly loops: Promise<void>[] = [];
  private readonly aliases = new Map<string, number>();
  private readonly versions = new Map<string, number>();
  private readonly random: () => number;
  private nextOpId: number;
  private running = false;

  constructor(
    private readonly member: BrowserMember,
    private readonly o: WorkloadOptions,
  ) {
    this.nextOpId = o.idBase;
    this.random = mulberry32(o.seed ?? o.idBase);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    for (let slot = 0; slot < (this.o.clients ?? 2); slot++) {
      this.slots.push(this.newClient(slot));
      this.loops.push(this.loop(slot));
    }
  }

  /** Invokes nothing more; ops in flight stay in flight (and in the history, as unknown until answered). */
  freeze(): void {
    this.running = false;
  }

  /** Stops, waits for the ops in flight, closes the sessions. */
  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
    await Promise.all(this.all.map((c) => c.close().catch(() => {})));
  }

  problems(): string[] {
    return this.all.flatMap((c) => c.problems);
  }

  private newClient(slot: number): RecordingClient {
    const generation = this.all.length;
    const client = new RecordingClient({
      connector: this.member.connector,
      sessionTimeoutMs: this.o.sessionTimeoutMs ?? 6000,
      canBeReadOnly: slot % 2 === 1,
      nextId: () => this.nextOpId++,
      sessionFor: (sessionId) => {
        if (sessionId > 0) return sessionId;
        const key = `${generation}:${sessionId}`;
        let alias = this.aliases.get(key);
        if (alias === undefined) this.aliases.set(key, (alias = -(this.o.idBase + this.aliases.size + 1)));
        return alias;
      },
      record: (op) => this.ops.push(op),
    });
    this.all.push(client);
    return client;
  }

  private async loop(slot: number): Promise<void> {
    while (this.running) {
      let c = this.slots[slot]!;
      if (c.zk.state === 'EXPIRED' || c.zk.state === 'CLOSED') c = this.slots[slot] = this.newClient(slot);
      await this.step(c);
      const thinkMs = this.o.thinkMs ?? 20;
      await new Promise((r) => setTimeout(r, this.random() * 2 * thinkMs));
    }
  }

  private pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.random() * xs.length)]!;
  }

  private async step(c: RecordingClient): Promise<void> {
    const r = this.random();
    const key = this.pick(COUNTERS);
    const tag = `m${this.member.id}-${this.nextOpId}`;
    if (r < 0.3) {
      // A CAS increment: read, then write at the version read (BADVERSION if someone got there first).
      const read = await this.run(c, { op: 'getData', path: key, watch: false });
      if (read?.result?.op !== 'getData') return;
      const n = Number(dec.decode(read.result.data).split('|')[0]) || 0;
      await this.run(c, { op: 'setData', path: key, data: enc.encode(`${n + 1}|${tag}`), version: read.result.stat.version });
    } else if (r < 0.42) {
      const version = this.versions.get(key) ?? 0;
      await this.run(c, { op: 'multi', ops: [{ op: 'check', path: key, version }, { op: 'setData', path: key, data: enc.encode(`m|${tag}`), version: -1 }] });
    } else if (r < 0.55) {
      await this.run(c, { op: 'create', path: '/q/s-', data: enc.encode(tag), mode: 'PERSISTENT_SEQUENTIAL' });
    } else if (r < 0.65) {
      await this.run(c, { op: 'create', path: this.pick(EPHEMERALS), data: enc.encode(tag), mode: 'EPHEMERAL' });
    } else if (r < 0.7) {
      await this.run(c, { op: 'delete', path: this.pick(EPHEMERALS), version: -1 });
    } else if (r < 0.82) {
      await this.run(c, { op: 'getData', path: this.random() < 0.7 ? key : this.pick(EPHEMERALS), watch: false });
    } else if (r < 0.87) {
      await this.run(c, { op: 'exists', path: this.pick([...COUNTERS, ...EPHEMERALS]), watch: false });
    } else if (r < 0.92) {
      await this.run(c, { op: 'getChildren', path: '/eph', watch: false, withStat: false });
    } else {
      const s = await this.run(c, { op: 'sync', path: '/' });
      if (s?.outcome === 'ok') await this.run(c, { op: 'getData', path: key, watch: false });
    }
  }

  /** Null once frozen: the second op of a step (the write of a CAS, the read after a sync) is not invoked then. */
  private async run(c: RecordingClient, op: Operation): Promise<RecordedOp | null> {
    if (!this.running) return null;
    const rec = await c.run(op);
    const path = 'path' in op ? op.path : undefined;
    const res = rec.result;
    if (path && res && (res.op === 'getData' || res.op === 'setData')) this.versions.set(path, res.stat.version);
    return rec;
  }
}

/** The history of this tab so far, as base64 msgpack: { ops, applied, problems }. */
export function exportHistory(workloads: readonly TabWorkload[], applied: AppliedLog | null): string {
  const bytes = encodeValue({
    ops: workloads.flatMap((w) => w.ops),
    applied: applied?.txns ?? [],
    problems: workloads.flatMap((w) => w.problems()),
  });
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}
