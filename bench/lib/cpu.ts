/**
 * How busy the machine was with work that is not the benchmark's: total CPU time from /proc/stat
 * minus the CPU time of this process and all its descendants (members, JVMs and their wrappers,
 * providers, Vite, Chromium). On a shared 2-core machine this is what makes a row trustworthy or
 * not. Linux only (null elsewhere).
 */
import { readdirSync, readFileSync } from 'node:fs';

export interface CpuSnapshot {
  readonly totalTicks: number;
  readonly busyTicks: number;
  /** Per pid: utime + stime, in clock ticks. */
  readonly ours: ReadonlyMap<number, number>;
}

/** pid → [ppid, utime + stime] for every process. */
function processTable(): Map<number, [number, number]> {
  const out = new Map<number, [number, number]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // After "pid (comm) ": state ppid … utime(14th field) stime(15th); comm may hold spaces.
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(Number(name), [Number(rest[1]), Number(rest[11]) + Number(rest[12])]);
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** This process and its descendants, with their CPU ticks. */
function ourTicks(): Map<number, number> {
  const table = processTable();
  const children = new Map<number, number[]>();
  for (const [pid, [ppid]] of table) children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  const ours = new Map<number, number>();
  const stack = [process.pid];
  while (stack.length) {
    const pid = stack.pop()!;
    const t = table.get(pid);
    if (t) ours.set(pid, t[1]);
    stack.push(...(children.get(pid) ?? []));
  }
  return ours;
}

export function cpuSnapshot(): CpuSnapshot | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
    const v = line.trim().split(/\s+/).slice(1).map(Number);
    const total = v.reduce((a, b) => a + b, 0);
    const idle = (v[3] ?? 0) + (v[4] ?? 0);
    return { totalTicks: total, busyTicks: total - idle, ours: ourTicks() };
  } catch {
    return null;
  }
}

/** Share (0..1) of all CPU time between the snapshots that processes other than ours used. */
export function foreignCpuShare(a: CpuSnapshot | null, b: CpuSnapshot | null): number | null {
  if (!a || !b) return null;
  const total = b.totalTicks - a.totalTicks;
  if (total <= 0) return null;
  let ours = 0;
  for (const [pid, t] of b.ours) {
    const before = a.ours.get(pid);
    if (before !== undefined) ours += t - before;
  }
  const foreign = b.busyTicks - a.busyTicks - ours;
  return Math.min(1, Math.max(0, foreign / total));
}
