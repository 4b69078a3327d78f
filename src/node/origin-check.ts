/**
 * Which web pages may open a client WebSocket to a member. A browser sends `Origin` with every
 * WebSocket upgrade and lets any page dial ws://127.0.0.1:2181, so without this check any site open
 * on the same machine could read, write and delete. Programs (Node, Python, Go clients) send no
 * `Origin` and are let in: the check is about browsers, not authentication.
 */

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
