import { NO_RANDOM_FAULTS } from '../sim/profile.js';
import { Simulation, type MemberView } from '../sim/simulation.js';
import { formatZxid } from '../zab/zxid.js';

interface DemoArgs {
  members: number;
  seconds: number;
  speed: number;
  seed: number;
}

export const demoUsage = `peerkeeper demo [--members 3] [--seconds S] [--speed 0.25] [--seed 7]

  A simulated ensemble in the terminal, in slowed real time (--speed): the same Zab core and
  simulator as the tests, with the leader crashed every few seconds, so you can watch elections,
  syncs and commits. Runs until Ctrl-C, or for --seconds S.`;

function parseArgs(argv: readonly string[]): DemoArgs {
  const args: DemoArgs = { members: 3, seconds: Infinity, speed: 0.25, seed: 7 };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const v = Number(argv[++i]);
    if (!Number.isFinite(v) || v <= 0) throw new Error(`${flag} needs a positive number`);
    if (flag === '--members') args.members = v;
    else if (flag === '--seconds') args.seconds = v;
    else if (flag === '--speed') args.speed = v;
    else if (flag === '--seed') args.seed = v;
    else throw new Error(`unknown option ${flag} (try --members N, --seconds S, --speed X, --seed S)`);
  }
  return args;
}

const INTERESTING = /established|syncSent|truncated|snapshotInstalled|steppedDown|CRASH|RESTART/;

/**
 * A simulated ensemble in the terminal, in (slowed) real time: the same Zab core and simulator as
 * the tests, with random faults off and the leader crashed every few seconds, so a person can watch
 * elections, syncs and commits happen.
 */
export async function demoCommand(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv);
  const events: string[] = [];
  const sim = new Simulation({
    seed: args.seed,
    members: args.members,
    profile: {
      ...NO_RANDOM_FAULTS,
      clients: 1,
      clientOutstanding: 2,
      clientThinkMs: 40,
      maxCounter: 0xffffffff,
    },
    trace: (line) => {
      if (INTERESTING.test(line)) events.push(line.trim());
    },
  });
  const tty = process.stdout.isTTY;
  console.log(`peerkeeper demo: ${args.members} simulated members, time slowed to ${args.speed}x; the leader crashes every 4 s. Ctrl-C stops.`);
  const startedAt = Date.now();
  let crashAt = 4000;
  let restart: { id: number; at: number } | null = null;
  let lastPrint = 0;
  let printedLines = 0;
  for (;;) {
    const wallMs = Date.now() - startedAt;
    if (wallMs / 1000 >= args.seconds) break;
    const virtual = wallMs * args.speed;
    sim.advanceTo(virtual);
    if (virtual >= crashAt) {
      const leader = sim.view().find((m) => m.status?.role === 'LEADING' && m.status.serving);
      if (leader) {
        sim.crashMember(leader.id);
        restart = { id: leader.id, at: virtual + 1500 };
      }
      crashAt = virtual + 4000;
    }
    if (restart && virtual >= restart.at) {
      sim.restartMember(restart.id);
      restart = null;
    }
    if (wallMs - lastPrint >= (tty ? 200 : 2000)) {
      lastPrint = wallMs;
      const lines = render(sim.view(), sim.virtualMs, events.splice(0));
      if (tty && printedLines) process.stdout.write(`\x1b[${printedLines}A\x1b[0J`);
      process.stdout.write(lines.join('\n') + '\n');
      printedLines = tty ? lines.length : 0;
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  return 0;
}

const recent: string[] = [];

function render(members: readonly MemberView[], virtualMs: number, newEvents: string[]): string[] {
  recent.push(...newEvents);
  recent.splice(0, Math.max(0, recent.length - 8));
  const lines = [`t = ${(virtualMs / 1000).toFixed(2)} s (virtual)`];
  lines.push('member  role       phase            epoch  accepted  last zxid    committed    applied');
  for (const m of members) {
    const s = m.status;
    if (!s) {
      lines.push(`m${m.id}      DOWN`);
      continue;
    }
    lines.push(
      `m${m.id}      ${s.role.padEnd(10)} ${s.phase.padEnd(16)} ${String(s.epoch ?? '-').padEnd(6)} ${String(s.acceptedEpoch).padEnd(9)} ${formatZxid(s.lastZxid).padEnd(12)} ${formatZxid(s.committedZxid).padEnd(12)} ${m.applied}`,
    );
  }
  lines.push('recent events:');
  for (const e of recent) lines.push(`  ${e.length > 110 ? e.slice(0, 107) + '...' : e}`);
  return lines;
}
