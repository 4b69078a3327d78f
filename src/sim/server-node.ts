import { validatePeerMessage } from '../codec/peer-messages.js';
import type { ClientToMember } from '../protocol/client.js';
import { ServerMember, type ServerConfig } from '../server/member.js';
import type { ZabConfig } from '../zab/config.js';
import type { ZabMember } from '../zab/member.js';
import type { MemberId, Snapshot } from '../zab/messages.js';
import type { DurableState } from '../zab/persistence.js';
import type { Zxid } from '../zab/zxid.js';
import { Violation } from './checker.js';
import type { NodeOutput, SimNode } from './node.js';
import type { Rng } from './rng.js';
import { SessionLivenessCheck } from './session-liveness.js';
import { checkServesOnlyInQuorum, serverDelivery } from './server-output.js';

/** A whole ensemble member (Zab, tree, sessions, watches) as the simulated world drives it. */
export class ServerNode implements SimNode {
  readonly server: ServerMember;
  private readonly liveness: SessionLivenessCheck;
  private ticked = false;

  constructor(config: ZabConfig, durable: DurableState, tickMs: number, snapshotEveryTxns: number, rng: Rng, nowMs: number) {
    const serverConfig: ServerConfig = {
      zab: config,
      tickMs,
      snapshotEveryTxns,
      randomBytes: (n) => Uint8Array.from({ length: n }, () => rng.int(0, 255)),
    };
    this.server = new ServerMember(serverConfig, durable, nowMs);
    this.liveness = new SessionLivenessCheck(config.id);
  }

  observeTime(nowMs: number): void {
    this.server.observeTime(nowMs);
  }

  get zab(): ZabMember {
    return this.server.zab;
  }

  tick(nowMs: number): void {
    this.ticked = true;
    this.server.tick(nowMs);
  }

  message(from: MemberId, message: unknown): void {
    // What a real runtime does with bytes from a peer (server/runner.ts): validate, rebuild, then hand
    // to the member. An honest member never sends what fails here, so in the simulator it is a bug.
    const valid = validatePeerMessage(message);
    if (!valid.ok) throw new Violation('message legality', `m${from} sent a malformed message: ${valid.error}`);
    const m = valid.message;
    if (m.layer === 'server' && m.message.type === 'TOUCH') this.liveness.touched(m.message.sessions, this.server.clockMs, this.server.zab.status());
    this.server.fromPeer(from, m);
  }

  persisted(seq: number): void {
    this.server.persisted(seq);
  }

  peerConnected(peer: MemberId): void {
    this.server.peerConnected(peer);
  }

  peerDisconnected(peer: MemberId): void {
    this.server.peerDisconnected(peer);
  }

  snapshotTaken(snapshot: Snapshot): void {
    this.server.zab.snapshotTaken(snapshot);
  }

  clientConnected(connection: number): void {
    this.server.clientConnected(connection);
  }

  fromClient(connection: number, message: ClientToMember): void {
    this.liveness.fromClient(connection, this.server.clockMs, this.server.zab.status());
    this.server.fromClient(connection, message);
  }

  clientDisconnected(connection: number): void {
    this.liveness.clientGone(connection);
    this.server.clientDisconnected(connection);
  }

  drain(): NodeOutput {
    const r = this.server.drain();
    checkServesOnlyInQuorum(this.server, r.clients, r.close);
    this.liveness.drained(r, this.server.clockMs, this.server.zab.status(), this.ticked, (id) => this.server.dataTree.sessionTimeoutMs(id));
    this.ticked = false;
    const deliveries = r.deliveries.map(serverDelivery);
    return {
      messages: r.peer.map((p) => ({ to: p.to, message: p.message, zab: p.message.layer === 'zab' ? p.message.message : null })),
      writes: r.writes,
      deliveries,
      events: r.events,
      snapshots: [],
      clients: r.clients,
      close: r.close,
    };
  }

  proposeWrite(id: string): { ok: true; zxid: Zxid } | { ok: false; leader: MemberId | null } {
    const zxid = this.server.proposeNoop(id);
    return zxid ? { ok: true, zxid } : { ok: false, leader: this.server.zab.status().leader };
  }

  proposeProbe(n: number): { zxid: Zxid; id: string } | null {
    const id = `probe-${n}`;
    const zxid = this.server.proposeNoop(id);
    return zxid ? { zxid, id } : null;
  }
}
