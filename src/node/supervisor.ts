/**
 * Runs ensemble members as child processes of this one (`peerkeeper ensemble`, the demo, the
 * benchmark): spawns `peerkeeper node` per member, forwards their log lines, and polls each
 * member's `/status` for a status line. Children get `--exit-with-parent`, so they stop when we die.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { MemberStatus } from './status.js';

const BIN = fileURLToPath(new URL('../../bin/peerkeeper.js', import.meta.url));

export interface SupervisedMember {
  readonly id: number;
  readonly clientPort: number;
  child: ChildProcess | null;
  exitCode: number | string | null;
  status: MemberStatus | null;
}

export interface SupervisorOptions {
  readonly ids: readonly number[];
  /** Arguments for member `id` after `peerkeeper node`. */
  readonly args: (id: number) => string[];
  readonly clientPort: (id: number) => number;
  readonly env?: NodeJS.ProcessEnv;
  readonly onLine?: (id: number, line: string) => void;
}

export class Supervisor {
  readonly members: SupervisedMember[];

  constructor(private readonly o: SupervisorOptions) {
    this.members = o.ids.map((id) => ({ id, clientPort: o.clientPort(id), child: null, exitCode: null, status: null }));
  }

  startAll(): void {
    for (const m of this.members) this.start(m.id);
  }

  start(id: number): void {
    const m = this.member(id);
    if (m.child) return;
    const child = spawn(process.execPath, [BIN, 'node', ...this.o.args(id), '--exit-with-parent'], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, ...this.o.env },
    });
    m.child = child;
    m.exitCode = null;
    for (const stream of [child.stdout, child.stderr]) {
      let rest = '';
      stream.setEncoding('utf8').on('data', (d: string) => {
        const lines = (rest + d).split('\n');
        rest = lines.pop() ?? '';
        for (const line of lines) if (line) this.o.onLine?.(id, line);
      });
    }
    child.on('exit', (code, signal) => {
      if (m.child === child) {
        m.child = null;
        m.status = null;
        m.exitCode = code ?? signal;
      }
    });
  }

  kill(id: number, signal: NodeJS.Signals = 'SIGKILL'): void {
    this.member(id).child?.kill(signal);
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
  if (!m.child) return `member ${m.id}  down${m.exitCode !== null ? ` (exit ${m.exitCode})` : ''}`;
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
