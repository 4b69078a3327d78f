/**
 * `peerkeeper backup --connect host:port,… --out FILE`: a consistent snapshot of a live ensemble in
 * one file (etcd's `snapshot save`). A client session first syncs — a no-op through Zab, confirmed
 * by a quorum — and closes, so the zxid it last saw covers every write completed before the backup
 * began. Then a member serving in the quorum (a follower first, to spare the leader the encoding)
 * that has applied at least that zxid hands over its tree at its applied zxid, taken in one
 * synchronous step (`GET /backup`). The file is verified like `restore` verifies it (checksums,
 * decoded tree, recomputed digest) before it is written, atomically, to FILE.
 */
import { WebSocket } from 'ws';
import { ZooKeeperClient } from '../client/index.js';
import { webSocketConnector } from '../client/websocket-connector.js';
import type { MemberStatus } from '../node/status.js';
import { BACKUP_HEADER_BYTES, MAX_BACKUP_PAYLOAD_BYTES, decodeBackup } from '../server/backup-file.js';
import { writeFileAtomic } from '../storage/file/atomic.js';
import { formatZxid, type Zxid } from '../zab/zxid.js';
import { adminGetBytes, adminJson } from './admin-get.js';
import { UsageError, parseFlags, wantsHelp } from './args.js';
import { hostPort, parseConnectString } from './shell/connection.js';

export const backupUsage = `peerkeeper backup --connect host:port[,host:port…] --out FILE [--wait 30000] [--timeout 60000] [--quiet]

  Takes a consistent snapshot of a live ensemble and writes it to FILE (replaced atomically):
  the tree of a member serving in the quorum at one applied zxid, after a sync, with that zxid
  and the tree's digest in the file's header. Restore it with \`peerkeeper restore\`.

  --connect  the members' client ports (as for \`peerkeeper shell\`)
  --out      where to write the backup
  --wait     how long to keep trying for a serving member that has caught up (ms, default 30000)
  --timeout  how long one member may take to send its snapshot (ms, default 60000)

  Exit status: 0 written; 1 no member gave a valid backup in time; 2 bad usage.`;

const FLAGS = { connect: 'string', out: 'string', wait: 'int', timeout: 'int', quiet: 'bool' } as const;

export const EXIT_BACKUP_FAILED = 1;

export async function backupCommand(argv: readonly string[]): Promise<number> {
  if (wantsHelp(argv)) {
    console.log(backupUsage);
    return 0;
  }
  const f = parseFlags(argv, FLAGS);
  const connect = f.string('connect');
  const out = f.string('out');
  if (!connect || !out) throw new UsageError(`--connect and --out are required\nusage: ${backupUsage.split('\n')[0]}`);
  let urls: string[];
  try {
    urls = parseConnectString(connect);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const waitMs = f.int('wait') ?? 30_000;
  const timeoutMs = f.int('timeout') ?? 60_000;
  const say = f.bool('quiet') ? () => {} : (line: string) => console.log(line);

  try {
    const atLeast = await syncedZxid(urls, waitMs);
    say(`synced through the quorum: the backup will be at or after ${formatZxid(atLeast)}`);
    const got = await fetchBackup(urls, atLeast, waitMs, timeoutMs, say);
    await writeFileAtomic(out, got.bytes);
    const b = got.backup;
    say(
      `backup of member ${b.header.member} at zxid ${formatZxid(b.header.zxid)}, digest ${b.header.digest}: ` +
        `${b.tree.nodeCount} znodes, ${b.sessions} sessions, ${mib(got.bytes.length)} → ${out}`,
    );
    return 0;
  } catch (err) {
    console.error(`backup failed: ${(err as Error).message}`);
    return EXIT_BACKUP_FAILED;
  }
}

/**
 * Connects, syncs and closes: the zxid of the sync (or of the close after it) is at or after every
 * write completed before now. The session's own create and close txns are before that zxid, so the
 * backup does not carry this session.
 */
async function syncedZxid(urls: readonly string[], waitMs: number): Promise<Zxid> {
  const client = new ZooKeeperClient({
    connector: webSocketConnector(urls, { WebSocket }),
    members: urls.length,
    sessionTimeoutMs: 4000,
    connectWaitMs: waitMs,
  });
  try {
    await client.connected(waitMs);
    await client.sync('/');
  } catch (err) {
    await client.close().catch(() => {});
    throw new Error(`could not sync through the ensemble (${(err as Error).message})`);
  }
  await client.close().catch(() => {});
  return client.lastZxidSeen;
}

interface Fetched {
  readonly bytes: Uint8Array;
  readonly backup: Extract<ReturnType<typeof decodeBackup>, { ok: true }>['backup'];
}

/** Serving followers first, then the leader, then whoever did not say; retried until `waitMs`. */
async function candidates(urls: readonly string[]): Promise<string[]> {
  const statuses = await Promise.all(
    urls.map(async (url) => {
      try {
        return { url, s: await adminJson<MemberStatus>(url, '/status', 2000) };
      } catch {
        return { url, s: null };
      }
    }),
  );
  const rank = (s: MemberStatus | null): number => (s === null ? 2 : !s.serving ? 3 : s.role === 'FOLLOWING' ? 0 : 1);
  return statuses.sort((a, b) => rank(a.s) - rank(b.s)).filter((x) => rank(x.s) < 3).map((x) => x.url);
}

async function fetchBackup(urls: readonly string[], atLeast: Zxid, waitMs: number, timeoutMs: number, say: (line: string) => void): Promise<Fetched> {
  const deadline = Date.now() + waitMs;
  const problems = new Map<string, string>();
  for (;;) {
    for (const url of await candidates(urls)) {
      let answer;
      try {
        answer = await adminGetBytes(url, `/backup?atLeast=${atLeast.epoch},${atLeast.counter}`, timeoutMs, BACKUP_HEADER_BYTES + MAX_BACKUP_PAYLOAD_BYTES);
      } catch (err) {
        problems.set(url, (err as Error).message);
        continue;
      }
      if (answer.status !== 200) {
        problems.set(url, `${answer.status} ${answer.body.toString('utf8').trim()}`);
        continue;
      }
      const bytes = new Uint8Array(answer.body.buffer, answer.body.byteOffset, answer.body.length);
      const r = decodeBackup(bytes);
      if (!r.ok) {
        // A member that sends a bad snapshot is worth saying loudly; try another one.
        say(`${hostPort(url)} sent a backup that does not verify: ${r.error.message}`);
        problems.set(url, r.error.message);
        continue;
      }
      return { bytes, backup: r.backup };
    }
    if (Date.now() >= deadline) {
      const why = [...problems].map(([url, p]) => `\n  ${hostPort(url)}: ${p}`).join('');
      throw new Error(`no member serving in the quorum gave a backup at or after ${formatZxid(atLeast)} within ${waitMs} ms${why}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

function mib(bytes: number): string {
  return bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(1)} KiB` : `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
