/**
 * The stage: members on a circle (role, phase, epochs, zxids, digest), the links between them (click
 * to cut or mend), the two clients below, and every message in flight drawn where it is at this
 * virtual instant (click a peer message to drop it). One SVG with a fixed viewBox, so it scales to a
 * projector without reflowing.
 */
import type { Classroom, EndedFlight, Flight, MemberCard } from '../engine/classroom.js';
import type { ClientCard } from '../engine/classroom.js';
import { shortDigest, z } from '../engine/describe.js';
import type { ClientName } from '../engine/trace.js';
import { setAttr, setText, svg, toggleClass, vt } from './dom.js';
import { along, clientLayout, lanePath, linkKey, midpoint, progress, reachableGroups, ringLayout, STAGE, type Box, type Point } from './layout.js';

export interface StageCallbacks {
  selectMember(id: number): void;
  toggleLink(a: number, b: number): void;
  dropMessage(flight: Flight): void;
}

interface CardEls {
  readonly g: SVGGElement;
  readonly role: SVGTextElement;
  readonly band: SVGRectElement;
  readonly phase: SVGTextElement;
  readonly values: SVGTextElement[];
  readonly labels: SVGTextElement[];
}

interface LinkEls {
  readonly a: number;
  readonly b: number;
  readonly g: SVGGElement;
  readonly scissors: SVGTextElement;
}

interface ClientEls {
  readonly g: SVGGElement;
  readonly state: SVGTextElement;
  readonly tether: SVGLineElement;
  readonly bell: SVGTextElement;
}

interface FlightEls {
  readonly g: SVGGElement;
  readonly text: SVGTextElement | null;
  readonly rect: SVGRectElement | null;
  label: string;
}

const FONT_MONO = 17;
const CHAR_W = FONT_MONO * 0.602;
const PILL_H = 30;
const PEER_LANE = 17;
const CLIENT_LANE = 10;

const ROW_LABELS = ['acceptedEpoch', 'currentEpoch', 'last zxid', 'committed', 'durable', 'tree digest'];

export class Stage {
  readonly svg: SVGSVGElement;
  private readonly gLinks: SVGGElement;
  private readonly gTethers: SVGGElement;
  private readonly gCards: SVGGElement;
  private readonly gClients: SVGGElement;
  private readonly gFlights: SVGGElement;
  private readonly gBursts: SVGGElement;
  private readonly center: SVGTextElement[];
  private cards = new Map<number, CardEls>();
  private links = new Map<string, LinkEls>();
  private clients = new Map<ClientName, ClientEls>();
  private flights = new Map<string, FlightEls>();
  private bursts: { g: SVGGElement; until: number }[] = [];
  private boxes: Box[] = [];
  private clientBoxes = new Map<ClientName, Box>();
  private room: Classroom | null = null;
  private lastWatchSeen = new Map<ClientName, number>();
  private bellUntil = new Map<ClientName, number>();
  showHeartbeats = true;
  selected: number | null = null;
  island: Set<number> | null = null;

  constructor(
    host: HTMLElement,
    private readonly cb: StageCallbacks,
  ) {
    this.svg = svg('svg', { viewBox: `0 0 ${STAGE.width} ${STAGE.height}`, role: 'img', 'aria-label': 'the ensemble: members, links and messages in flight' });
    this.svg.classList.add('stage-svg');
    host.appendChild(this.svg);
    const centre = svg('g', { class: 'centre' }, this.svg);
    this.center = [0, 1, 2].map((i) => svg('text', { x: STAGE.width / 2, y: 330 + i * 42, 'text-anchor': 'middle', class: `centre-${i}` }, centre));
    this.gLinks = svg('g', { class: 'links' }, this.svg);
    this.gTethers = svg('g', { class: 'tethers' }, this.svg);
    this.gCards = svg('g', { class: 'cards' }, this.svg);
    this.gClients = svg('g', { class: 'clients' }, this.svg);
    this.gFlights = svg('g', { class: 'flights' }, this.svg);
    this.gBursts = svg('g', { class: 'bursts' }, this.svg);
  }

