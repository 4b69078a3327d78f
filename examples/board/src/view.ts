/** Draws the board's state into the page (a small board: redrawn whole on every change). */
import type { Board, BoardState } from './board.js';

const $ = <T extends HTMLElement>(selector: string): T => {
  const el = document.querySelector<T>(selector);
  if (el === null) throw new Error(`the page has no ${selector}`);
  return el;
};
const text = (testid: string, value: string) => ($(`[data-testid="${testid}"]`).textContent = value);

const MODE_TEXT: Record<string, string> = {
  'read-write': 'Online: changes are shared with every tab.',
  'read-only': 'Read-only: this tab is cut off from the others. You can read; writes are refused until it reconnects.',
  stopped: 'Stopped.',
};

export function render(s: BoardState): void {
  document.title = `${s.title} — peerkeeper board`;
  text('title', s.title);
  text('me', s.me);
  text('leader', s.leader === null ? '—' : s.isLeader ? `${s.leader} (this tab)` : s.leader);
  text('role', s.role);
  text('connection', s.connection);
  text('peers', s.peers.length ? s.peers.map((p) => `tab-${p}`).join(', ') : '—');
  const banner = $('#banner');
  banner.className = `mode ${s.mode}`;
  banner.dataset.mode = s.mode;
  banner.textContent = MODE_TEXT[s.mode] ?? s.mode;
  $('#error').textContent = s.error ?? '';

  $('#online').replaceChildren(...s.online.map((name) => Object.assign(document.createElement('li'), { textContent: name })));
  const items = [...s.tasks].sort(([a], [b]) => a.localeCompare(b)).map(([id, task]) => {
    const li = document.createElement('li');
    li.dataset.task = id;
    const label = Object.assign(document.createElement('span'), { textContent: task?.text ?? '…' });
    label.dataset.testid = 'task-text';
    const holder = s.locks.get(id);
    const lock = Object.assign(document.createElement('span'), { className: 'lock', textContent: holder === undefined ? '' : `locked by ${holder}` });
    lock.dataset.testid = 'lock';
    const edit = Object.assign(document.createElement('button'), { textContent: 'Edit', type: 'button' });
    edit.dataset.testid = 'edit';
    edit.dataset.edit = id;
    li.append(label, lock, edit);
    return li;
  });
  $('#tasks').replaceChildren(...items);

  const editor = $<HTMLFormElement>('#editor');
  const wasHidden = editor.hidden;
  editor.hidden = s.editing === null;
  text('editing', s.editing ?? '');
  if (s.editing !== null && wasHidden) {
    const input = $<HTMLInputElement>('[data-testid="edit-text"]');
    input.value = s.tasks.get(s.editing)?.text ?? '';
    input.focus();
  }
}

/** The page's forms and buttons, wired to the board. */
export function wire(board: Board, tab: { disconnect(): void; reconnect(): void }): void {
  const onSubmit = (selector: string, fn: (value: string, form: HTMLFormElement) => Promise<void>) =>
    $<HTMLFormElement>(selector).addEventListener('submit', (e) => {
      e.preventDefault();
      const form = e.currentTarget as HTMLFormElement;
      const input = form.querySelector('input')!;
      void fn(input.value.trim(), form).then(() => {
        if (board.state.error === null && selector !== '#editor') input.value = '';
      });
    });
  onSubmit('#rename', (title) => (title ? board.rename(title) : Promise.resolve()));
  onSubmit('#add', (value) => (value ? board.addTask(value) : Promise.resolve()));
  onSubmit('#editor', (value) => board.save(value));
  $('#cancel').addEventListener('click', () => void board.stopEditing());
  $('#tasks').addEventListener('click', (e) => {
    const id = (e.target as HTMLElement).dataset.edit;
    if (id !== undefined) void board.startEditing(id);
  });
  $('#disconnect').addEventListener('click', () => tab.disconnect());
  $('#reconnect').addEventListener('click', () => tab.reconnect());
}
