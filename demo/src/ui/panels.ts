/**
 * The panels around the stage: the selected member's controls, the two clients, every member's log
 * (committed line, durable vs in-memory), the znode tree with Stat, the consistency check, metrics
 * and the timeline. Each renders from the classroom's views and touches the DOM only when its HTML
 * changed, so clicks and typing survive the 60 fps loop.
 */
import type { Classroom, ClientCard, MemberCard } from '../engine/classroom.js';
import type { ClientOp } from '../engine/clients.js';
import { sessionName, shortDigest, z } from '../engine/describe.js';
import type { Action, ClientName } from '../engine/trace.js';
import { byId, esc, ms, setHtml, setText, toggleClass, vt } from './dom.js';

export interface PanelHost {
  /** Queues an action on the classroom (the same path as the keyboard and the test API). */
  perform(action: Action): void;
  readonly selectedMember: number;
  treeMember: number | null;
  selectedPath: string;
}

export const CRDT_CONTRAST =
  'A CRDT (a replicated counter, an OR-set) would have accepted this write here and merged it after the partition — always available, ' +
  'but with no single order of writes, so no lock, leader election or compare-and-set can be built on it. ZooKeeper chooses consistency: the side without a quorum says no.';

// ---- clients ------------------------------------------------------------------------------

interface ClientEls {
  root: HTMLElement;
  badge: HTMLElement;
  session: HTMLElement;
  reason: HTMLElement;
  home: HTMLSelectElement;
  path: HTMLInputElement;
  data: HTMLInputElement;
  callout: HTMLElement;
  ops: HTMLElement;
  watches: HTMLElement;
}

export class ClientsPanel {
  private els = new Map<ClientName, ClientEls>();

  constructor(
    private readonly host: PanelHost,
    private readonly root: HTMLElement = byId('clients'),
  ) {}

  attach(room: Classroom): void {
    this.root.innerHTML = `<h2>Clients <small>real ZooKeeper clients, each attached to one member</small></h2>`;
    this.els.clear();
    for (const name of ['A', 'B'] as const) {
      const card = document.createElement('div');
      card.className = 'client-card';
      card.dataset.client = name;
      card.innerHTML = `
        <h3>Client ${name} <span class="state-badge"></span> <span class="sess reason"></span></h3>
        <div class="reason why"></div>
        <div class="fields">
          <label>on <select class="home" aria-label="client ${name}'s member">${room.ids.map((id) => `<option value="${id}">m${id}</option>`).join('')}</select></label>
          <input class="path" value="/hello" aria-label="client ${name} path" spellcheck="false" />
          <input class="data" value="${name === 'A' ? 'world' : 'from B'}" aria-label="client ${name} data" spellcheck="false" />
        </div>
        <div class="buttons">
          <button data-op="create" title="create a persistent znode">Create</button>
          <button data-op="ephemeral" title="an ephemeral znode: it lives as long as this client's session">Ephemeral</button>
          <button data-op="sequential" title="a sequential znode: the leader appends a counter">Sequential</button>
          <button data-op="set" title="setData">Set</button>
          <button data-op="delete">Delete</button>
          <button data-op="read" title="read it and leave a watch: the next change fires a notification">Read + watch</button>
        </div>
        <div class="buttons" style="margin-top:6px">
          <button data-op="crash" title="the client process dies silently: no more heartbeats; its session expires">☠ Crash client</button>
          <button data-op="new" title="a new client process with a new session">New session</button>
        </div>
        <div class="callout" hidden></div>
        <ul class="ops" aria-label="client ${name} requests"></ul>
        <ul class="watches" aria-label="client ${name} watch notifications"></ul>`;
      this.root.appendChild(card);
      const q = <T extends Element>(sel: string): T => card.querySelector(sel) as T;
      const els: ClientEls = {
        root: card,
        badge: q('.state-badge'),
        session: q('.sess'),
        reason: q('.why'),
        home: q('select.home'),
        path: q('input.path'),
        data: q('input.data'),
        callout: q('.callout'),
        ops: q('.ops'),
        watches: q('.watches'),
      };
      this.els.set(name, els);
      els.home.addEventListener('change', () => this.host.perform({ kind: 'home', client: name, member: Number(els.home.value) }));
      card.querySelectorAll<HTMLButtonElement>('button[data-op]').forEach((b) =>
        b.addEventListener('click', () => {
          const action = this.actionFor(name, b.dataset.op!);
          if (action) this.host.perform(action);
        }),
      );
    }
  }

