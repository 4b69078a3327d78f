/**
 * The ZooKeeper twin of peerkeeper-provider.ts, through node-zookeeper-client: creates an EPHEMERAL
 * node, prints "registered …", idles until killed; exits if its parent goes away (stdin closes).
 *
 *   node --import tsx bench/providers/zookeeper-provider.ts <host:port,…> <path> <sessionTimeoutMs>
 */
import zookeeper from 'node-zookeeper-client';

const [hosts, path, timeout] = process.argv.slice(2);
if (!hosts || !path || !timeout) {
  console.error('usage: zookeeper-provider.ts <host:port,…> <path> <sessionTimeoutMs>');
  process.exit(2);
}
process.stdin.on('end', () => process.exit(0)).on('error', () => process.exit(0)).resume();
const zk = zookeeper.createClient(hosts, { sessionTimeout: Number(timeout), spinDelay: 100, retries: 0 });
await new Promise<void>((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error(`not connected to ${hosts} within 15 s`)), 15_000);
  zk.once('connected', () => {
    clearTimeout(timer);
    resolve();
  });
  zk.connect();
});
await new Promise<void>((resolve, reject) =>
  zk.create(path, Buffer.from('provider'), zookeeper.CreateMode.EPHEMERAL, (err) => (err ? reject(err) : resolve())),
);
console.log(`registered ${path} session 0x${zk.getSessionId().toString('hex')} timeout ${zk.getSessionTimeout()} ms`);
