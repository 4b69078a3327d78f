/**
 * The classroom page: one Classroom (the deterministic simulator with real members and clients) run
 * in virtual time at the speed the slider says, drawn every frame. Every control — buttons, keys,
 * the guided tour, replay and window.peerkeeperDemo for tests — goes through the same queue of
 * actions on the same Classroom, so what a test checks is what a student clicks.
 */
import { Classroom, type DemoState } from './engine/classroom.js';
import type { ClientOp } from './engine/clients.js';
import { decodeTrace, encodeTrace, hash32, TraceError, type Action, type Trace } from './engine/trace.js';
import { TOUR, TOUR_SEED, type TourFacts, type TourHost } from './engine/tour.js';
import { byId, esc, setHtml, toggleClass, vt } from './ui/dom.js';
import { shortcutsHtml } from './ui/help.js';
import { describeSpeed, sliderToSpeed, speedToSlider } from './ui/layout.js';
import { ClientsPanel, renderConsistency, renderLogs, renderMemberPanel, renderTimeline, renderTree, type PanelHost } from './ui/panels.js';
import { Stage } from './ui/stage.js';

const DEFAULT_SPEED = 0.005;
const SLOW_MOTION = 0.0012;
const PANEL_INTERVAL_MS = 120;

interface TourState {
  index: number;
  facts: TourFacts;
  ready: boolean;
  done: boolean;
  finished: boolean;
}

interface ReplayState {
  endMs: number;
  fingerprint: string | undefined;
  total: number;
  finished: boolean;
  matches: boolean | null;
}

class App implements PanelHost {
  room!: Classroom;
  members = 3;
  seed = 7;
  playing = true;
  speed = DEFAULT_SPEED;
  selectedMember = 1;
  treeMember: number | null = null;
  selectedPath = '/hello';
  tour: TourState | null = null;
  replay: ReplayState | null = null;
  private readonly stage: Stage;
  private readonly clients: ClientsPanel;
  private chain: Promise<unknown> = Promise.resolve();
  private pending = 0;
  private lastTs = 0;
  private lastPanels = 0;
  private panelsDirty = true;
  private notes = 0;
  private island: Set<number> | null = null;
  private speedBeforeSlowMotion: number | null = null;

  constructor() {
    this.stage = new Stage(byId('stage'), {
      selectMember: (id) => this.select(id),
      toggleLink: (a, b) => void this.perform({ kind: 'link', a, b, cut: !this.room.isCut(a, b) }),
      dropMessage: (f) => {
        if (this.room.flights.has(f.key)) void this.perform({ kind: 'drop', message: f.id });
      },
    });
    this.clients = new ClientsPanel(this);
    const saved = localStorage.getItem('peerkeeper-theme');
    document.documentElement.dataset.theme = saved ?? (matchMedia('(prefers-color-scheme: light)').matches ? 'light' : 'dark');
    byId('help-body').innerHTML = shortcutsHtml();
    this.bind();
    this.reset(this.seed, this.members);
    this.setSpeed(DEFAULT_SPEED);
    requestAnimationFrame((ts) => {
      this.lastTs = ts;
      this.frame(ts);
    });
  }

  // ---- the one queue every change goes through -----------------------------------------

  /** Runs `fn` after everything queued before it: the classroom is never driven twice at once. */
  run<T>(fn: () => Promise<T> | T): Promise<T> {
    this.pending++;
    const p = this.chain.then(async () => {
      try {
        return await fn();
      } finally {
        this.pending--;
      }
    });
    this.chain = p.catch((e: unknown) => console.error(e));
    return p;
  }

  perform(action: Action): Promise<ClientOp | null> {
    this.panelsDirty = true;
    return this.run(() => this.room.perform(action));
  }

