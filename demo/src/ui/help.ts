/** Every keyboard shortcut of the classroom: the help overlay lists these, main.ts binds them. */

export interface Shortcut {
  readonly keys: readonly string[];
  readonly what: string;
}

export const SHORTCUTS: readonly Shortcut[] = [
  { keys: ['Space'], what: 'pause / play' },
  { keys: ['→', '.'], what: 'step: run to the next thing that happens' },
  { keys: ['+', '-'], what: 'faster / slower' },
  { keys: ['S'], what: 'slow motion on / off' },
  { keys: ['1', '…', '5'], what: 'select member m1 … m5' },
  { keys: ['K'], what: 'kill the selected member (what was not durable may be lost)' },
  { keys: ['R'], what: 'restart the selected member from its disk' },
  { keys: ['P'], what: 'pause the selected member for 300 ms (a GC pause)' },
  { keys: ['I'], what: 'isolate the selected member (cut all its links) / reconnect it' },
  { keys: ['X'], what: 'partition tool: pick one side, then cut' },
  { keys: ['H'], what: 'heal every link' },
  { keys: ['N'], what: 'slow network on / off' },
  { keys: ['W'], what: 'client A writes a new znode /note-N' },
  { keys: ['B'], what: 'show / hide heartbeats (PING, TOUCH, client pings)' },
  { keys: ['T'], what: 'guided tour: start, or next step when the current one is done' },
  { keys: ['E'], what: 'export the trace (JSON)' },
  { keys: ['L'], what: 'replay a trace' },
  { keys: ['D'], what: 'dark / light theme' },
  { keys: ['?'], what: 'this help' },
  { keys: ['Esc'], what: 'close dialogs, cancel the partition tool' },
];

export function shortcutsHtml(): string {
  return `<dl class="keys">${SHORTCUTS.map((s) => `<dt>${s.keys.map((k) => (k === '…' ? '…' : `<kbd>${k}</kbd>`)).join(' ')}</dt><dd>${s.what}</dd>`).join('')}</dl>
  <p class="small">Mouse: click a member to select it, a link to cut or mend it, a message in flight to drop it.</p>`;
}
