/**
 * The signalling sources of one member (isomorphic): the central server, other members' rendezvous
 * servers, or any `SignallingLike` handed in. Tracks who is present in each (the join's answer, then
 * peer-joined / peer-left; all forgotten when a source drops). A `{ url }` source is ours: we join it
 * with a fresh `SignallingClient` per attempt (a client is one-shot) and rejoin with backoff whenever
 * the join fails, times out, or the connection closes. A given `SignallingLike` is joined once and
 * never closed by us.
 */
import { SignallingClient, type WebSocketConstructor } from '../../signalling/client.js';
import type { IceHandout } from '../../signalling/ice.js';

/** What we need of a signalling client; `SignallingClient` fits. */
export interface SignallingLike {
  join(): Promise<string[]>;
  signal(to: string, data: unknown): void;
  on(event: 'signal', fn: (from: string, data: unknown) => void): () => void;
  /** The room's other members, emitted synchronously on admission (before join() resolves) and on any later snapshot. */
  /** `ice`: an ICE configuration the source handed out with the snapshot (a signalling server may). */
  on(event: 'peers', fn: (members: string[], ice?: IceHandout) => void): () => void;
  on(event: 'peer-joined' | 'peer-left', fn: (memberId: string) => void): () => void;
  on(event: 'close', fn: () => void): () => void;
  close(): Promise<void>;
}

export type SignallingSource = SignallingLike | { url: string; WebSocket?: WebSocketConstructor };

export interface SourcesOptions {
  self: string;
  room: string;
  secret: string;
  initialBackoffMs: number;
  maxBackoffMs: number;
  /** A join that has not resolved by then is abandoned (and retried). */
  joinTimeoutMs: number;
  log(line: string): void;
}

export interface SourcesEvents {
  signal(from: string, data: unknown, source: number): void;
  /** Someone's presence in some source changed (or a source dropped). */
  changed(): void;
  /** A source handed out an ICE configuration (checked; what failed is in `problems`). */
  ice?(handout: IceHandout, source: string): void;
}

interface Source {
  readonly spec: SignallingSource;
  readonly name: string;
  client: SignallingLike | undefined;
  joined: boolean;
  readonly present: Set<string>;
  offs: (() => void)[];
  attempt: number;
  retry: ReturnType<typeof setTimeout> | undefined;
  joinTimer: ReturnType<typeof setTimeout> | undefined;
}

export class SignallingSources {
  private readonly sources: Source[];
  private events: SourcesEvents | undefined;
  private closed = false;
  /** TEST ONLY (a simulated partition): signals are dropped both ways; the connections stay joined. */
  private cut = false;

  constructor(
    specs: readonly SignallingSource[],
    private readonly o: SourcesOptions,
  ) {
    this.sources = specs.map((spec, i) => ({
      spec,
      name: 'url' in spec ? spec.url : `source #${i}`,
      client: undefined,
      joined: false,
      present: new Set(),
      offs: [],
      attempt: 0,
      retry: undefined,
      joinTimer: undefined,
    }));
  }

  start(events: SourcesEvents): void {
    this.events = events;
    this.sources.forEach((s, i) => this.join(s, i));
  }

  /** Indexes of the joined sources where `member` is present, in the order given. */
  with(member: string): number[] {
    const out: number[] = [];
    this.sources.forEach((s, i) => {
      if (s.joined && s.present.has(member)) out.push(i);
    });
    return out;
  }

  /** TEST ONLY: drop every signal in and out (true) or pass them again (false). */
  setCut(cut: boolean): void {
    this.cut = cut;
  }

  /** Hand a signal to source `index`; false if it is not joined or refused it (or we are cut off). */
  signal(index: number, to: string, data: unknown): boolean {
    const s = this.sources[index];
    if (s?.client === undefined || !s.joined || this.cut) return false;
    try {
      s.client.signal(to, data);
      return true;
    } catch (err) {
      this.o.log(`signal to ${to} through ${s.name} failed: ${(err as Error).message}`);
      return false;
    }
  }

