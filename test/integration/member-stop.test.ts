/**
 * A member's stop is clean and bounded on either WebRTC binding: two members started through the
 * embedding API in one child process form an ensemble, take a write and stop, and the child then
 * ends by itself (no process.exit) — the binding's native threads do not keep it alive. A start refused
 * part-way (its rendezvous port taken) gives back the binding, the storage and the rendezvous first.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runUntilExit } from '../../scripts/lib/waiting.js';
import { fileURLToPath } from 'node:url';
import { WEBRTC_BINDINGS } from '../../src/node/webrtc-binding.js';

const fixture = fileURLToPath(new URL('./fixtures/member-stop.ts', import.meta.url));

for (const webrtc of WEBRTC_BINDINGS) {
  test(`two in-process members on ${webrtc} stop, and the process exits by itself`, { timeout: 90_000 }, async (t) => {
    // Generous for a loaded machine: start-up under tsx, an election, a write, two stops, the wind-down.
    const { code, out, err } = await runUntilExit(fixture, [webrtc], 75_000);
    assert.equal(code, 0, `child did not stop and exit cleanly (code ${code}); stdout: ${out}; stderr: ${err}`);
    const result = JSON.parse(out.trim().split('\n').pop()!) as { webrtc: string; stopMs: number[] };
    assert.equal(result.webrtc, webrtc);
    assert.equal(result.stopMs.length, 2);
    t.diagnostic(`stops took ${result.stopMs.join(', ')} ms`);
  });
}
