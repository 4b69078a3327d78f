/**
 * One ensemble member in a browser tab: the pure ServerMember driven by a MemberRunner, over the
 * WebRTC mesh (the browser's own RTCPeerConnection), its log and snapshots in IndexedDB, and a
 * ZooKeeperClient inside the tab attached to it. The browser twin of src/node/member-process.ts.
 *
 *   const m = await startBrowserMember({ id: 2, members: [1, 2, 3], room: 'demo', secret: 's3cret' });
 *   await m.client().create('/hello', 'world');
 *
 * Peers are found through BroadcastChannel (same-origin tabs, no server) and/or the signalling or
 * rendezvous servers in `signal`; either way data flows over authenticated WebRTC data channels.
 */
import { ZooKeeperClient } from '../client/client.js';
import type { Connector } from '../protocol/client.js';
import type { ServerReady } from '../server/member.js';
import { MemberRunner } from '../server/runner.js';
import { IndexedDbStorage, persisted, requestPersistence } from '../storage/indexeddb.js';
import { InstantMemoryStorage } from '../storage/memory.js';
import type { ZabStorage } from '../storage/storage.js';
import { BroadcastSignalling } from '../transport/broadcast-channel.js';
import { WebRtcTransport, type CandidatePath, type SignallingSource } from '../transport/webrtc.js';
import { makeZabConfig } from '../zab/config.js';
import type { MemberId } from '../zab/messages.js';
import { CuttableTransport, type Mesh } from './cuttable-transport.js';
import { workerEvery } from './worker-timer.js';
import { browserMemberStatus, summariseRecovered, type BrowserMemberStatus } from './status.js';

export interface BrowserMemberOptions {
  readonly id: MemberId;
  /** Every voting member, this one included. */
  readonly members: readonly MemberId[];
  readonly room: string;
  readonly secret: string;
  /** Signalling server and rendezvous URLs (ws:// or wss://); any one reachable is enough. */
  readonly signal?: readonly string[];
  /** Find same-origin tabs over BroadcastChannel. Default true. */
  readonly broadcast?: boolean;
  /** Default 100 ms: a dead leader is noticed after syncLimit (5) ticks of silence. */
  readonly tickMs?: number;
  /** Default 'indexeddb'; 'memory' forgets everything on reload (it rejoins as a new member would). */
  readonly storage?: 'indexeddb' | 'memory';
  /** The IndexedDB database family (one database per member id). Default: the room. */
  readonly storageName?: string;
  /** The in-tab client's session timeout. Default 10 s. */
  readonly sessionTimeoutMs?: number;
  readonly snapshotEveryTxns?: number;
  /**
   * ICE servers and the like: `{ iceServers: [{ urls: 'turn:host:3478', username, credential }],
   * iceTransportPolicy: 'relay' }`. Its iceServers and iceTransportPolicy win over what a signalling
   * server hands out; where neither says, simple-peer's default (public STUN). `{ iceServers: [] }` on one machine.
   */
  readonly rtcConfig?: RTCConfiguration;
  readonly log?: (line: string) => void;
}

export interface BrowserMember {
  readonly id: MemberId;
  readonly room: string;
  readonly members: readonly MemberId[];
  readonly runner: MemberRunner;
  /** Opens in-tab connections to this member, for more ZooKeeperClients (`members: 1`). */
  readonly connector: Connector;
  /** The tab's client (a new one replaces it if its session expired). */
  client(): ZooKeeperClient;
  /** Every output the member drains (applied txns, events…), for logs, the demo and tests. */
  onReady(fn: (ready: ServerReady) => void): () => void;
  status(): BrowserMemberStatus;
  /**
   * Which way the link to `peer` goes: its selected ICE candidate pair, each end host, srflx or relay
   * (undefined when there is no up link or the browser's stats do not say).
   */
  candidatePath(peer: MemberId): Promise<CandidatePath | undefined>;
  /** Cuts every link to the other members (a partition of this tab) until `rejoin()`. */
  isolate(): void;
  rejoin(): void;
  readonly stopped: boolean;
  /** Like closing the tab: the member stops at once, the in-tab client with it. */
  stop(): Promise<void>;
}

export const DEFAULT_BROWSER_TICK_MS = 100;
/** As the Node member's: one znode's data must fit in one mesh message (256 KiB) with its txn around it. */
const MAX_DATA_BYTES = 200 * 1024;

