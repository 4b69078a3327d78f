/**
 * `startTab`: peerkeeper in a web app's tab with a few options and sensible defaults — the member
 * (startBrowserMember), a member id claimed with the Web Locks API (kept across reloads), the tab's
 * client, and events for what an app shows: the member's role, read-only or not, peers coming and
 * going, the client's connection and a new session after one expired.
 *
 *   const tab = await startTab({ room: 'my-board' });
 *   const config = new ConfigStore(tab.client, '/board/config');
 *   tab.on('mode', (mode) => banner.hidden = mode !== 'read-only');
 *
 * Ephemeral things (presence, candidacy, locks) live as long as a session. When a tab is cut off
 * longer than its session timeout the session expires and the tab gets a new client: `perSession`
 * runs its setup again on each new one, so an app's presence and candidacy come back by themselves.
 */
import type { ZooKeeperClient } from '../client/client.js';
import { Emitter } from '../client/emitter.js';
import type { ConnectionState } from '../client/types.js';
import type { MemberId } from '../zab/messages.js';
import { claimFreeId, claimId, type IdClaim } from './ids.js';
import { startBrowserMember, type BrowserMember } from './member.js';
import type { BrowserMemberStatus } from './status.js';

export interface TabOptions {
  /** Which ensemble to join: tabs (and Node members) with the same room and secret form one. Default 'peerkeeper'. */
  readonly room?: string;
  /**
   * Proves membership of the room on every data channel. Default: derived from the room, which is
   * enough for tabs of one origin; give a real secret when members meet through a signalling server.
   */
  readonly secret?: string;
  /** The voting members: a count (3 → ids 1, 2, 3) or the ids. Default 3; a majority must be up to write. */
  readonly members?: number | readonly MemberId[];
  /** This tab's member id. Default: the lowest one no other tab of this browser holds, the same after a reload. */
  readonly id?: MemberId;
  /** Signalling server URLs (ws:// or wss://) to meet members on other devices. Default: none (same-origin tabs only, over BroadcastChannel). */
  readonly signal?: string | readonly string[];
  /** Default 'indexeddb' (survives reloads); 'memory' starts empty each time. */
  readonly storage?: 'indexeddb' | 'memory';
  /** Name of the IndexedDB database family (one database per member id). Default: the room. */
  readonly storageName?: string;
  /** ICE servers (STUN/TURN). Default: none without `signal` (tabs of one machine), the WebRTC library's public STUN with it. */
  readonly iceServers?: readonly RTCIceServer[];
  /**
   * 'relay': only relayed candidates (every link through a TURN server in iceServers, or handed out by
   * the signalling server). Default: ICE picks (or what the signalling server hands out).
   */
  readonly iceTransportPolicy?: 'all' | 'relay';
  /** The tab client's session timeout: how long after a tab vanishes its locks and presence go. Default 10 s. */
  readonly sessionTimeoutMs?: number;
  /** Stop the member (closing the session first) when the page is hidden for good. Default true. */
  readonly stopOnPageHide?: boolean;
  readonly log?: (line: string) => void;
}

export type TabMode = BrowserMemberStatus['mode'];

export interface PeersChange {
  /** The members this tab has a live link to now. */
  readonly up: readonly MemberId[];
  readonly joined: readonly MemberId[];
  readonly left: readonly MemberId[];
}

export interface TabEvents {
  /** The member's Zab role: LOOKING, FOLLOWING, LEADING or STOPPED. */
  role: [role: string];
  /** 'read-write', 'read-only' (cut off from a majority: reads work, writes fail with NOTREADONLY) or 'stopped'. */
  mode: [mode: TabMode];
  peers: [change: PeersChange];
  /** The tab client's connection state (CONNECTED, CONNECTED_READ_ONLY, …). */
  connection: [state: ConnectionState];
  /** The previous session expired and `client` is a new one (ephemerals of the old one are gone). */
  session: [client: ZooKeeperClient];
  /** A perSession setup or an event listener threw. */
  error: [err: unknown];
}

/** What a perSession setup may return: how to undo it when the session is replaced or the tab stops. */
export type SessionCleanup = (() => unknown) | void;

export interface PeerkeeperTab {
  readonly id: MemberId;
  readonly room: string;
  readonly members: readonly MemberId[];
  /** The tab's client: the current session's (a new object after an expiry; see 'session'). */
  readonly client: ZooKeeperClient;
  readonly mode: TabMode;
  readonly role: string;
  /** The underlying member, for what this surface leaves out. */
  readonly member: BrowserMember;
  status(): BrowserMemberStatus;
  on<K extends keyof TabEvents>(event: K, fn: (...args: TabEvents[K]) => void): () => void;
  /**
   * Runs `setup` with the current client now and with each new one after a session expired,
   * calling the cleanup it returned in between. Returns stop() (runs the last cleanup).
   */
  perSession(setup: (client: ZooKeeperClient) => SessionCleanup | Promise<SessionCleanup>): () => Promise<void>;
  /** Cuts this tab off from every other member (as a lost network would) until `reconnect()`. */
  disconnect(): void;
  reconnect(): void;
  /** Stops the member and closes the session (what closing the tab does). */
  stop(): Promise<void>;
}

const POLL_MS = 100;

function memberIds(members: TabOptions['members']): MemberId[] {
  if (members === undefined) return [1, 2, 3];
  if (typeof members === 'number') {
    if (!Number.isInteger(members) || members < 1) throw new RangeError(`members: a positive count, got ${members}`);
    return Array.from({ length: members }, (_, i) => i + 1);
  }
  if (!members.length || members.some((m) => !Number.isSafeInteger(m) || m < 1)) throw new RangeError(`members: positive ids, got ${members.join(',')}`);
  return [...members];
}