  /** Builds the static parts for a (new) world. */
  attach(room: Classroom): void {
    this.room = room;
    for (const g of [this.gLinks, this.gTethers, this.gCards, this.gClients, this.gFlights, this.gBursts]) g.replaceChildren();
    this.cards.clear();
    this.links.clear();
    this.clients.clear();
    this.flights.clear();
    this.bursts = [];
    this.lastWatchSeen.clear();
    const ids = room.ids;
    this.boxes = ringLayout(ids.length);
    for (const a of ids) {
      for (const b of ids) {
        if (a >= b) continue;
        const pa = this.box(a);
        const pb = this.box(b);
        const g = svg('g', { class: 'link', 'data-link': linkKey(a, b) }, this.gLinks);
        svg('line', { x1: pa.cx, y1: pa.cy, x2: pb.cx, y2: pb.cy, class: 'link-line' }, g);
        const hit = svg('line', { x1: pa.cx, y1: pa.cy, x2: pb.cx, y2: pb.cy, class: 'link-hit' }, g);
        const mid = midpoint({ x: pa.cx, y: pa.cy }, { x: pb.cx, y: pb.cy });
        const scissors = svg('text', { x: mid.x, y: mid.y + 9, 'text-anchor': 'middle', class: 'scissors' }, g);
        scissors.textContent = '✂';
        const title = svg('title', {}, hit);
        title.textContent = `m${a} ↔ m${b}: click to cut or mend this link`;
        hit.addEventListener('click', () => this.cb.toggleLink(a, b));
        this.links.set(linkKey(a, b), { a, b, g, scissors });
      }
    }
    ids.forEach((id, i) => this.buildCard(id, this.boxes[i]!));
    const cboxes = clientLayout(2);
    (['A', 'B'] as const).forEach((name, i) => {
      const box = cboxes[i]!;
      this.clientBoxes.set(name, box);
      const tether = svg('line', { class: 'tether' }, this.gTethers);
      const g = svg('g', { class: 'client', transform: `translate(${box.cx - box.w / 2},${box.cy - box.h / 2})` }, this.gClients);
      svg('rect', { width: box.w, height: box.h, rx: 12, class: 'client-bg' }, g);
      const t = svg('text', { x: 14, y: 29, class: 'client-name' }, g);
      t.textContent = `client ${name}`;
      const state = svg('text', { x: 14, y: 56, class: 'client-state' }, g);
      const bell = svg('text', { x: box.w - 12, y: 29, 'text-anchor': 'end', class: 'bell' }, g);
      bell.textContent = '✉ WATCH';
      this.clients.set(name, { g, state, tether, bell });
    });
  }

  private box(id: number): Box {
    return this.boxes[(this.room?.ids.indexOf(id) ?? 0) as number]!;
  }

  private buildCard(id: number, box: Box): void {
    const g = svg('g', { class: 'card', transform: `translate(${box.cx - box.w / 2},${box.cy - box.h / 2})`, tabindex: 0, role: 'button', 'aria-label': `member m${id}` }, this.gCards);
    svg('rect', { width: box.w, height: box.h, rx: 14, class: 'card-bg' }, g);
    const name = svg('text', { x: 14, y: 33, class: 'card-id' }, g);
    name.textContent = `m${id}`;
    const role = svg('text', { x: box.w - 14, y: 32, 'text-anchor': 'end', class: 'card-role' }, g);
    const band = svg('rect', { x: 0, y: 43, width: box.w, height: 30, class: 'band' }, g);
    const phase = svg('text', { x: box.w / 2, y: 64, 'text-anchor': 'middle', class: 'band-text' }, g);
    const labels: SVGTextElement[] = [];
    const values: SVGTextElement[] = [];
    ROW_LABELS.forEach((label, i) => {
      const y = 97 + i * 23;
      const l = svg('text', { x: 14, y, class: 'row-label' }, g);
      l.textContent = label;
      labels.push(l);
      values.push(svg('text', { x: box.w - 14, y, 'text-anchor': 'end', class: 'row-value' }, g));
    });
    const tip = svg('title', {}, g);
    tip.textContent = `m${id}: click to select. "durable" is how far its log is on disk; "+N mem" counts writes handed to the disk and not yet flushed — a crash now may lose them.`;
    g.addEventListener('click', () => this.cb.selectMember(id));
    g.addEventListener('keydown', (e) => {
      if ((e as KeyboardEvent).key === 'Enter') this.cb.selectMember(id);
    });
    this.cards.set(id, { g, role, band, phase, values, labels });
  }

