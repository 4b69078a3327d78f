/**
 * A Node member's admin GETs, answered on its client port and on its --metrics-port:
 *   /status        JSON (MemberStatus): what `srvr` and `peerkeeper ensemble` show
 *   /metrics       Prometheus text exposition 0.0.4
 *   /metrics.json  the same metrics as JSON (MetricsSnapshot)
 *   /mntr          ZooKeeper's mntr: one `key<TAB>value` per line
 *   /digests       JSON (DigestReport): recent (zxid → digest) pairs, `?since=EPOCH,COUNTER` to trim
 *   /backup        a backup file (server/backup-file.ts) of this member's tree at its applied zxid;
 *                  503 unless it serves in a quorum and, with `?atLeast=EPOCH,COUNTER`, has applied that;
 *                  on the client port only (it holds the session passwords), never the metrics port
 */
import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import type { AdmissionMetrics } from '../server/admission-metrics.js';
import type { MetricsSnapshot } from '../server/metrics.js';
import type { ZkPortMetrics } from '../server/zk-port-metrics.js';
import { backupHeader, backupPayloadPieces } from '../server/backup-file.js';
import { renderMntr } from '../server/mntr.js';
import { PROMETHEUS_CONTENT_TYPE, renderPrometheus } from '../server/prometheus.js';
import type { MemberRunner } from '../server/runner.js';
import { crc32 } from '../storage/file/crc32.js';
import { encodeSnapshotPieces } from '../tree/snapshot.js';
import { compareZxid, formatZxid, type Zxid } from '../zab/zxid.js';
import type { MemberStatus } from './status.js';
import { udpReceiveBufferErrors } from './udp-buffers.js';

export type AdminHandler = (path: string, res: ServerResponse, query: URLSearchParams) => boolean;

let version: string | undefined;

/** `peerkeeper 0.1.0`, from package.json. */
export function peerkeeperVersion(): string {
  if (version === undefined) {
    try {
      const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
      version = `peerkeeper ${pkg.version ?? 'unknown'}`;
    } catch {
      version = 'peerkeeper';
    }
  }
  return version;
}

/** `3,1200` or `(3,1200)` → the zxid; undefined for anything else. */
export function parseSince(raw: string | null): Zxid | undefined {
  if (raw === null) return undefined;
  const m = /^\(?(\d+),(\d+)\)?$/.exec(raw.trim());
  return m ? { epoch: Number(m[1]), counter: Number(m[2]) } : undefined;
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(body);
}

/** `backup`: answer GET /backup (the whole tree and the session passwords; the client port only). */
export interface HostMetricsSources {
  /** What the WebSocket client port refused and throttled. */
  readonly admission?: () => AdmissionMetrics | undefined;
  /** What the ZooKeeper-protocol port counted (when the member serves one). */
  readonly zkPort?: () => ZkPortMetrics | undefined;
}

/** The runner's metrics and what only the host can tell: the kernel's UDP drop counter, what the client ports counted. */
export function hostMetrics(runner: MemberRunner, sources: HostMetricsSources = {}): MetricsSnapshot {
  const m = runner.metrics();
  const udp = udpReceiveBufferErrors();
  const a = sources.admission?.();
  const z = sources.zkPort?.();
  return { ...m, ...(udp === undefined ? {} : { udpReceiveBufferErrors: udp }), ...(a === undefined ? {} : { admission: a }), ...(z === undefined ? {} : { zkPort: z }) };
}

export function adminHandler(
  runner: MemberRunner,
  status: () => MemberStatus,
  options: HostMetricsSources & { readonly backup?: boolean } = {},
): AdminHandler {
  const metrics = (): MetricsSnapshot => hostMetrics(runner, options);
  return (path, res, query) => {
    switch (path) {
      case '/status':
        send(res, 200, 'application/json', `${JSON.stringify(status())}\n`);
        return true;
      case '/metrics':
        send(res, 200, PROMETHEUS_CONTENT_TYPE, renderPrometheus(metrics()));
        return true;
      case '/metrics.json':
        send(res, 200, 'application/json', `${JSON.stringify(metrics())}\n`);
        return true;
      case '/mntr':
        send(res, 200, 'text/plain; charset=utf-8', renderMntr(metrics(), peerkeeperVersion()));
        return true;
      case '/digests': {
        const raw = query.get('since');
        const since = parseSince(raw);
        if (raw !== null && since === undefined) {
          send(res, 400, 'text/plain', `since must be EPOCH,COUNTER, got ${raw}\n`);
          return true;
        }
        send(res, 200, 'application/json', `${JSON.stringify(runner.digests(since))}\n`);
        return true;
      }
      case '/backup':
        if (!options.backup) return false;
        sendBackup(runner, res, query);
        return true;
      default:
        return false;
    }
  };
}

