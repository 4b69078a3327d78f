/**
 * Property: whatever the interleaving of sends (small and larger than the link's limit, to two
 * peers), drains and pumps, each peer receives exactly what was sent to it, in order, and never
 * more than the window plus one message is in flight on its link.
 */
import { test } from 'node:test';
import fc from 'fast-check';
import { FragmentAssembler, isFragment } from '../../../src/codec/fragments.js';
import { approxBytes, PeerOutbox } from '../../../src/server/peer-outbox.js';
import { fuzzParameters } from './fuzz-options.js';

const MAX = 4096;
const WINDOW = 8192;

type Op = { kind: 'send'; peer: number; bytes: number } | { kind: 'drain'; peer: number } | { kind: 'pump'; peer: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('send' as const), peer: fc.constantFrom(2, 3), bytes: fc.oneof(fc.integer({ min: 0, max: 200 }), fc.integer({ min: MAX, max: 6 * MAX })) }),
  fc.record({ kind: fc.constant('drain' as const), peer: fc.constantFrom(2, 3) }),
  fc.record({ kind: fc.constant('pump' as const), peer: fc.constantFrom(2, 3) }),
);

test('PeerOutbox keeps each peer FIFO and within its window (property)', () => {
  fc.assert(
    fc.property(fc.array(op, { maxLength: 80 }), (ops) => {
      const backlog = new Map<number, number>([[2, 0], [3, 0]]);
      const wire = new Map<number, unknown[]>([[2, []], [3, []]]);
      const sent = new Map<number, number[]>([[2, []], [3, []]]);
      let maxInFlight = 0;
      const outbox = new PeerOutbox(
        {
          maxMessageBytes: MAX,
          send: (to, m) => {
            const b = approxBytes(m);
            if (b > MAX) throw new RangeError('too large');
            wire.get(to)!.push(m);
            backlog.set(to, backlog.get(to)! + b);
            maxInFlight = Math.max(maxInFlight, backlog.get(to)!);
          },
          backlog: (to) => backlog.get(to)!,
        },
        { windowBytes: WINDOW, maxLagBytes: Infinity, onOverflow: () => { throw new Error('no overflow expected'); } },
      );
      let n = 0;
      for (const o of ops) {
        if (o.kind === 'send') {
          n++;
          sent.get(o.peer)!.push(n);
          outbox.send(o.peer, { layer: 'server', message: { type: 'TOUCH', sessions: [n], pad: new Uint8Array(o.bytes) } } as never);
        } else if (o.kind === 'drain') backlog.set(o.peer, 0);
        else outbox.pump(o.peer);
      }
      for (const peer of [2, 3]) {
        for (let i = 0; i < 1000 && outbox.waiting(peer) > 0; i++) {
          backlog.set(peer, 0);
          outbox.pump(peer);
        }
        const a = new FragmentAssembler();
        const got: number[] = [];
        for (const m of wire.get(peer)!) {
          const whole = isFragment(m) ? a.push(m) : m;
          if (whole !== undefined) got.push((whole as { message: { sessions: number[] } }).message.sessions[0]!);
        }
        if (JSON.stringify(got) !== JSON.stringify(sent.get(peer))) throw new Error(`peer ${peer} got ${got.join(',')}, sent ${sent.get(peer)!.join(',')}`);
      }
      if (maxInFlight > WINDOW + MAX) throw new Error(`in flight ${maxInFlight} > window + one message`);
    }),
    fuzzParameters(200),
  );
});