  /** One frame: cards, links, clients, flights where they are now, bursts of lost messages. */
  render(cards: readonly MemberCard[], clients: readonly ClientCard[], nowReal: number, speed: number): void {
    const room = this.room;
    if (!room) return;
    const now = room.now;
    const leader = room.leader();
    for (const c of cards) this.renderCard(c, leader);
    for (const l of this.links.values()) {
      const ca = cards.find((c) => c.id === l.a);
      const cb = cards.find((c) => c.id === l.b);
      toggleClass(l.g, 'cut', room.isCut(l.a, l.b));
      toggleClass(l.g, 'dead', !(ca?.alive && cb?.alive));
    }
    for (const c of clients) this.renderClient(c, nowReal);
    this.renderFlights(room, now);
    this.renderBursts(room, nowReal, speed);
    const lc = leader !== null ? cards.find((c) => c.id === leader) : undefined;
    const quorum = Math.floor(room.ids.length / 2) + 1;
    setText(this.center[0]!, lc ? `leader m${lc.id} · epoch ${lc.epoch}` : cards.some((c) => c.role === 'LEADING') ? 'establishing a leader…' : 'no leader: election');
    const groups = reachableGroups(room.ids, (id) => cards.find((c) => c.id === id)?.alive ?? false, (a, b) => room.isCut(a, b));
    const name = (g: { members: number[] }): string => `{${g.members.map((m) => `m${m}`).join(',')}}`;
    if (groups.length > 1) {
      // Split: say which side can still decide anything.
      const [first, ...rest] = groups;
      setText(this.center[1]!, `${name(first!)} ${first!.quorum ? 'has a quorum' : 'has no quorum'}`);
      setText(this.center[2]!, rest.map((g) => `${name(g)} ${g.quorum ? 'has a quorum' : 'has none'}`).join(' · '));
    } else {
      setText(this.center[1]!, `quorum = ${quorum} of ${room.ids.length}`);
      setText(this.center[2]!, `t = ${vt(now)}`);
    }
  }

  private renderCard(c: MemberCard, leader: number | null): void {
    const els = this.cards.get(c.id);
    if (!els) return;
    const g = els.g;
    toggleClass(g, 'down', !c.alive);
    toggleClass(g, 'paused', c.paused);
    toggleClass(g, 'leader', c.id === leader);
    toggleClass(g, 'selected', this.selected === c.id);
    toggleClass(g, 'island', this.island?.has(c.id) ?? false);
    for (const r of ['LOOKING', 'FOLLOWING', 'LEADING', 'DOWN']) toggleClass(g, `role-${r}`, c.role === r);
    for (const p of ['election', 'discovery', 'synchronization', 'broadcast', 'down']) toggleClass(g, `phase-${p}`, c.phase === p);
    setText(els.role, c.role === 'FOLLOWING' ? `FOLLOWING m${c.leader}` : c.role);
    const band = c.paused ? `❚❚ PAUSED until ${vt(c.pausedUntil)}` : c.alive ? c.phase.toUpperCase() : 'CRASHED · its disk keeps:';
    setText(els.phase, band);
    const values = [
      String(c.acceptedEpoch),
      String(c.currentEpoch),
      z(c.lastZxid),
      z(c.committedZxid),
      c.alive ? `${z(c.durableZxid)}${c.pendingWrites ? ` +${c.pendingWrites} mem` : ''}` : z(c.durableZxid),
      c.alive ? shortDigest(c.digest ?? undefined) : '—',
    ];
    values.forEach((v, i) => setText(els.values[i]!, v));
    toggleClass(els.values[4]!, 'pending', c.alive && c.pendingWrites > 0);
    setText(els.labels[3]!, c.alive ? 'committed' : 'known commit');
  }

