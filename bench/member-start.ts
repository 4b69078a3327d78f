/**
 * How long a Node member takes to start — from spawning `peerkeeper node` to its "started:" line
 * (files open, client port listening, election begun) — from the built JavaScript (dist/, what the
 * package and `npm start` run) and from the TypeScript sources under tsx (its transform cache warm
 * after the first run). Runs alternate between the two; prints the median, min and max of the wall
 * time and the median CPU time the process used by then (user + system, all its threads, from
 * /proc on Linux) — the CPU time says the same on a busy machine, where wall times stretch.
 * Run: npm run build && npx tsx bench/member-start.ts [runs per form, default 9]
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const runs = Number(process.argv[2] ?? 9);
const FORMS = {
  'built JS (dist/)': [join(REPO, 'dist/cli/main.js')],
  'sources under tsx': ['--import', 'tsx', join(REPO, 'src/cli/main.ts')],
} as const;
if (!existsSync(FORMS['built JS (dist/)'][0])) throw new Error('dist/ is not built: npm run build first');

interface Start {
  readonly wallMs: number;
  readonly cpuMs: number;
}

/** User + system CPU time of a live process in ms (Linux; NaN elsewhere). Clock ticks are 10 ms. */
function cpuMsOf(pid: number): number {
  try {
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return NaN;
  }
}

function startOnce(prefix: readonly string[]): Promise<Start> {
  const data = mkdtempSync(join(tmpdir(), 'peerkeeper-start-'));
  const args = [...prefix, 'node', '--id', '1', '--members', '1,2,3', '--room', 'start-bench', '--signal', 'ws://127.0.0.1:9', '--data', data, '--client-port', '0', '--secret', 'bench'];
  const t0 = performance.now();
  const child = spawn(process.execPath, args, { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (/\] started: /.test(out)) {
        const ms = { wallMs: performance.now() - t0, cpuMs: cpuMsOf(child.pid!) };
        clearTimeout(timer);
        child.kill('SIGKILL');
        child.once('exit', () => {
          rmSync(data, { recursive: true, force: true });
          resolve(ms);
        });
      }
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.once('exit', (code, signal) => {
      if (!/\] started: /.test(out)) reject(new Error(`member exited (${code ?? signal}) before starting:\n${out}`));
    });
  });
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

const times = new Map<string, Start[]>(Object.keys(FORMS).map((k) => [k, []]));
// One unmeasured run each: tsx fills its transform cache, both warm the page cache.
for (const prefix of Object.values(FORMS)) await startOnce(prefix);
for (let i = 0; i < runs; i++) for (const [name, prefix] of Object.entries(FORMS)) times.get(name)!.push(await startOnce(prefix));
const summary = new Map([...times].map(([k, v]) => [k, { wall: median(v.map((t) => t.wallMs)), cpu: median(v.map((t) => t.cpuMs)) }]));
for (const [name, starts] of times) {
  const wall = starts.map((t) => t.wallMs);
  const s = summary.get(name)!;
  console.log(`${name.padEnd(20)} wall median ${s.wall.toFixed(0)} ms (min ${Math.min(...wall).toFixed(0)}, max ${Math.max(...wall).toFixed(0)})   CPU median ${s.cpu.toFixed(0)} ms   (${runs} runs)`);
}
const built = summary.get('built JS (dist/)')!;
const tsx = summary.get('sources under tsx')!;
console.log(`a member starts ${(tsx.wall / built.wall).toFixed(1)}× as fast from built JS (${(tsx.wall - built.wall).toFixed(0)} ms less), using ${(tsx.cpu / built.cpu).toFixed(1)}× less CPU to get there`);
