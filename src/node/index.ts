/**
 * `peerkeeper/node`: members as Node processes. `startNodeMember` runs one in this process (files,
 * the WebRTC mesh, a client port); `launchEnsemble` starts a signalling server here and N members as
 * child processes (what `peerkeeper ensemble` runs); `startSignallingServer` is the server that
 * introduces members to each other; `nodeWebSocketConnector` connects a `ZooKeeperClient` (from
 * `peerkeeper`) to members' client ports, and `zooKeeperConnector` connects it over ZooKeeper's own
 * wire protocol to Apache ZooKeeper or to members' ZooKeeper ports. A member's `webrtc` option picks
 * its WebRTC binding (`WEBRTC_BINDINGS`: @roamhq/wrtc by default, or node-datachannel).
 *
 * @module peerkeeper/node
 */
export { startNodeMember, DEFAULT_TICK_MS, DEFAULT_MAX_SESSION_TIMEOUT_MS, type NodeMember, type NodeMemberOptions } from './member-process.js';
export { WEBRTC_BINDINGS, DEFAULT_WEBRTC_BINDING, type WebRtcBindingName } from './webrtc-binding.js';
export { launchEnsemble, type LaunchOptions, type LaunchedEnsemble } from './launch.js';
export { Supervisor, statusLine, type SupervisedMember, type SupervisorOptions } from './supervisor.js';
export type { MemberStatus } from './status.js';
export { DEFAULT_CLIENT_PORT, DEFAULT_ZK_PORT, zkConnectString } from './ports.js';
export { nodeWebSocketConnector } from './ws-connector.js';
export {
  zooKeeperConnector,
  parseConnectString,
  DEFAULT_ZOOKEEPER_PORT,
  type ZooKeeperConnector,
  type ZooKeeperConnectorOptions,
  type ServerAddress,
  type ConnectorSocket,
} from '../gateway/zookeeper-connector.js';
export type { JuteAcl } from '../gateway/jute/records.js';
export type { ZooKeeperAuth } from '../gateway/client-connection.js';
export { startSignallingServer, type SignallingServer, type SignallingServerOptions, type RoomSecretCheck } from '../signalling/server.js';
export type { IceConfig, IceServer, IceTransportPolicy } from '../signalling/ice.js';