  /** The action a client button stands for, with the path and data typed in its card. */
  actionFor(name: ClientName, op: string): Action | null {
    const els = this.els.get(name);
    if (!els) return null;
    let path = els.path.value.trim() || '/hello';
    if (!path.startsWith('/')) path = `/${path}`;
    const data = els.data.value;
    switch (op) {
      case 'create':
        return { kind: 'create', client: name, path, data, mode: 'PERSISTENT' };
      case 'ephemeral':
        return { kind: 'create', client: name, path, data, mode: 'EPHEMERAL' };
      case 'sequential':
        return { kind: 'create', client: name, path, data, mode: 'PERSISTENT_SEQUENTIAL' };
      case 'set':
        return { kind: 'setData', client: name, path, data };
      case 'delete':
        return { kind: 'delete', client: name, path };
      case 'read':
        return { kind: 'read', client: name, path, watch: true };
      case 'crash':
        return { kind: 'crashClient', client: name };
      case 'new':
        return { kind: 'newClient', client: name };
      default:
        return null;
    }
  }

  render(clients: readonly ClientCard[]): void {
    for (const c of clients) {
      const els = this.els.get(c.name);
      if (!els) continue;
      const label = c.state === 'CONNECTED_READ_ONLY' ? 'READ-ONLY' : c.state;
      setText(els.badge, c.attachedTo !== null && c.state.startsWith('CONNECTED') ? `${label} · m${c.attachedTo}` : label);
      els.badge.className = `state-badge ${c.state.replace(/ /g, '_')}`;
      setText(els.session, c.session !== '—' ? `session ${c.session}` : '');
      setText(els.reason, c.reason);
      if (document.activeElement !== els.home && els.home.value !== String(c.home)) els.home.value = String(c.home);
      const ops = c.ops.slice(-8).reverse();
      setHtml(els.ops, ops.map((o) => `<li class="${o.status}"><b>${esc(o.text)}</b> <span class="reason">@${vt(o.issuedAt)} via m${o.member}</span>${o.result ? ` → ${esc(o.result)}` : ''}</li>`).join(''));
      setHtml(
        els.watches,
        c.watches
          .slice(-4)
          .reverse()
          .map((w) => `<li><b>${esc(w.type)}</b> ${esc(w.path ?? '')} ${w.zxid ? `at ${z(w.zxid)}` : ''} <span class="reason">@${vt(w.at)}</span></li>`)
          .join(''),
      );
      const last = c.ops[c.ops.length - 1];
      const minority = last && last.minority ? last : undefined;
      els.callout.hidden = !minority;
      if (minority) setHtml(els.callout, minorityCallout(minority));
    }
  }
}

export function minorityCallout(op: ClientOp): string {
  return `<b>Refused: m${op.member} is cut off from a quorum.</b> Its write <code>${esc(op.text)}</code> failed with <code>${esc(op.result.split(':')[0] ?? '')}</code> instead of letting the two sides of the partition diverge.<br>${esc(CRDT_CONTRAST)}`;
}

// ---- the selected member --------------------------------------------------------------------

export function renderMemberPanel(card: MemberCard | undefined, room: Classroom): void {
  if (!card) return;
  setText(byId('sel-name'), `m${card.id}`);
  setText(
    byId('sel-role'),
    card.alive ? `${card.role === 'FOLLOWING' ? `FOLLOWING m${card.leader}` : card.role} · ${card.phase}${card.paused ? ' · paused' : ''}` : 'DOWN',
  );
  const panel = byId('member-panel');
  const button = (act: string): HTMLButtonElement => panel.querySelector(`button[data-act="${act}"]`) as HTMLButtonElement;
  button('kill').disabled = !card.alive;
  button('restart').disabled = card.alive;
  button('pause').disabled = !card.alive;
  const isolated = room.ids.every((o) => o === card.id || room.isCut(card.id, o));
  button('isolate').textContent = isolated ? '↺ Reconnect it' : '✂ Isolate';
  toggleClass(byId('slow'), 'on', room.slowNetwork);
}

// ---- logs ---------------------------------------------------------------------------------

