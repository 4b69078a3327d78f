import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ADVISED_RMEM_BYTES, udpBufferAdvice, udpReceiveBufferDefault } from '../../../src/node/udp-buffers.js';

test('reads net.core.rmem_default, and nothing where there is no such file or no number in it', () => {
  assert.equal(udpReceiveBufferDefault(() => '212992\n'), 212992);
  assert.equal(udpReceiveBufferDefault(() => {
    throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
  }), undefined);
  assert.equal(udpReceiveBufferDefault(() => 'lots'), undefined);
  assert.equal(udpReceiveBufferDefault(() => '0'), undefined);
});

test('advises a larger buffer only below what large messages were measured to need', () => {
  const advice = udpBufferAdvice(212992);
  assert.ok(advice?.includes('212992') && advice.includes(`sysctl -w net.core.rmem_default=${ADVISED_RMEM_BYTES}`), advice);
  assert.equal(udpBufferAdvice(ADVISED_RMEM_BYTES), undefined);
  assert.equal(udpBufferAdvice(undefined), undefined);
});
