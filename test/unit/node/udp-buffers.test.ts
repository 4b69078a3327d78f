import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ADVISED_RMEM_BYTES, udpBufferAdvice, udpReceiveBufferDefault, udpReceiveBufferErrors } from '../../../src/node/udp-buffers.js';

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

test('UDP receive-buffer drops: IPv4 and IPv6 counters summed, either alone, or nothing', () => {
  const snmp = 'Ip: Forwarding DefaultTTL\nIp: 1 64\nUdp: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors\nUdp: 312040 4566 7 421121 7 0\nUdpLite: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors\nUdpLite: 0 0 0 0 99\n';
  const snmp6 = 'Udp6InDatagrams                 \t35070540\nUdp6InErrors                    \t141351\nUdp6RcvbufErrors                \t141351\nUdpLite6RcvbufErrors 5\n';
  const files = (present: Record<string, string>) => (path: string): string => {
    const text = present[path];
    if (text === undefined) throw Object.assign(new Error(`ENOENT ${path}`), { code: 'ENOENT' });
    return text;
  };
  assert.equal(udpReceiveBufferErrors(files({ '/proc/net/snmp': snmp, '/proc/net/snmp6': snmp6 })), 141358);
  assert.equal(udpReceiveBufferErrors(files({ '/proc/net/snmp': snmp })), 7);
  assert.equal(udpReceiveBufferErrors(files({ '/proc/net/snmp6': snmp6 })), 141351);
  assert.equal(udpReceiveBufferErrors(files({})), undefined);
});

test('on this machine, where /proc exists, the counter reads as a number', { skip: process.platform !== 'linux' }, () => {
  const n = udpReceiveBufferErrors();
  assert.ok(n !== undefined && Number.isSafeInteger(n) && n >= 0, String(n));
});