function randomBytes(n: number): Uint8Array {
  const b = new Uint8Array(n);
  globalThis.crypto.getRandomValues(b);
  return b;
}

export async function startBrowserMember(o: BrowserMemberOptions): Promise<BrowserMember> {
  const tickMs = o.tickMs ?? DEFAULT_BROWSER_TICK_MS;
  const log = o.log ?? ((line: string) => console.log(`[member ${o.id}] ${line}`));
  const broadcast = o.broadcast ?? true;
  const urls = [...new Set(o.signal ?? [])];
  if (!broadcast && !urls.length) throw new Error('no way to find the other members: enable broadcast or give signalling URLs');

  const kind = o.storage ?? 'indexeddb';
  const idb = kind === 'indexeddb' ? await IndexedDbStorage.open(o.storageName ?? o.room, o.id) : null;
  const storage: ZabStorage = idb ?? new InstantMemoryStorage();
  const recovered = summariseRecovered(await storage.load());
  let persistence: boolean | null = null;
  if (idb) {
    void (async () => {
      persistence = (await persisted()) || (await requestPersistence());
    })();
  }

  const makeMesh = (): Mesh => {
    const bc = broadcast ? new BroadcastSignalling({ room: o.room, secret: o.secret, memberId: String(o.id), log }) : null;
    const sources: SignallingSource[] = [...(bc ? [bc] : []), ...urls.map((url) => ({ url }))];
    const transport = new WebRtcTransport({
      self: o.id,
      members: o.members,
      room: o.room,
      secret: o.secret,
      signalling: sources,
      ...(o.rtcConfig ? { config: o.rtcConfig } : {}),
      log,
    });
    return { transport, dispose: () => void bc?.close() };
  };
  const transport = new CuttableTransport(o.id, makeMesh);

  const listeners = new Set<(ready: ServerReady) => void>();
  let stopped = false;
  let stopping = false;
  const startedAt = Date.now();
  const runner = await MemberRunner.start({
    config: {
      zab: makeZabConfig(o.id, o.members, randomBytes(4).reduce((a, b) => a * 256 + b, 0)),
      tickMs,
      snapshotEveryTxns: o.snapshotEveryTxns ?? 10_000,
      minSessionTimeoutMs: 2 * tickMs,
      maxSessionTimeoutMs: 60_000,
      maxDataBytes: MAX_DATA_BYTES,
      randomBytes,
    },
    storage,
    transport,
    every: workerEvery,
    observe: (ready) => {
      for (const fn of listeners) fn(ready);
    },
    onInvalidPeerMessage: (from, error) => log(`dropped a malformed message from member ${from}: ${error}`),
    onFatal: (err) => {
      stopped = true;
      log(`the member stopped: ${err.message}`);
    },
  });

  const connector: Connector = (_index, handlers) => runner.openClient(handlers);
  const newClient = (): ZooKeeperClient =>
    new ZooKeeperClient({ connector, members: 1, sessionTimeoutMs: o.sessionTimeoutMs ?? 10_000, canBeReadOnly: true });
  let client = newClient();

  return {
    id: o.id,
    room: o.room,
    members: o.members,
    runner,
    connector,
    client: () => {
      if (client.state === 'EXPIRED' && !stopped) client = newClient();
      return client;
    },
    onReady: (fn) => {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    status: () =>
      browserMemberStatus({
        room: o.room,
        members: o.members,
        runner,
        stopped: stopped || !runner.running,
        peersUp: transport.upPeers(),
        isolated: transport.isCut,
        tickMs,
        startedAt,
        storage: { kind, database: idb?.database ?? null, persisted: persistence, records: idb?.stats().records ?? null },
        recovered,
        client: { state: client.state, sessionId: `0x${client.sessionId.toString(16)}` },
        signalling: [...(broadcast ? ['broadcast-channel'] : []), ...urls],
      }),
    candidatePath: (peer) => transport.candidatePath(peer),
    isolate: () => transport.cut(),
    rejoin: () => transport.heal(),
    get stopped() {
      return stopped || !runner.running;
    },
    stop: async () => {
      if (stopping) return;
      stopping = true;
      stopped = true;
      runner.stop();
      await client.close().catch(() => {});
      await storage.close().catch(() => {});
    },
  };
}