  /** A fresh world (synchronous; call it inside `run`, or before anything runs). */
  reset(seed: number, members: number): Classroom {
    this.seed = seed;
    this.members = members;
    this.room = new Classroom({ seed, members });
    this.selectedMember = Math.min(this.selectedMember, members);
    this.treeMember = null;
    this.replay = null;
    this.island = null;
    this.stage.island = null;
    this.stage.attach(this.room);
    this.clients.attach(this.room);
    (byId('members') as HTMLSelectElement).value = String(members);
    (byId('seed') as HTMLInputElement).value = String(seed);
    byId('partition-bar').hidden = true;
    this.panelsDirty = true;
    this.banner(null);
    return this.room;
  }

  select(id: number): void {
    if (this.island) {
      if (this.island.has(id)) this.island.delete(id);
      else this.island.add(id);
      this.stage.island = this.island;
      byId('island-list').textContent = this.island.size ? [...this.island].sort().map((m) => `m${m}`).join(', ') : 'none';
      return;
    }
    this.selectedMember = id;
    this.stage.selected = id;
    this.panelsDirty = true;
  }

  setSpeed(speed: number): void {
    this.speed = speed;
    (byId('speed') as HTMLInputElement).value = String(speedToSlider(speed));
    byId('speed-label').textContent = describeSpeed(speed);
  }

  setPlaying(on: boolean): void {
    this.playing = on;
    byId('play').textContent = on ? '❚❚ Pause' : '▶ Play';
  }

  // ---- the frame loop --------------------------------------------------------------------

  private frame(ts: number): void {
    const dt = Math.min(100, Math.max(0, ts - this.lastTs));
    this.lastTs = ts;
    const room = this.room;
    if (this.playing && this.pending === 0 && !room.violation) {
      let target = room.now + dt * this.speed;
      if (this.replay && !this.replay.finished && target >= this.replay.endMs) target = this.replay.endMs;
      void this.run(() => (this.room === room ? room.advanceTo(target) : undefined));
    }
    this.checkReplayEnd();
    this.render(ts);
    requestAnimationFrame((t) => this.frame(t));
  }

  private render(ts: number): void {
    const room = this.room;
    const cards = room.cards();
    const clients = room.clientCards();
    this.stage.selected = this.selectedMember;
    this.stage.render(cards, clients, ts, this.speed);
    byId('clock').textContent = `t = ${vt(room.now)}`;
    if (this.tour) this.checkTour();
    if (!this.panelsDirty && ts - this.lastPanels < PANEL_INTERVAL_MS) return;
    this.lastPanels = ts;
    this.panelsDirty = false;
    renderMemberPanel(cards.find((c) => c.id === this.selectedMember), room);
    this.clients.render(clients);
    renderLogs(cards);
    renderTree(room, this);
    renderConsistency(room, cards);
    renderTimeline(room);
    this.renderTour();
    if (room.violation) this.banner(`The live checker stopped the world: ${room.violation}`, 'bad');
  }

  private banner(html: string | null, tone: 'bad' | 'good' | 'info' = 'info'): void {
    const el = byId('banner');
    el.hidden = html === null;
    if (html === null) return;
    el.className = `banner ${tone}`;
    setHtml(el, html);
  }

  // ---- replay -----------------------------------------------------------------------------

  async startReplay(trace: Trace, fast = false): Promise<void> {
    this.tour = null;
    await this.run(() => {
      this.reset(trace.seed, trace.members);
      this.room.loadScript(trace.actions);
    });
    this.replay = { endMs: trace.endMs, fingerprint: trace.fingerprint, total: trace.actions.length, finished: false, matches: null };
    this.banner(`Replaying a trace: seed ${trace.seed}, ${trace.members} members, ${trace.actions.length} actions, until t = ${vt(trace.endMs)}. <button id="replay-jump">Jump to the end</button>`);
    byId('replay-jump').addEventListener('click', () => void this.run(() => this.room.advanceTo(trace.endMs)));
    this.setPlaying(true);
    if (fast) await this.run(() => this.room.advanceTo(trace.endMs));
    this.checkReplayEnd();
  }

