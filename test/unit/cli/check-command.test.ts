/**
 * `peerkeeper check`'s verdicts against fake members (HTTP servers answering GET /digests as a
 * member's client port does): 0 when they agree, 1 when they diverge, and 3 — never 0 — when it
 * cannot tell: a member that does not answer (refused, or silent past --timeout) or no zxid that
 * every member still has a digest for.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, test } from 'node:test';
import { checkCommand, EXIT_AGREE, EXIT_DIVERGED, EXIT_INCONCLUSIVE } from '../../../src/cli/check-command.js';
import type { DigestReport } from '../../../src/server/runner.js';
import { zxid } from '../../../src/zab/zxid.js';

const servers: Server[] = [];
after(() => {
  for (const s of servers) s.closeAllConnections();
  for (const s of servers) s.close();
});

async function listen(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const s = createServer(handler);
  servers.push(s);
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  return `127.0.0.1:${(s.address() as AddressInfo).port}`;
}

/** A member answering /digests with (1,counter) → digest for each pair. */
function member(id: number, pairs: readonly [number, string][]): Promise<string> {
  const entries = pairs.map(([counter, digest]) => ({ zxid: zxid(1, counter), digest }));
  const last = entries.at(-1)!;
  const report: DigestReport = { member: id, appliedZxid: last.zxid, digest: last.digest, entries };
  return listen((req, res) => {
    if (req.url?.startsWith('/digests')) res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(report));
    else res.writeHead(404).end();
  });
}

/** A port that accepts connections and never answers. */
const silent = (): Promise<string> => listen(() => {});

/** A port nothing listens on any more. */
async function refused(): Promise<string> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return `127.0.0.1:${port}`;
}

/** Generous for a loaded machine: the fake members answer at once, the silent one never. */
const TIMEOUT_MS = 3000;

async function check(connect: string[]): Promise<{ code: number; text: string }> {
  const lines: string[] = [];
  const log = console.log;
  const error = console.error;
  console.log = (...a: unknown[]) => void lines.push(a.join(' '));
  console.error = console.log;
  try {
    const code = await checkCommand(['--connect', connect.join(','), '--wait', '0', '--timeout', String(TIMEOUT_MS)]);
    return { code, text: lines.join('\n') };
  } finally {
    console.log = log;
    console.error = error;
  }
}

describe('peerkeeper check against fake members', { timeout: 30_000 }, () => {
  test('members that agree at a shared zxid: exit 0', async () => {
    const { code, text } = await check([await member(1, [[1, 'aa'], [2, 'bb']]), await member(2, [[2, 'bb'], [3, 'cc']])]);
    assert.equal(code, EXIT_AGREE, text);
    assert.match(text, /^OK: 2 members agree at \(1,2\)/m);
  });

  test('members that differ at a shared zxid: exit 1', async () => {
    const { code, text } = await check([await member(1, [[1, 'aa'], [2, 'bb']]), await member(2, [[2, 'xx']]), await member(3, [[2, 'bb']])]);
    assert.equal(code, EXIT_DIVERGED, text);
    assert.match(text, /^DIVERGED: .* suspect member 2$/m);
  });

  test('a member that refuses the connection: exit 3, named', async () => {
    const gone = await refused();
    const { code, text } = await check([await member(1, [[1, 'aa']]), gone]);
    assert.equal(code, EXIT_INCONCLUSIVE, text);
    assert.match(text, /^INCONCLUSIVE: 1 of 2 members did not answer$/m);
    assert.ok(text.includes(`${gone}  no answer`), text);
  });

  test('a member that accepts but never answers: exit 3 after --timeout', async () => {
    const { code, text } = await check([await member(1, [[1, 'aa']]), await member(2, [[1, 'aa']]), await silent()]);
    assert.equal(code, EXIT_INCONCLUSIVE, text);
    assert.match(text, /^INCONCLUSIVE: 1 of 3 members did not answer$/m);
    assert.ok(text.includes(`did not answer within ${TIMEOUT_MS} ms`), text);
  });

  test('members whose digest windows share no zxid: exit 3', async () => {
    const { code, text } = await check([await member(1, [[1, 'aa'], [2, 'bb']]), await member(2, [[5, 'ee'], [6, 'ff']])]);
    assert.equal(code, EXIT_INCONCLUSIVE, text);
    assert.match(text, /^INCONCLUSIVE: no zxid that every member still has a digest for$/m);
    assert.match(text, /member 1: \(1,1\)\.\.\(1,2\)/);
  });
});
