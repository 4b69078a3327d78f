/**
 * An offline-first task board: every tab is a member of one peerkeeper ensemble, so the board
 * lives in the tabs themselves (IndexedDB), with no server holding the data.
 *
 *   index.html?room=my-board[&members=3][&signal=ws://host:4444][&ice=none][&session=10000]
 *
 * Without `signal` only tabs of this browser meet (BroadcastChannel); with it, tabs on other
 * devices and Node members (`npx peerkeeper node …`) join the same room.
 */
import { startTab, type PeerkeeperTab, type TabOptions } from 'peerkeeper/browser';
import { Board } from './board.js';
import { render, wire } from './view.js';

declare global {
  interface Window {
    board?: Board;
    /** The tab's peerkeeper (its client, status and events), for the console and the tests. */
    peerkeeperTab?: PeerkeeperTab;
    boardError?: string;
  }
}

function optionsFromUrl(search: string): TabOptions {
  const q = new URLSearchParams(search);
  const signal = (q.get('signal') ?? '').split(',').filter(Boolean);
  const session = q.get('session');
  return {
    room: q.get('room') || 'board',
    members: (q.get('members') ?? '3').includes(',') ? q.get('members')!.split(',').map(Number) : Number(q.get('members') ?? 3),
    ...(q.get('secret') ? { secret: q.get('secret')! } : {}),
    ...(signal.length ? { signal } : {}),
    ...(q.get('ice') === 'none' ? { iceServers: [] } : {}),
    ...(session ? { sessionTimeoutMs: Number(session) } : {}),
  };
}

async function main(): Promise<void> {
  const tab = await startTab(optionsFromUrl(location.search));
  let queued = false;
  const board: Board = new Board(tab, () => {
    if (queued) return;
    queued = true;
    queueMicrotask(() => {
      queued = false;
      render(board.state);
    });
  });
  wire(board, tab);
  render(board.state);
  window.board = board;
  window.peerkeeperTab = tab;
}

main().catch((err: unknown) => {
  window.boardError = err instanceof Error ? err.message : String(err);
  document.body.prepend(Object.assign(document.createElement('p'), { className: 'error', textContent: `Could not start: ${window.boardError}` }));
  console.error(err);
});
