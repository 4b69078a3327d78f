import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PartitionSwitch, partitionAllowed } from '../../../src/node/test-partition.js';
import type { ClientToMember, ConnectionHandlers, MemberToClient } from '../../../src/protocol/client.js';

test('the partition hook needs PEERKEEPER_TEST_HOOKS=partition', () => {
  assert.equal(partitionAllowed({}), false);
  assert.equal(partitionAllowed({ PEERKEEPER_TEST_HOOKS: 'corrupt-tree' }), false);
  assert.equal(partitionAllowed({ PEERKEEPER_TEST_HOOKS: 'corrupt-tree, partition' }), true);
});

test('while cut, client frames are dropped both ways and the member’s closes wait for the heal; peers are cut with it', () => {
  const peers: boolean[] = [];
  const lines: string[] = [];
  const hook = new PartitionSwitch({ setPartitioned: (cut) => peers.push(cut) }, (l) => lines.push(l));
  const toMember: ClientToMember[] = [];
  let member: ConnectionHandlers | null = null;
  const open = hook.gateClients((handlers) => {
    member = handlers;
    return { send: (m) => toMember.push(m), close: () => {} };
  });
  const toClient: MemberToClient[] = [];
  const closes: string[] = [];
  const connection = open({ onMessage: (m) => toClient.push(m), onClose: (r) => closes.push(r) })!;
  const pong: MemberToClient = { type: 'pong', zxid: { epoch: 1, counter: 1 } };

  connection.send({ type: 'ping' });
  member!.onMessage(pong);
  assert.equal(toMember.length, 1);
  assert.equal(toClient.length, 1);

  hook.toggle();
  assert.deepEqual(peers, [true]);
  assert.match(lines.at(-1)!, /TEST HOOK: partitioned/);
  connection.send({ type: 'ping' });
  member!.onMessage(pong);
  member!.onClose('member 3 lost the quorum');
  assert.equal(toMember.length, 1, 'the client frame did not reach the member');
  assert.equal(toClient.length, 1, 'the member frame did not reach the client');
  assert.deepEqual(closes, [], 'the close waits for the heal');

  hook.toggle();
  assert.deepEqual(peers, [true, false]);
  assert.deepEqual(closes, ['member 3 lost the quorum']);
  assert.match(lines.at(-1)!, /TEST HOOK: healed: 2 client frames were dropped, 1 client connections/);
});
