/**
 * The guided tour: a few steps, each setting a situation up on a fresh or running classroom, then
 * letting it play (in slow motion where it matters) until the step's goal holds. The text of a step
 * reads live facts off the world (who leads, which zxid, which sync a member got), so it tells what
 * really happened in this run. The tests run it headless; the page plays it.
 */
import type { MemberId } from '../../../src/zab/messages.js';
import { compareZxid, type Zxid } from '../../../src/zab/zxid.js';
import type { Classroom } from './classroom.js';
import type { ClientOp } from './clients.js';
import { z } from './describe.js';
import type { Action } from './trace.js';

export const TOUR_SEED = 7;

/** What the tour needs from whoever hosts the classroom (the page, or a test). */
export interface TourHost {
  readonly room: Classroom;
  /** A fresh world with this seed (members: whatever the host has selected). */
  reset(seed: number): Classroom;
}

/** Facts a step learns while it runs, for the text of this and later steps. */
export interface TourFacts {
  firstLeader?: MemberId;
  firstEpoch?: number;
  writeOp?: ClientOp;
  writeZxid?: Zxid;
  oldLeader?: MemberId;
  doomedZxid?: Zxid;
  doomedOp?: ClientOp;
  newLeader?: MemberId;
  afterOp?: ClientOp;
  rejoinSync?: { mode: 'DIFF' | 'TRUNC' | 'SNAP'; point: Zxid; entries: number };
  island?: MemberId;
  islandOp?: ClientOp;
  mainlandOp?: ClientOp;
}

export interface TourStep {
  readonly title: string;
  /** HTML (trusted, built here) that a student reads; may quote facts of this run. */
  text(room: Classroom, facts: TourFacts): string;
  /** Sets the situation up; may install a director on the room. */
  setup(host: TourHost, facts: TourFacts): Promise<void>;
  /** The step's goal. */
  done(room: Classroom, facts: TourFacts): boolean;
  /** One line under the text while the goal is not reached yet. */
  waiting: string;
  /** Virtual ms per real ms to play the step at. */
  readonly speed: number;
  /** Virtual ms within which the goal must hold (the tests hold the tour to it). */
  readonly budgetMs: number;
}

const everyoneServing = (room: Classroom): boolean => room.cards().every((c) => !c.alive || c.serving) && room.leader() !== null;

function liveHave(room: Classroom, path: string): boolean {
  return room.ids.every((id) => {
    const s = room.server(id);
    return !s || s.server.dataTree.exists(path) !== null;
  });
}

function clientConnected(room: Classroom, name: 'A' | 'B'): boolean {
  return room.net.slot(name).state === 'CONNECTED';
}

/** Runs the world (quickly, as setup) until the client is attached read-write. */
async function ensureConnected(room: Classroom, name: 'A' | 'B'): Promise<void> {
  if (clientConnected(room, name)) return;
  const slot = room.net.slot(name);
  if (slot.state === 'DEAD' || slot.state === 'EXPIRED' || slot.state === 'CLOSED') await room.perform({ kind: 'newClient', client: name });
  await room.runUntil(() => clientConnected(room, name), 1500);
}

const m = (id: MemberId | undefined): string => (id === undefined ? 'a member' : `<b>m${id}</b>`);

