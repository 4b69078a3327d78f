/**
 * The benchmark's result model and how it is printed: one table (rows × targets, with the ratio
 * peerkeeper / ZooKeeper per row) and one `BENCH_JSON {…}` line for machines. Pure: unit-tested.
 */
import { ratio } from './stats.js';

export type RowKind = 'throughput' | 'time';

export interface RowSpec {
  readonly key: string;
  readonly label: string;
  readonly kind: RowKind;
  /** ops/s, pairs/s (throughput rows) or ms (time rows). */
  readonly unit: string;
}

/** One target's result for one row. */
export interface Cell {
  readonly ok: boolean;
  readonly error?: string;
  /** The row does not apply to this target (why); shown as n/a, not as a failure. */
  readonly na?: string;
  /** Throughput rows. */
  readonly opsPerSec?: number;
  readonly p50Ms?: number;
  readonly p99Ms?: number;
  readonly ops?: number;
  readonly errors?: number;
  readonly seconds?: number;
  /** ops/s of each round, when the row ran in rounds. */
  readonly roundsOpsPerSec?: readonly number[];
  /** Share of the machine's CPU that processes other than the benchmark's used during the row, %. */
  readonly foreignCpuPct?: number;
  /** Time rows: the median of the trials, and every trial. */
  readonly medianMs?: number;
  readonly samplesMs?: readonly number[];
  /** Anything a reader should know about this cell (a leader change during the row, a failed trial): flagged with *. */
  readonly notes?: readonly string[];
  /** Plain facts (who took over after the kill), not flagged. */
  readonly info?: readonly string[];
}

export interface TargetResult {
  /** "peerkeeper", "zookeeper", "zookeeper-tick2000", "peerkeeper-browser". */
  readonly key: string;
  readonly label: string;
  /** Ours (peerkeeper, browser) or the baseline (ZooKeeper). */
  readonly side: 'ours' | 'baseline';
  /**
   * Ours only: the header of the column, after every baseline, holding this target ÷ that baseline
   * (`ratio` for peerkeeper, `zk-ratio` for peerkeeper through ZooKeeper's protocol). When no target
   * names one, the first of ours gets `ratio`.
   */
  readonly ratioColumn?: string;
  /** Why the target did not run (no java, …); its cells are then empty. */
  readonly skipped?: string;
  readonly config: Readonly<Record<string, unknown>>;
  readonly cells: Readonly<Record<string, Cell>>;
}

export interface RatioSource {
  readonly target: TargetResult;
  readonly column: string;
}

/** The table's order: peerkeeper, peerkeeper-zk, the rest of ours (the tabs), then the baselines. */
export function orderTargets(results: readonly TargetResult[]): TargetResult[] {
  const first = ['peerkeeper', 'peerkeeper-zk'];
  return [
    ...first.flatMap((k) => results.filter((r) => r.key === k)),
    ...results.filter((r) => !first.includes(r.key) && r.side === 'ours'),
    ...results.filter((r) => r.side === 'baseline'),
  ];
}

/** The targets of ours compared with every baseline, in table order, each with its column's header. */
export function ratioSources(targets: readonly TargetResult[]): RatioSource[] {
  const named = targets.filter((t) => t.side === 'ours' && t.ratioColumn !== undefined).map((t) => ({ target: t, column: t.ratioColumn! }));
  if (named.length > 0) return named;
  const first = targets.find((t) => t.side === 'ours');
  return first ? [{ target: first, column: 'ratio' }] : [];
}

/** The number a row is judged by: ops/s for throughput rows, the median time for time rows. */
export function headline(row: RowSpec, cell: Cell | undefined): number | null {
  if (!cell || !cell.ok) return null;
  const v = row.kind === 'throughput' ? cell.opsPerSec : cell.medianMs;
  return v === undefined || !Number.isFinite(v) ? null : v;
}

/** peerkeeper ÷ baseline on the row's headline number (null: "n/a"). */
export function rowRatio(row: RowSpec, ours: Cell | undefined, baseline: Cell | undefined): number | null {
  return ratio(headline(row, ours), headline(row, baseline));
}

export function formatMs(ms: number | null | undefined): string {
  if (ms == null || !Number.isFinite(ms)) return '-';
  if (ms < 1) return ms.toFixed(2);
  if (ms < 10) return ms.toFixed(2);
  if (ms < 100) return ms.toFixed(1);
  return Math.round(ms).toString();
}

export function formatRate(v: number | null | undefined): string {
  if (v == null || !Number.isFinite(v)) return '-';
  return Math.round(v).toLocaleString('en-US');
}

export function formatRatio(r: number | null): string {
  if (r === null) return 'n/a';
  return r >= 10 ? `${r.toFixed(1)}x` : `${r.toFixed(2)}x`;
}

