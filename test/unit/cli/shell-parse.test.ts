import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ShellUsageError, createMode, parseArgs, parseLine, parseMulti, type Statement, type Token } from '../../../src/cli/shell/parse.js';

const words = (s: Statement): (string | '|')[] => s.args.map((t) => (t.kind === 'pipe' ? '|' : t.text));
const only = (line: string): Statement => {
  const statements = parseLine(line);
  assert.equal(statements.length, 1, `one statement in ${line}`);
  return statements[0]!;
};

test('words split on blanks; quotes keep blanks, ; and | inside one word', () => {
  const s = only(`set /a   'x y; z | w'`);
  assert.equal(s.name, 'set');
  assert.deepEqual(words(s), ['/a', 'x y; z | w']);
  assert.deepEqual(words(only(`set /a "say \\"hi\\"\\n"`)), ['/a', 'say "hi"\n']);
  assert.deepEqual(words(only(`set /a 'no \\n escapes'`)), ['/a', 'no \\n escapes']);
  assert.deepEqual(words(only(`create /a pre"fix suf"fix`)), ['/a', 'prefix suffix'], 'adjacent pieces join');
  assert.deepEqual(words(only(`set /a ''`)), ['/a', ''], 'an empty quoted word is a word');
  assert.deepEqual(words(only(`set /a one\\ word`)), ['/a', 'one word']);
  assert.deepEqual(words(only(`set /a #notacomment`)), ['/a', '#notacomment']);
});

test('; separates commands outside quotes; blank and comment statements vanish', () => {
  const statements = parseLine(`create /a 1; get /a ;; ls "/;x"`);
  assert.deepEqual(statements.map((s) => s.name), ['create', 'get', 'ls']);
  assert.deepEqual(statements.map((s) => s.text), ['create /a 1', 'get /a', 'ls "/;x"']);
  assert.deepEqual(words(statements[2]!), ['/;x']);
  assert.deepEqual(parseLine('   '), []);
  assert.deepEqual(parseLine('# a comment; ls /'), []);
  assert.deepEqual(parseLine('ls /; # the rest is a comment; ls /b').map((s) => s.text), ['ls /']);
});

