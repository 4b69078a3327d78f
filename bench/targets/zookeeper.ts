/**
 * Target 2: Apache ZooKeeper 3.8 (Debian's package) as 3 QuorumPeerMain JVMs on 127.0.0.1, each
 * with its own dataDir + myid, forceSync=yes, the AdminServer off and the 4lw whitelist "srvr,mntr"
 * (`srvr` over a TCP socket tells leader from follower). Clients: node-zookeeper-client.
 *
 * Each JVM runs under `sh -c 'java … & cat >/dev/null; kill -9 $!'`: if this process dies even by
 * SIGKILL its stdin pipe closes and the JVM goes with it. kill -9 of "the leader" kills the JVM itself.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchClient } from '../lib/adapter.js';
import { removeDir, trackDir, trackPid, untrackPid } from '../lib/cleanup.js';
import { freePorts, spawnTracked, waitUntil, type Proc } from '../lib/procs.js';
import { spawnProvider, type Provider, type Settled, type Target } from './target.js';

export const ZK_JAR = '/usr/share/java/zookeeper.jar';
const SLF4J_SIMPLE = '/usr/share/java/slf4j-simple.jar';

/** Why ZooKeeper cannot run here, or null when java, the jar and node-zookeeper-client are all present. */
export async function zookeeperMissing(): Promise<string | null> {
  const java = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (java.error || java.status !== 0) return 'no `java` on PATH';
  if (!existsSync(ZK_JAR)) return `no ${ZK_JAR} (Debian: apt-get install zookeeper; or pass --install as root)`;
  return nodeZookeeperClientMissing();
}

/** Why node-zookeeper-client (the client of the ZooKeeper and peerkeeper-zk targets) cannot load, or null. */
export async function nodeZookeeperClientMissing(): Promise<string | null> {
  try {
    await import('node-zookeeper-client');
  } catch {
    return 'node-zookeeper-client (devDependency) is not installed';
  }
  return null;
}

export function javaVersion(): string {
  const r = spawnSync('java', ['-version'], { encoding: 'utf8' });
  return (r.stderr || r.stdout || '').split('\n')[0]?.trim() ?? '?';
}

export interface ZkTargetOptions {
  readonly tickMs: number;
  readonly size?: number;
  readonly heap?: string;
  readonly dataRoot?: string;
}

interface Server {
  readonly id: number;
  readonly clientPort: number;
  readonly dir: string;
  readonly cfg: string;
  wrapper: Proc | null;
  javaPid: number | null;
  wrapperGone: Promise<void>;
}

export interface SrvrInfo {
  readonly mode: string;
  readonly zxid: bigint;
}

/** `srvr` over TCP; null if the server does not answer or is not serving. */
export function srvr(port: number, timeoutMs = 1000): Promise<SrvrInfo | null> {
  return new Promise((resolve) => {
    let text = '';
    const socket = connect({ host: '127.0.0.1', port });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(null);
    }, timeoutMs);
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write('srvr'));
    socket.on('data', (d: string) => (text += d));
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(parseSrvr(text));
    });
  });
}

export function parseSrvr(text: string): SrvrInfo | null {
  const mode = /^Mode: (\S+)/m.exec(text)?.[1];
  const zxid = /^Zxid: (0x[0-9a-fA-F]+)/m.exec(text)?.[1];
  if (!mode || !zxid) return null;
  return { mode, zxid: BigInt(zxid) };
}

export class ZooKeeperTarget implements Target {
  readonly key: string;
  readonly label: string;
  readonly side = 'baseline' as const;
  readonly ids: readonly number[];
  readonly config: Record<string, unknown>;
  private readonly root: string;
  private servers = new Map<number, Server>();
  private readonly clients = new Set<BenchClient>();

  constructor(private readonly o: ZkTargetOptions) {
    const size = o.size ?? 3;
    this.ids = Array.from({ length: size }, (_, i) => i + 1);
    this.key = `zookeeper-tick${o.tickMs}`;
    this.label = `ZooKeeper tick ${o.tickMs}`;
    this.root = mkdtempSync(join(o.dataRoot ?? tmpdir(), 'zookeeper-bench-'));
    trackDir(this.root);
    this.config = {
      members: size,
      version: '3.8 (Debian package), QuorumPeerMain JVMs',
      java: javaVersion(),
      heap: o.heap ?? '1000m',
      tickTime: o.tickMs,
      initLimit: 10,
      syncLimit: 5,
      forceSync: 'yes',
      sessionTimeouts: `${2 * o.tickMs}..60000 ms`,
      client: 'node-zookeeper-client 1.x (spinDelay 100 ms)',
      dataRoot: this.root,
    };
  }

