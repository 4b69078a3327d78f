import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compareDigests, type MemberDigests } from '../../../src/server/consistency.js';
import { DigestRing } from '../../../src/server/digest-ring.js';
import { formatZxid, zxid } from '../../../src/zab/zxid.js';

/** Member `id` applied counters from..to of epoch 1; digest `d<counter>`, or whatever `digest` says. */
function member(id: number, from: number, to: number, digest: (c: number) => string = (c) => `d${c}`): MemberDigests {
  const entries = [];
  for (let c = from; c <= to; c++) entries.push({ zxid: zxid(1, c), digest: digest(c) });
  return { member: id, entries };
}

test('members that applied up to different points agree at the highest zxid they all hold', () => {
  const v = compareDigests([member(1, 1, 50), member(2, 10, 48), member(3, 5, 60)]);
  assert.equal(v.kind, 'agree');
  if (v.kind !== 'agree') return;
  assert.equal(formatZxid(v.zxid), '(1,48)');
  assert.equal(v.digest, 'd48');
  assert.deepEqual(v.members, [1, 2, 3]);
  assert.equal(v.compared, 39);
});

test('one member with a different digest is named, with where it started to differ', () => {
  const bad = (c: number): string => (c >= 30 ? `x${c}` : `d${c}`);
  const v = compareDigests([member(1, 1, 50), member(2, 1, 45), member(3, 1, 47, bad)]);
  assert.equal(v.kind, 'diverged');
  if (v.kind !== 'diverged') return;
  assert.equal(formatZxid(v.zxid), '(1,45)');
  assert.deepEqual(v.suspects, [3]);
  assert.deepEqual(v.groups, [{ digest: 'd45', members: [1, 2] }, { digest: 'x45', members: [3] }]);
  assert.equal(formatZxid(v.firstDifference), '(1,30)');
  assert.equal(formatZxid(v.lastAgreement!), '(1,29)');
  assert.equal(v.disagreements, 16);
  assert.equal(v.compared, 45);
});

test('a divergence that healed later is still reported', () => {
  const v = compareDigests([member(1, 1, 20), member(2, 1, 20, (c) => (c === 7 ? 'oops' : `d${c}`))]);
  assert.equal(v.kind, 'diverged');
  if (v.kind !== 'diverged') return;
  assert.equal(formatZxid(v.zxid), '(1,7)');
  assert.deepEqual(v.suspects, [1, 2], 'two members, two digests: no majority to trust');
  assert.equal(v.disagreements, 1);
});

test('windows that do not overlap cannot be compared', () => {
  const v = compareDigests([member(1, 1, 10), member(2, 20, 30)]);
  assert.equal(v.kind, 'noCommonZxid');
  if (v.kind !== 'noCommonZxid') return;
  assert.deepEqual(v.ranges.map((r) => [r.member, formatZxid(r.first!), formatZxid(r.last!)]), [[1, '(1,1)', '(1,10)'], [2, '(1,20)', '(1,30)']]);
});

test('the digest ring keeps the newest entries in order; a repeated zxid replaces the newest', () => {
  const ring = new DigestRing(4);
  assert.deepEqual(ring.entries(), []);
  for (let c = 1; c <= 6; c++) ring.push(zxid(1, c), `d${c}`);
  assert.deepEqual(ring.entries().map((e) => `${formatZxid(e.zxid)}=${e.digest}`), ['(1,3)=d3', '(1,4)=d4', '(1,5)=d5', '(1,6)=d6']);
  ring.push(zxid(1, 6), 'restored');
  ring.push(zxid(2, 1), 'e2');
  assert.deepEqual(ring.entries(zxid(1, 6)).map((e) => e.digest), ['restored', 'e2']);
  assert.equal(ring.length, 4);
  ring.push(zxid(1, 9), 'back');
  assert.deepEqual(ring.entries().map((e) => e.digest), ['back'], 'going back in zxids starts over');
});
