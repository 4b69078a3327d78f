/** How the browser tests and the benchmark launch Chromium: Debian's by default, `$CHROMIUM_PATH` overrides. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  // Tabs in the background must keep ticking like the one in front.
  '--disable-background-timer-throttling',
  '--disable-renderer-backgrounding',
  '--disable-backgrounding-occluded-windows',
  // Host candidates as IP addresses, not mDNS names, so a tab and a Node member (@roamhq/wrtc) connect.
  '--disable-features=WebRtcHideLocalIpsWithMdns',
];
