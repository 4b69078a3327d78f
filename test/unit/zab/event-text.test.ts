import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeZabEvent } from '../../../src/zab/event-text.js';

test('full lines carry the zxids and reasons; brief ones only what a student follows', () => {
  const established = { type: 'established', epoch: 4, history: { epoch: 3, counter: 18 }, quorum: [2, 1] } as const;
  assert.equal(describeZabEvent(established, 'full'), 'leading epoch 4 with quorum 2,1, history up to (3,18)');
  assert.equal(describeZabEvent(established, 'brief'), 'leading epoch 4 with 2,1');
  const started = { type: 'electionStarted', round: 3, reason: 'the leader is looking for a leader' } as const;
  assert.equal(describeZabEvent(started, 'full'), 'election round 3: the leader is looking for a leader');
  assert.equal(describeZabEvent(started, 'brief'), null);
  const lost = { type: 'followerLost', peer: 3, reason: 'silent for 5 ticks' } as const;
  assert.equal(describeZabEvent(lost, 'full'), describeZabEvent(lost, 'brief'));
});
