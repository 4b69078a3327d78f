/** The member page's DOM: the status table, the read-only banner, the op form and the event log. */
import type { PeerkeeperApi } from '../../src/browser/api.js';
import type { BrowserMemberStatus } from '../../src/browser/status.js';
import { setAttr, setText } from '../src/ui/dom.js';

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;

export function showError(message: string): void {
  const el = $('error');
  el.hidden = false;
  el.textContent = message;
  (window as { peerkeeperError?: string }).peerkeeperError = message;
}

const BANNER: Record<BrowserMemberStatus['mode'], string> = {
  'read-write': 'read-write: in a quorum, reads and writes served',
  'read-only': 'read-only (stale reads possible), writes refused — no quorum reachable',
  stopped: 'stopped',
};

// The page re-renders four times a second and mostly nothing changed: touch only what differs.
export function renderStatus(s: BrowserMemberStatus): void {
  setText($('who'), `${s.id} of ${s.members.join(',')} · room ${s.room}`);
  const title = `member ${s.id} · ${s.role.toLowerCase()} · peerkeeper`;
  if (document.title !== title) document.title = title;
  const banner = $('banner');
  setAttr(banner, 'class', `banner ${s.mode}`);
  setText(banner, BANNER[s.mode] + (s.isolated ? ' (this tab is cut off on purpose)' : ''));
  const rows: [string, string][] = [
    ['role', `${s.role} (${s.phase})${s.leader !== null ? ` · leader ${s.leader}` : ''}`],
    ['epoch', `${s.epoch ?? '–'} (accepted ${s.acceptedEpoch}, current ${s.currentEpoch})`],
    ['zxid', `last ${s.lastZxid} · committed ${s.committedZxid} · applied ${s.appliedZxid}`],
    ['digest', s.digest],
    ['peers up', s.peersUp.length ? s.peersUp.join(', ') : 'none'],
    ['sessions', String(s.sessions)],
    ['client', `${s.client.state} ${s.client.sessionId}`],
    ['storage', s.storage.kind === 'indexeddb' ? `IndexedDB ${s.storage.database} (${s.storage.records ?? 0} records since the last compaction)` : 'memory (lost on reload)'],
    ['persistent storage', s.storage.persisted === null ? 'asking…' : s.storage.persisted ? 'granted' : 'not granted (the browser may evict it under pressure)'],
    ['recovered', `zxid ${s.recovered.lastZxid}, ${s.recovered.logEntries} log entries, snapshot ${s.recovered.snapshotZxid ?? 'none'}, epochs ${s.recovered.acceptedEpoch}/${s.recovered.currentEpoch}`],
    ['signalling', s.signalling.join(', ')],
    ['tick', `${s.tickMs} ms · up ${Math.round(s.uptimeMs / 1000)} s`],
  ];
  const table = $<HTMLTableElement>('status');
  if (table.rows.length !== rows.length) {
    table.replaceChildren(
      ...rows.map(() => {
        const tr = document.createElement('tr');
        tr.append(document.createElement('th'), document.createElement('td'));
        return tr;
      }),
    );
  }
  rows.forEach(([k, v], i) => {
    const tr = table.rows[i]!;
    setText(tr.cells[0]!, k);
    setText(tr.cells[1]!, v);
  });
}

export function logLine(text: string): void {
  const ol = $('log');
  const li = document.createElement('li');
  li.textContent = `${new Date().toLocaleTimeString()} ${text}`;
  ol.prepend(li);
  while (ol.children.length > 200) ol.lastElementChild?.remove();
}


/** The op form calls the same API the tests drive. */
export function wireForm(api: PeerkeeperApi): void {
  const form = $<HTMLFormElement>('ops');
  const out = $('result');
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const submitter = (ev as SubmitEvent).submitter as HTMLButtonElement | null;
    const data = new FormData(form);
    const path = String(data.get('path'));
    const value = String(data.get('data') ?? '');
    const mode = String(data.get('mode')) as Parameters<PeerkeeperApi['create']>[2];
    const run = async (): Promise<unknown> => {
      switch (submitter?.value) {
        case 'create':
          return `created ${await api.create(path, value, mode)}`;
        case 'set':
          return api.setData(path, value);
        case 'ls':
          return api.getChildren(path);
        case 'delete':
          await api.delete(path);
          return `deleted ${path}`;
        default:
          return api.getData(path);
      }
    };
    out.textContent = '…';
    run().then(
      (r) => (out.textContent = typeof r === 'string' ? r : JSON.stringify(r, null, 2)),
      (e: unknown) => (out.textContent = `error: ${(e as Error).message}`),
    );
  });
}
