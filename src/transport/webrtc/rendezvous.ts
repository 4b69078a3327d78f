/**
 * A member-hosted signalling server (Node only: it listens on a port). Each Node member runs one for
 * its own room and lists the others' rendezvous URLs, plus the central server's, as signalling
 * sources (joining its own too). A restarted member that can reach any live member's rendezvous is
 * introduced there, and to the rest of the mesh by relay, with the central server down.
 *
 *   const rv = await startRendezvous({ port: 7001, room, secret });
 *   new WebRtcTransport({ …, signalling: [{ url: central }, { url: rv.url }, { url: 'ws://other:7002' }] })
 *
 * It serves that one room only, in configured mode: joiners prove the room secret; others are refused.
 */
import { startSignallingServer, type SignallingServer } from '../../signalling/server.js';

export interface RendezvousOptions {
  port: number; // 0 picks a free port
  host?: string; // 127.0.0.1; '0.0.0.0' or '::' to be reachable from other hosts
  room: string;
  secret: string;
  log?: (line: string) => void;
}

export function startRendezvous(o: RendezvousOptions): Promise<SignallingServer> {
  return startSignallingServer({
    port: o.port,
    ...(o.host !== undefined ? { host: o.host } : {}),
    roomSecretCheck: (room) => (room === o.room ? o.secret : undefined),
    ...(o.log !== undefined ? { log: o.log } : {}),
  });
}
