/**
 * Target 1: a 3-member peerkeeper ensemble of `peerkeeper node` child processes (src/node/supervisor.ts),
 * the signalling server in this process, each member hosting a rendezvous, fresh temp data dirs
 * (FileStorage always fsyncs), the default 50 ms tick. Clients: our ZooKeeperClient over each
 * member's WebSocket client port, or (`protocol: 'zookeeper'`, the `peerkeeper-zk` target) the
 * members also started with `--zk-port` and driven by node-zookeeper-client, exactly the client code
 * of the ZooKeeper target, so that a ratio against ZooKeeper compares servers, not client libraries.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Supervisor } from '../../src/node/supervisor.js';
import { DEFAULT_WEBRTC_BINDING, type WebRtcBindingName } from '../../src/node/webrtc-binding.js';
import type { MemberStatus } from '../../src/node/status.js';
import { startSignallingServer, type SignallingServer } from '../../src/signalling/server.js';
import { peerkeeperClient } from '../clients/peerkeeper.js';
import type { BenchClient } from '../lib/adapter.js';
import { removeDir, trackDir, trackPid } from '../lib/cleanup.js';
import { freePorts, waitUntil } from '../lib/procs.js';
import { spawnProvider, type Provider, type Settled, type Target } from './target.js';

export interface PeerkeeperTargetOptions {
  readonly size?: number;
  readonly tickMs?: number;
  /** Extra NODE_OPTIONS for the members (the profiler's --import hook). */
  readonly nodeOptions?: string;
  /** Extra environment for the members. */
  readonly env?: NodeJS.ProcessEnv;
  /** Where the data dirs go (default: a fresh dir under the OS temp dir). */
  readonly dataRoot?: string;
  /** Each member records its write pipeline to `<traceDir>/member-<id>.trace` (bench/trace.ts). */
  readonly traceDir?: string;
  /**
   * Which client port the load uses: peerkeeper's WebSocket port with our client (default), or
   * ZooKeeper's protocol (`--zk-port`) with node-zookeeper-client (clients/zookeeper.ts).
   */
  readonly protocol?: 'peerkeeper' | 'zookeeper';
  /**
   * The members' WebRTC binding (`--webrtc`). The default binding's target keeps the plain key
   * (`peerkeeper`, column `ratio`); another is `peerkeeper-<binding>` with its own ratio column.
   */
  readonly webrtc?: WebRtcBindingName;
}

export class PeerkeeperTarget implements Target {
  readonly key: string;
  readonly label: string;
  readonly side = 'ours' as const;
  readonly ratioColumn: string;
  readonly ids: readonly number[];
  readonly config: Record<string, unknown>;
  readonly root: string;
  private readonly tickMs: number;
  private readonly webrtc: WebRtcBindingName;
  private readonly room = `bench-${process.pid}`;
  private readonly secret = randomBytes(16).toString('hex');
  private server: SignallingServer | null = null;
  private supervisor: Supervisor | null = null;
  private clientPorts = new Map<number, number>();
  private zkPorts = new Map<number, number>();
  private readonly protocol: 'peerkeeper' | 'zookeeper';
  private readonly tails = new Map<number, string[]>();
  private readonly clients = new Set<BenchClient>();

  constructor(private readonly o: PeerkeeperTargetOptions = {}) {
    const size = o.size ?? 3;
    this.ids = Array.from({ length: size }, (_, i) => i + 1);
    this.tickMs = o.tickMs ?? 50;
    this.protocol = o.protocol ?? 'peerkeeper';
    const zk = this.protocol === 'zookeeper';
    const webrtc = o.webrtc ?? DEFAULT_WEBRTC_BINDING;
    this.webrtc = webrtc;
    const suffix = webrtc === DEFAULT_WEBRTC_BINDING ? '' : `-${webrtc}`;
    this.key = (zk ? 'peerkeeper-zk' : 'peerkeeper') + suffix;
    this.label = (zk ? 'peerkeeper, ZK protocol' : 'peerkeeper') + (suffix ? ` (${webrtc})` : '');
    this.ratioColumn = (zk ? 'zk-ratio' : 'ratio') + suffix;
    this.root = mkdtempSync(join(o.dataRoot ?? tmpdir(), 'peerkeeper-bench-'));
    trackDir(this.root);
    this.config = {
      members: size,
      process: `\`peerkeeper node\` child processes, WebRTC mesh (${webrtc === 'roamhq' ? '@roamhq/wrtc' : 'node-datachannel'}), FileStorage (fsync)`,
      webrtc,
      tickMs: this.tickMs,
      syncLimitTicks: 5,
      initLimitTicks: 10,
      client: zk ? 'node-zookeeper-client 1.x (spinDelay 100 ms) on each member\'s --zk-port, as for ZooKeeper' : 'ZooKeeperClient over webSocketConnector (ws)',
      dataRoot: this.root,
    };
  }

