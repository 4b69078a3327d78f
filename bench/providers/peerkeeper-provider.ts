/**
 * A provider process for the ephemeral-cleanup row: creates an EPHEMERAL node through its own
 * session, prints "registered …", then idles until it is killed (kill -9 is the point). It also
 * exits if its parent goes away (stdin closes), so a crashed benchmark leaves nothing behind.
 *
 *   node --import tsx bench/providers/peerkeeper-provider.ts <ws-url,…> <path> <sessionTimeoutMs>
 */
import { WebSocket } from 'ws';
import { ZooKeeperClient } from '../../src/client/index.js';
import { webSocketConnector } from '../../src/client/websocket-connector.js';

const [urlList, path, timeout] = process.argv.slice(2);
if (!urlList || !path || !timeout) {
  console.error('usage: peerkeeper-provider.ts <ws-url,…> <path> <sessionTimeoutMs>');
  process.exit(2);
}
process.stdin.on('end', () => process.exit(0)).on('error', () => process.exit(0)).resume();
const urls = urlList.split(',');
const zk = new ZooKeeperClient({ connector: webSocketConnector(urls, { WebSocket }), members: urls.length, sessionTimeoutMs: Number(timeout) });
await zk.connected(15_000);
await zk.create(path, 'provider', { mode: 'EPHEMERAL' });
console.log(`registered ${path} session 0x${zk.sessionId.toString(16)} timeout ${zk.negotiatedTimeoutMs} ms`);
