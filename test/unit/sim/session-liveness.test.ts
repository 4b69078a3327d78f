/**
 * Session liveness on hand-made member traces: a leader that expires a session only after its timeout
 * passed unheard, and a follower that touches every session it heard, pass; an expiry proposed too
 * soon after a ping or a TOUCH, and a follower that swallows its clients' pings, are reported.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { MemberToClient } from '../../../src/protocol/client.js';
import { Violation } from '../../../src/sim/checker.js';
import { SessionLivenessCheck } from '../../../src/sim/session-liveness.js';
import type { SequencedWrite } from '../../../src/zab/persistence.js';
import { zxid } from '../../../src/zab/zxid.js';

const SESSION = 0x51;
const TIMEOUT = 4000;
const timeoutOf = (id: number): number | undefined => (id === SESSION ? TIMEOUT : undefined);
const leading = { role: 'LEADING', serving: true, epoch: 3, leader: 1 } as const;
const following = { role: 'FOLLOWING', serving: true, epoch: 3, leader: 1 } as const;

const connected: MemberToClient = { type: 'connected', sessionId: SESSION, password: new Uint8Array(16), timeoutMs: TIMEOUT, readOnly: false, memberId: 1, zxid: zxid(3, 1) };
const nothing = { writes: [], peer: [], clients: [], close: [] };

/** The leader's expiry of SESSION, proposed by member `origin` at `counter` of epoch 3. */
function expiry(origin: number, counter = 9): SequencedWrite[] {
  const txn = { origin, sessionId: SESSION, xid: -1, body: { type: 'closeSession', sessionId: SESSION } };
  return [{ seq: 1, write: { kind: 'append', entries: [{ zxid: zxid(3, counter), txn }] } }];
}

/** A member with one client connection (7) of SESSION. */
function withClient(self: number, status: typeof leading | typeof following): SessionLivenessCheck {
  const c = new SessionLivenessCheck(self);
  c.drained({ ...nothing, clients: [{ connection: 7, message: connected }] }, 0, status, false, timeoutOf);
  return c;
}

const touch = (sessions: number[]) => ({ to: 1, message: { layer: 'server', message: { type: 'TOUCH', sessions } } });

function violates(fn: () => void): void {
  assert.throws(fn, (e: unknown) => e instanceof Violation && e.invariant === 'sessions live while heard');
}

describe('session liveness: valid traces pass', () => {
  test('a leader expires a session its timeout after it last heard of it', () => {
    const c = withClient(1, leading);
    c.fromClient(7, 1000, leading);
    c.drained({ ...nothing, writes: expiry(1) }, 1000 + TIMEOUT, leading, true, timeoutOf);
  });

  test('a follower that touches, at its tick, every session it heard', () => {
    const c = withClient(2, following);
    c.fromClient(7, 1000, following);
    c.drained({ ...nothing, peer: [touch([SESSION])] }, 1010, following, true, timeoutOf);
  });

  test("another member's expiry is not this leader's to judge", () => {
    const c = withClient(1, leading);
    c.fromClient(7, 1000, leading);
    c.drained({ ...nothing, writes: expiry(2) }, 1001, leading, false, timeoutOf);
  });
});

describe('session liveness: violations are reported', () => {
  test('a leader expires a session sooner than its timeout after a ping from its own client', () => {
    const c = withClient(1, leading);
    c.fromClient(7, 1000, leading);
    violates(() => c.drained({ ...nothing, writes: expiry(1) }, 1000 + TIMEOUT - 1, leading, true, timeoutOf));
  });

  test('a leader expires a session a follower touched a moment ago', () => {
    const c = new SessionLivenessCheck(1);
    c.touched([SESSION], 2000, leading);
    violates(() => c.drained({ ...nothing, writes: expiry(1) }, 2500, leading, true, timeoutOf));
  });

  test('a serving follower whose tick does not touch a session it heard', () => {
    const c = withClient(2, following);
    c.fromClient(7, 1000, following);
    violates(() => c.drained(nothing, 1010, following, true, timeoutOf));
  });

  test('a follower that touches the wrong sessions', () => {
    const c = withClient(2, following);
    c.fromClient(7, 1000, following);
    violates(() => c.drained({ ...nothing, peer: [touch([0x99])] }, 1010, following, true, timeoutOf));
  });
});
