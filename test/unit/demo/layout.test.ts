import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  along,
  CARD,
  clientLayout,
  clipToBox,
  describeSpeed,
  lanePath,
  linkKey,
  partitionLinks,
  progress,
  reachableGroups,
  ringLayout,
  sliderToSpeed,
  speedToSlider,
  STAGE,
  type Box,
} from '../../../demo/src/ui/layout.js';

function overlap(a: Box, b: Box): boolean {
  return Math.abs(a.cx - b.cx) < (a.w + b.w) / 2 && Math.abs(a.cy - b.cy) < (a.h + b.h) / 2;
}

function inside(b: Box): boolean {
  return b.cx - b.w / 2 >= 0 && b.cx + b.w / 2 <= STAGE.width && b.cy - b.h / 2 >= 0 && b.cy + b.h / 2 <= STAGE.height;
}

describe('demo stage layout', () => {
  test('m1 sits at twelve o’clock and the others follow clockwise', () => {
    const boxes = ringLayout(3);
    assert.equal(boxes[0]!.cx, STAGE.width / 2);
    assert.ok(boxes[0]!.cy < boxes[1]!.cy, 'm1 is above m2');
    assert.ok(boxes[1]!.cx > boxes[0]!.cx, 'm2 is to the right');
    assert.ok(boxes[2]!.cx < boxes[0]!.cx, 'm3 is to the left');
  });

  for (const n of [3, 5]) {
    test(`${n} member cards fit the stage without overlapping each other or the clients`, () => {
      const boxes = ringLayout(n);
      const clients = clientLayout(2);
      assert.equal(boxes.length, n);
      for (const b of [...boxes, ...clients]) assert.ok(inside(b), `box at ${b.cx},${b.cy} leaves the stage`);
      const all = [...boxes, ...clients];
      for (let i = 0; i < all.length; i++) for (let j = i + 1; j < all.length; j++) assert.ok(!overlap(all[i]!, all[j]!), `boxes ${i} and ${j} overlap`);
      for (const b of boxes) assert.equal(b.w, CARD.w);
    });
  }

  test('ringLayout refuses a nonsense count', () => {
    assert.throws(() => ringLayout(0), RangeError);
    assert.throws(() => ringLayout(2.5), RangeError);
  });

  test('clipToBox finds the border point towards a target', () => {
    const box: Box = { cx: 100, cy: 100, w: 40, h: 20 };
    assert.deepEqual(clipToBox(box, { x: 200, y: 100 }), { x: 120, y: 100 });
    assert.deepEqual(clipToBox(box, { x: 100, y: 0 }), { x: 100, y: 90 });
    const corner = clipToBox(box, { x: 200, y: 200 });
    assert.equal(corner.y, 110);
    assert.equal(corner.x, 110);
    assert.deepEqual(clipToBox(box, { x: 100, y: 100 }), { x: 100, y: 100 });
  });

  test('the two directions of a link run in separate lanes', () => {
    const a: Box = { cx: 0, cy: 0, w: 20, h: 20 };
    const b: Box = { cx: 200, cy: 0, w: 20, h: 20 };
    const there = lanePath(a, b, 10);
    const back = lanePath(b, a, 10);
    assert.equal(there.start.y, 10);
    assert.equal(back.start.y, -10);
    assert.ok(there.start.x < there.end.x);
    assert.ok(Math.abs(there.start.x - 14) < 1e-9);
    assert.ok(Math.abs(there.end.x - 186) < 1e-9);
  });

  test('progress is the share of the flight time elapsed, clamped', () => {
    assert.equal(progress(5, 4, 8), 0.25);
    assert.equal(progress(0, 4, 8), 0);
    assert.equal(progress(9, 4, 8), 1);
    assert.equal(progress(4, 4, 4), 1);
    assert.deepEqual(along({ x: 0, y: 0 }, { x: 10, y: 20 }, 0.5), { x: 5, y: 10 });
  });

  test('a partition cuts exactly the links across it', () => {
    assert.deepEqual(partitionLinks([3], [1, 2, 3]), [
      [1, 3],
      [2, 3],
    ]);
    assert.equal(partitionLinks([1, 2], [1, 2, 3, 4, 5]).length, 6);
    assert.equal(linkKey(3, 1), '1-3');
  });

  test('reachable groups: the big side keeps a quorum, the island does not', () => {
    const cut = new Set(['1-3', '2-3']);
    const groups = reachableGroups([1, 2, 3], () => true, (a, b) => cut.has(linkKey(a, b)));
    assert.deepEqual(groups, [
      { members: [1, 2], quorum: true },
      { members: [3], quorum: false },
    ]);
    const down = reachableGroups([1, 2, 3, 4, 5], (id) => id <= 2, () => false);
    assert.deepEqual(down, [{ members: [1, 2], quorum: false }]);
    // A chain of uncut links is enough to talk.
    const chain = reachableGroups([1, 2, 3], () => true, (a, b) => linkKey(a, b) === '1-3');
    assert.deepEqual(chain, [{ members: [1, 2, 3], quorum: true }]);
  });

  test('the speed slider is logarithmic and round-trips', () => {
    assert.ok(Math.abs(sliderToSpeed(0) - 0.0005) < 1e-12);
    assert.ok(Math.abs(sliderToSpeed(1000) - 0.5) < 1e-12);
    for (const s of [0.001, 0.005, 0.05]) assert.ok(Math.abs(sliderToSpeed(speedToSlider(s)) - s) / s < 0.01);
    assert.equal(describeSpeed(0.005), '1 s = 5.0 virtual ms');
    assert.equal(describeSpeed(0.2), '1 s = 200 virtual ms');
  });
});