  name(index: number): string {
    return this.sources[index]?.name ?? `source #${index}`;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.sources) {
      clearTimeout(s.retry);
      clearTimeout(s.joinTimer);
      for (const off of s.offs) off();
      s.offs = [];
      if (s.client !== undefined && 'url' in s.spec) s.client.close().catch(() => {});
      s.client = undefined;
      s.joined = false;
      s.present.clear();
    }
    this.events = undefined;
  }

  private join(s: Source, index: number): void {
    if (this.closed) return;
    const client: SignallingLike =
      'url' in s.spec
        ? new SignallingClient({
            url: s.spec.url,
            room: this.o.room,
            memberId: this.o.self,
            secret: this.o.secret,
            ...(s.spec.WebSocket ? { WebSocket: s.spec.WebSocket } : {}),
          })
        : s.spec;
    s.client = client;
    const mine = (): boolean => s.client === client && !this.closed;
    s.offs = [
      client.on('signal', (from, data) => {
        if (mine() && !this.cut) this.events?.signal(from, data, index);
      }),
      // Presence events can arrive in the same read as the admission, before join() resolves (a
      // microtask later): 'peers' is the synchronous snapshot, and events apply whenever they come.
      client.on('peers', (members, ice) => {
        if (!mine()) return;
        if (ice !== undefined) this.events?.ice?.(ice, s.name);
        s.present.clear();
        for (const id of members) if (id !== this.o.self) s.present.add(id);
        this.admitted(s);
      }),
      client.on('peer-joined', (id) => {
        if (!mine() || id === this.o.self) return;
        s.present.add(id);
        if (s.joined) this.events?.changed();
      }),
      client.on('peer-left', (id) => {
        if (mine() && s.present.delete(id) && s.joined) this.events?.changed();
      }),
      client.on('close', () => {
        // Before admission the join rejects right after, with the reason (e.g. a wrong secret).
        if (mine() && s.joined) this.lost(s, index, 'connection closed');
      }),
    ];
    s.joinTimer = setTimeout(() => {
      s.joinTimer = undefined;
      if (mine() && !s.joined) this.lost(s, index, `no join within ${this.o.joinTimeoutMs} ms`);
    }, this.o.joinTimeoutMs);
    let result: Promise<string[]>;
    try {
      result = client.join();
    } catch (err) {
      result = Promise.reject(err);
    }
    result.then(
      (others) => {
        if (!mine() || s.joined) return; // 'peers' came first (SignallingClient always sends it)
        for (const id of others) if (id !== this.o.self) s.present.add(id);
        this.admitted(s);
      },
      (err: unknown) => {
        if (mine()) this.lost(s, index, `join failed: ${(err as Error).message}`);
      },
    );
  }

  private admitted(s: Source): void {
    clearTimeout(s.joinTimer);
    s.joinTimer = undefined;
    if (!s.joined) this.o.log(`joined ${s.name} (present: ${[...s.present].join(',') || 'nobody'})`);
    s.joined = true;
    s.attempt = 0;
    this.events?.changed();
  }

  /** The source's connection is gone (or never came): forget its presence and, if it is ours, rejoin later. */
  private lost(s: Source, index: number, why: string): void {
    const client = s.client;
    clearTimeout(s.joinTimer);
    s.joinTimer = undefined;
    for (const off of s.offs) off();
    s.offs = [];
    s.client = undefined;
    const wasJoined = s.joined;
    s.joined = false;
    const hadPresence = s.present.size > 0;
    s.present.clear();
    if (!('url' in s.spec)) {
      this.o.log(`${s.name}: ${why}; not ours to rejoin`);
      if (hadPresence) this.events?.changed();
      return;
    }
    client?.close().catch(() => {});
    const delayMs = Math.min(this.o.maxBackoffMs, this.o.initialBackoffMs * 2 ** s.attempt) * (0.75 + Math.random() / 2);
    // One line when a source goes away, not one per failed retry.
    if (wasJoined || s.attempt === 0) this.o.log(`${s.name}: ${why}; rejoining with backoff`);
    s.attempt = Math.min(s.attempt + 1, 30);
    s.retry = setTimeout(() => {
      s.retry = undefined;
      this.join(s, index);
    }, delayMs);
    if (hadPresence) this.events?.changed();
  }
}