export const TOUR: readonly TourStep[] = [
  {
    title: '1 · Election: who leads?',
    speed: 0.004,
    budgetMs: 1500,
    waiting: 'Watch the VOTEs, then discovery and synchronization…',
    async setup(host, facts) {
      const room = host.reset(TOUR_SEED);
      for (const k of Object.keys(facts)) delete (facts as Record<string, unknown>)[k];
      room.director = () => {
        const leader = room.leader();
        if (leader !== null && facts.firstLeader === undefined) {
          facts.firstLeader = leader;
          facts.firstEpoch = room.card(leader).epoch ?? undefined;
        }
        return [];
      };
    },
    done: (room) => everyoneServing(room),
    text: (room, facts) => `
      <p>Every member starts <b>LOOKING</b>. Each sends a <span class="tag election">VOTE</span> for the best candidate it knows,
      comparing <i>(currentEpoch, last zxid, member id)</i>: the member with the most history wins, ties go to the highest id.
      A member adopts a better vote as soon as it hears one, and decides once a quorum (${Math.floor(room.ids.length / 2) + 1} of ${room.ids.length}) agrees.</p>
      <p>Then the winner must <b>establish</b> an epoch before it may lead: <span class="tag discovery">FOLLOWERINFO</span> →
      <span class="tag discovery">NEWEPOCH</span> → <span class="tag discovery">ACKEPOCH</span> (discovery: a quorum promises the new epoch and
      says how far its log goes), then <span class="tag sync">DIFF</span>/<span class="tag sync">TRUNC</span>/<span class="tag sync">SNAP</span>,
      <span class="tag sync">NEWLEADER</span>, <span class="tag sync">ACK(NEWLEADER)</span>, <span class="tag sync">UPTODATE</span> (synchronization).
      Only then comes <b>broadcast</b>.</p>
      ${facts.firstLeader !== undefined ? `<p class="fact">Here ${m(facts.firstLeader)} won and leads epoch <b>${facts.firstEpoch ?? '?'}</b>. Watch <i>acceptedEpoch</i> (promised) and <i>currentEpoch</i> (adopted) on each card.</p>` : ''}`,
  },
  {
    title: '2 · A write, from request to COMMIT',
    speed: 0.0012,
    budgetMs: 1500,
    waiting: 'Follow the write: FORWARD → PROPOSAL → ACK → COMMIT…',
    async setup(host, facts) {
      const room = host.room;
      room.director = null;
      await room.runUntil(() => everyoneServing(room), 1500);
      await ensureConnected(room, 'A');
      facts.writeOp = (await room.perform({ kind: 'create', client: 'A', path: '/hello', data: 'world', mode: 'PERSISTENT' }))!;
    },
    done: (room, facts) => facts.writeOp?.status === 'ok' && liveHave(room, '/hello'),
    text: (room, facts) => {
      const a = room.net.slot('A');
      const leader = room.leader();
      const made = facts.writeOp?.status === 'ok' ? `<p class="fact">Done: ${facts.writeOp.result}. Client A heard back only after its own member applied the txn.</p>` : '';
      return `
      <p>Client A is attached to ${m(a.home)}, a follower, and asks it to <code>create /hello</code>. A follower never decides a write:
      it sends it on to the leader ${m(leader ?? undefined)} in a <span class="tag server">FORWARD</span>.</p>
      <p>The leader turns the request into a transaction with the next zxid and sends a <span class="tag broadcast">PROPOSAL</span> to every follower.
      Each follower writes it to its log, waits until it is <b>durable</b> (hatched = still in memory), and only then answers <span class="tag broadcast">ACK</span>.
      The counter on the PROPOSAL bubble counts votes (the leader's own, once durable, plus ACKs): at a quorum the leader sends <span class="tag broadcast">COMMIT</span>, and every member applies the txn in zxid order.</p>
      <p>Time runs slowly now. The log panel shows the line move: <i>logged → durable → committed</i>.</p>${made}`;
    },
  },
  {
    title: '3 · The leader crashes mid-write',
    speed: 0.002,
    budgetMs: 600,
    waiting: 'The leader logs /doomed, its PROPOSALs get lost, then it crashes…',
    async setup(host, facts) {
      const room = host.room;
      room.director = null;
      await room.runUntil(() => everyoneServing(room), 1500);
      await ensureConnected(room, 'A');
      const leader = room.leader()!;
      facts.oldLeader = leader;
      facts.doomedOp = (await room.perform({ kind: 'create', client: 'A', path: '/doomed', data: 'never committed', mode: 'PERSISTENT' }))!;
      const dropped = new Set<string>();
      room.director = (): Action[] => {
        const actions: Action[] = [];
        for (const f of room.flights.values()) {
          if (f.peer && f.txn === 'create /doomed' && !dropped.has(f.key)) {
            if (f.proposal) facts.doomedZxid = f.proposal;
            // Half-way there, it vanishes: as if you had clicked it.
            // (Or right before it would land, should no event come by in the second half of its way.)
            if ((room.now - f.sentAt) / (f.arriveAt - f.sentAt) >= 0.45 || (room.sim.nextEventAt() ?? Infinity) >= f.arriveAt) {
              dropped.add(f.key);
              actions.push({ kind: 'drop', message: f.id });
            }
          }
        }
        const inFlight = [...room.flights.values()].some((f) => f.txn === 'create /doomed');
        const card = room.card(leader, 0);
        if (facts.doomedZxid && dropped.size > 0 && !inFlight && card.alive && compareZxid(card.durableZxid, facts.doomedZxid) >= 0) {
          room.director = null;
          actions.push({ kind: 'kill', member: leader });
        }
        return actions;
      };
    },
    done: (room, facts) => facts.oldLeader !== undefined && !room.card(facts.oldLeader, 0).alive,
    text: (_room, facts) => `
      <p>Client A writes <code>/doomed</code>. The leader ${m(facts.oldLeader)} logs it as ${facts.doomedZxid ? `<b>${z(facts.doomedZxid)}</b>` : 'the next zxid'} and sends the PROPOSALs —
      which vanish on the way (the tour drops them for you; you can drop any message by clicking it). The leader's own copy becomes durable, and then the leader <b>crashes</b>.</p>
      <p>Nobody else ever saw that entry, so no quorum accepted it: it is <b>not committed</b>, and Zab must make sure it never will be.
      Client A's request is left hanging: it will get <code>CONNECTIONLOSS</code>, which means <i>"maybe"</i> — ZooKeeper cannot tell it whether the write happened.</p>`,
  },
  {
    title: '4 · Re-election',
    speed: 0.006,
    budgetMs: 2000,
    waiting: 'The survivors vote, a new epoch begins, then client A writes /after…',
    async setup(host, facts) {
      const room = host.room;
      room.director = () => {
        facts.afterOp ??= room.net.slot('A').ops.find((o) => o.text === 'create /after');
        const leader = room.leader();
        if (leader !== null && leader !== facts.oldLeader && everyoneServing(room)) facts.newLeader = leader;
        if (facts.newLeader !== undefined && !facts.afterOp && clientConnected(room, 'A')) {
          room.director = null;
          return [{ kind: 'create', client: 'A', path: '/after', data: 'epoch two', mode: 'PERSISTENT' }];
        }
        return [];
      };
    },
    done: (room, facts) => {
      facts.afterOp ??= room.net.slot('A').ops.find((o) => o.text === 'create /after');
      return facts.newLeader !== undefined && facts.afterOp?.status === 'ok' && liveHave(room, '/after');
    },
    text: (room, facts) => {
      const leader = facts.newLeader ?? room.leader();
      const epoch = leader ? room.card(leader, 0).epoch : null;
      return `
      <p>The followers lost their leader's connection (with a real network they would notice the missing <span class="tag heartbeat">PING</span>s after <i>syncLimit</i> ticks).
      They go back to LOOKING and vote again. Neither has <code>/doomed</code>: their best history ends at the last committed zxid.</p>
      <p>The winner starts a <b>new epoch</b>: every zxid it proposes is (new epoch, 1), (new epoch, 2)… — bigger than anything the old leader could still hold.
      Sessions survive: client A reconnects and keeps its session.</p>
      ${leader && leader !== facts.oldLeader ? `<p class="fact">${m(leader)} leads epoch <b>${epoch ?? '?'}</b>. ${facts.doomedOp?.status === 'error' ? `Client A's /doomed: <code>${facts.doomedOp.result.split(':')[0]}</code>.` : ''} ${facts.afterOp?.status === 'ok' ? `/after: ${facts.afterOp.result}.` : ''}</p>` : ''}`;
    },
  },
  {
    title: '5 · The old leader syncs back',
    speed: 0.003,
    budgetMs: 1500,
    waiting: 'The old leader restarts, follows the new leader and is brought in line…',
    async setup(host, facts) {
      const room = host.room;
      room.director = null;
      await room.runUntil(() => facts.afterOp?.status === 'ok' || room.net.slot('A').ops.some((o) => o.text === 'create /after' && o.status !== 'pending'), 1500);
      const old = facts.oldLeader;
      if (old === undefined) return;
      await room.perform({ kind: 'restart', member: old });
      const restartedAt = room.now;
      room.director = () => {
        const sync = room.syncs.get(old);
        if (sync && sync.at >= restartedAt) {
          facts.rejoinSync = { mode: sync.mode, point: sync.point, entries: sync.entries };
          room.director = null;
        }
        return [];
      };
    },
    done: (room, facts) =>
      facts.oldLeader !== undefined && room.card(facts.oldLeader, 0).serving && room.consistent() && everyoneServing(room) && sameApplied(room),
    text: (room, facts) => {
      const sync = facts.rejoinSync;
      const told = sync
        ? sync.mode === 'TRUNC'
          ? `<p class="fact">${m(facts.oldLeader)} was told <span class="tag sync">TRUNC</span> to <b>${z(sync.point)}</b>: its ${facts.doomedZxid ? `<b>${z(facts.doomedZxid)}</b> ` : ''}/doomed is cut out of its log, then it receives the ${sync.entries} entr${sync.entries === 1 ? 'y' : 'ies'} of the new epoch.</p>`
          : `<p class="fact">${m(facts.oldLeader)} got a <span class="tag sync">${sync.mode}</span> from ${z(sync.point)}.</p>`
        : '';
      return `
      <p>${m(facts.oldLeader)} restarts from its disk: its log still ends with the uncommitted ${facts.doomedZxid ? `<b>${z(facts.doomedZxid)}</b>` : 'entry'}.
      It votes, learns who leads, and follows. In discovery it tells the leader how far its log goes (<span class="tag discovery">ACKEPOCH</span>).</p>
      <p>The leader compares histories: an entry the new epoch never had must go — <span class="tag sync">TRUNC</span> back to the last shared zxid; missing entries come as a
      <span class="tag sync">DIFF</span>; a member too far behind gets a whole <span class="tag sync">SNAP</span>shot. When every member has the same committed prefix, the tree digests agree (consistency panel).</p>${told}`;
    },
  },
  {
    title: '6 · A partition: the minority refuses writes',
    speed: 0.006,
    budgetMs: 2500,
    waiting: 'The island loses its quorum; client B tries to write there…',
    async setup(host, facts) {
      const room = host.room;
      room.director = null;
      await room.runUntil(() => everyoneServing(room), 1500);
      const leader = room.leader()!;
      const b = room.net.slot('B');
      const aHome = room.net.slot('A').home;
      const island = b.home !== leader && b.home !== aHome ? b.home : room.ids.find((id) => id !== leader && id !== aHome)!;
      facts.island = island;
      if (b.home !== island) await room.perform({ kind: 'home', client: 'B', member: island });
      await ensureConnected(room, 'A');
      await room.perform({ kind: 'partition', side: [island] });
      room.director = () => {
        const b = room.net.slot('B');
        facts.islandOp ??= b.ops.find((o) => o.text === 'create /island');
        facts.mainlandOp ??= room.net.slot('A').ops.find((o) => o.text === 'create /mainland');
        if (!facts.islandOp) {
          const cutOff = !room.card(island, 0).serving && b.state === 'CONNECTED_READ_ONLY';
          return cutOff ? [{ kind: 'create', client: 'B', path: '/island', data: 'written on the minority side', mode: 'PERSISTENT' }] : [];
        }
        if (facts.islandOp.status !== 'pending' && !facts.mainlandOp) {
          room.director = null;
          return [{ kind: 'create', client: 'A', path: '/mainland', data: 'written on the majority side', mode: 'PERSISTENT' }];
        }
        return [];
      };
    },
    done: (room, facts) => {
      facts.islandOp ??= room.net.slot('B').ops.find((o) => o.text === 'create /island');
      facts.mainlandOp ??= room.net.slot('A').ops.find((o) => o.text === 'create /mainland');
      return facts.islandOp?.status === 'error' && facts.mainlandOp?.status === 'ok';
    },
    text: (room, facts) => `
      <p>We cut every link of ${m(facts.island)} (red scissors). On its own it is a <b>minority</b>: the leader's PINGs no longer reach it, so after <i>syncLimit</i> ticks it gives up on its leader and goes LOOKING — and alone it can never win an election.
      Client B, attached to it, gets a <b>read-only</b> session: reads still work (maybe stale), but a write is refused at once.</p>
      ${facts.islandOp?.status === 'error' ? `<p class="fact bad">Client B: <code>create /island</code> → <b>${facts.islandOp.result.split(':')[0]}</b>. Meanwhile client A on the majority side: <code>create /mainland</code> → ${facts.mainlandOp?.status === 'ok' ? '<b>ok</b>' : '…'}.</p>` : ''}
      <p class="crdt"><b>Contrast:</b> a CRDT (a replicated counter, an OR-set) would have <i>accepted</i> the write on the island and merged it after the partition healed — always available, but with no single order of writes, so no lock, leader election or compare-and-set could be built on it. ZooKeeper picks consistency: the side without a quorum says no.</p>`,
  },
  {
    title: '7 · Heal, and now you',
    speed: 0.01,
    budgetMs: 2000,
    waiting: 'The island rejoins and catches up…',
    async setup(host) {
      const room = host.room;
      room.director = null;
      await room.perform({ kind: 'heal' });
    },
    done: (room) => everyoneServing(room) && room.consistent() && sameApplied(room),
    text: (room) => `
      <p>The links are mended: the island hears the leader again, follows it, gets the entries it missed (a DIFF) and serves again. Client B reconnects read-write —
      unless its session expired while it was cut off (a read-only member cannot keep a session alive on the leader): then it has to start a new one.
      All ${room.ids.length} members show the same last zxid and the same digest in the consistency panel.</p>
      <p><b>Your turn.</b> Kill the leader during a write (<kbd>K</kbd>), cut links by clicking them, drop a message by clicking it, pause a member (<kbd>P</kbd>),
      slow the network, let client B die (its ephemerals vanish when its session expires), set a watch and change the node. <kbd>?</kbd> lists every shortcut.
      Export the trace to replay exactly what you did.</p>`,
  },
];

function sameApplied(room: Classroom): boolean {
  const live = room.cards(0).filter((c) => c.alive);
  return live.every((c) => compareZxid(c.appliedZxid, live[0]!.appliedZxid) === 0);
}

/** Runs one step without animation: setup, then the world until the goal holds. True if it did in budget. */
export async function runStepHeadless(host: TourHost, index: number, facts: TourFacts): Promise<boolean> {
  const step = TOUR[index];
  if (!step) throw new RangeError(`no tour step ${index}`);
  await step.setup(host, facts);
  const room = host.room;
  const ok = await room.runUntil(() => step.done(room, facts), step.budgetMs);
  return ok;
}