  private renderClient(c: ClientCard, nowReal: number): void {
    const els = this.clients.get(c.name);
    const box = this.clientBoxes.get(c.name);
    if (!els || !box) return;
    const short = c.state === 'CONNECTED_READ_ONLY' ? 'READ-ONLY' : c.state;
    setText(els.state, `${short} · m${c.home}`);
    for (const s of ['CONNECTED', 'CONNECTED_READ_ONLY', 'CONNECTING', 'DISCONNECTED', 'EXPIRED', 'DEAD', 'NOT STARTED', 'CLOSED']) {
      toggleClass(els.g, `cs-${s.replace(/ /g, '_')}`, c.state === s);
    }
    const home = this.box(c.home);
    const from = { x: box.cx, y: box.cy - box.h / 2 };
    const to = { x: home.cx, y: home.cy + home.h / 2 };
    setAttr(els.tether, 'x1', String(from.x));
    setAttr(els.tether, 'y1', String(from.y));
    setAttr(els.tether, 'x2', String(to.x));
    setAttr(els.tether, 'y2', String(to.y));
    const fired = c.watches.length;
    if ((this.lastWatchSeen.get(c.name) ?? 0) < fired) this.bellUntil.set(c.name, nowReal + 2500);
    this.lastWatchSeen.set(c.name, fired);
    toggleClass(els.bell, 'ringing', (this.bellUntil.get(c.name) ?? 0) > nowReal);
  }

  private endpointBox(e: Flight['from']): Box {
    return e.kind === 'member' ? this.box(e.id) : this.clientBoxes.get(e.name)!;
  }

  private path(f: Flight): { start: Point; end: Point } {
    return lanePath(this.endpointBox(f.from), this.endpointBox(f.to), f.peer ? PEER_LANE : CLIENT_LANE);
  }

  private flightLabel(room: Classroom, f: Flight): string {
    const l = f.label;
    let text = l.detail ? `${l.type} ${l.detail}` : l.type;
    if (text.length > 30) text = `${text.slice(0, 29)}…`;
    if (f.proposal) {
      const v = room.proposalVotes(f.proposal);
      text += v.committed || v.votes >= v.needed ? ` ✓${v.votes}/${room.ids.length}` : ` ${v.votes}/${v.needed}`;
    }
    return text;
  }

  private renderFlights(room: Classroom, now: number): void {
    const seen = new Set<string>();
    /** Messages at the door of a paused member queue up there: stack them so each stays readable. */
    const waiting = new Map<string, number>();
    for (const f of room.flights.values()) {
      if (f.label.quiet && !this.showHeartbeats) continue;
      seen.add(f.key);
      let els = this.flights.get(f.key);
      if (!els) {
        els = this.makeFlight(f);
        this.flights.set(f.key, els);
      }
      if (els.text && els.rect) {
        const label = this.flightLabel(room, f);
        if (label !== els.label) {
          els.label = label;
          els.text.textContent = label;
          const w = label.length * CHAR_W + 20;
          els.rect.setAttribute('width', String(w));
          els.rect.setAttribute('x', String(-w / 2));
        }
      }
      const { start, end } = this.path(f);
      const t = progress(now, f.sentAt, f.arriveAt);
      let p = along(start, end, t);
      if (t >= 1) {
        const key = `${f.from.kind === 'member' ? f.from.id : f.from.name}>${f.to.kind === 'member' ? f.to.id : f.to.name}`;
        const k = waiting.get(key) ?? 0;
        waiting.set(key, k + 1);
        p = along(start, end, 1 - Math.min(0.6, k * 0.09));
      }
      els.g.setAttribute('transform', `translate(${p.x.toFixed(1)},${p.y.toFixed(1)})`);
    }
    for (const [key, els] of this.flights) {
      if (!seen.has(key)) {
        els.g.remove();
        this.flights.delete(key);
      }
    }
  }

