/**
 * One ensemble member as a Node process: the pure ServerMember driven by a MemberRunner, over the
 * WebRTC mesh, with its log and snapshots in fsync'd files and a local client endpoint. What
 * `peerkeeper node` starts; tests and `peerkeeper ensemble` start it as a child process.
 */
import { randomBytes as nodeRandomBytes } from 'node:crypto';
import { WebSocket } from 'ws';
import { MemberRunner } from '../server/runner.js';
import type { ServerReady } from '../server/member.js';
import { FileStorage } from '../storage/file.js';
import { WebRtcTransport } from '../transport/webrtc.js';
import { describeIceConfig, type IceConfig } from '../signalling/ice.js';
import { startRendezvous } from '../transport/webrtc/rendezvous.js';
import type { SignallingServer } from '../signalling/server.js';
import { DEFAULT_ZAB_TIMING, makeZabConfig, type ZabConfig } from '../zab/config.js';
import type { MemberId } from '../zab/messages.js';
import { describeZabEvent } from '../zab/event-text.js';
import type { ConnectionHandlers } from '../protocol/client.js';
import { startGateway, type Gateway } from '../gateway/server.js';
import { adminHandler, hostMetrics, peerkeeperVersion } from './admin-http.js';
import type { AdmissionLimits } from './admission.js';
import { EventLoopStall } from './event-loop-stall.js';
import { renderMntr } from '../server/mntr.js';
import { startClientEndpoint, type ClientEndpoint } from './client-endpoint.js';
import { ANY_ORIGIN } from './origin-check.js';
import { startMetricsServer, type MetricsServer } from './metrics-server.js';
import { PipelineRecorder } from './pipeline-recorder.js';
import { memberStatus, type MemberStatus } from './status.js';
import { corruptTreeAfter } from './test-corruption.js';
import { PartitionSwitch } from './test-partition.js';
import { acquireWebRtcBinding, DEFAULT_WEBRTC_BINDING, type WebRtcBindingName } from './webrtc-binding.js';
import { udpBufferAdvice, udpReceiveBufferDefault } from './udp-buffers.js';
import type { ZkPortMetrics } from '../server/zk-port-metrics.js';

export interface NodeMemberOptions {
  readonly id: MemberId;
  readonly members: readonly MemberId[];
  readonly room: string;
  readonly secret: string;
  /** Signalling server URLs (and other members' rendezvous URLs); any one reachable is enough. */
  readonly signal: readonly string[];
  readonly dataDir: string;
  readonly clientPort: number;
  readonly clientHost?: string;
  /** Serve ZooKeeper's own client protocol (gateway/) on this port; absent: off. */
  readonly zkPort?: number;
  readonly zkHost?: string;
  /** Four-letter words answered on the ZooKeeper port (default: every one implemented). */
  readonly zkFourLetterWhitelist?: ReadonlySet<string>;
  /**
   * Host a rendezvous (a one-room signalling server) on this port, so members restarting while the
   * signalling server is down can find the mesh through us. Others list its URL in their `signal`.
   */
  readonly rendezvousPort?: number;
  readonly rendezvousHost?: string;
  readonly tickMs?: number;
  readonly snapshotEveryTxns?: number;
  /** Session timeouts a client may get: by default 2 ticks to 60 s (the tick is short, sessions need not be). */
  readonly minSessionTimeoutMs?: number;
  readonly maxSessionTimeoutMs?: number;
  readonly zab?: Partial<Pick<ZabConfig, 'initLimitTicks' | 'syncLimitTicks' | 'electionFinalizeTicks' | 'logRetentionEntries'>>;
  /** Browser origins allowed to open a client WebSocket (origin-check.ts); programs send none and are let in. */
  readonly allowOrigins?: readonly string[];
  /** Host names the client port answers to beyond IP literals, localhost and this machine's name (origin-check.ts). */
  readonly allowHosts?: readonly string[];
  /** Admission limits at the client port (node/admission.ts), ZooKeeper's defaults where it has them. */
  readonly limits?: Partial<AdmissionLimits>;
  /** A separate HTTP server for scrapers (GET /metrics, /mntr, /status, /digests); 0 picks a free port. */
  readonly metricsPort?: number;
  readonly metricsHost?: string;
  /**
   * TEST ONLY (test-corruption.ts): corrupt this member's tree outside Zab after it applies this many
   * txns. The CLI accepts it only with PEERKEEPER_TEST_HOOKS=corrupt-tree in the environment.
   */
  readonly testCorruptAfterTxns?: number;
  /**
   * TEST ONLY (test-partition.ts): SIGUSR2 cuts this member off its peers and clients (no socket
   * closed) and heals it. The CLI accepts it only with PEERKEEPER_TEST_HOOKS=partition.
   */
  readonly testPartition?: boolean;
  /**
   * The WebRTC implementation of the member's links (webrtc-binding.ts): 'roamhq' (@roamhq/wrtc,
   * the default) or 'datachannel' (node-datachannel). Any binding talks to any other and to browsers.
   */
  readonly webrtc?: WebRtcBindingName;
  /**
   * STUN/TURN servers and the ICE transport policy for the member's WebRTC links; they win over what
   * a signalling server hands out (signalling/ice.ts). Absent: the hand-out, else the library default.
   */
  readonly ice?: IceConfig;
  /** Record the write pipeline (pipeline-recorder.ts) and save it here when the member stops: `npm run bench:trace`. */
  readonly traceFile?: string;
  readonly log?: (line: string) => void;
  /** Storage failed: the member has stopped. Default: log and exit(1). */
  readonly onFatal?: (error: Error) => void;
}

