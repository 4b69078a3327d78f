import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEMO_ROOM, DEMO_SECRET, parsePageConfig } from '../../../src/browser/page-config.js';

test('the member page reads its configuration from the URL', () => {
  const c = parsePageConfig('?id=2&members=1,2,3&room=r&secret=s&signal=ws://a:1,%20ws://b:2&broadcast=0&storage=memory&tick=80&ice=none&record=1');
  assert.deepEqual(c, {
    id: 2,
    members: [1, 2, 3],
    room: 'r',
    secret: 's',
    defaultSecret: false,
    signal: ['ws://a:1', 'ws://b:2'],
    broadcast: false,
    storage: 'memory',
    tickMs: 80,
    rtcConfig: { iceServers: [] },
    record: true,
  });
});

test('defaults: three members, no id (the lowest free one), the demo room, BroadcastChannel, IndexedDB', () => {
  const c = parsePageConfig('');
  assert.equal(c.id, null);
  assert.deepEqual(c.members, [1, 2, 3]);
  assert.equal(c.room, DEMO_ROOM);
  assert.equal(c.secret, DEMO_SECRET);
  assert.equal(c.defaultSecret, true);
  assert.equal(c.broadcast, true);
  assert.equal(c.storage, 'indexeddb');
  assert.equal(c.tickMs, undefined);
  assert.equal(c.rtcConfig, undefined);
  assert.deepEqual(parsePageConfig('?members=5').members, [1, 2, 3, 4, 5]);
  assert.deepEqual(parsePageConfig('?members=4,9,20').members, [4, 9, 20]);
});

test('a bad URL is refused with the reason', () => {
  assert.throws(() => parsePageConfig('?id=4&members=3'), /id 4 is not one of the members 1,2,3/);
  assert.throws(() => parsePageConfig('?members=a,b'), /members: expected ids/);
  assert.throws(() => parsePageConfig('?storage=disk'), /storage: indexeddb or memory/);
  assert.throws(() => parsePageConfig('?tick=1'), /tick: a whole number/);
});

test('ICE servers, TURN credentials and the relay-only policy from the URL', () => {
  const q = new URLSearchParams({ 'ice-username': 'u', 'ice-credential': 'p', 'ice-policy': 'relay' });
  q.append('ice-server', 'stun:s:3478');
  q.append('ice-server', 'turn:t:3478?transport=udp,turns:t:5349');
  assert.deepEqual(parsePageConfig(`?${q}`).rtcConfig, {
    iceServers: [
      { urls: 'stun:s:3478' },
      { urls: 'turn:t:3478?transport=udp', username: 'u', credential: 'p' },
      { urls: 'turns:t:5349', username: 'u', credential: 'p' },
    ],
    iceTransportPolicy: 'relay',
  });
  assert.deepEqual(parsePageConfig('?ice-policy=relay').rtcConfig, { iceTransportPolicy: 'relay' }, 'servers may come from the signalling server');
  assert.equal(parsePageConfig('?members=3').rtcConfig, undefined);
  assert.throws(() => parsePageConfig('?ice-server=turn:t:1'), /username and credential/);
  assert.throws(() => parsePageConfig('?ice-server=https://t/'), /only stun:/);
  assert.throws(() => parsePageConfig('?ice-server=turn:t:1&ice-username=u'), /go together/);
  assert.throws(() => parsePageConfig('?ice-policy=host'), /all or relay/);
  assert.throws(() => parsePageConfig('?ice=none&ice-server=stun:s'), /ice=none/);
});
