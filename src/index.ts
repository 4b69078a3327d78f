/**
 * `peerkeeper`: the client, the recipes and ZooKeeper's error codes. Isomorphic — browsers, Node,
 * workers — and free of Node modules: a tab's page and a Node program import the same thing. A
 * member to connect to comes from `peerkeeper/browser` (a member in this tab) or `peerkeeper/node`
 * (a member process, or a WebSocket to members' client ports).
 *
 * @module peerkeeper
 */
export * from './client/index.js';
export { webSocketConnector, type BinaryWebSocket, type BinaryWebSocketConstructor, type WebSocketConnectorOptions } from './client/websocket-connector.js';
