/**
 * The client's WebSocket connector with the `ws` package's WebSocket, for Node 20, which has no
 * global one: `new ZooKeeperClient({ connector: nodeWebSocketConnector(urls), members: urls.length, … })`.
 */
import { WebSocket } from 'ws';
import { webSocketConnector } from '../client/websocket-connector.js';
import type { Connector } from '../protocol/client.js';

export function nodeWebSocketConnector(urls: readonly string[]): Connector {
  return webSocketConnector(urls, { WebSocket });
}
