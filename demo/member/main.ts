/**
 * One real ensemble member per tab (src/browser/member.ts), configured by the URL
 * (src/browser/page-config.ts). `window.peerkeeper` is the page's API (src/browser/api.ts): the
 * form below calls it, and so do the browser tests.
 */
import { pageApi, type PeerkeeperApi } from '../../src/browser/api.js';
import { claimFreeId, claimId } from '../../src/browser/ids.js';
import { startBrowserMember } from '../../src/browser/member.js';
import { parsePageConfig } from '../../src/browser/page-config.js';
import { describeZabEvent } from '../../src/zab/event-text.js';
import { logLine, renderStatus, showError, wireForm } from './view.js';

declare global {
  interface Window {
    peerkeeper?: PeerkeeperApi;
  }
}

async function boot(): Promise<void> {
  const config = parsePageConfig(location.search);
  const claim = config.id !== null ? await claimId(config.room, config.id) : await claimFreeId(config.room, config.members);
  if (claim === null) {
    throw new Error(
      config.id !== null
        ? `member ${config.id} of room ${config.room} is already running in another tab of this browser`
        : `every member id of room ${config.room} (${config.members.join(',')}) is taken by another tab`,
    );
  }
  if (config.defaultSecret) logLine('using the demo secret: pass ?secret=… for anything real');
  const member = await startBrowserMember({
    id: claim.id,
    members: config.members,
    room: config.room,
    secret: config.secret,
    signal: config.signal,
    broadcast: config.broadcast,
    storage: config.storage,
    ...(config.tickMs !== undefined ? { tickMs: config.tickMs } : {}),
    ...(config.rtcConfig ? { rtcConfig: config.rtcConfig } : {}),
    log: (line) => console.debug(`[member ${claim.id}] ${line}`),
  });
  const api = pageApi(member);
  if (config.record) api.history.record();
  window.peerkeeper = api;
  let last = '';
  member.onReady((ready) => {
    for (const e of ready.events) {
      const line = describeZabEvent(e, 'brief');
      if (line !== null && line !== last) logLine(line);
      if (line !== null) last = line;
    }
  });
  wireForm(api);
  // A hidden tab keeps its member running but does not draw (offline-first tabs stay open for hours).
  const render = (): void => {
    if (!document.hidden) renderStatus(member.status());
  };
  render();
  setInterval(render, 250);
  document.addEventListener('visibilitychange', render);
  // Closing the tab is a crash to the others, but say bye on the BroadcastChannel at least.
  addEventListener('pagehide', () => {
    void member.stop();
    claim.release();
  });
  // Back from the back/forward cache: the member above is stopped; start a fresh one.
  addEventListener('pageshow', (e) => {
    if (e.persisted) location.reload();
  });
}

boot().catch((e: unknown) => {
  showError((e as Error).message ?? String(e));
  console.error(e);
});