  checkReplayEnd(): void {
    const r = this.replay;
    if (!r || r.finished || this.room.now < r.endMs || this.pending > 0) return;
    r.finished = true;
    const mine = hash32(this.room.fingerprint());
    r.matches = r.fingerprint ? r.fingerprint === mine : null;
    this.setPlaying(false);
    const verdict =
      r.matches === null ? '' : r.matches ? ` ✓ The world is exactly the one exported (fingerprint ${mine}).` : ` ✗ The world differs from the exported one (${mine} ≠ ${r.fingerprint}).`;
    this.banner(`Replay finished at t = ${vt(r.endMs)}: ${r.total} actions re-applied.${verdict} Press Space to carry on live from here.`, r.matches === false ? 'bad' : 'good');
  }

  exportTrace(): Promise<string> {
    return this.run(() => encodeTrace(this.room.trace()));
  }

  private download(text: string): void {
    const blob = new Blob([text], { type: 'application/json' });
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = `peerkeeper-trace-seed${this.seed}-${Math.round(this.room.now)}ms.json`;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 5000);
  }

  // ---- the guided tour ----------------------------------------------------------------------

  readonly tourHost: TourHost = {
    get room(): Classroom {
      return app.room;
    },
    reset: (seed: number) => this.reset(seed, this.members),
  };

  startTourStep(index: number): Promise<void> {
    const step = TOUR[index];
    if (!step) return Promise.resolve();
    const facts = index === 0 || !this.tour ? {} : this.tour.facts;
    const state: TourState = { index, facts, ready: false, done: false, finished: false };
    this.tour = state;
    this.replay = null;
    this.banner(null);
    byId('tour').hidden = false;
    this.panelsDirty = true;
    return this.run(async () => {
      await step.setup(this.tourHost, facts);
      this.stage.clearBursts();
      state.ready = true;
      this.setSpeed(step.speed);
      this.setPlaying(true);
      this.panelsDirty = true;
    });
  }

  private checkTour(): void {
    const t = this.tour;
    if (!t || !t.ready || t.done) return;
    if (TOUR[t.index]!.done(this.room, t.facts)) {
      t.done = true;
      if (t.index === TOUR.length - 1) t.finished = true;
      this.panelsDirty = true;
    }
  }

  /** Fast-forwards the current step to its goal (no animation). */
  skipTourStep(): Promise<boolean> {
    const t = this.tour;
    if (!t) return Promise.resolve(false);
    const step = TOUR[t.index]!;
    return this.run(async () => {
      const ok = await this.room.runUntil(() => step.done(this.room, t.facts), step.budgetMs);
      this.stage.clearBursts();
      this.checkTour();
      return ok;
    });
  }

  endTour(): void {
    this.tour = null;
    this.room.director = null;
    byId('tour').hidden = true;
  }

  private renderTour(): void {
    const t = this.tour;
    const el = byId('tour');
    if (!t) {
      el.hidden = true;
      return;
    }
    el.hidden = false;
    const step = TOUR[t.index]!;
    const dots = TOUR.map((_, i) => `<span class="${i < t.index || (i === t.index && t.done) ? 'done' : i === t.index ? 'now' : ''}"></span>`).join('');
    const status = !t.ready
      ? `<p class="status waiting">setting the scene…</p>`
      : t.done
        ? `<p class="status done">✓ ${t.finished ? 'Tour complete. The world is yours.' : 'Done — on to the next step.'}</p>`
        : `<p class="status waiting">${esc(step.waiting)}</p>`;
    setHtml(
      el,
      `<div class="dots">${dots}</div><h2>${esc(step.title)}</h2>${step.text(this.room, t.facts)}${status}
      <div class="buttons">
        <button data-tour="skip" ${t.done || !t.ready ? 'disabled' : ''} title="run to the end of this step without animation">▸▸ Skip ahead</button>
        ${t.index < TOUR.length - 1 ? `<button data-tour="next" class="${t.done ? 'accent' : ''}" ${t.ready ? '' : 'disabled'}>Next ▶</button>` : ''}
        <button data-tour="restart">↺ Start over</button>
        <button data-tour="end">✕ End tour</button>
      </div>`,
    );
  }

  /** Next step; a step not done yet is fast-forwarded first (its facts feed the next one). */
  async nextTourStep(): Promise<void> {
    const t = this.tour;
    if (!t) return this.startTourStep(0);
    if (!t.done) await this.skipTourStep();
    if (t.index < TOUR.length - 1) await this.startTourStep(t.index + 1);
  }

  // ---- controls -------------------------------------------------------------------------

  private bind(): void {
    byId('play').addEventListener('click', () => this.setPlaying(!this.playing));
    byId('step').addEventListener('click', () => this.step());
    byId('speed').addEventListener('input', (e) => this.setSpeed(sliderToSpeed(Number((e.target as HTMLInputElement).value))));
    byId('reset').addEventListener('click', () => this.newWorld());
    byId('members').addEventListener('change', () => this.newWorld());
    byId('tour-start').addEventListener('click', () => void this.startTourStep(0));
    byId('export').addEventListener('click', () => void this.exportTrace().then((t) => this.download(t)));
    byId('import').addEventListener('click', () => this.openReplayDialog());
    byId('theme').addEventListener('click', () => this.toggleTheme());
    byId('help-open').addEventListener('click', () => (byId('help').hidden = false));
    byId('help-close').addEventListener('click', () => (byId('help').hidden = true));
    byId('slow').addEventListener('click', () => void this.perform({ kind: 'network', slow: !this.room.slowNetwork }));
    byId('heal').addEventListener('click', () => void this.perform({ kind: 'heal' }));
    byId('partition-tool').addEventListener('click', () => this.partitionTool());
    byId('partition-apply').addEventListener('click', () => this.applyPartition());
    byId('partition-cancel').addEventListener('click', () => this.cancelPartition());
    byId('heartbeats').addEventListener('change', (e) => (this.stage.showHeartbeats = (e.target as HTMLInputElement).checked));
    byId('member-panel').addEventListener('click', (e) => {
      const act = (e.target as HTMLElement).closest('button')?.dataset.act;
      if (act) this.memberAction(act);
    });
    byId('tree-members').addEventListener('click', (e) => {
      const v = (e.target as HTMLElement).closest('button')?.dataset.treeMember;
      if (!v) return;
      this.treeMember = v === 'auto' ? null : Number(v);
      this.panelsDirty = true;
    });
    byId('tree').addEventListener('click', (e) => {
      const path = (e.target as HTMLElement).closest('button')?.dataset.path;
      if (!path) return;
      this.selectedPath = path;
      this.panelsDirty = true;
    });
    byId('tour').addEventListener('click', (e) => {
      const what = (e.target as HTMLElement).closest('button')?.dataset.tour;
      if (what === 'next') void this.nextTourStep();
      else if (what === 'skip') void this.skipTourStep();
      else if (what === 'restart') void this.startTourStep(0);
      else if (what === 'end') this.endTour();
    });
    byId('replay-cancel').addEventListener('click', () => (byId('replay-dialog').hidden = true));
    byId('replay-file').addEventListener('change', async (e) => {
      const file = (e.target as HTMLInputElement).files?.[0];
      if (file) (byId('replay-text') as HTMLTextAreaElement).value = await file.text();
    });
    byId('replay-go').addEventListener('click', () => {
      try {
        const trace = decodeTrace((byId('replay-text') as HTMLTextAreaElement).value);
        byId('replay-dialog').hidden = true;
        void this.startReplay(trace);
      } catch (err) {
        byId('replay-error').textContent = err instanceof TraceError ? err.message : String(err);
      }
    });
    document.addEventListener('keydown', (e) => this.onKey(e));
  }

  private newWorld(): void {
    const members = Number((byId('members') as HTMLSelectElement).value);
    const seed = Math.max(0, Math.floor(Number((byId('seed') as HTMLInputElement).value) || 0));
    this.endTour();
    void this.run(() => void this.reset(seed, members));
  }

  step(): Promise<void> {
    this.setPlaying(false);
    this.panelsDirty = true;
    return this.run(() => this.room.step());
  }

  private memberAction(act: string): void {
    const id = this.selectedMember;
    const room = this.room;
    switch (act) {
      case 'kill':
        void this.perform({ kind: 'kill', member: id });
        return;
      case 'restart':
        void this.perform({ kind: 'restart', member: id });
        return;
      case 'pause':
        void this.perform({ kind: 'pause', member: id, ms: 300 });
        return;
      case 'isolate': {
        const isolated = room.ids.every((o) => o === id || room.isCut(id, o));
        if (isolated) {
          for (const o of room.ids) if (o !== id) void this.perform({ kind: 'link', a: id, b: o, cut: false });
        } else {
          void this.perform({ kind: 'partition', side: [id] });
        }
        return;
      }
    }
  }

  private partitionTool(): void {
    this.island = new Set();
    this.stage.island = this.island;
    byId('island-list').textContent = 'none';
    byId('partition-bar').hidden = false;
  }

  private applyPartition(): void {
    const side = [...(this.island ?? [])].sort((a, b) => a - b);
    this.cancelPartition();
    if (side.length > 0 && side.length < this.room.ids.length) void this.perform({ kind: 'partition', side });
  }

  private cancelPartition(): void {
    this.island = null;
    this.stage.island = null;
    byId('partition-bar').hidden = true;
  }

  private openReplayDialog(): void {
    byId('replay-error').textContent = '';
    byId('replay-dialog').hidden = false;
  }

  private toggleTheme(): void {
    const next = document.documentElement.dataset.theme === 'dark' ? 'light' : 'dark';
    document.documentElement.dataset.theme = next;
    localStorage.setItem('peerkeeper-theme', next);
  }

  private onKey(e: KeyboardEvent): void {
    const target = e.target as HTMLElement;
    const typing = target.closest('input, textarea, select') !== null;
    if (e.key === 'Escape') {
      byId('help').hidden = true;
      byId('replay-dialog').hidden = true;
      this.cancelPartition();
      if (typing) target.blur();
      return;
    }
    if (typing || e.ctrlKey || e.metaKey || e.altKey) return;
    const key = e.key;
    const id = this.selectedMember;
    const handled = (): void => e.preventDefault();
    if (key === ' ') {
      handled();
      this.setPlaying(!this.playing);
    } else if (key === 'ArrowRight' || key === '.') {
      handled();
      void this.step();
    } else if (key === '+' || key === '=') this.setSpeed(Math.min(0.5, this.speed * 1.6));
    else if (key === '-' || key === '_') this.setSpeed(Math.max(0.0005, this.speed / 1.6));
    else if (key === 's' || key === 'S') {
      if (this.speedBeforeSlowMotion === null) {
        this.speedBeforeSlowMotion = this.speed;
        this.setSpeed(SLOW_MOTION);
      } else {
        this.setSpeed(this.speedBeforeSlowMotion);
        this.speedBeforeSlowMotion = null;
      }
    } else if (/^[1-9]$/.test(key) && Number(key) <= this.room.ids.length) this.select(Number(key));
    else if (key === 'k' || key === 'K') void this.perform({ kind: 'kill', member: id });
    else if (key === 'r' || key === 'R') void this.perform({ kind: 'restart', member: id });
    else if (key === 'p' || key === 'P') void this.perform({ kind: 'pause', member: id, ms: 300 });
    else if (key === 'i' || key === 'I') this.memberAction('isolate');
    else if (key === 'x' || key === 'X') this.partitionTool();
    else if (key === 'h' || key === 'H') void this.perform({ kind: 'heal' });
    else if (key === 'n' || key === 'N') void this.perform({ kind: 'network', slow: !this.room.slowNetwork });
    else if (key === 'w' || key === 'W') {
      const n = ++this.notes;
      void this.perform({ kind: 'create', client: 'A', path: `/note-${n}`, data: `note ${n}`, mode: 'PERSISTENT' });
    } else if (key === 'b' || key === 'B') {
      const box = byId('heartbeats') as HTMLInputElement;
      box.checked = !box.checked;
      this.stage.showHeartbeats = box.checked;
    } else if (key === 't' || key === 'T') void this.nextTourStep();
    else if (key === 'e' || key === 'E') void this.exportTrace().then((t) => this.download(t));
    else if (key === 'l' || key === 'L') this.openReplayDialog();
    else if (key === 'd' || key === 'D') this.toggleTheme();
    else if (key === '?') byId('help').hidden = !byId('help').hidden;
    else return;
    this.panelsDirty = true;
  }
}

