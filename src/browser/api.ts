/**
 * The member page's API, `window.peerkeeper`: what its buttons call and what the browser tests drive,
 * one code path for both. Client operations go through the tab's real ZooKeeperClient; data travels
 * as strings (UTF-8), so everything here crosses `page.evaluate` as plain JSON.
 */
import { fromUtf8, utf8 } from '../client/bytes.js';
import type { CreateMode, MultiOp, MultiResult, Stat } from '../protocol/client.js';
import type { CandidatePath } from '../transport/webrtc.js';
import type { BrowserMember } from './member.js';
import type { BrowserMemberStatus } from './status.js';
import { AppliedLog, TabWorkload, exportHistory, type WorkloadOptions } from './workload.js';

export type JsonMultiOp =
  | { readonly op: 'create'; readonly path: string; readonly data?: string; readonly mode?: CreateMode }
  | { readonly op: 'delete'; readonly path: string; readonly version?: number }
  | { readonly op: 'setData'; readonly path: string; readonly data: string; readonly version?: number }
  | { readonly op: 'check'; readonly path: string; readonly version: number };

export interface PeerkeeperApi {
  readonly id: number;
  status(): BrowserMemberStatus;
  create(path: string, data?: string, mode?: CreateMode): Promise<string>;
  setData(path: string, data: string, version?: number): Promise<Stat>;
  getData(path: string): Promise<{ data: string; stat: Stat }>;
  exists(path: string): Promise<Stat | null>;
  getChildren(path: string): Promise<string[]>;
  delete(path: string, version?: number): Promise<void>;
  sync(path?: string): Promise<string>;
  multi(ops: readonly JsonMultiOp[]): Promise<MultiResult[]>;
  /** The selected ICE candidate pair of the link to `peer`: each end's type (host, srflx, relay), protocol, address. */
  candidatePath(peer: number): Promise<CandidatePath | null>;
  /** Cut this tab off from every other member (a partition) / reconnect it. */
  isolate(): void;
  rejoin(): void;
  stop(): Promise<void>;
  /** Recording for the history checker (see workload.ts). */
  readonly history: {
    /** Start keeping every txn this member applies (the ground truth). */
    record(): void;
    startWorkload(options: WorkloadOptions): void;
    /** Invoke nothing more (before the tab is closed or reloaded). */
    freeze(): void;
    stop(): Promise<void>;
    /** Everything recorded so far, base64 msgpack { ops, applied, problems }. */
    export(): string;
  };
}

function multiOp(o: JsonMultiOp): MultiOp {
  switch (o.op) {
    case 'create':
      return { op: 'create', path: o.path, data: utf8(o.data ?? ''), mode: o.mode ?? 'PERSISTENT' };
    case 'delete':
      return { op: 'delete', path: o.path, version: o.version ?? -1 };
    case 'setData':
      return { op: 'setData', path: o.path, data: utf8(o.data), version: o.version ?? -1 };
    case 'check':
      return o;
  }
}

export function pageApi(member: BrowserMember): PeerkeeperApi {
  const zk = () => member.client();
  let applied: AppliedLog | null = null;
  const workloads: TabWorkload[] = [];
  return {
    id: member.id,
    status: () => member.status(),
    create: (path, data = '', mode = 'PERSISTENT') => zk().create(path, data, { mode }),
    setData: (path, data, version = -1) => zk().setData(path, data, version),
    getData: async (path) => {
      const r = await zk().getData(path);
      return { data: fromUtf8(r.data), stat: r.stat };
    },
    exists: (path) => zk().exists(path),
    getChildren: (path) => zk().getChildren(path),
    delete: (path, version = -1) => zk().delete(path, version),
    sync: (path = '/') => zk().sync(path),
    multi: (ops) => zk().multi(ops.map(multiOp)),
    candidatePath: async (peer) => (await member.candidatePath(peer)) ?? null,
    isolate: () => member.isolate(),
    rejoin: () => member.rejoin(),
    stop: () => member.stop(),
    history: {
      record: () => {
        applied ??= new AppliedLog(member);
      },
      startWorkload: (options) => {
        const w = new TabWorkload(member, options);
        workloads.push(w);
        w.start();
      },
      freeze: () => {
        for (const w of workloads) w.freeze();
      },
      stop: async () => {
        await Promise.all(workloads.map((w) => w.stop()));
      },
      export: () => exportHistory(workloads, applied),
    },
  };
}
