/**
 * `peerkeeper check --connect host:port,…`: do the members hold the same tree? Asks each member for
 * its recent (zxid → digest) pairs (GET /digests on its client port) and compares them at the zxids
 * all of them applied — members apply at different moments, so their current digests alone prove
 * nothing. Exit 0: they agree; 1: they diverged (loudly, naming who); 3: could not tell (a member
 * did not answer, or their windows never overlapped before --wait ran out).
 */
import { compareDigests, type ConsistencyVerdict } from '../server/consistency.js';
import type { DigestReport } from '../server/runner.js';
import { formatZxid, type Zxid } from '../zab/zxid.js';
import { adminJson } from './admin-get.js';
import { UsageError, parseFlags } from './args.js';
import { hostPort, parseConnectString } from './shell/connection.js';

export const checkUsage = 'peerkeeper check --connect host:port,host:port,... [--wait 10000] [--timeout 3000] [--quiet]';

const FLAGS = { connect: 'string', wait: 'int', timeout: 'int', quiet: 'bool' } as const;

export const EXIT_AGREE = 0;
export const EXIT_DIVERGED = 1;
export const EXIT_INCONCLUSIVE = 3;

interface Answer {
  readonly url: string;
  readonly report: DigestReport | null;
  readonly error: string | null;
}

async function ask(urls: readonly string[], timeoutMs: number): Promise<Answer[]> {
  return Promise.all(
    urls.map(async (url) => {
      try {
        return { url, report: await adminJson<DigestReport>(url, '/digests', timeoutMs), error: null };
      } catch (err) {
        return { url, report: null, error: err instanceof Error ? err.message : String(err) };
      }
    }),
  );
}

const z = (x: Zxid | null): string => (x === null ? '-' : formatZxid(x));
const members = (ids: readonly number[]): string => `${ids.length === 1 ? 'member' : 'members'} ${ids.join(',')}`;

function memberLine(a: Answer): string {
  const where = hostPort(a.url);
  if (!a.report) return `  ${where}  no answer: ${a.error}`;
  const r = a.report;
  return `  member ${r.member}  ${where}  applied ${formatZxid(r.appliedZxid)}  digest ${r.digest}  window ${z(r.entries[0]?.zxid ?? null)}..${z(r.entries.at(-1)?.zxid ?? null)} (${r.entries.length})`;
}

/** The verdict as lines for a person; the first line says it all. */
export function describeVerdict(v: ConsistencyVerdict): string[] {
  switch (v.kind) {
    case 'agree':
      return [`OK: ${v.members.length} members agree at ${formatZxid(v.zxid)} digest ${v.digest} (${v.compared} shared zxids compared)`];
    case 'diverged':
      return [
        `DIVERGED: members disagree at ${formatZxid(v.zxid)}; suspect ${members(v.suspects)}`,
        ...v.groups.map((g) => `  digest ${g.digest}: ${members(g.members)}`),
        `  first difference at ${formatZxid(v.firstDifference)}` +
          (v.lastAgreement ? `, all agreed at ${formatZxid(v.lastAgreement)}` : ', no agreement earlier in the window') +
          `; ${v.disagreements} of ${v.compared} shared zxids differ`,
      ];
    case 'noCommonZxid':
      return [
        'INCONCLUSIVE: no zxid that every member still has a digest for',
        ...v.ranges.map((r) => `  member ${r.member}: ${z(r.first)}..${z(r.last)}`),
      ];
  }
}

export async function checkCommand(argv: readonly string[]): Promise<number> {
  const f = parseFlags(argv, FLAGS);
  const connect = f.string('connect');
  if (!connect) throw new UsageError(`--connect is required\nusage: ${checkUsage}`);
  let urls: string[];
  try {
    urls = parseConnectString(connect);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const waitMs = f.int('wait') ?? 10_000;
  const timeoutMs = f.int('timeout') ?? 3000;
  const say = f.bool('quiet') ? () => {} : (line: string) => console.log(line);
  const deadline = Date.now() + waitMs;
  for (;;) {
    const answers = await ask(urls, timeoutMs);
    const reports = answers.flatMap((a) => (a.report ? [a.report] : []));
    const verdict = reports.length === answers.length ? compareDigests(reports.map((r) => ({ member: r.member, entries: r.entries }))) : null;
    // A divergence or an agreement is final; a missing member or no overlap may pass: ask again.
    if ((verdict && verdict.kind !== 'noCommonZxid') || Date.now() >= deadline) {
      for (const a of answers) say(memberLine(a));
      if (!verdict) {
        console.log(`INCONCLUSIVE: ${answers.filter((a) => !a.report).length} of ${answers.length} members did not answer`);
        return EXIT_INCONCLUSIVE;
      }
      const lines = describeVerdict(verdict);
      (verdict.kind === 'diverged' ? console.error : console.log)(lines.join('\n'));
      return verdict.kind === 'agree' ? EXIT_AGREE : verdict.kind === 'diverged' ? EXIT_DIVERGED : EXIT_INCONCLUSIVE;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}