const app = new App();
toggleClass(document.body, 'ready', true);

/**
 * The test API: the same calls the page makes. `advance`, `runUntil` and the tour's `run` go fast
 * (no animation); everything else is what a person does.
 */
const api = {
  version: 1,
  state: (): DemoState => app.room.state(),
  room: (): Classroom => app.room,
  act: (action: Action): Promise<ClientOp | null> => app.perform(action),
  reset: (options: { seed?: number; members?: number } = {}): Promise<void> =>
    app.run(() => {
      app.endTour();
      app.reset(options.seed ?? app.seed, options.members ?? app.members);
    }),
  play: (): void => app.setPlaying(true),
  pause: (): void => app.setPlaying(false),
  isPlaying: (): boolean => app.playing,
  step: (): Promise<void> => app.step(),
  setSpeed: (speed: number): void => app.setSpeed(speed),
  speed: (): number => app.speed,
  advance: (ms: number): Promise<void> => app.run(() => app.room.advanceBy(ms)),
  /** Fast-forwards until a named condition holds (`path`: for pathEverywhere, the znode every live member must have). */
  runUntil: (
    what: 'leader' | 'allServing' | 'clientsConnected' | 'pathEverywhere' | 'proposalInFlight' | 'entryInMemory',
    maxMs = 2000,
    path = '/',
  ): Promise<boolean> =>
    app.run(() => {
      const room = app.room;
      const done = {
        leader: () => room.leader() !== null,
        allServing: () => room.leader() !== null && room.cards().every((c) => !c.alive || c.serving),
        clientsConnected: () => room.net.slots.every((s) => s.state === 'CONNECTED'),
        pathEverywhere: () => room.ids.every((id) => !room.server(id) || room.server(id)!.server.dataTree.exists(path) !== null),
        entryInMemory: () => room.cards().some((c) => c.alive && c.log.some((r) => !r.durable)),
        proposalInFlight: () => [...room.flights.values()].some((f) => f.label.type === 'PROPOSAL' && room.now - f.sentAt > (f.arriveAt - f.sentAt) * 0.4),
      }[what];
      return room.runUntil(done, maxMs);
    }),
  select: (id: number): void => app.select(id),
  exportTrace: (): Promise<string> => app.exportTrace(),
  replay: async (json: string, options: { fast?: boolean } = {}): Promise<{ matches: boolean | null; fingerprint: string }> => {
    await app.startReplay(decodeTrace(json), options.fast ?? true);
    await app.run(() => undefined);
    app.checkReplayEnd();
    return { matches: app.replay?.matches ?? null, fingerprint: hash32(app.room.fingerprint()) };
  },
  fingerprint: (): string => hash32(app.room.fingerprint()),
  tour: {
    steps: TOUR.map((s) => s.title),
    seed: TOUR_SEED,
    /** Starts a step as a student would (animated at the step's speed). */
    start: (index: number): Promise<void> => app.startTourStep(index),
    /** Starts a step and fast-forwards it to its goal; true if the goal was reached. */
    run: async (index: number): Promise<boolean> => {
      await app.startTourStep(index);
      return app.skipTourStep();
    },
    /** Fast-forwards the current step to its goal. */
    skip: (): Promise<boolean> => app.skipTourStep(),
    current: (): { index: number; done: boolean; finished: boolean } | null =>
      app.tour ? { index: app.tour.index, done: app.tour.done, finished: app.tour.finished } : null,
    text: (): string => byId('tour').innerText,
  },
};

export type DemoApi = typeof api;

declare global {
  interface Window {
    peerkeeperDemo: DemoApi;
  }
}

window.peerkeeperDemo = api;
