/**
 * GETs from a member's client port (its admin paths: /status, /mntr, /digests, … see
 * node/admin-http.ts): ws:// becomes http://, wss:// https://. One connection per request, closed after
 * the answer (agent: false), so nothing keeps a short-lived command alive.
 */
import { get as httpGet } from 'node:http';
import { get as httpsGet } from 'node:https';

/** Where GET `path` goes for the member whose client URL (ws: or wss:) is `url`, and the getter for it. */
function adminTarget(url: string, path: string): { target: URL; get: typeof httpGet } {
  const u = new URL(url);
  u.protocol = u.protocol === 'wss:' ? 'https:' : 'http:';
  const target = new URL(path, u);
  return { target, get: target.protocol === 'https:' ? httpsGet : httpGet };
}

/** The body of GET `path` (query string allowed) at the member whose client URL is `url`. */
export function adminGet(url: string, path: string, timeoutMs: number): Promise<string> {
  const { target, get } = adminTarget(url, path);
  return new Promise((resolve, reject) => {
    const req = get(target, { agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        if (res.statusCode !== 200) reject(new Error(`${target.href} answered ${res.statusCode ?? '?'} ${body.trim()}`));
        else resolve(body);
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${target.href} did not answer within ${timeoutMs} ms`)));
    req.on('error', reject);
  });
}

/** GET `path` and parse it as JSON. */
export async function adminJson<T>(url: string, path: string, timeoutMs: number): Promise<T> {
  const body = await adminGet(url, path, timeoutMs);
  try {
    return JSON.parse(body) as T;
  } catch {
    throw new Error(`${url}${path} did not answer JSON`);
  }
}

/** A binary answer and its status; the body is bounded by `maxBytes` (a longer answer is an error). */
export interface AdminBytes {
  readonly status: number;
  readonly body: Buffer;
}

/** GET `path` as bytes, whatever the status (the caller decides what a 503 means). */
export function adminGetBytes(url: string, path: string, timeoutMs: number, maxBytes: number): Promise<AdminBytes> {
  const { target, get } = adminTarget(url, path);
  return new Promise((resolve, reject) => {
    const req = get(target, { agent: false, timeout: timeoutMs }, (res) => {
      const declared = Number(res.headers['content-length'] ?? 0);
      if (declared > maxBytes) {
        req.destroy(new Error(`${target.href} answered ${declared} bytes, over the ${maxBytes}-byte limit`));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBytes) req.destroy(new Error(`${target.href} answered more than ${maxBytes} bytes`));
        else chunks.push(chunk);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${target.href} did not answer within ${timeoutMs} ms`)));
    req.on('error', reject);
  });
}