  async start(): Promise<void> {
    const ports = await freePorts(this.ids.length * 3);
    const quorum = this.ids.map((id, i) => `server.${id}=127.0.0.1:${ports[3 * i + 1]}:${ports[3 * i + 2]}`);
    this.ids.forEach((id, i) => {
      const dir = join(this.root, `s${id}`);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'myid'), `${id}\n`);
      const cfg = join(this.root, `zoo${id}.cfg`);
      writeFileSync(
        cfg,
        [
          `tickTime=${this.o.tickMs}`,
          'initLimit=10',
          'syncLimit=5',
          `dataDir=${dir}`,
          `clientPort=${ports[3 * i]}`,
          'clientPortAddress=127.0.0.1',
          'forceSync=yes',
          'admin.enableServer=false',
          '4lw.commands.whitelist=srvr,mntr',
          `minSessionTimeout=${2 * this.o.tickMs}`,
          'maxSessionTimeout=60000',
          'maxClientCnxns=0',
          ...quorum,
          '',
        ].join('\n'),
      );
      this.servers.set(id, { id, clientPort: ports[3 * i]!, dir, cfg, wrapper: null, javaPid: null, wrapperGone: Promise.resolve() });
    });
    await Promise.all(this.ids.map((id) => this.startServer(id)));
  }

  private async startServer(id: number): Promise<void> {
    const s = this.servers.get(id)!;
    await s.wrapperGone;
    const classpath = [ZK_JAR, ...(existsSync(SLF4J_SIMPLE) ? [SLF4J_SIMPLE] : [])].join(':');
    const javaArgs = [
      `-Xmx${this.o.heap ?? '1000m'}`,
      '-Dorg.slf4j.simpleLogger.defaultLogLevel=warn',
      '-Dzookeeper.admin.enableServer=false',
      '-cp', classpath,
      'org.apache.zookeeper.server.quorum.QuorumPeerMain', s.cfg,
    ];
    const script = 'java "$@" & echo "JAVA_PID $!"; cat >/dev/null; kill -9 $! 2>/dev/null';
    const wrapper = spawnTracked('sh', ['-c', script, 'sh', ...javaArgs], {}, (line) => {
      if (process.env.BENCH_LOG) process.stderr.write(`\n[zk ${id}] ${line}`);
    });
    s.wrapper = wrapper;
    const m = await wrapper.waitFor(/JAVA_PID (\d+)/, 10_000);
    s.javaPid = Number(m[1]);
    trackPid(s.javaPid);
  }

  async settled(timeoutMs = 60_000): Promise<Settled> {
    let last: unknown = null;
    return waitUntil(
      async () => {
        const running = this.ids.filter((id) => this.servers.get(id)!.javaPid !== null);
        const all = await Promise.all(running.map(async (id) => ({ id, info: await srvr(this.servers.get(id)!.clientPort) })));
        last = all.map((a) => `${a.id}:${a.info?.mode ?? 'not serving'}`);
        if (all.some((a) => a.info === null)) return undefined;
        const leaders = all.filter((a) => a.info!.mode === 'leader');
        if (leaders.length !== 1) return undefined;
        if (!all.every((a) => a.info!.mode === 'leader' || a.info!.mode === 'follower')) return undefined;
        const leader = leaders[0]!;
        return { leader: leader.id, epoch: Number(leader.info!.zxid >> 32n), followers: all.filter((a) => a !== leader).map((a) => a.id) };
      },
      timeoutMs,
      () => `ZooKeeper did not settle: ${JSON.stringify(last)}\n${this.logTail()}`,
      100,
    );
  }

  hosts(ids: readonly number[]): string[] {
    return ids.map((id) => `127.0.0.1:${this.servers.get(id)!.clientPort}`);
  }

  async client(ids: readonly number[], sessionTimeoutMs: number): Promise<BenchClient> {
    const { zookeeperClient } = await import('../clients/zookeeper.js');
    const c = await zookeeperClient(this.hosts(ids), { sessionTimeoutMs });
    this.clients.add(c);
    const close = c.close.bind(c);
    return { ...c, close: () => (this.clients.delete(c), close()) };
  }

  async kill9(id: number): Promise<number> {
    const s = this.servers.get(id)!;
    const pid = s.javaPid;
    if (pid === null) throw new Error(`server ${id} is not running`);
    const at = performance.now();
    process.kill(pid, 'SIGKILL');
    s.javaPid = null;
    untrackPid(pid);
    await waitUntil(() => (alive(pid) ? undefined : true), 5000, () => `java ${pid} still alive`, 5);
    // Then let the wrapper go (its `kill -9 $!` finds nothing), in the background.
    const wrapper = s.wrapper;
    s.wrapper = null;
    wrapper?.child.stdin?.end();
    s.wrapperGone = wrapper?.exited.then(() => {}) ?? Promise.resolve();
    return at;
  }

  async restart(id: number): Promise<void> {
    await this.startServer(id);
  }

  provider(path: string, sessionTimeoutMs: number): Promise<Provider> {
    return spawnProvider('zookeeper-provider.ts', [this.hosts(this.ids).join(','), path, String(sessionTimeoutMs)]);
  }

  logTail(): string {
    return [...this.servers.values()].map((s) => `--- server ${s.id}\n${(s.wrapper?.tail ?? []).slice(-10).join('\n')}`).join('\n');
  }

  async stop(): Promise<void> {
    for (const c of [...this.clients]) await c.close().catch(() => {});
    await Promise.all(
      [...this.servers.values()].map(async (s) => {
        if (s.javaPid !== null) await this.kill9(s.id).catch(() => {});
        s.wrapper?.child.stdin?.end();
        await s.wrapper?.exited;
        await s.wrapperGone;
      }),
    );
    removeDir(this.root);
  }
}

/** Alive and not a zombie. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}
