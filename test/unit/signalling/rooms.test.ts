import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rooms } from '../../../src/signalling/rooms.js';

const key = Buffer.alloc(32, 1);

test('a room lives while it has members, and forgets its key with the last one', () => {
  const rooms = new Rooms<string>();
  rooms.add('r', key, '1', 'conn-a');
  rooms.add('r', Buffer.alloc(32, 2), '2', 'conn-b');
  assert.deepEqual(rooms.get('r')?.key, key, 'the first joiner set the key');
  assert.deepEqual(rooms.counts(), { rooms: 1, members: 2 });
  assert.ok(rooms.remove('r', '1', 'conn-a'));
  assert.ok(rooms.remove('r', '2', 'conn-b'));
  assert.equal(rooms.get('r'), undefined);
  assert.deepEqual(rooms.counts(), { rooms: 0, members: 0 });
});

test('a second connection with the same memberId replaces the first; the old one cannot remove the new', () => {
  const rooms = new Rooms<string>();
  rooms.add('r', key, '1', 'old');
  const { replaced } = rooms.add('r', key, '1', 'new');
  assert.equal(replaced, 'old');
  assert.equal(rooms.remove('r', '1', 'old'), false, 'a late close of the replaced connection is a no-op');
  assert.equal(rooms.get('r')?.members.get('1'), 'new');
});

test('rooms are separate namespaces', () => {
  const rooms = new Rooms<string>();
  rooms.add('a', key, '1', 'x');
  rooms.add('b', key, '1', 'y');
  assert.equal(rooms.get('a')?.members.get('1'), 'x');
  assert.equal(rooms.get('b')?.members.get('1'), 'y');
  assert.equal(rooms.remove('a', '1', 'y'), false);
});
