/**
 * Mutation arbitraries shared by the fuzz tests: bytes of a valid encoding with bits flipped, bytes
 * inserted, ranges deleted or duplicated, the tail cut off; and decoded values with one spot (or a
 * few) replaced by something hostile — a wrong type, null, NaN, a huge or negative number, a bigint,
 * a deeply nested or giant list — or a key removed, before the value is encoded again with the real
 * encoder. Everything is drawn by fast-check, so a failure shrinks and replays from its seed.
 */
import fc from 'fast-check';

// ---- bytes ---------------------------------------------------------------------------------------

type ByteEdit =
  | { op: 'flip'; at: number; bit: number }
  | { op: 'set'; at: number; value: number }
  | { op: 'insert'; at: number; bytes: Uint8Array }
  | { op: 'delete'; at: number; length: number }
  | { op: 'duplicate'; at: number; length: number }
  | { op: 'truncate'; at: number };

const byteEdit: fc.Arbitrary<ByteEdit> = fc.oneof(
  fc.record({ op: fc.constant('flip' as const), at: fc.nat(), bit: fc.nat(7) }),
  fc.record({ op: fc.constant('set' as const), at: fc.nat(), value: fc.constantFrom(0x00, 0xff, 0xc0, 0xc1, 0x7f, 0x80, 0x90, 0xa0, 0xd4, 0xdd, 0xdf, 0xc7, 0x40, 0x4f, 0x3f) }),
  fc.record({ op: fc.constant('set' as const), at: fc.nat(), value: fc.nat(255) }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 16 }) }),
  fc.record({ op: fc.constant('duplicate' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 32 }) }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
);

export function applyByteEdits(input: Uint8Array, edits: readonly ByteEdit[]): Uint8Array {
  let b: Uint8Array = Uint8Array.from(input);
  for (const e of edits) {
    const n = b.length;
    const at = n === 0 ? 0 : e.at % (n + (e.op === 'insert' ? 1 : 0));
    switch (e.op) {
      case 'flip':
        if (n > 0) b[at] = b[at]! ^ (1 << e.bit);
        break;
      case 'set':
        if (n > 0) b[at] = e.value;
        break;
      case 'insert':
        b = concat(b.subarray(0, at), e.bytes, b.subarray(at));
        break;
      case 'delete':
        b = concat(b.subarray(0, at), b.subarray(at + e.length));
        break;
      case 'duplicate':
        b = concat(b.subarray(0, at + e.length), b.subarray(at, at + e.length), b.subarray(at + e.length));
        break;
      case 'truncate':
        b = b.slice(0, at);
        break;
    }
  }
  return b;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** One of `samples` with 1–4 byte edits (or, one time in eight, random bytes of similar length). */
export function mutatedBytes(samples: readonly Uint8Array[]): fc.Arbitrary<Uint8Array> {
  return fc.oneof(
    { weight: 7, arbitrary: fc.tuple(fc.constantFrom(...samples), fc.array(byteEdit, { minLength: 1, maxLength: 4 })).map(([s, edits]) => applyByteEdits(s, edits)) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 512 }) },
  );
}

// ---- values --------------------------------------------------------------------------------------

function nested(depth: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { a: v };
  return v;
}

/** Values a decoder must refuse (or accept) gracefully wherever it expects something else. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(
    null,
    undefined,
    Number.NaN,
    Infinity,
    -Infinity,
    -0,
    -1,
    0,
    1.5,
    2 ** 31,
    2 ** 32,
    2 ** 53,
    2 ** 64,
    -(2 ** 53),
    Number.MAX_VALUE,
    true,
    false,
    '',
    '/',
    'x'.repeat(70_000),
    '\u0000',
    '__proto__',
    new Uint8Array(0),
    new Uint8Array(300),
    [],
    {},
    [null],
    { type: null },
    { toString: 1, valueOf: 'x' }, // String() and template literals throw on this map
    { epoch: 1, counter: 1 },
    { epoch: -1, counter: 2 ** 60 },
    2n ** 64n - 1n,
    -(2n ** 63n),
  ),
  fc.integer({ min: 0, max: 300 }).map(nested),
  fc.constantFrom(10, 1000, 20_000).map((n) => new Array<number>(n).fill(1)),
  fc.constantFrom(1000, 20_000).map((n) => Array.from({ length: n }, () => ({ epoch: 1, counter: 1 }))),
  fc.string(),
  fc.integer(),
  fc.double(),
  fc.uint8Array({ maxLength: 40 }),
);

export type ValueEdit = { path: number[]; action: 'replace' | 'delete' | 'wrap'; value: unknown };

/** One structural edit: where (a path of choices), what (replace, delete, wrap in a list), with which hostile value. */
export const valueEdit: fc.Arbitrary<ValueEdit> = fc.record({
  path: fc.array(fc.nat(), { maxLength: 8 }),
  action: fc.constantFrom('replace' as const, 'replace' as const, 'replace' as const, 'delete' as const, 'wrap' as const),
  value: hostileValue,
});

