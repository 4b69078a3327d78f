/**
 * A signalling server in this process and N members as child processes on this machine, each
 * hosting a rendezvous on signal-port + id (so the mesh outlives the server) and a client port
 * client-port + id − 1 (and, unless zkPortBase is null, ZooKeeper's protocol on zk-port + id − 1). What `peerkeeper ensemble` and `peerkeeper start` run.
 */
import { join } from 'node:path';
import type { WebRtcBindingName } from './webrtc-binding.js';
import type { IceConfig } from '../signalling/ice.js';
import { iceChildArgs } from '../signalling/ice-options.js';
import { startSignallingServer, type SignallingServer } from '../signalling/server.js';
import { DEFAULT_RESTART_POLICY } from './restart-backoff.js';
import { Supervisor } from './supervisor.js';

export interface LaunchOptions {
  readonly size: number;
  readonly room: string;
  readonly secret: string;
  readonly dataRoot: string;
  readonly signalPort: number;
  readonly clientPortBase: number;
  /** ZooKeeper's client protocol on zkPortBase + id − 1; null: off. */
  readonly zkPortBase?: number | null;
  readonly tickMs?: number;
  /** The members' WebRTC binding (`--webrtc`); absent: theirs by default. */
  readonly webrtc?: WebRtcBindingName;
  /** Browser origins allowed on the members' client ports (`--allow-origin`). */
  readonly allowOrigins?: readonly string[];
  /** 'configured': only this ensemble's room exists; 'open': any room (browser tabs pick their own). */
  readonly rooms: 'configured' | 'open';
  readonly onLine?: (id: number, line: string) => void;
  /** Restart a member that exits on its own (restart-backoff.ts); true unless said otherwise. */
  readonly restart?: boolean;
  /**
   * STUN/TURN servers and policy: given to every member (flags, TURN credentials in its environment)
   * and handed out by the signalling server to everyone else in its rooms (browser tabs).
   */
  readonly ice?: IceConfig;
  /** The supervisor's exits and restarts. */
  readonly onEvent?: (id: number, message: string) => void;
}

export interface LaunchedEnsemble {
  readonly server: SignallingServer;
  readonly supervisor: Supervisor;
  readonly ids: readonly number[];
  readonly clientPorts: readonly number[];
  /** Empty when the ZooKeeper protocol is off. */
  readonly zkPorts: readonly number[];
  stop(): Promise<void>;
}

export async function launchEnsemble(o: LaunchOptions): Promise<LaunchedEnsemble> {
  const ids = Array.from({ length: o.size }, (_, i) => i + 1);
  const rendezvousPort = (id: number): number => o.signalPort + id;
  const clientPort = (id: number): number => o.clientPortBase + id - 1;
  const zkBase = o.zkPortBase ?? null;
  const zkPort = (id: number): number => (zkBase ?? 0) + id - 1;
  const server = await startSignallingServer({
    port: o.signalPort,
    host: '127.0.0.1',
    roomSecretCheck: o.rooms === 'open' ? 'open' : (r) => (r === o.room ? o.secret : undefined),
    ...(o.ice ? { ice: o.ice } : {}),
  });
  const ice = iceChildArgs(o.ice);
  const supervisor = new Supervisor({
    ids,
    clientPort,
    args: (id) => [
      '--id', String(id), '--members', ids.join(','), '--room', o.room,
      '--signal', [server.url, ...ids.map((m) => `ws://127.0.0.1:${rendezvousPort(m)}`)].join(','),
      '--rendezvous-port', String(rendezvousPort(id)),
      '--data', join(o.dataRoot, String(id)), '--client-port', String(clientPort(id)),
      ...(zkBase !== null ? ['--zk-port', String(zkPort(id))] : []),
      ...(o.tickMs !== undefined ? ['--tick-ms', String(o.tickMs)] : []),
      ...(o.webrtc !== undefined ? ['--webrtc', o.webrtc] : []),
      ...(o.allowOrigins?.length ? ['--allow-origin', o.allowOrigins.join(',')] : []),
      ...ice.args,
    ],
    env: { PEERKEEPER_SECRET: o.secret, ...ice.env },
    ...(o.onLine ? { onLine: o.onLine } : {}),
    ...(o.onEvent ? { onEvent: o.onEvent } : {}),
    ...(o.restart === false ? {} : { restart: DEFAULT_RESTART_POLICY }),
  });
  supervisor.startAll();
  return {
    server,
    supervisor,
    ids,
    clientPorts: ids.map(clientPort),
    zkPorts: zkBase === null ? [] : ids.map(zkPort),
    stop: async () => {
      await supervisor.stopAll();
      await server.close();
    },
  };
}
