/**
 * Apache ZooKeeper's Java client itself (Debian's zookeeper 3.8 jars in /usr/share/java), as a
 * single-file source program (zk-clients/JavaClientCheck.java, `java -cp JARS File.java`, no build
 * step) against a real 3-member peerkeeper ensemble: CRUD and its errors, multi, a persistent
 * recursive watch, then the member the client is on killed with SIGKILL and the same session carrying
 * on elsewhere with its ephemeral and its watch. Skips when a JDK or the jars are missing.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { missing, zkAddress, zkConnectString, zkEnsemble } from './fixtures/zk-ensemble.js';

const SOURCE = fileURLToPath(new URL('./zk-clients/JavaClientCheck.java', import.meta.url));
// The client's own log (slf4j-simple, to stderr) only when asked, as with the members' logs.
const logger = process.env.PEERKEEPER_TEST_LOG ? 'slf4j-simple.jar' : 'slf4j-nop.jar';
const JARS = ['zookeeper.jar', 'zookeeper-jute.jar', 'slf4j-api.jar', logger].map((j) => `/usr/share/java/${j}`);
// `java File.java` compiles in memory, which needs the JDK (javac's module), not only a JRE.
const skip = missing('the ZooKeeper Java client and a JDK (apt-get install zookeeper default-jdk-headless)', '/usr/bin/javac', ...JARS);

describe('ZooKeeper Java client against peerkeeper', { skip }, () => {
  const cluster = zkEnsemble();

  test('CRUD, multi, a persistent recursive watch, and its member killed: same session, ephemeral and watch kept', { timeout: 90_000 }, async () => {
    const java = spawn('java', ['-cp', JARS.join(':'), SOURCE, zkConnectString(cluster)], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    java.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    java.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    const exited = new Promise<number | null>((resolve) => java.on('exit', (code) => resolve(code)));
    const guard = setTimeout(() => java.kill('SIGKILL'), 80_000);
    try {
      const on = await new Promise<string>((resolve, reject) => {
        java.stdout.on('data', () => {
          const m = /^ON (\S+)\nREADY$/m.exec(out);
          if (m) resolve(m[1]!);
        });
        void exited.then((code) => reject(new Error(`the Java program exited (${code}) before READY:\n${out}\n${err}`)));
      });
      const victim = cluster.ids.find((id) => cluster.member(id).proc && zkAddress(cluster, id) === on);
      assert.ok(victim !== undefined, `no member serves ${on}`);
      await cluster.kill(victim);
      java.stdin.write('killed\n');
      const code = await exited;
      if (code !== 0) assert.fail(`the Java program failed (${code}) after member ${victim} (${on}) was killed:\n${out}\n${err.slice(-8000)}\nstatuses: ${JSON.stringify(await cluster.statuses())}`);
      assert.match(out, /^OK$/m);
    } finally {
      clearTimeout(guard);
      java.kill('SIGKILL');
    }
  });
});
