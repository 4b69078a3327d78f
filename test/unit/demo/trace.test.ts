import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { actionProblem, decodeTrace, describeAction, encodeTrace, hash32, TraceError, type Trace } from '../../../demo/src/engine/trace.js';

const trace: Trace = {
  format: 'peerkeeper-demo-trace',
  version: 1,
  seed: 42,
  members: 3,
  endMs: 900.5,
  actions: [
    { at: 120.25, action: { kind: 'create', client: 'A', path: '/a', data: 'x', mode: 'EPHEMERAL' } },
    { at: 300, events: 950, action: { kind: 'kill', member: 3 } },
    { at: 300, events: 950, action: { kind: 'partition', side: [1] } },
    { at: 512.125, action: { kind: 'drop', message: 77 } },
    { at: 600, action: { kind: 'heal' } },
  ],
  fingerprint: 'deadbeef',
  events: [{ at: 1, text: 'hello', member: 2 }],
};

describe('demo trace', () => {
  test('encode then decode gives the same trace back', () => {
    assert.deepEqual(decodeTrace(encodeTrace(trace)), trace);
  });

  test('times survive JSON exactly (replay applies actions at the same instants)', () => {
    const odd = { ...trace, endMs: 1000, actions: [{ at: 0.1 + 0.2, action: { kind: 'heal' } as const }] };
    assert.equal(decodeTrace(encodeTrace(odd)).actions[0]!.at, 0.1 + 0.2);
  });

  const bad: [string, (t: Record<string, unknown>) => unknown, RegExp][] = [
    ['not JSON', () => undefined, /not JSON/],
    ['another format', (t) => ({ ...t, format: 'x' }), /format/],
    ['a newer version', (t) => ({ ...t, version: 2 }), /version/],
    ['4 members', (t) => ({ ...t, members: 4 }), /members/],
    ['a negative seed', (t) => ({ ...t, seed: -1 }), /seed/],
    ['actions out of order', (t) => ({ ...t, actions: [{ at: 5, action: { kind: 'heal' } }, { at: 4, action: { kind: 'heal' } }] }), /before the previous/],
    ['an action after the end', (t) => ({ ...t, actions: [{ at: 5000, action: { kind: 'heal' } }] }), /after endMs/],
    ['an unknown action', (t) => ({ ...t, actions: [{ at: 5, action: { kind: 'explode' } }] }), /unknown action kind/],
    ['a member out of range', (t) => ({ ...t, actions: [{ at: 5, action: { kind: 'kill', member: 4 } }] }), /member must be/],
    ['a bad fingerprint', (t) => ({ ...t, fingerprint: 'xyz' }), /fingerprint/],
    ['an event count going down', (t) => ({ ...t, actions: [{ at: 5, events: 9, action: { kind: 'heal' } }, { at: 6, events: 8, action: { kind: 'heal' } }] }), /never goes down/],
  ];
  for (const [what, change, message] of bad) {
    test(`refuses ${what}`, () => {
      const text = what === 'not JSON' ? '{nope' : JSON.stringify(change(trace as unknown as Record<string, unknown>));
      assert.throws(() => decodeTrace(text), (e: unknown) => e instanceof TraceError && message.test(e.message));
    });
  }

  test('checks every kind of action', () => {
    assert.equal(actionProblem({ kind: 'link', a: 1, b: 1, cut: true }, 3), 'a link joins two different members');
    assert.equal(actionProblem({ kind: 'partition', side: [1, 2, 3] }, 3), 'side must list some, not all, members');
    assert.equal(actionProblem({ kind: 'partition', side: [1, 1] }, 5), 'side must list distinct members');
    assert.equal(actionProblem({ kind: 'create', client: 'C', path: '/a', data: '', mode: 'PERSISTENT' }, 3), 'client must be "A" or "B"');
    assert.equal(actionProblem({ kind: 'setData', client: 'A', path: 'a', data: '' }, 3), 'path must start with /');
    assert.equal(actionProblem({ kind: 'pause', member: 2, ms: 0 }, 3), 'ms must be positive');
    assert.equal(actionProblem({ kind: 'read', client: 'B', path: '/a', watch: true }, 3), null);
    assert.equal(actionProblem({ kind: 'home', client: 'B', member: 5 }, 5), null);
    assert.equal(actionProblem({ kind: 'network', slow: true }, 3), null);
  });

  test('every action reads as a sentence', () => {
    for (const { action } of trace.actions) assert.ok(describeAction(action).length > 4);
    assert.equal(describeAction({ kind: 'kill', member: 2 }), 'kill m2');
  });

  test('hash32 is FNV-1a', () => {
    assert.equal(hash32(''), '811c9dc5');
    assert.equal(hash32('a'), 'e40c292c');
    assert.notEqual(hash32('ab'), hash32('ba'));
  });
});