/**
 * Starts this tab's member of the room (claiming a free member id, opening its IndexedDB, finding
 * the other members) and returns it with its client. Rejects when every member id is taken by
 * other tabs of this browser.
 *
 * @example
 * ```ts
 * import { startTab } from 'peerkeeper/browser';
 * import { Presence, electLeader } from 'peerkeeper';
 *
 * const tab = await startTab({ room: 'my-app' });
 * tab.on('mode', (mode) => console.log(mode === 'read-only' ? 'offline: read-only' : mode));
 * tab.perSession(async (client) => {
 *   const online = new Presence(client, '/app/online');
 *   await online.join(`tab-${tab.id}`);
 *   const stopWatching = online.watch((who) => console.log('online:', [...who.keys()]));
 *   const election = await electLeader(client, '/app/leader', { id: `tab-${tab.id}`, onChange: (s) => console.log('leader:', s.leader) });
 *   return () => { stopWatching(); void election.stop(); };
 * });
 * ```
 */
export async function startTab(options: TabOptions = {}): Promise<PeerkeeperTab> {
  const room = options.room ?? 'peerkeeper';
  const members = memberIds(options.members);
  const signal = options.signal === undefined ? [] : typeof options.signal === 'string' ? [options.signal] : [...options.signal];
  const log = options.log ?? ((line: string) => console.debug(`[peerkeeper ${room}] ${line}`));
  if (options.id !== undefined && !members.includes(options.id)) throw new RangeError(`id ${options.id} is not one of the members ${members.join(',')}`);
  const claim: IdClaim | null = options.id !== undefined ? await claimId(room, options.id) : await claimFreeId(room, members);
  if (claim === null) {
    throw new Error(options.id !== undefined ? `member ${options.id} of room ${room} runs in another tab` : `every member id of room ${room} (${members.join(',')}) is taken by another tab`);
  }
  const iceServers = options.iceServers ?? (signal.length ? undefined : []);
  let member: BrowserMember;
  try {
    member = await startBrowserMember({
      id: claim.id,
      members,
      room,
      secret: options.secret ?? `peerkeeper-room:${room}`,
      signal,
      ...(options.storage ? { storage: options.storage } : {}),
      ...(options.storageName !== undefined ? { storageName: options.storageName } : {}),
      ...(iceServers || options.iceTransportPolicy
        ? { rtcConfig: { ...(iceServers ? { iceServers: [...iceServers] } : {}), ...(options.iceTransportPolicy ? { iceTransportPolicy: options.iceTransportPolicy } : {}) } }
        : {}),
      ...(options.sessionTimeoutMs !== undefined ? { sessionTimeoutMs: options.sessionTimeoutMs } : {}),
      log: (line) => log(`member ${claim.id}: ${line}`),
    });
  } catch (err) {
    claim.release();
    throw err;
  }

  const emitter = new Emitter<TabEvents>();
  const emit = <K extends keyof TabEvents>(event: K, ...args: TabEvents[K]) =>
    emitter.emit(event, args, (err) => (event === 'error' ? console.error(err) : emitter.emit('error', [err], console.error)));

  let client = member.client();
  let offState = client.on('state', ({ state }) => emit('connection', state));
  let last = member.status();
  // Events come from the member's status, looked at on every output it drains and a few times a second.
  const look = () => {
    const now = member.status();
    if (now.role !== last.role) emit('role', now.role);
    if (now.mode !== last.mode) emit('mode', now.mode);
    const joined = now.peersUp.filter((p) => !last.peersUp.includes(p));
    const left = last.peersUp.filter((p) => !now.peersUp.includes(p));
    last = now;
    if (joined.length || left.length) emit('peers', { up: now.peersUp, joined, left });
    if (member.stopped) return;
    const current = member.client(); // a new client once the old session expired
    if (current !== client) {
      offState();
      client = current;
      offState = client.on('state', ({ state }) => emit('connection', state));
      emit('session', client);
    }
  };
  const offReady = member.onReady(look);
  const timer = setInterval(look, POLL_MS);

  let stopping: Promise<void> | null = null;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      clearInterval(timer);
      offReady();
      // Close the session first, so our ephemerals (locks, presence) go now rather than at expiry.
      await Promise.race([client.close().catch(() => undefined), new Promise((r) => setTimeout(r, 500))]);
      await member.stop();
      look();
      offState();
      claim.release();
    })());

  if (options.stopOnPageHide ?? true) {
    addEventListener('pagehide', () => void stop());
    // Back from the back/forward cache the member is stopped: start the page afresh.
    addEventListener('pageshow', (e) => {
      if (e.persisted) location.reload();
    });
  }

  return {
    id: claim.id,
    room,
    members,
    member,
    get client() {
      return client;
    },
    get mode() {
      return member.status().mode;
    },
    get role() {
      return member.status().role;
    },
    status: () => member.status(),
    on: (event, fn) => emitter.on(event, fn),
    perSession(setup) {
      let cleanup: SessionCleanup;
      let active = true;
      let chain = Promise.resolve();
      const undo = async () => {
        const c = cleanup;
        cleanup = undefined;
        try {
          await c?.();
        } catch (err) {
          emit('error', err);
        }
      };
      const run = (c: ZooKeeperClient) =>
        (chain = chain.then(async () => {
          await undo();
          if (!active) return;
          try {
            cleanup = await setup(c);
          } catch (err) {
            emit('error', err);
          }
        }));
      const off = emitter.on('session', run);
      void run(client);
      return async () => {
        active = false;
        off();
        await chain;
        await undo();
      };
    },
    disconnect: () => member.isolate(),
    reconnect: () => member.rejoin(),
    stop,
  };
}