test('unterminated quotes and a trailing backslash are usage errors', () => {
  assert.throws(() => parseLine(`set /a 'open`), ShellUsageError);
  assert.throws(() => parseLine(`set /a "open`), /unterminated " quote/);
  assert.throws(() => parseLine(`set /a \\`), ShellUsageError);
  assert.throws(() => parseLine(`| ls`), ShellUsageError);
});

test('flags: anywhere, bursts, values attached or next, negative numbers are positional', () => {
  const toks = (line: string): readonly Token[] => only(line).args;
  const a = parseArgs(toks('ls -s -w /a'), { s: 'bool', w: 'bool', R: 'bool' });
  assert.equal(a.bool('s'), true);
  assert.equal(a.bool('w'), true);
  assert.equal(a.bool('R'), false);
  assert.deepEqual(a.positional, ['/a']);

  const b = parseArgs(toks('set /a data -v 3'), { s: 'bool', v: 'int' });
  assert.equal(b.int('v'), 3);
  assert.deepEqual(b.positional, ['/a', 'data']);
  assert.equal(parseArgs(toks('set -v3 /a d'), { v: 'int' }).int('v'), 3);
  assert.equal(parseArgs(toks('set -v -1 /a d'), { v: 'int' }).int('v'), -1);
  assert.equal(parseArgs(toks('create -es /q/'), { e: 'bool', s: 'bool' }).bool('e'), true);
  assert.equal(parseArgs(toks('create -es /q/'), { e: 'bool', s: 'bool' }).bool('s'), true);
  assert.equal(parseArgs(toks('create -st 500 /q/'), { s: 'bool', t: 'int' }).int('t'), 500);

  assert.deepEqual(parseArgs(toks('set /a -1'), { v: 'int' }).positional, ['/a', '-1'], 'a number is data, not a flag');
  assert.deepEqual(parseArgs(toks(`set /a '-v'`), { v: 'int' }).positional, ['/a', '-v'], 'a quoted word is never a flag');
  assert.deepEqual(parseArgs(toks('set -- /a -v'), { v: 'int' }).positional, ['/a', '-v'], '-- ends the flags');

  assert.throws(() => parseArgs(toks('ls -x /'), { s: 'bool' }), /unknown option -x/);
  assert.throws(() => parseArgs(toks('set /a d -v'), { v: 'int' }), /needs a value/);
  assert.throws(() => parseArgs(toks('set -v abc /a d'), { v: 'int' }), /must be an integer/);
  assert.throws(() => parseArgs(toks('ls / | ls /'), {}), /only allowed in multi/);
});

test('create flags become ZooKeeper create modes, with zkCli refusals', () => {
  const mode = (line: string) => createMode(parseArgs(only(line).args, { e: 'bool', s: 'bool', c: 'bool', t: 'int' }));
  assert.deepEqual(mode('create /a'), { mode: 'PERSISTENT' });
  assert.deepEqual(mode('create -e /a'), { mode: 'EPHEMERAL' });
  assert.deepEqual(mode('create -s /a'), { mode: 'PERSISTENT_SEQUENTIAL' });
  assert.deepEqual(mode('create -e -s /a'), { mode: 'EPHEMERAL_SEQUENTIAL' });
  assert.deepEqual(mode('create -c /a'), { mode: 'CONTAINER' });
  assert.deepEqual(mode('create -t 1000 /a'), { mode: 'PERSISTENT_WITH_TTL', ttlMs: 1000 });
  assert.deepEqual(mode('create -s -t 1000 /a'), { mode: 'PERSISTENT_SEQUENTIAL_WITH_TTL', ttlMs: 1000 });
  assert.throws(() => mode('create -e -t 10 /a'), /ephemeral/);
  assert.throws(() => mode('create -c -e /a'), /containers/);
  assert.throws(() => mode('create -t 0 /a'), /positive/);
});

test('multi: ops between |, each with its own flags; | inside quotes is data', () => {
  const ops = parseMulti(only(`multi create /a x | set /b 'y | z' | delete /c | check /d 3 | create -e -s /q/ | set -v 2 /b w | delete -v 4 /c | check -v 7 /d`).args);
  const utf8 = (s: string) => new TextEncoder().encode(s);
  assert.deepEqual(ops, [
    { op: 'create', path: '/a', data: utf8('x'), mode: 'PERSISTENT' },
    { op: 'setData', path: '/b', data: utf8('y | z'), version: -1 },
    { op: 'delete', path: '/c', version: -1 },
    { op: 'check', path: '/d', version: 3 },
    { op: 'create', path: '/q/', data: utf8(''), mode: 'EPHEMERAL_SEQUENTIAL' },
    { op: 'setData', path: '/b', data: utf8('w'), version: 2 },
    { op: 'delete', path: '/c', version: 4 },
    { op: 'check', path: '/d', version: 7 },
  ]);
  // A | needs no blanks around it.
  assert.deepEqual(parseMulti(only('multi delete /a|delete /b').args).map((o) => o.path), ['/a', '/b']);
  // The ttl flag rides along.
  assert.deepEqual(parseMulti(only('multi create -t 500 /t').args)[0], { op: 'create', path: '/t', data: utf8(''), mode: 'PERSISTENT_WITH_TTL', ttlMs: 500 });
});

test('multi: mistakes name the op that is wrong', () => {
  const multi = (line: string) => parseMulti(only(line).args);
  assert.throws(() => multi('multi'), /at least one op/);
  assert.throws(() => multi('multi create /a | | delete /b'), /op 2 of multi is empty/);
  assert.throws(() => multi('multi create /a | rename /a /b'), /op 2 \(rename\): unknown op/);
  assert.throws(() => multi('multi set /a'), /op 1 \(set\): usage: set/);
  assert.throws(() => multi('multi check /a'), /op 1 \(check\): usage: check/);
  assert.throws(() => multi('multi check /a x'), /version must be an integer/);
  assert.throws(() => multi('multi check -v 1 /a 2'), /usage: check/);
  assert.throws(() => multi('multi delete /a extra'), /usage: delete/);
  assert.throws(() => multi('multi create -e -t 5 /a'), /op 1 \(create\): TTLs/);
});
