/**
 * Where a process spent its time, from a V8 .cpuprofile (what `--cpu-prof`, DevTools and the
 * inspector's Profiler.stop produce): self time per function and per file/package, counted only
 * for samples inside a time window. Sample timestamps are CLOCK_MONOTONIC microseconds, the same
 * clock as process.hrtime() in any process on the machine, so the benchmark can cut the profile of
 * a member to exactly the seconds of one row. Pure: unit-tested.
 */

export interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
  readonly columnNumber?: number;
}

export interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly children?: readonly number[];
}

export interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  /** µs, monotonic. */
  readonly startTime: number;
  readonly endTime: number;
  readonly samples: readonly number[];
  /** µs between consecutive samples (the first: since startTime). */
  readonly timeDeltas: readonly number[];
}

export interface Entry {
  readonly name: string;
  readonly us: number;
  /** Of the sampled time in the window. */
  readonly pct: number;
}

export interface SelfTimeSummary {
  /** Sampled time in the window, µs (≈ the window's length). */
  readonly totalUs: number;
  /** Not idle: what the process's main thread did, µs. */
  readonly busyUs: number;
  readonly gcUs: number;
  readonly functions: readonly Entry[];
  readonly files: readonly Entry[];
  /**
   * Each sample charged to the nearest frame of our own code (`ours(file)`) on its stack, itself
   * included: where time inside libraries and native calls (a socket write, msgpack) comes from.
   */
  readonly ourCallers: readonly Entry[];
}

/** `file:///work/main/src/server/runner.ts` → `src/server/runner.ts`; `…/node_modules/ws/lib/x.js` → `node_modules/ws/lib/x.js`. */
export function shortUrl(url: string, root: string): string {
  if (url === '') return '';
  let u = url.startsWith('file://') ? decodeURIComponent(url.slice('file://'.length)) : url;
  const r = root.endsWith('/') ? root : `${root}/`;
  if (u.startsWith(r)) u = u.slice(r.length);
  const nm = u.lastIndexOf('node_modules/');
  if (nm > 0) u = u.slice(nm);
  return u;
}

/** The group a file's time is reported under: `src/…` files themselves, a package, node's internals. */
export function fileGroup(short: string): string {
  if (short === '') return '(native / VM)';
  if (short.startsWith('node:')) return 'node: internals';
  const m = /^node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(short);
  if (m) return `node_modules/${m[1]}`;
  return short;
}

const SPECIAL = new Set(['(idle)', '(program)', '(garbage collector)', '(root)']);

/** How a frame is named: `fn file:line`; no line for transpiled .ts (tsx reports line 1 for everything). */
export function frameName(cf: CallFrame, root: string): string {
  const fn = cf.functionName || '(anonymous)';
  if (SPECIAL.has(fn)) return fn;
  const file = shortUrl(cf.url, root);
  if (!file) return `${fn} (native)`;
  return /\.tsx?$/.test(file) && cf.lineNumber <= 0 ? `${fn} ${file}` : `${fn} ${file}:${cf.lineNumber + 1}`;
}

// dist/: members run the built JavaScript in the benchmark.
const isOurs = (file: string): boolean => /^(src|dist|bench)\//.test(file);

export function selfTime(profile: CpuProfile, root: string, fromUs = -Infinity, toUs = Infinity, top = 15): SelfTimeSummary {
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const n of profile.nodes) {
    byId.set(n.id, n);
    for (const c of n.children ?? []) parent.set(c, n.id);
  }
  const ownerCache = new Map<number, string>();
  const owner = (id: number): string => {
    const cached = ownerCache.get(id);
    if (cached !== undefined) return cached;
    let name = '';
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const cf = byId.get(at)?.callFrame;
      if (cf && isOurs(shortUrl(cf.url, root))) {
        name = frameName(cf, root);
        break;
      }
    }
    if (!name) {
      const cf = byId.get(id)!.callFrame;
      name = SPECIAL.has(cf.functionName) ? cf.functionName : `(outside our code) ${fileGroup(shortUrl(cf.url, root))}`;
    }
    ownerCache.set(id, name);
    return name;
  };
  const fnUs = new Map<string, number>();
  const fileUs = new Map<string, number>();
  const ownerUs = new Map<string, number>();
  let total = 0;
  let idle = 0;
  let gc = 0;
  let t = profile.startTime;
  const n = profile.samples.length;
  for (let i = 0; i < n; i++) {
    t += profile.timeDeltas[i] ?? 0;
    // A sample stands for the time until the next one.
    const dur = i + 1 < n ? (profile.timeDeltas[i + 1] ?? 0) : 0;
    if (t < fromUs || t >= toUs || dur <= 0) continue;
    const node = byId.get(profile.samples[i]!);
    if (!node) continue;
    const cf = node.callFrame;
    total += dur;
    const fn = cf.functionName || '(anonymous)';
    if (fn === '(idle)') idle += dur;
    if (fn === '(garbage collector)') gc += dur;
    const name = frameName(cf, root);
    fnUs.set(name, (fnUs.get(name) ?? 0) + dur);
    const group = SPECIAL.has(fn) ? fn : fileGroup(shortUrl(cf.url, root));
    fileUs.set(group, (fileUs.get(group) ?? 0) + dur);
    const o = owner(node.id);
    ownerUs.set(o, (ownerUs.get(o) ?? 0) + dur);
  }
  const entries = (m: Map<string, number>): Entry[] =>
    [...m]
      .map(([name, us]) => ({ name, us, pct: total > 0 ? (100 * us) / total : 0 }))
      .sort((a, b) => b.us - a.us)
      .slice(0, top);
  return { totalUs: total, busyUs: total - idle, gcUs: gc, functions: entries(fnUs), files: entries(fileUs), ourCallers: entries(ownerUs) };
}

/** A few lines for people: busy share, GC, then the top functions and files with ms and %. */
export function formatSummary(title: string, s: SelfTimeSummary, topFunctions = 12, topFiles = 8, topCallers = 10): string[] {
  const ms = (us: number): string => (us / 1000).toFixed(0).padStart(6);
  const pct = (v: number): string => `${v.toFixed(1).padStart(5)}%`;
  const out = [
    `${title}: ${(s.totalUs / 1e6).toFixed(1)} s sampled, main thread busy ${s.totalUs > 0 ? ((100 * s.busyUs) / s.totalUs).toFixed(0) : '-'}%, GC ${s.totalUs > 0 ? ((100 * s.gcUs) / s.totalUs).toFixed(1) : '-'}%`,
    '  self ms      %  function',
  ];
  for (const e of s.functions.slice(0, topFunctions)) out.push(`  ${ms(e.us)} ${pct(e.pct)}  ${e.name}`);
  out.push('  by file / package:');
  for (const e of s.files.slice(0, topFiles)) out.push(`  ${ms(e.us)} ${pct(e.pct)}  ${e.name}`);
  out.push('  charged to the nearest frame of our code (self + the libraries/native it called):');
  for (const e of s.ourCallers.slice(0, topCallers)) out.push(`  ${ms(e.us)} ${pct(e.pct)}  ${e.name}`);
  return out;
}
