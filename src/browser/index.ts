/**
 * `peerkeeper/browser`: an ensemble member in a browser tab (IndexedDB, the browser's WebRTC,
 * BroadcastChannel between same-origin tabs). No Node modules: a bundler needs no polyfills.
 * The member's in-tab client is a `ZooKeeperClient` from `peerkeeper`.
 *
 * @module peerkeeper/browser
 */
export { startBrowserMember, DEFAULT_BROWSER_TICK_MS, type BrowserMember, type BrowserMemberOptions } from './member.js';
export type { BrowserMemberStatus } from './status.js';
export { startTab, type TabOptions, type PeerkeeperTab, type TabEvents, type TabMode, type PeersChange, type SessionCleanup } from './tab.js';
export type { CandidatePath, CandidateEnd } from '../transport/webrtc.js';