const isContainer = (v: unknown): v is Record<string, unknown> | unknown[] =>
  typeof v === 'object' && v !== null && !(v instanceof Uint8Array);

/** Copies `value` (plain objects, lists and bytes) and applies the edits, each at a spot its path picks. */
export function applyValueEdits(value: unknown, edits: readonly ValueEdit[]): unknown {
  const root = { v: structuredClone(value) } as Record<string, unknown>;
  for (const e of edits) {
    let parent: Record<string, unknown> | unknown[] = root;
    let key: string | number = 'v';
    for (const step of e.path) {
      const child: unknown = (parent as Record<string, unknown>)[key as string];
      if (!isContainer(child)) break;
      const keys: (string | number)[] = Array.isArray(child) ? child.map((_, i) => i) : Object.keys(child);
      if (keys.length === 0) break;
      parent = child;
      key = keys[step % keys.length]!;
    }
    const target = parent as Record<string, unknown>;
    if (e.action === 'delete' && !Array.isArray(parent)) delete target[key as string];
    else if (e.action === 'wrap') target[key as string] = [target[key as string]];
    else target[key as string] = structuredClone(e.value); // a copy: a later edit may reach inside it
  }
  return root.v;
}

/** One of `samples` with 1–3 structural edits. */
export function mutatedValue(samples: readonly unknown[]): fc.Arbitrary<unknown> {
  return fc
    .tuple(fc.constantFrom(...samples), fc.array(valueEdit, { minLength: 1, maxLength: 3 }))
    .map(([s, edits]) => applyValueEdits(s, edits));
}

/** A short rendering of a failing case for the assertion message. */
export function hex(b: Uint8Array, max = 200): string {
  return Buffer.from(b.subarray(0, max)).toString('hex') + (b.length > max ? `… (${b.length} bytes)` : '');
}

// ---- plausible values: the right types, the wrong contents ---------------------------------------

type Leaf = number | string | boolean | Uint8Array;

function leaves(v: unknown, out: Leaf[] = []): Leaf[] {
  if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean' || v instanceof Uint8Array) out.push(v);
  else if (isContainer(v)) for (const x of Object.values(v)) leaves(x, out);
  return out;
}

/**
 * One of `samples` with 1–3 leaves changed to another value of the same type — a number nudged or
 * replaced by one from elsewhere in the corpus, a string swapped for another (a message type, a
 * path), a boolean flipped, bytes redrawn — so that most results still pass a shape check and reach
 * the code behind it: the lies a buggy or skewed peer could tell in well-formed messages.
 */
export function plausibleValue(samples: readonly unknown[]): fc.Arbitrary<unknown> {
  const pool = samples.flatMap((s) => leaves(s));
  const numbers = [...new Set(pool.filter((x): x is number => typeof x === 'number'))];
  const strings = [...new Set(pool.filter((x): x is string => typeof x === 'string'))];
  const edit = fc.record({
    path: fc.array(fc.nat(), { minLength: 1, maxLength: 8 }),
    pick: fc.nat(),
    delta: fc.constantFrom(-2, -1, 1, 2, 1000, 2 ** 32),
    bytes: fc.uint8Array({ maxLength: 20 }),
  });
  return fc.tuple(fc.constantFrom(...samples), fc.array(edit, { minLength: 1, maxLength: 3 })).map(([s, edits]) => {
    const root = { v: structuredClone(s) } as Record<string, unknown>;
    for (const e of edits) {
      let parent: Record<string, unknown> = root;
      let key = 'v';
      for (const step of e.path) {
        const child: unknown = parent[key];
        if (!isContainer(child)) break;
        const keys = Object.keys(child);
        if (keys.length === 0) break;
        parent = child as Record<string, unknown>;
        key = keys[step % keys.length]!;
      }
      const old = parent[key];
      if (typeof old === 'number') parent[key] = e.pick % 2 && numbers.length ? numbers[e.pick % numbers.length] : Math.max(0, old + e.delta);
      else if (typeof old === 'string' && strings.length) parent[key] = strings[e.pick % strings.length];
      else if (typeof old === 'boolean') parent[key] = !old;
      else if (old instanceof Uint8Array) parent[key] = e.bytes;
    }
    return root.v;
  });
}
