/**
 * Default ports on one machine. ZooKeeper's own client protocol (gateway/) takes ZooKeeper's
 * conventional 2181, 2182, 2183 so existing ZooKeeper clients and tools find it where they expect;
 * peerkeeper's WebSocket client endpoint (and admin HTTP) moved to 2281, 2282, 2283 to make room.
 */
export const DEFAULT_CLIENT_PORT = 2281;
export const DEFAULT_ZK_PORT = 2181;

/** `127.0.0.1:2181,127.0.0.1:2182,…`: a ZooKeeper connect string. */
export function zkConnectString(ports: readonly number[], host = '127.0.0.1'): string {
  return ports.map((p) => `${host}:${p}`).join(',');
}