export interface NodeMember {
  readonly runner: MemberRunner;
  readonly endpoint: ClientEndpoint;
  readonly gateway: Gateway | null;
  readonly metricsServer: MetricsServer | null;
  status(): MemberStatus;
  stop(): Promise<void>;
}

/** Defaults for a LAN or one machine: a 50 ms tick, a dead leader noticed after 5 ticks of silence. */
export const DEFAULT_TICK_MS = 50;
export const DEFAULT_MAX_SESSION_TIMEOUT_MS = 60_000;
/** How long a member waits for the leader to answer a forwarded write before it calls it lost. */
const FORWARD_TIMEOUT_MS = 10_000;

export async function startNodeMember(o: NodeMemberOptions): Promise<NodeMember> {
  const log = o.log ?? ((line: string) => console.log(line));
  const tag = `[member ${o.id}]`;
  const say = (line: string): void => log(`${new Date().toISOString()} ${tag} ${line}`);
  const tickMs = o.tickMs ?? DEFAULT_TICK_MS;
  const storage = await FileStorage.open(o.dataDir, { onWarning: (m) => say(`storage: ${m}`) });
  const binding = await acquireWebRtcBinding(o.webrtc ?? DEFAULT_WEBRTC_BINDING);
  // A start refused part-way (a port in use, a damaged data directory) gives back what it took, so an
  // app that embeds members can try again in the same process.
  const undoStart = async (rendezvous: SignallingServer | null): Promise<void> => {
    binding.release();
    await rendezvous?.close();
    await storage.close().catch(() => {});
  };
  let rendezvous: SignallingServer | null = null;
  try {
    if (o.rendezvousPort !== undefined)
      rendezvous = await startRendezvous({ port: o.rendezvousPort, ...(o.rendezvousHost ? { host: o.rendezvousHost } : {}), room: o.room, secret: o.secret });
  } catch (err) {
    await undoStart(null);
    throw err;
  }
  // Joining our own rendezvous too: whoever finds us there is introduced to us directly.
  const sources = [...new Set([...o.signal, ...(rendezvous ? [rendezvous.url] : [])])];
  const transport = new WebRtcTransport({
    self: o.id,
    members: o.members,
    room: o.room,
    secret: o.secret,
    signalling: sources.map((url) => ({ url, WebSocket })),
    wrtc: binding.wrtc,
    ...(o.ice ? { config: o.ice as RTCConfiguration } : {}),
    log: (line) => say(line),
  });
  if (o.ice) say(`ICE: ${describeIceConfig(o.ice)}`);
  const startedAt = Date.now();
  const stall = new EventLoopStall();
  const incarnation = nodeRandomBytes(4).readUInt32BE(0);
  const watcher = new EventLog(say);
  let started: MemberRunner | undefined;
  const corrupt = o.testCorruptAfterTxns === undefined ? null : corruptTreeAfter(() => started, o.testCorruptAfterTxns, say);
  if (o.testCorruptAfterTxns !== undefined) say(`TEST HOOK ACTIVE: this member will corrupt its own tree after applying ${o.testCorruptAfterTxns} txns`);
  const partition = o.testPartition === true ? new PartitionSwitch(transport, say) : null;
  if (partition) say('TEST HOOK ACTIVE: SIGUSR2 cuts this member off the network (peers and clients, no socket closed) and heals it');
  const recorder = o.traceFile === undefined ? null : new PipelineRecorder(o.traceFile);
  const startRunner = async (options: Parameters<typeof MemberRunner.start>[0]): Promise<MemberRunner> => {
    try {
      return await MemberRunner.start(options);
    } catch (err) {
      stall.stop();
      transport.close();
      await undoStart(rendezvous);
      throw err;
    }
  };
  const runner = await startRunner({
    config: {
      zab: makeZabConfig(o.id, o.members, incarnation, o.zab ?? {}),
      tickMs,
      snapshotEveryTxns: o.snapshotEveryTxns ?? 10_000,
      minSessionTimeoutMs: o.minSessionTimeoutMs ?? 2 * tickMs,
      maxSessionTimeoutMs: o.maxSessionTimeoutMs ?? DEFAULT_MAX_SESSION_TIMEOUT_MS,
      // A forwarded write is lost only when the leader or the link to it fails, and then the member
      // leaves the quorum and drops its clients anyway: the default (two initLimits, 1 s at the
      // default tick) took writes that were merely slow on a busy machine for lost ones and dropped
      // their clients. A real process waits at least 10 s before it calls a write lost.
      forwardTimeoutTicks: Math.max(2 * (o.zab?.initLimitTicks ?? DEFAULT_ZAB_TIMING.initLimitTicks), Math.ceil(FORWARD_TIMEOUT_MS / tickMs)),
      // One number bounds a client frame at the endpoint and a multi's ops together in the member.
      ...(o.limits?.maxRequestBytes !== undefined ? { maxRequestBytes: o.limits.maxRequestBytes } : {}),
      randomBytes: (n) => new Uint8Array(nodeRandomBytes(n)),
    },
    storage,
    transport,
    observe: (ready) => {
      watcher.observe(ready);
      corrupt?.(ready);
    },
    onInvalidPeerMessage: (from, error) => say(`dropped a malformed message from member ${from}: ${error}`),
    onClientFault: (connection, error) => say(`dropped client connection ${connection}: handling its message threw ${error}`),
    onPeerCutOff: (peer, reason) => say(`cut off member ${peer}, to resync: ${reason}`),
    ...(recorder ? { trace: recorder.record } : {}),
    onFatal:
      o.onFatal ??
      ((err) => {
        say(`stopping: ${err.message}`);
        process.exit(1);
      }),
  });
  started = runner;
  let endpoint: ClientEndpoint | undefined;
  let metricsServer: MetricsServer | null = null;
  let gateway: Gateway | null = null;
  const status = (): MemberStatus => memberStatus(runner, transport.upPeers(), endpoint?.connections() ?? 0, startedAt, tickMs, stall.recentMaxMs);
  // Both client ports reach the member the same way (through the test partition's gate when armed).
  const openClient = partition ? partition.gateClients((handlers) => runner.openClient(handlers)) : (handlers: ConnectionHandlers) => runner.openClient(handlers);
  // The tree (GET /backup) only where clients may read it anyway: the client port, not the metrics port.
  // Both client ports' counters, wherever metrics are read (HTTP /metrics and /mntr, the ZooKeeper port's mntr).
  const metricsSources = { admission: () => endpoint?.admission(), zkPort: () => (gateway ? zkPortMetrics(gateway) : undefined) };
  const http = adminHandler(runner, status, { backup: true, ...metricsSources });
  try {
    endpoint = await startClientEndpoint({
      port: o.clientPort,
      ...(o.clientHost ? { host: o.clientHost } : {}),
      open: openClient,
      http,
      ...(o.allowOrigins ? { allowOrigins: o.allowOrigins } : {}),
      ...(o.allowHosts ? { allowHosts: o.allowHosts } : {}),
      ...(o.limits ? { limits: o.limits } : {}),
      log: (line) => say(line),
    });
    if (o.zkPort !== undefined) {
      gateway = await startGateway({
        port: o.zkPort,
        ...(o.zkHost ? { host: o.zkHost } : {}),
        ...(o.zkFourLetterWhitelist ? { whitelist: o.zkFourLetterWhitelist } : {}),
        // The same per-IP cap and outstanding limit as the WebSocket port (each port counts its own).
        ...(o.limits?.maxClientCnxns !== undefined ? { maxClientCnxns: o.limits.maxClientCnxns } : {}),
        ...(o.limits?.globalOutstandingLimit !== undefined ? { maxOutstanding: o.limits.globalOutstandingLimit } : {}),
        ...(o.limits?.maxRequestBytes !== undefined ? { maxPacketBytes: o.limits.maxRequestBytes } : {}),
        open: openClient,
        fourLetter: {
          srvr: () => srvrText(status(), gateway?.connections() ?? 0),
          mntr: () => renderMntr(hostMetrics(runner, metricsSources), peerkeeperVersion()),
          cons: () => (gateway?.describeConnections() ?? []).join('\n'),
          wchs: () => `Total watches:${runner.metrics().watchCount}\n`,
          readOnly: () => !status().serving,
        },
        log: (line) => say(line),
      });
    }
    if (o.metricsPort !== undefined) {
      metricsServer = await startMetricsServer({ port: o.metricsPort, ...(o.metricsHost ? { host: o.metricsHost } : {}), http: adminHandler(runner, status, metricsSources) });
    }
  } catch (err) {
    runner.stop();
    binding.release();
    await endpoint?.close();
    await gateway?.close();
    await rendezvous?.close();
    throw err;
  }
  const clients = endpoint;
  say(
    `started: ensemble ${o.members.join(',')}, room ${o.room}, data ${o.dataDir}, clients ${clients.url}, tick ${tickMs} ms, webrtc ${binding.name}` +
      (gateway ? `, zookeeper ${gateway.address}` : '') +
      (rendezvous ? `, rendezvous ${rendezvous.url}` : '') +
      (metricsServer ? `, metrics ${metricsServer.url}` : ''),
  );
  if (o.allowOrigins?.includes(ANY_ORIGIN)) say('warning: --allow-origin * lets any web page open in a browser on this machine use this member');
  const togglePartition = (): void => partition?.toggle();
  if (partition) process.on('SIGUSR2', togglePartition);
  const advice = udpBufferAdvice(udpReceiveBufferDefault());
  if (advice) say(advice);
  let stopping: Promise<void> | null = null;
  return {
    runner,
    endpoint: clients,
    gateway,
    metricsServer,
    status,
    stop: () =>
      (stopping ??= (async () => {
        process.off('SIGUSR2', togglePartition);
        // Closes every link; then the binding's native threads may go (the process can exit).
        runner.stop();
        binding.release();
        stall.stop();
        await clients.close();
        await gateway?.close();
        await metricsServer?.close();
        await rendezvous?.close();
        await storage.close().catch(() => {});
        recorder?.save();
        say('stopped');
      })()),
  };
}