  private makeFlight(f: Flight): FlightEls {
    const g = svg('g', { class: `msg fam-${f.label.family}${f.label.quiet ? ' quiet' : ''}${f.peer ? ' droppable' : ''}` }, this.gFlights);
    const title = svg('title', {}, g);
    title.textContent = `${f.label.type} ${f.label.detail}${f.peer ? ` — message #${f.id}: click to drop it` : ''}`;
    if (f.peer) g.addEventListener('click', (e) => {
      e.stopPropagation();
      this.cb.dropMessage(f);
    });
    if (f.label.quiet) {
      svg('circle', { r: 7, class: 'dot' }, g);
      return { g, text: null, rect: null, label: '' };
    }
    const rect = svg('rect', { x: -20, y: -PILL_H / 2, width: 40, height: PILL_H, rx: PILL_H / 2, class: 'pill' }, g);
    const text = svg('text', { x: 0, y: 6, 'text-anchor': 'middle', class: 'pill-text' }, g);
    return { g, text, rect, label: '' };
  }

  private renderBursts(room: Classroom, nowReal: number, speed: number): void {
    const ended = room.ended;
    room.ended = [];
    let made = 0;
    for (const e of ended) {
      if (e.outcome === 'delivered' || made > 24) continue;
      if (e.flight.label.quiet && !this.showHeartbeats) continue;
      if (room.startupNoise(e)) continue;
      // Only what a person could have seen happen: not losses skipped over by a fast-forward.
      if ((room.now - e.at) / Math.max(speed, 1e-6) > 1500) continue;
      this.makeBurst(e, nowReal);
      made++;
    }
    this.bursts = this.bursts.filter((b) => {
      if (b.until > nowReal) return true;
      b.g.remove();
      return false;
    });
  }

  private makeBurst(e: EndedFlight, nowReal: number): void {
    const f = e.flight;
    const { start, end } = this.path(f);
    const t = e.outcome === 'partitioned' ? 0.5 : e.outcome === 'no connection' ? 0.12 : progress(e.at, f.sentAt, f.arriveAt);
    const p = along(start, end, t);
    const quiet = f.label.quiet;
    const g = svg('g', { class: `burst out-${e.outcome.replace(/ /g, '-')}${quiet ? ' quiet' : ''}`, transform: `translate(${p.x.toFixed(1)},${p.y.toFixed(1)})` }, this.gBursts);
    svg('circle', { r: quiet ? 8 : 18, class: 'burst-ring' }, g);
    if (!quiet) {
      const text = svg('text', { x: 0, y: -24, 'text-anchor': 'middle', class: 'burst-text' }, g);
      const why = {
        dropped: 'dropped',
        partitioned: 'link cut',
        'receiver down': 'receiver down',
        'connection lost': 'link broke',
        'no connection': 'no link',
        lost: 'lost',
        delivered: '',
      }[e.outcome];
      text.textContent = `✕ ${f.label.type} ${why}`;
    }
    this.bursts.push({ g, until: nowReal + (quiet ? 600 : 1800) });
  }

  /** Forgets the bursts on screen (after a jump in time, they would mark losses long past). */
  clearBursts(): void {
    for (const b of this.bursts) b.g.remove();
    this.bursts = [];
    if (this.room) this.room.ended = [];
  }

  /** Where a member card is, in page pixels (for the test API and focus). */
  cardElement(id: number): SVGGElement | null {
    return this.cards.get(id)?.g ?? null;
  }
}
