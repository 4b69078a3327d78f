import assert from 'node:assert/strict';
import { test } from 'node:test';
import { snapshotThreshold } from '../../../src/server/snapshot-schedule.js';
import { formatZxid } from '../../../src/zab/zxid.js';
import { Ensemble, op } from './harness.js';

test('snapshot intervals stay within half and one and a half times the setting, and vary', () => {
  for (const every of [2, 3, 10, 10_000]) {
    const seen = new Set<number>();
    let sum = 0;
    for (let id = 1; id <= 5; id++) {
      for (let round = 0; round < 200; round++) {
        const t = snapshotThreshold(every, id, round);
        assert.ok(Number.isInteger(t) && t >= Math.ceil(every / 2) && t <= every + Math.floor(every / 2), `${every}/${id}/${round}: ${t}`);
        assert.equal(snapshotThreshold(every, id, round), t, 'the same member and round give the same interval');
        seen.add(t);
        sum += t;
      }
    }
    if (every >= 10) {
      assert.ok(seen.size > Math.min(every / 2, 500), `every ${every}: only ${seen.size} distinct intervals`);
      assert.ok(Math.abs(sum / 1000 - every) < every * 0.1, `every ${every}: mean ${sum / 1000}`);
    }
  }
  assert.equal(snapshotThreshold(1, 3, 7), 1);
  const firsts = [1, 2, 3].map((id) => snapshotThreshold(10_000, id, 0));
  assert.equal(new Set(firsts).size, 3, `members start on different intervals: ${firsts}`);
});

test('members that apply the same txns snapshot at different zxids', () => {
  const e = Ensemble.started({ snapshotEveryTxns: 20 });
  const c = e.session(e.followers()[0]!);
  c.ok(op.create('/k', 'v'));
  const snapshots = new Map<number, string[]>(e.ids.map((id) => [id, []]));
  for (let i = 0; i < 200; i++) {
    c.ok(op.setData('/k', `v${i}`, -1));
    for (const id of e.ids) {
      const z = e.durable.get(id)!.snapshot?.zxid;
      const list = snapshots.get(id)!;
      if (z && list[list.length - 1] !== formatZxid(z)) list.push(formatZxid(z));
    }
  }
  const [a, b, d] = e.ids.map((id) => snapshots.get(id)!);
  for (const list of [a!, b!, d!]) assert.ok(list.length >= 6, `too few snapshots: ${list}`);
  // With one fixed count they would be the same list on every member.
  const shared = a!.filter((z) => b!.includes(z) && d!.includes(z));
  assert.ok(shared.length <= 1, `snapshots at the same zxid on all members: ${shared}`);
});
