/**
 * Runs ensemble members as child processes of this one (`peerkeeper ensemble`, the demo, the
 * benchmark): spawns `peerkeeper node` per member, forwards their log lines, and polls each
 * member's `/status` for a status line. Children get `--exit-with-parent`, so they stop when we die.
 *
 * With `restart` set, a member that exits on its own (a crash, a kill -9 from outside, any exit we
 * did not ask for) is started again after a backoff (restart-backoff.ts), and each exit and restart
 * is reported through `onEvent`. Exits we asked for are not restarted: `kill(id)` (a deliberate stop
 * until `start(id)`) and `stopAll()` (the supervisor is shutting down).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cliProcess, type CliForm } from './cli-process.js';
import { RestartBackoff, type RestartPolicy } from './restart-backoff.js';
import type { MemberStatus } from './status.js';

export interface SupervisedMember {
  readonly id: number;
  readonly clientPort: number;
  child: ChildProcess | null;
  exitCode: number | string | null;
  status: MemberStatus | null;
  /** When the pending restart is due (Date.now() ms), null when none is. */
  restartAt: number | null;
  restarts: number;
}

interface MemberControl {
  /** Should be running: false after a deliberate kill, until start() again. */
  wanted: boolean;
  startedAt: number;
  timer: ReturnType<typeof setTimeout> | null;
  readonly backoff: RestartBackoff | null;
}

export interface SupervisorOptions {
  readonly ids: readonly number[];
  /** Arguments for member `id` after `peerkeeper node`. */
  readonly args: (id: number) => string[];
  readonly clientPort: (id: number) => number;
  readonly env?: NodeJS.ProcessEnv;
  readonly onLine?: (id: number, line: string) => void;
  /** Restart members that exit on their own, with this backoff. Off by default. */
  readonly restart?: RestartPolicy;
  /** Exits and restarts, as lines for a person. */
  readonly onEvent?: (id: number, message: string) => void;
  /** Which form of the CLI members run (cli-process.ts): by default the one this supervisor runs in. */
  readonly form?: CliForm;
  /** What to run for member `id`: `peerkeeper node …` by default (tests substitute a stand-in). */
  readonly command?: (id: number) => { readonly file: string; readonly args: readonly string[] };
}

export class Supervisor {
  readonly members: SupervisedMember[];
  private readonly control = new Map<number, MemberControl>();
  private stopping = false;

  constructor(private readonly o: SupervisorOptions) {
    this.members = o.ids.map((id) => ({ id, clientPort: o.clientPort(id), child: null, exitCode: null, status: null, restartAt: null, restarts: 0 }));
    for (const id of o.ids) this.control.set(id, { wanted: false, startedAt: 0, timer: null, backoff: o.restart ? new RestartBackoff(o.restart) : null });
  }

  startAll(): void {
    for (const m of this.members) this.start(m.id);
  }

