/**
 * A Node member's admin GETs, answered on its client port and on its --metrics-port:
 *   /status        JSON (MemberStatus): what `srvr` and `peerkeeper ensemble` show
 *   /metrics       Prometheus text exposition 0.0.4
 *   /metrics.json  the same metrics as JSON (MetricsSnapshot)
 *   /mntr          ZooKeeper's mntr: one `key<TAB>value` per line
 *   /digests       JSON (DigestReport): recent (zxid → digest) pairs, `?since=EPOCH,COUNTER` to trim
 */
import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import type { AdmissionMetrics } from '../server/admission-metrics.js';
import type { MetricsSnapshot } from '../server/metrics.js';
import { renderMntr } from '../server/mntr.js';
import { PROMETHEUS_CONTENT_TYPE, renderPrometheus } from '../server/prometheus.js';
import type { MemberRunner } from '../server/runner.js';
import type { Zxid } from '../zab/zxid.js';
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

export function adminHandler(runner: MemberRunner, status: () => MemberStatus, admission?: () => AdmissionMetrics | undefined): AdminHandler {
  // The runner's metrics and what only the host can tell (the kernel's UDP drop counter, what the client port refused).
  const metrics = (): MetricsSnapshot => {
    const m = runner.metrics();
    const udp = udpReceiveBufferErrors();
    const a = admission?.();
    return { ...m, ...(udp === undefined ? {} : { udpReceiveBufferErrors: udp }), ...(a === undefined ? {} : { admission: a }) };
  };
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
      default:
        return false;
    }
  };
}
