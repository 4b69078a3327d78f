import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Classroom } from '../../../demo/src/engine/classroom.js';
import { decodeTrace, encodeTrace, hash32 } from '../../../demo/src/engine/trace.js';
import { TOUR, runStepHeadless, type TourFacts, type TourHost } from '../../../demo/src/engine/tour.js';

/** A session of a student: a write, a dropped message, a partition, a crash, a restart. */
async function session(room: Classroom): Promise<void> {
  await room.runUntil(() => room.leader() !== null && room.net.slots.every((s) => s.state === 'CONNECTED'), 2000);
  await room.perform({ kind: 'create', client: 'A', path: '/a', data: 'one', mode: 'PERSISTENT' });
  await room.perform({ kind: 'read', client: 'B', path: '/a', watch: true });
  await room.advanceBy(3.7);
  const proposal = [...room.flights.values()].find((f) => f.peer && f.label.type === 'PROPOSAL');
  if (proposal) await room.perform({ kind: 'drop', message: proposal.id });
  await room.advanceBy(40);
  await room.perform({ kind: 'setData', client: 'A', path: '/a', data: 'two' });
  await room.perform({ kind: 'create', client: 'B', path: '/eph', data: '', mode: 'EPHEMERAL' });
  await room.advanceBy(60);
  const leader = room.leader()!;
  await room.perform({ kind: 'kill', member: leader });
  await room.perform({ kind: 'crashClient', client: 'B' });
  await room.advanceBy(150);
  await room.perform({ kind: 'partition', side: [room.ids.find((id) => id !== leader)!] });
  await room.perform({ kind: 'network', slow: true });
  await room.advanceBy(120);
  await room.perform({ kind: 'restart', member: leader });
  await room.perform({ kind: 'heal' });
  await room.perform({ kind: 'network', slow: false });
  await room.advanceBy(300);
}

describe('demo classroom: determinism and replay', () => {
  test('the same seed and actions give the same world, and an exported trace replays exactly', async () => {
    const live = new Classroom({ seed: 11, members: 3 });
    await session(live);
    assert.equal(live.violation, null);
    const again = new Classroom({ seed: 11, members: 3 });
    await session(again);
    assert.equal(again.fingerprint(), live.fingerprint());

    const trace = decodeTrace(encodeTrace(live.trace()));
    assert.ok(trace.actions.length >= 10, 'the session is recorded');
    assert.equal(trace.fingerprint, hash32(live.fingerprint()));
    const replay = new Classroom({ seed: trace.seed, members: trace.members });
    replay.loadScript(trace.actions);
    await replay.advanceTo(trace.endMs);
    assert.equal(replay.scriptLeft, 0);
    assert.deepEqual(replay.recorded, live.recorded);
    assert.equal(replay.fingerprint(), live.fingerprint());
    assert.equal(hash32(replay.fingerprint()), trace.fingerprint);
  });

  test('a replay run in many small steps (frames) ends where one big step does', async () => {
    const live = new Classroom({ seed: 3, members: 5 });
    await session(live);
    const trace = live.trace();
    const framed = new Classroom({ seed: 3, members: 5 });
    framed.loadScript(trace.actions);
    while (framed.now < trace.endMs) await framed.advanceTo(Math.min(trace.endMs, framed.now + 0.37));
    assert.equal(framed.fingerprint(), live.fingerprint());
  });

  test('what the student did shows up: commits, a dropped message, an expired session', async () => {
    const room = new Classroom({ seed: 11, members: 3 });
    await session(room);
    const text = room.timeline.map((e) => e.text).join('\n');
    assert.match(text, /committed \(1, \d+\): create \/a/);
    assert.match(text, /WATCH fired — NodeCreated \/a at \(1, \d+\)/);
    assert.match(text, /expired at \(\d+, \d+\): its ephemeral \/eph vanish/);
    assert.match(text, /crashed/);
    assert.ok(room.consistent());
  });
});

describe('demo guided tour', () => {
  test('a trace of the tour (actions its director took between two events of one instant included) replays exactly', async () => {
    let room = new Classroom({ seed: 1, members: 3 });
    const host: TourHost = {
      get room() {
        return room;
      },
      reset(seed) {
        room = new Classroom({ seed, members: 3 });
        return room;
      },
    };
    const facts: TourFacts = {};
    for (let i = 0; i < TOUR.length; i++) assert.ok(await runStepHeadless(host, i, facts));
    const trace = decodeTrace(encodeTrace(room.trace()));
    assert.ok(trace.actions.some((a) => a.action.kind === 'drop'));
    const replay = new Classroom({ seed: trace.seed, members: trace.members });
    replay.loadScript(trace.actions);
    await replay.advanceTo(trace.endMs);
    assert.deepEqual(replay.recorded, room.recorded);
    assert.equal(replay.fingerprint(), room.fingerprint());
  });

  for (const members of [3, 5]) {
    test(`runs to the end with ${members} members, TRUNC included`, async () => {
      let room = new Classroom({ seed: 1, members });
      const host: TourHost = {
        get room() {
          return room;
        },
        reset(seed) {
          room = new Classroom({ seed, members });
          return room;
        },
      };
      const facts: TourFacts = {};
      for (let i = 0; i < TOUR.length; i++) {
        assert.ok(await runStepHeadless(host, i, facts), `step ${i + 1} (${TOUR[i]!.title}) reached its goal`);
        assert.ok(TOUR[i]!.text(room, facts).length > 100);
      }
      assert.equal(room.violation, null);
      assert.equal(facts.rejoinSync?.mode, 'TRUNC', 'the old leader is told to truncate its uncommitted /doomed');
      assert.equal(facts.islandOp?.minority, true, 'the write on the island is refused for want of a quorum');
      assert.equal(facts.mainlandOp?.status, 'ok');
      assert.equal(facts.doomedOp?.status, 'error');
      for (const id of room.ids) {
        const tree = room.server(id)!.server.dataTree;
        assert.ok(tree.exists('/hello') && tree.exists('/after') && tree.exists('/mainland'));
        assert.equal(tree.exists('/doomed'), null);
        assert.equal(tree.exists('/island'), null);
      }
    });
  }
});
