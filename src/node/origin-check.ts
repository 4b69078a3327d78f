/**
 * Which web pages may open a client WebSocket to a member. A browser sends `Origin` with every
 * WebSocket upgrade and lets any page dial ws://127.0.0.1:2181, so without this check any site open
 * on the same machine could read, write and delete. Programs (Node, Python, Go clients) send no
 * `Origin` and are let in: the check is about browsers, not authentication.
 */

import { isIP } from 'node:net';
import { hostname } from 'node:os';

/** `*` in the list lets every origin in: the check is off (for development only). */
export const ANY_ORIGIN = '*';

/**
 * Normalises `--allow-origin` entries (a list, each entry possibly comma-separated) to origins as
 * browsers write them: `http://localhost:5173/` → `http://localhost:5173`. `null` (what a sandboxed
 * iframe or a file:// page sends) is kept as written. Throws on anything that is not an origin.
 */
export function parseAllowedOrigins(entries: readonly string[]): string[] {
  const out = new Set<string>();
  for (const entry of entries.flatMap((e) => e.split(','))) {
    const raw = entry.trim();
    if (raw === '') continue;
    if (raw === ANY_ORIGIN || raw === 'null') {
      out.add(raw);
      continue;
    }
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new Error(`not an origin: ${raw} (write scheme://host[:port], e.g. http://localhost:5173)`);
    }
    if (url.origin === 'null' || (url.pathname !== '/' && url.pathname !== '') || url.search || url.hash) {
      throw new Error(`not an origin: ${raw} (write scheme://host[:port], with no path)`);
    }
    out.add(url.origin);
  }
  return [...out];
}

/** No `Origin` header (not a browser) or an origin on the list. */
export function originAllowed(origin: string | undefined, allowed: readonly string[]): boolean {
  if (origin === undefined) return true;
  if (allowed.includes(ANY_ORIGIN)) return true;
  return allowed.includes(origin.trim().toLowerCase() === 'null' ? 'null' : normalise(origin));
}

function normalise(origin: string): string {
  try {
    return new URL(origin).origin;
  } catch {
    return origin;
  }
}

/**
 * Which names a request may address the client port by (the HTTP `Host` header). A page on a domain
 * that its owner re-points at 127.0.0.1 (DNS rebinding) is same-origin with the member as far as the
 * browser knows: it sends no `Origin` on a plain GET and may read the answer — `/status`, `/digests`,
 * `/backup` with the session passwords. Its requests still carry its own domain in `Host`, so a
 * member answers only requests addressed to an IP literal, `localhost`, this machine's name, a host
 * of an allowed origin, or a name given with `--allow-host` (as Vite's `server.allowedHosts` does).
 */
export function hostAllowed(host: string | undefined, allowedNames: ReadonlySet<string>): boolean {
  // HTTP/1.0 requests may carry no Host; a browser always sends one.
  if (host === undefined || host === '') return true;
  const name = hostName(host);
  if (name === null) return false;
  if (name === 'localhost' || name.endsWith('.localhost') || isIP(name.replace(/^\[|\]$/g, '')) !== 0) return true;
  return allowedNames.has(name) || allowedNames.has(ANY_ORIGIN);
}

/** The names `hostAllowed` accepts beyond IP literals and localhost: this machine's, allowed origins' and `--allow-host`'s. */
export function allowedHostNames(allowOrigins: readonly string[], allowHosts: readonly string[]): Set<string> {
  const names = new Set<string>([hostname().toLowerCase()]);
  for (const origin of allowOrigins) {
    if (origin === ANY_ORIGIN || origin === 'null') continue;
    const name = hostName(new URL(origin).host);
    if (name !== null) names.add(name);
  }
  for (const entry of allowHosts.flatMap((e) => e.split(','))) {
    const raw = entry.trim().toLowerCase();
    if (raw !== '') names.add(raw === ANY_ORIGIN ? raw : (hostName(raw) ?? raw));
  }
  return names;
}

/** `Example.COM:2181` → `example.com`, `[::1]:2181` → `[::1]`; null for a header that is no host. */
function hostName(host: string): string | null {
  try {
    return new URL(`http://${host.trim()}`).hostname.toLowerCase();
  } catch {
    return null;
  }
}