export function renderLogs(cards: readonly MemberCard[]): void {
  const html = cards
    .map((c) => {
      const rows: string[] = [];
      const base = c.logBase.epoch || c.logBase.counter ? `snapshot at ${z(c.logBase)}` : '';
      const older = c.hidden ? `${c.hidden} older entr${c.hidden === 1 ? 'y' : 'ies'}` : '';
      if (base || older) rows.push(`<div class="logbase">${[base, older].filter(Boolean).join(' · ')}</div>`);
      let lineDrawn = false;
      c.log.forEach((r, i) => {
        const next = c.log[i + 1];
        rows.push(
          `<div class="entry ${r.durable ? 'durable' : 'mem'} ${r.committed ? 'committed' : 'uncommitted'}" title="${r.committed ? 'committed' : 'not committed yet'} · ${r.durable ? 'durable' : 'in memory only: a crash now may lose it'}"><span class="zx">${z(r.zxid)}</span> ${esc(r.summary)}</div>`,
        );
        if (r.committed && (!next || !next.committed)) {
          rows.push(`<div class="commit-line">committed ▲</div>`);
          lineDrawn = true;
        }
      });
      if (!c.log.length) rows.push(`<div class="logbase">(empty log)</div>`);
      else if (!lineDrawn) rows.splice(base || older ? 1 : 0, 0, `<div class="commit-line">committed ▲ (nothing listed yet)</div>`);
      const role = c.alive ? (c.role === 'FOLLOWING' ? 'FOLLOWING' : c.role) : 'DOWN — its disk';
      return `<div class="logcol role-${c.role}"><h4>m${c.id} <span>${esc(role)}</span></h4>${rows.join('')}</div>`;
    })
    .join('');
  setHtml(byId('logs'), html);
}

// ---- the znode tree -------------------------------------------------------------------------

export function renderTree(room: Classroom, host: PanelHost): void {
  const leader = room.leader();
  let member = host.treeMember ?? leader ?? host.selectedMember;
  if (!room.ids.includes(member)) member = room.ids[0]!;
  setHtml(
    byId('tree-members'),
    room.ids.map((id) => `<button data-tree-member="${id}" class="${id === member ? 'on' : ''}">m${id}${id === leader ? ' ★' : ''}</button>`).join('') +
      `<button data-tree-member="auto" class="${host.treeMember === null ? 'on' : ''}" title="follow the leader">leader</button>`,
  );
  setText(byId('tree-of'), `as m${member} applied it`);
  const rows = room.tree(member);
  if (!rows) {
    setHtml(byId('tree'), `<p class="reason">m${member} is down: its tree is rebuilt from its disk when it restarts.</p>`);
    setHtml(byId('stat'), '');
    return;
  }
  setHtml(
    byId('tree'),
    rows
      .map(
        (r) =>
          `<button class="znode${r.path === host.selectedPath ? ' sel' : ''}" data-path="${esc(r.path)}" style="padding-left:${6 + r.depth * 18}px">${r.depth ? '└ ' : ''}${esc(r.name)}${r.ephemeral ? ` <span class="eph">◷ ephemeral of ${sessionName(r.stat.ephemeralOwner)}</span>` : ''}${r.data ? ` <span class="data">= "${esc(r.data)}"</span>` : ''}</button>`,
      )
      .join(''),
  );
  const sel = rows.find((r) => r.path === host.selectedPath);
  if (!sel) {
    setHtml(byId('stat'), `<p class="reason">${host.selectedPath && host.selectedPath !== '/' ? `${esc(host.selectedPath)} is not on m${member}. ` : ''}Click a znode for its Stat.</p>`);
    return;
  }
  const s = sel.stat;
  const row = (k: string, v: string, why: string): string => `<tr><th title="${esc(why)}">${k}</th><td>${esc(v)}</td></tr>`;
  setHtml(
    byId('stat'),
    `<table><caption style="text-align:left;font-weight:700">Stat of ${esc(sel.path)} on m${member}</caption>${[
      row('czxid', z(s.czxid), 'the txn that created it'),
      row('mzxid', z(s.mzxid), 'the txn that last changed its data'),
      row('pzxid', z(s.pzxid), 'the txn that last added or removed a child'),
      row('ctime', `${s.ctime} ms`, 'leader-assigned time of the create (virtual)'),
      row('mtime', `${s.mtime} ms`, 'leader-assigned time of the last change'),
      row('version', String(s.version), 'changes to the data'),
      row('cversion', String(s.cversion), 'children created under it'),
      row('aversion', String(s.aversion), 'ACL changes (none here)'),
      row('ephemeralOwner', s.ephemeralOwner ? sessionName(s.ephemeralOwner) : '0', 'the session that owns an ephemeral'),
      row('dataLength', String(s.dataLength), 'bytes of data'),
      row('numChildren', String(s.numChildren), 'children now'),
      row('data', sel.data ? `"${sel.data}"` : '(empty)', 'as UTF-8'),
    ].join('')}</table>`,
  );
}

