/**
 * `cli_mt`, the shell of Apache ZooKeeper's C client (Debian's zookeeper-bin), driven through its
 * stdin against a real 3-member peerkeeper ensemble: create (plain, +e, +s), get, set, ls, exists
 * and delete, their error codes, and the watches `get` and `exists` leave. Each command is sent once
 * the previous one's answer is printed (cli_mt runs them asynchronously). Skips when cli_mt is not
 * installed.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, test } from 'node:test';
import { missing, zkConnectString, zkEnsemble } from './fixtures/zk-ensemble.js';

const CLI_MT = '/usr/lib/zookeeper/bin/cli_mt';
const skip = missing('cli_mt (apt-get install zookeeper-bin)', CLI_MT);

/** A running cli_mt: `send` writes one command and waits until its answer matches `expect`. */
function cliMt(hosts: string): { send(command: string, ...expect: RegExp[]): Promise<string>; waitFor(re: RegExp): Promise<string>; quit(): Promise<number | null>; text(): string } {
  const child = spawn(CLI_MT, ['-h', hosts], { stdio: ['pipe', 'pipe', 'pipe'] });
  let text = '';
  const waiters = new Set<() => void>();
  const onData = (d: string): void => {
    text += d;
    for (const w of [...waiters]) w();
  };
  child.stdout.setEncoding('utf8').on('data', onData);
  child.stderr.setEncoding('utf8').on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  function waitFrom(from: number, expect: RegExp[], what: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`cli_mt: no ${expect.join(' and ')} after ${what} within 10 s; it printed:\n${text.slice(from)}`));
      }, 10_000);
      const check = (): void => {
        const answer = text.slice(from);
        if (expect.every((re) => re.test(answer))) {
          clearTimeout(timer);
          waiters.delete(check);
          resolve(answer);
        }
      };
      waiters.add(check);
      check();
    });
  }
  return {
    send(command, ...expect) {
      const from = text.length;
      child.stdin.write(`${command}\n`);
      return waitFrom(from, expect, `'${command}'`);
    },
    waitFor: (re) => waitFrom(0, [re], 'start-up'),
    async quit() {
      if (!child.stdin.writableEnded) child.stdin.end('quit\n');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
    text: () => text,
  };
}

describe('cli_mt (the C client shell) against peerkeeper', { skip }, () => {
  const cluster = zkEnsemble();

  test('create, create +e/+s, get, set, ls, exists, delete, their errors and watches', { timeout: 60_000 }, async () => {
    const cli = cliMt(zkConnectString(cluster));
    try {
      await cli.waitFor(/Watcher SESSION_EVENT state = CONNECTED_STATE/);
      // cli_mt's create always stores the 3 bytes "new".
      await cli.send('create /climt', /\[\/climt\]: rc = 0\n\tname = \/climt\n/);
      await cli.send('create +e /climt/eph', /\[\/climt\/eph\]: rc = 0\n\tname = \/climt\/eph\n/);
      const seq = /name = \/climt\/(seq-\d{10})\n/.exec(await cli.send('create +s /climt/seq-', /name = \/climt\/seq-\d{10}\n/))![1]!;
      await cli.send('create /climt', /\[\/climt\]: rc = -110\n/); // ZNODEEXISTS
      // get leaves a data watch: the set below fires it.
      await cli.send('get /climt', /\/climt: rc = 0\n value_len = 3\nnew\nStat:\n[\s\S]*?\tversion=0\taversion=0\n\tephemeralOwner = 0\n/);
      await cli.send('set /climt hello', /\/climt: rc = 0 Stat:\n[\s\S]*?\tversion=1\taversion=0\n/, /Watcher CHANGED_EVENT state = CONNECTED_STATE for path \/climt\n/);
      await cli.send('get /climt', /\/climt: rc = 0\n value_len = 5\nhello\n/);
      await cli.send('set /climt/none x', /\/climt\/none: rc = -101 /); // ZNONODE
      const eph = await cli.send('get /climt/eph', /\/climt\/eph: rc = 0\n[\s\S]*?ephemeralOwner = \S+\n/);
      assert.doesNotMatch(eph, /ephemeralOwner = 0\n/, 'an ephemeral node has its session as owner');
      // exists on a missing node (ZNONODE) leaves a watch that its creation fires.
      await cli.send('exists /climt/w', /Error -101 for \/climt\/w\n/);
      await cli.send('create /climt/w', /\[\/climt\/w\]: rc = 0\n/, /Watcher CREATED_EVENT state = CONNECTED_STATE for path \/climt\/w\n/);
      const ls = await cli.send('ls /climt', /\/climt: rc = 0\n(\t\S+\n){3}/);
      assert.deepEqual([...ls.matchAll(/^\t(\S+)$/gm)].map((m) => m[1]).sort(), ['eph', seq, 'w'].sort());
      await cli.send('delete /climt', /\/climt: rc = -111\n/); // ZNOTEMPTY
      await cli.send('delete /climt/eph', /\/climt\/eph: rc = 0\n/, /Watcher DELETED_EVENT state = CONNECTED_STATE for path \/climt\/eph\n/);
      await cli.send(`delete /climt/${seq}`, new RegExp(`/climt/${seq}: rc = 0\\n`));
      await cli.send('delete /climt/w', /\/climt\/w: rc = 0\n/);
      await cli.send('delete /climt', /\/climt: rc = 0\n/);
      await cli.send('get /climt', /\/climt: rc = -101\n/);
      const root = await cli.send('ls /', /\/: rc = 0\n(\t\S+\n)+time/);
      assert.doesNotMatch(root, /\tclimt\n/);
      assert.equal(await cli.quit(), 0, cli.text());
    } finally {
      await cli.quit();
    }
  });
});