  start(id: number): void {
    const m = this.member(id);
    const ctl = this.control.get(id)!;
    if (this.stopping) return;
    ctl.wanted = true;
    this.cancelRestart(m, ctl);
    if (m.child) return;
    const command = this.o.command?.(id) ?? cliProcess(['node', ...this.o.args(id), '--exit-with-parent'], this.o.form);
    const child = spawn(command.file, [...command.args], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, ...this.o.env },
    });
    m.child = child;
    m.exitCode = null;
    ctl.startedAt = Date.now();
    for (const stream of [child.stdout, child.stderr]) {
      let rest = '';
      stream.setEncoding('utf8').on('data', (d: string) => {
        const lines = (rest + d).split('\n');
        rest = lines.pop() ?? '';
        for (const line of lines) if (line) this.o.onLine?.(id, line);
      });
    }
    const exited = (how: number | string): void => {
      if (m.child !== child) return;
      m.child = null;
      m.status = null;
      m.exitCode = how;
      this.onExit(m, ctl, how);
    };
    child.on('exit', (code, signal) => exited(code ?? signal ?? 'unknown'));
    // A child that could not be spawned at all emits 'error' and no 'exit'.
    child.on('error', (err) => exited(`spawn error: ${err.message}`));
  }

  /** A deliberate stop: the member is not restarted until `start(id)`. */
  kill(id: number, signal: NodeJS.Signals = 'SIGKILL'): void {
    const m = this.member(id);
    const ctl = this.control.get(id)!;
    ctl.wanted = false;
    this.cancelRestart(m, ctl);
    m.child?.kill(signal);
  }

  private onExit(m: SupervisedMember, ctl: MemberControl, how: number | string): void {
    const uptimeMs = Date.now() - ctl.startedAt;
    const what = `member ${m.id} exited (${typeof how === 'number' ? `code ${how}` : how}) after ${seconds(uptimeMs)}`;
    if (this.stopping || !ctl.wanted) return;
    if (!ctl.backoff) {
      this.o.onEvent?.(m.id, `${what}; not restarting (restart is off)`);
      return;
    }
    const delay = ctl.backoff.delayAfterExit(uptimeMs);
    m.restartAt = Date.now() + delay;
    this.o.onEvent?.(m.id, `${what}, unexpectedly; restarting in ${seconds(delay)} (restart ${m.restarts + 1})`);
    ctl.timer = setTimeout(() => {
      ctl.timer = null;
      m.restartAt = null;
      if (this.stopping || !ctl.wanted || m.child) return;
      m.restarts++;
      this.start(m.id);
      this.o.onEvent?.(m.id, `member ${m.id} restarted (pid ${(m.child as ChildProcess | null)?.pid ?? '?'})`);
    }, delay);
  }

  private cancelRestart(m: SupervisedMember, ctl: MemberControl): void {
    if (ctl.timer) clearTimeout(ctl.timer);
    ctl.timer = null;
    m.restartAt = null;
  }

  member(id: number): SupervisedMember {
    const m = this.members.find((x) => x.id === id);
    if (!m) throw new Error(`no member ${id}`);
    return m;
  }

  /** Refreshes every running member's status (null when it does not answer). */
  async poll(): Promise<void> {
    await Promise.all(
      this.members.map(async (m) => {
        if (!m.child) return;
        try {
          const res = await fetch(`http://127.0.0.1:${m.clientPort}/status`, { signal: AbortSignal.timeout(1000) });
          m.status = (await res.json()) as MemberStatus;
        } catch {
          m.status = null;
        }
      }),
    );
  }

  /** Asks every member to stop and waits for them (SIGKILL after `graceMs`). */
  async stopAll(graceMs = 5000): Promise<void> {
    this.stopping = true;
    for (const m of this.members) this.cancelRestart(m, this.control.get(m.id)!);
    await Promise.all(
      this.members.map((m) => {
        const child = m.child;
        if (!child) return Promise.resolve();
        return new Promise<void>((resolve) => {
          const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
          child.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
          child.kill('SIGTERM');
        });
      }),
    );
  }
}

/** One readable line per member: `member 2  FOLLOWING broadcast  leader 1  epoch 3  zxid (3,12) …`. */
export function statusLine(m: SupervisedMember): string {
  const s = m.status;
  if (!m.child) {
    const restart = m.restartAt !== null ? `, restarting in ${seconds(Math.max(0, m.restartAt - Date.now()))}` : '';
    return `member ${m.id}  down${m.exitCode !== null ? ` (exit ${m.exitCode})` : ''}${restart}`;
  }
  if (!s) return `member ${m.id}  starting  pid ${m.child.pid}  port ${m.clientPort}`;
  const cols = [
    `member ${s.id}`,
    `${s.role.padEnd(9)} ${s.phase.padEnd(15)}`,
    `leader ${s.leader ?? '-'}`,
    `epoch ${s.epoch ?? s.currentEpoch}`,
    `zxid ${s.lastZxid}`,
    `applied ${s.appliedZxid}`,
    `digest ${s.digest}`,
    `peers ${s.peersUp.join(',') || '-'}`,
    `sessions ${s.sessions}`,
    `ws://127.0.0.1:${m.clientPort}`,
  ];
  return cols.join('  ');
}

function seconds(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`;
}
