import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError, parseFlags, webrtcFlag } from '../../../src/cli/args.js';
import { DEFAULT_WEBRTC_BINDING, WEBRTC_BINDINGS, isWebRtcBindingName } from '../../../src/node/webrtc-binding.js';

const flags = (argv: string[]) => parseFlags(argv, { webrtc: 'string' });

test('--webrtc takes each binding by name, absent leaves the default to the member', () => {
  for (const name of WEBRTC_BINDINGS) assert.equal(webrtcFlag(flags(['--webrtc', name])), name);
  assert.equal(webrtcFlag(flags([])), undefined);
  assert.ok(isWebRtcBindingName(DEFAULT_WEBRTC_BINDING));
});

test('--webrtc refuses any other value with a usage error naming the choices', () => {
  for (const bad of ['wrtc', 'DATACHANNEL', '', 'roamhq,datachannel', 'toString']) {
    assert.throws(() => webrtcFlag(flags(['--webrtc', bad])), (e: unknown) => e instanceof UsageError && /roamhq, datachannel/.test(e.message), bad);
  }
});