/**
 * The member's tree as a backup file. Captured in one synchronous step (one applied zxid; node data
 * by reference, so nothing big is copied then), and only from a member serving in a quorum that has
 * applied `atLeast` (what the caller's sync saw), so the backup holds every write completed before
 * it was asked for. Then encoded, checksummed and sent in slices of a few ms with the event loop
 * free in between: the member keeps hearing its peers and answering its clients while a tree of tens
 * of MB goes out. One backup at a time per member (`backupInFlight`), so requests cannot pile up
 * copies of the tree.
 */
let backupInFlight = false;
const SLICE_MS = 8;

function sendBackup(runner: MemberRunner, res: ServerResponse, query: URLSearchParams): void {
  const raw = query.get('atLeast');
  const atLeast = parseSince(raw);
  if (raw !== null && atLeast === undefined) {
    send(res, 400, 'text/plain', `atLeast must be EPOCH,COUNTER, got ${raw}\n`);
    return;
  }
  if (!runner.member.status().serving) {
    send(res, 503, 'text/plain', `member ${runner.id} is not serving in a quorum\n`);
    return;
  }
  const applied = runner.member.dataTree.lastZxid;
  if (atLeast && compareZxid(applied, atLeast) < 0) {
    send(res, 503, 'text/plain', `member ${runner.id} has applied ${formatZxid(applied)}, not yet ${formatZxid(atLeast)}\n`);
    return;
  }
  if (backupInFlight) {
    send(res, 503, 'text/plain', `member ${runner.id} is already sending a backup\n`);
    return;
  }
  backupInFlight = true;
  const capture = runner.member.captureForBackup();
  streamBackup(runner.id, capture, res)
    .catch((err: unknown) => res.destroy(err instanceof Error ? err : new Error(String(err))))
    .finally(() => {
      backupInFlight = false;
    });
}

async function streamBackup(member: number, capture: ReturnType<MemberRunner['member']['captureForBackup']>, res: ServerResponse): Promise<void> {
  let sliceStart = performance.now();
  const breathe = async (): Promise<void> => {
    if (performance.now() - sliceStart < SLICE_MS) return;
    await new Promise((r) => setImmediate(r));
    sliceStart = performance.now();
  };
  const treePieces: Uint8Array[] = [];
  for (const piece of encodeSnapshotPieces(capture.tree, capture.digest)) {
    treePieces.push(piece);
    await breathe();
    if (res.destroyed) return;
  }
  const payload = backupPayloadPieces(treePieces, capture.passwords);
  let crc = 0;
  let payloadBytes = 0;
  for (const p of payload) {
    crc = crc32(p, 0, p.length, crc);
    payloadBytes += p.length;
    await breathe();
    if (res.destroyed) return;
  }
  const header = backupHeader({ zxid: capture.zxid, digest: capture.digest, member, payloadBytes, payloadCrc: crc });
  res.writeHead(200, {
    'content-type': 'application/octet-stream',
    'content-length': String(header.length + payloadBytes),
    'cache-control': 'no-store',
    'x-peerkeeper-zxid': formatZxid(capture.zxid),
    'x-peerkeeper-digest': capture.digest,
  });
  for (const p of [header, ...payload]) {
    if (res.destroyed) return;
    // Backpressure: wait for the socket to drain rather than queue the whole tree in it.
    if (!res.write(p)) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          res.off('drain', done);
          res.off('close', done);
          resolve();
        };
        res.on('drain', done);
        res.on('close', done);
      });
    }
  }
  res.end();
}
