import type { EpochSegment, HistorySummary, Snapshot, ZabMessage } from '../zab/messages.js';
import { isZxid, type Zxid } from '../zab/zxid.js';
import { describeValue } from './fields.js';

/**
 * Checks that a decoded value is a well-formed Zab message before it may reach the core: a peer
 * that sends garbage gets its message dropped (and counted by the caller), never a throw inside Zab.
 * Returns the message or a sentence saying what is wrong.
 */
export function validateZabMessage(value: unknown): { ok: true; message: ZabMessage } | { ok: false; error: string } {
  try {
    return { ok: true, message: check(value) };
  } catch (e) {
    return { ok: false, error: (e as Error).message };
  }
}

class Malformed extends Error {}

function fail(what: string): never {
  throw new Malformed(what);
}

function obj(v: unknown, what: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(`${what} is not an object`);
  return v as Record<string, unknown>;
}

function count(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) fail(`${what} is not a non-negative integer`);
  return v;
}

function zx(v: unknown, what: string): Zxid {
  if (!isZxid(v)) fail(`${what} is not a zxid`);
  return { epoch: v.epoch, counter: v.counter };
}

function bool(v: unknown, what: string): boolean {
  if (typeof v !== 'boolean') fail(`${what} is not a boolean`);
  return v;
}

function history(v: unknown): HistorySummary {
  const h = obj(v, 'history');
  if (!Array.isArray(h.segments) || h.segments.length > 100_000) fail('history.segments is not a list');
  const segments: EpochSegment[] = h.segments.map((s, i) => {
    const o = obj(s, `segment ${i}`);
    const seg = { epoch: count(o.epoch, 'segment epoch'), first: count(o.first, 'segment first'), last: count(o.last, 'segment last') };
    if (seg.first > seg.last) fail(`segment ${i} runs backwards`);
    return seg;
  });
  return { base: zx(h.base, 'history.base'), segments };
}

function snapshot(v: unknown): Snapshot {
  const s = obj(v, 'snapshot');
  if (!('data' in s)) fail('snapshot has no data');
  return { zxid: zx(s.zxid, 'snapshot.zxid'), data: s.data };
}

function session(m: Record<string, unknown>): number {
  return count(m.session, 'session');
}

function epoch(m: Record<string, unknown>): number {
  return count(m.epoch, 'epoch');
}

// Every peer message passes here: no closures made per call (under tsx each costs a keepNames call).
function check(value: unknown): ZabMessage {
  const m = obj(value, 'message');
  switch (m.type) {
    case 'VOTE': {
      const state = m.state;
      if (state !== 'LOOKING' && state !== 'FOLLOWING' && state !== 'LEADING') fail('VOTE.state is not a server state');
      return { type: 'VOTE', round: count(m.round, 'round'), leader: count(m.leader, 'leader'), zxid: zx(m.zxid, 'zxid'), epoch: epoch(m), state };
    }
    case 'FOLLOWERINFO':
      return {
        type: 'FOLLOWERINFO',
        session: session(m),
        acceptedEpoch: count(m.acceptedEpoch, 'acceptedEpoch'),
        currentEpoch: count(m.currentEpoch, 'currentEpoch'),
        lastZxid: zx(m.lastZxid, 'lastZxid'),
      };
    case 'NEWEPOCH':
      return { type: 'NEWEPOCH', session: session(m), epoch: epoch(m) };
    case 'ACKEPOCH':
      return {
        type: 'ACKEPOCH',
        session: session(m),
        epoch: epoch(m),
        promised: bool(m.promised, 'promised'),
        currentEpoch: count(m.currentEpoch, 'currentEpoch'),
        lastZxid: zx(m.lastZxid, 'lastZxid'),
        history: history(m.history),
      };
    case 'DIFF':
      return { type: 'DIFF', session: session(m), epoch: epoch(m), from: zx(m.from, 'from') };
    case 'TRUNC':
      return { type: 'TRUNC', session: session(m), epoch: epoch(m), to: zx(m.to, 'to') };
    case 'SNAP':
      return { type: 'SNAP', session: session(m), epoch: epoch(m), snapshot: snapshot(m.snapshot) };
    case 'PROPOSAL':
      if (!('txn' in m)) fail('PROPOSAL has no txn');
      return { type: 'PROPOSAL', epoch: epoch(m), zxid: zx(m.zxid, 'zxid'), prev: zx(m.prev, 'prev'), txn: m.txn };
    case 'NEWLEADER':
      return { type: 'NEWLEADER', session: session(m), epoch: epoch(m), zxid: zx(m.zxid, 'zxid') };
    case 'ACKNEWLEADER':
      return { type: 'ACKNEWLEADER', session: session(m), epoch: epoch(m), zxid: zx(m.zxid, 'zxid') };
    case 'UPTODATE':
      return { type: 'UPTODATE', session: session(m), epoch: epoch(m), committed: zx(m.committed, 'committed') };
    case 'ACK':
      return { type: 'ACK', session: session(m), epoch: epoch(m), zxid: zx(m.zxid, 'zxid') };
    case 'COMMIT':
      return { type: 'COMMIT', epoch: epoch(m), zxid: zx(m.zxid, 'zxid') };
    case 'PING':
      return { type: 'PING', session: session(m), epoch: epoch(m), committed: zx(m.committed, 'committed') };
    default:
      return fail(`unknown message type ${describeValue(m.type)}`);
  }
}