  async start(): Promise<void> {
    const ports = await freePorts(this.ids.length * 3);
    const rendezvous = new Map<number, number>();
    this.ids.forEach((id, i) => {
      this.clientPorts.set(id, ports[3 * i]!);
      rendezvous.set(id, ports[3 * i + 1]!);
      if (this.protocol === 'zookeeper') this.zkPorts.set(id, ports[3 * i + 2]!);
    });
    const room = this.room;
    const secret = this.secret;
    this.server = await startSignallingServer({ port: 0, host: '127.0.0.1', roomSecretCheck: (r) => (r === room ? secret : undefined) });
    const signal = [this.server.url, ...this.ids.map((id) => `ws://127.0.0.1:${rendezvous.get(id)}`)].join(',');
    // No `restart`: the failover and restart rows kill members on purpose and bring them back on
    // their own schedule (kill9, restart); a supervisor restarting them meanwhile would blur both.
    this.supervisor = new Supervisor({
      ids: this.ids,
      // Members run the built JavaScript, as the package and `npm start` do (`npm run bench` builds first).
      form: 'built',
      clientPort: (id) => this.clientPorts.get(id)!,
      args: (id) => [
        '--id', String(id), '--members', this.ids.join(','), '--room', room, '--signal', signal,
        '--rendezvous-port', String(rendezvous.get(id)), '--data', join(this.root, `m${id}`),
        '--client-port', String(this.clientPorts.get(id)), '--tick-ms', String(this.tickMs), '--webrtc', this.webrtc,
        ...(this.protocol === 'zookeeper' ? ['--zk-port', String(this.zkPorts.get(id))] : []),
        ...(this.o.traceDir ? ['--trace-file', join(this.o.traceDir, `member-${id}.trace`)] : []),
      ],
      env: { ...this.o.env, PEERKEEPER_SECRET: secret, ...(this.o.nodeOptions ? { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} ${this.o.nodeOptions}`.trim() } : {}) },
      onLine: (id, line) => {
        if (process.env.BENCH_LOG) process.stderr.write(`\n[pk ${id}] ${line}`);
        const tail = this.tails.get(id) ?? [];
        tail.push(line);
        if (tail.length > 30) tail.shift();
        this.tails.set(id, tail);
      },
    });
    for (const id of this.ids) this.startMember(id);
  }

  private startMember(id: number): void {
    const sup = this.supervisor!;
    sup.start(id);
    trackPid(sup.member(id).child?.pid);
  }

  pid(id: number): number | undefined {
    return this.supervisor?.member(id).child?.pid;
  }

  url(id: number): string {
    return `ws://127.0.0.1:${this.clientPorts.get(id)}`;
  }

  async status(id: number): Promise<MemberStatus | null> {
    if (!this.supervisor?.member(id).child) return null;
    try {
      const res = await fetch(`http://127.0.0.1:${this.clientPorts.get(id)}/status`, { signal: AbortSignal.timeout(2000) });
      return (await res.json()) as MemberStatus;
    } catch {
      return null;
    }
  }

  async settled(timeoutMs = 60_000): Promise<Settled> {
    const sup = this.supervisor!;
    let last: unknown = null;
    return waitUntil(
      async () => {
        const running = this.ids.filter((id) => sup.member(id).child);
        const all = await Promise.all(running.map((id) => this.status(id)));
        last = all.map((s) => s && `${s.id}:${s.role}/${s.phase}${s.serving ? '' : '(not serving)'} leader ${s.leader}`);
        if (all.some((s) => s === null)) return undefined;
        const leader = all.find((s) => s!.role === 'LEADING' && s!.serving);
        if (!leader) return undefined;
        const followers = all.filter((s) => s!.id !== leader.id);
        if (!followers.every((s) => s!.role === 'FOLLOWING' && s!.serving && s!.leader === leader.id)) return undefined;
        return { leader: leader.id, epoch: leader.epoch ?? leader.currentEpoch, followers: followers.map((s) => s!.id) };
      },
      timeoutMs,
      () => `peerkeeper did not settle: ${JSON.stringify(last)}\n${this.logTail()}`,
      100,
    );
  }

  /** host:port of the members' ZooKeeper-protocol ports (the `peerkeeper-zk` target). */
  zkHosts(ids: readonly number[]): string[] {
    return ids.map((id) => `127.0.0.1:${this.zkPorts.get(id)}`);
  }

  async client(ids: readonly number[], sessionTimeoutMs: number): Promise<BenchClient> {
    const c =
      this.protocol === 'zookeeper'
        ? await (await import('../clients/zookeeper.js')).zookeeperClient(this.zkHosts(ids), { sessionTimeoutMs })
        : await peerkeeperClient(
            ids.map((id) => this.url(id)),
            { sessionTimeoutMs },
          );
    this.clients.add(c);
    const close = c.close.bind(c);
    return { ...c, close: () => (this.clients.delete(c), close()) };
  }

  async kill9(id: number): Promise<number> {
    const child = this.supervisor!.member(id).child;
    if (!child) throw new Error(`member ${id} is not running`);
    const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const at = performance.now();
    child.kill('SIGKILL');
    await gone;
    return at;
  }

  async restart(id: number): Promise<void> {
    this.startMember(id);
  }

  provider(path: string, sessionTimeoutMs: number): Promise<Provider> {
    if (this.protocol === 'zookeeper') return spawnProvider('zookeeper-provider.ts', [this.zkHosts(this.ids).join(','), path, String(sessionTimeoutMs)]);
    return spawnProvider('peerkeeper-provider.ts', [this.ids.map((id) => this.url(id)).join(','), path, String(sessionTimeoutMs)]);
  }

  logTail(): string {
    return [...this.tails].map(([id, lines]) => `--- member ${id}\n${lines.slice(-10).join('\n')}`).join('\n');
  }

  /** Members stop on SIGTERM (flushing --cpu-prof profiles); SIGKILL after 8 s. */
  async stop(): Promise<void> {
    for (const c of [...this.clients]) await c.close().catch(() => {});
    await this.supervisor?.stopAll(8000);
    await this.server?.close();
    removeDir(this.root);
  }
}