// ---- consistency and metrics ------------------------------------------------------------------

export function renderConsistency(room: Classroom, cards: readonly MemberCard[]): void {
  const live = cards.filter((c) => c.alive);
  const rows = cards
    .map(
      (c) =>
        `<tr><td>m${c.id}${c.alive ? (c.role === 'LEADING' ? ' ★' : '') : ' ✖'}</td><td>${z(c.lastZxid)}</td><td>${z(c.committedZxid)}</td><td>${c.alive ? z(c.appliedZxid) : '—'}</td><td title="${esc(c.digest ?? '')}">${c.alive ? shortDigest(c.digest ?? undefined) : '—'}</td></tr>`,
    )
    .join('');
  let verdict: string;
  const consistent = room.consistent();
  const sameApplied = live.length > 0 && live.every((c) => c.appliedZxid.epoch === live[0]!.appliedZxid.epoch && c.appliedZxid.counter === live[0]!.appliedZxid.counter);
  if (!consistent) verdict = `<p class="verdict bad">✗ two members applied the same zxid but hold different trees</p>`;
  else if (sameApplied && live.length)
    verdict = `<p class="verdict good">✓ all ${live.length} live member${live.length > 1 ? 's' : ''} applied ${z(live[0]!.appliedZxid)} and hold the same tree (digest ${shortDigest(live[0]!.digest ?? undefined)})</p>`;
  else {
    const max = live.reduce((a, c) => (c.appliedZxid.epoch > a.epoch || (c.appliedZxid.epoch === a.epoch && c.appliedZxid.counter > a.counter) ? c.appliedZxid : a), live[0]?.appliedZxid ?? { epoch: 0, counter: 0 });
    const behind = live.filter((c) => c.appliedZxid.epoch !== max.epoch || c.appliedZxid.counter !== max.counter).map((c) => `m${c.id} at ${z(c.appliedZxid)}`);
    verdict = `<p class="verdict warn">⋯ not all caught up: ${behind.join(', ')} (newest ${z(max)}) — same zxid ⇒ same digest still holds ✓</p>`;
  }
  const m = room.metrics();
  const checker = room.violation
    ? `<p class="verdict bad">✗ live invariant checker: ${esc(room.violation)}</p>`
    : `<p class="small">The simulator's checker verifies Zab's invariants after every step: ${m.checks} checks so far, all held.</p>`;
  setHtml(byId('consistency'), `${verdict}<table><thead><tr><th>member</th><th>last</th><th>committed</th><th>applied</th><th>digest</th></tr></thead><tbody>${rows}</tbody></table>${checker}`);
  const metric = (value: string, label: string, why: string): string => `<div class="metric" title="${esc(why)}"><b>${value}</b><span>${label}</span></div>`;
  setHtml(
    byId('metrics'),
    `<div class="metrics-grid">${[
      metric(String(m.proposals), 'proposals', 'distinct zxids a leader proposed'),
      metric(String(m.commits), 'commits', 'proposals the leader committed (a quorum ACKed)'),
      metric(ms(m.ackDelay.lastMs), `ACK delay (mean ${ms(m.ackDelay.meanMs)})`, 'PROPOSAL sent → ACK back at the leader: network + the follower’s disk'),
      metric(ms(m.commitDelay.lastMs), `commit delay (mean ${ms(m.commitDelay.meanMs)})`, 'PROPOSAL sent → COMMIT: until a quorum is durable'),
      metric(String(m.messages), 'peer messages', 'every message between members, PINGs included'),
      metric(String(m.elections), 'elections started', 'each member that went LOOKING counts'),
      metric(String(m.leaderChanges), 'leaders established', 'epochs with a new leader'),
    ].join('')}</div>`,
  );
}

// ---- timeline ----------------------------------------------------------------------------

export function renderTimeline(room: Classroom): void {
  const entries = room.timeline.slice(-160).reverse();
  setHtml(
    byId('timeline'),
    entries.map((e) => `<li class="tone-${e.tone}"><time>${vt(e.at)}</time>${esc(e.text)}</li>`).join(''),
  );
}