/** Plain monospace table: the first column left-aligned, the others right-aligned. */
export function formatTable(header: readonly (readonly string[])[], rows: readonly (readonly string[])[]): string {
  const all = [...header, ...rows];
  const cols = Math.max(...all.map((r) => r.length));
  const widths = Array.from({ length: cols }, (_, c) => Math.max(...all.map((r) => (r[c] ?? '').length)));
  const line = (r: readonly string[]): string =>
    widths
      .map((w, c) => {
        const s = r[c] ?? '';
        return c === 0 ? s.padEnd(w) : s.padStart(w);
      })
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [...header.map(line), rule, ...rows.map(line)].join('\n');
}

function cellColumns(row: RowSpec, cell: Cell | undefined, skipped: boolean): [string, string, string] {
  if (skipped) return ['skipped', '', ''];
  if (!cell) return ['-', '-', '-'];
  if (cell.na !== undefined) return ['n/a', '', ''];
  if (!cell.ok) return ['FAILED', '-', '-'];
  const flag = cell.notes && cell.notes.length > 0 ? '*' : '';
  if (row.kind === 'throughput') return [formatRate(cell.opsPerSec) + flag, formatMs(cell.p50Ms), formatMs(cell.p99Ms)];
  const samples = cell.samplesMs ?? [];
  return [formatMs(cell.medianMs) + flag, samples.length ? formatMs(Math.min(...samples)) : '-', samples.length ? formatMs(Math.max(...samples)) : '-'];
}

/**
 * The table: per row, each target's headline number, p50 and p99, and after every baseline one
 * ratio column per target of ours compared (ratioSources). Time rows show the median trial and the
 * fastest/slowest.
 */
export function renderTable(rows: readonly RowSpec[], targets: readonly TargetResult[]): string {
  const sources = ratioSources(targets);
  const group: string[] = [''];
  const names: string[] = ['row'];
  for (const t of targets) {
    group.push(t.label, '', '');
    names.push('value', 'p50', 'p99');
    if (t.side === 'baseline') {
      for (const s of sources) {
        group.push('');
        names.push(s.column);
      }
    }
  }
  const body = rows.map((row) => {
    const r: string[] = [`${row.label} (${row.unit})`];
    for (const t of targets) {
      r.push(...cellColumns(row, t.cells[row.key], t.skipped !== undefined));
      if (t.side === 'baseline') {
        for (const s of sources) r.push(formatRatio(t.skipped || s.target.skipped ? null : rowRatio(row, s.target.cells[row.key], t.cells[row.key])));
      }
    }
    return r;
  });
  return formatTable([group, names], body);
}

/** Footnotes: every time row's trials, every note and error, keyed by target and row. */
export function renderNotes(rows: readonly RowSpec[], targets: readonly TargetResult[]): string[] {
  const out: string[] = [];
  for (const t of targets) {
    if (t.skipped) {
      out.push(`${t.label}: skipped: ${t.skipped}`);
      continue;
    }
    for (const row of rows) {
      const cell = t.cells[row.key];
      if (!cell) continue;
      const bits: string[] = [];
      if (row.kind === 'time' && cell.samplesMs?.length) bits.push(`trials ${cell.samplesMs.map((v) => formatMs(v)).join(', ')} ms`);
      if (cell.errors) bits.push(`${cell.errors} errors`);
      if (cell.na !== undefined) bits.push(`n/a: ${cell.na}`);
      else if (cell.error) bits.push(`error: ${cell.error}`);
      for (const n of cell.info ?? []) bits.push(n);
      for (const n of cell.notes ?? []) bits.push(`* ${n}`);
      if (bits.length) out.push(`${t.label} / ${row.label}: ${bits.join('; ')}`);
    }
  }
  return out;
}

/** Everything, for machines: one line, `BENCH_JSON ` then the JSON. Non-finite numbers become null. */
export function benchJson(meta: Readonly<Record<string, unknown>>, rows: readonly RowSpec[], targets: readonly TargetResult[]): string {
  const sources = ratioSources(targets);
  const doc = {
    ...meta,
    targets: targets.map((t) => ({ key: t.key, label: t.label, side: t.side, skipped: t.skipped ?? null, config: t.config })),
    rows: rows.map((row) => ({
      key: row.key,
      label: row.label,
      kind: row.kind,
      unit: row.unit,
      results: Object.fromEntries(targets.map((t) => [t.key, t.cells[row.key] ?? null])),
      ratios: Object.fromEntries(
        targets
          .filter((t) => t.side === 'baseline')
          .flatMap((t) => sources.map((s) => [`${s.target.key}/${t.key}`, t.skipped || s.target.skipped ? null : rowRatio(row, s.target.cells[row.key], t.cells[row.key])])),
      ),
    })),
  };
  return `BENCH_JSON ${JSON.stringify(doc, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v))}`;
}