/** Turns the member's events into the log lines a person watching the ensemble wants. */
class EventLog {
  private last = '';
  constructor(private readonly say: (line: string) => void) {}

  observe(ready: ServerReady): void {
    for (const e of ready.events) {
      const line = describeZabEvent(e, 'full');
      if (line !== null && line !== this.last) this.say(line);
      if (line !== null) this.last = line;
    }
  }
}


/** `srvr` in ZooKeeper's layout (the lines its tools parse), from the member's status. */
function srvrText(s: MemberStatus, zkConnections: number): string {
  const mode = s.role === 'LEADING' ? 'leader' : s.role === 'FOLLOWING' ? 'follower' : s.role.toLowerCase();
  const lat = s.latencyMs ?? { min: 0, avg: 0, max: 0 };
  return [
    `Zookeeper version: ${peerkeeperVersion()} (ZooKeeper wire protocol)`,
    `Latency min/avg/max: ${lat.min}/${lat.avg}/${lat.max}`,
    `Connections: ${s.clientConnections + zkConnections}`,
    `Outstanding: ${s.outstandingRequests ?? 0}`,
    `Zxid: ${s.lastZxid}`,
    `Mode: ${s.serving ? mode : 'read-only'}`,
    `Node count: ${s.znodeCount ?? 0}`,
    '',
  ].join('\n');
}

/** The gateway's counters as the metrics section for them. */
function zkPortMetrics(g: Gateway): ZkPortMetrics {
  const c = g.counters;
  return {
    connections: g.connections(),
    connectionsTotal: c.connections,
    malformedPackets: c.malformedPackets,
    oversizedPackets: c.oversizedPackets,
    fourLetterWords: c.fourLetterWords,
    throttled: c.throttled,
    refusedPerIp: c.refusedPerIp,
  };
}
