/** Small helpers the tests and the benchmark share for driving real processes. */
import { createServer, type AddressInfo } from 'node:net';

/** A port that was free a moment ago (the kernel does not hand it out again right away). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const port = (server.address() as AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Polls `probe` until it returns a value (not undefined); throws with `describe()` after `timeoutMs`. */
export async function waitUntil<T>(probe: () => Promise<T | undefined> | T | undefined, timeoutMs: number, describe: () => string, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${describe()}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
