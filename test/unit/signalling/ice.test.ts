import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  MAX_ICE_SERVERS,
  buildIceServers,
  describeIceConfig,
  iceUrlProblem,
  parseIceCredentialsText,
  parseIceHandout,
  resolveIceConfig,
} from '../../../src/signalling/ice.js';
import { iceChildArgs, iceConfigFromFlags } from '../../../src/signalling/ice-options.js';
import { parseServerMessage } from '../../../src/signalling/protocol.js';
import { selectedCandidatePath } from '../../../src/transport/webrtc/candidate-path.js';

const creds = { username: 'u', credential: 'p' };

describe('ICE server URLs', () => {
  test('stun:, stuns:, turn:, turns: with a host, an optional port and (TURN) a transport are accepted', () => {
    for (const url of ['stun:stun.example.org', 'stun:127.0.0.1:3478', 'stuns:a.b:5349', 'turn:[::1]:3478', 'turn:h:3478?transport=udp', 'turns:h.example:443?transport=tcp']) {
      assert.equal(iceUrlProblem(url), undefined, url);
    }
  });

  test('anything else is refused with a reason', () => {
    const bad: [unknown, RegExp][] = [
      ['http://evil.example/', /only stun: stuns: turn: turns:/],
      ['javascript:alert(1)', /only stun:/],
      ['stun:', /expected stun:host/],
      ['turn:host:3478?transport=sctp', /expected turn:host/],
      ['stun:host?transport=udp', /for TURN URLs only/],
      ['turn:host:0', /port must be 1–65535/],
      ['turn:host:99999', /port must be 1–65535/],
      ['turn:user@host', /expected/],
      ['turn:ho st', /expected/],
      ['turn:host\n', /expected/],
      [`turn:${'a'.repeat(300)}`, /1–256 characters/],
      ['', /1–256 characters/],
      [42, /must be a string/],
    ];
    for (const [url, why] of bad) assert.match(iceUrlProblem(url) ?? 'accepted', why, String(url));
  });
});

describe('the member\'s own settings', () => {
  test('TURN URLs get the credentials; STUN URLs do not; a TURN URL without credentials is refused', () => {
    assert.deepEqual(buildIceServers(['stun:s:1', 'turn:t:2'], creds), [{ urls: 'stun:s:1' }, { urls: 'turn:t:2', username: 'u', credential: 'p' }]);
    assert.throws(() => buildIceServers(['turn:t:2'], undefined), /give its username and credential/);
    assert.throws(() => buildIceServers(['ftp:x'], creds), /only stun:/);
    assert.throws(() => buildIceServers(Array.from({ length: MAX_ICE_SERVERS + 1 }, () => 'stun:s'), undefined), /at most 8/);
    assert.throws(() => buildIceServers(['turn:t'], { username: 'u\n', credential: 'p' }), /control characters/);
  });

  test('the credentials file is two lines: username, then credential', () => {
    assert.deepEqual(parseIceCredentialsText('1700000000:alice\ns3cret\n'), { username: '1700000000:alice', credential: 's3cret' });
    assert.deepEqual(parseIceCredentialsText('u\r\np'), { username: 'u', credential: 'p' });
    for (const bad of ['', 'only-one-line\n', 'a\nb\nc\n', '\np\n']) assert.throws(() => parseIceCredentialsText(bad), /two lines/);
  });

  test('flags: credentials from the file first, else the environment (both or neither); policy checked', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ice-test-'));
    try {
      const file = join(dir, 'creds');
      writeFileSync(file, 'fu\nfp\n');
      const env = { PEERKEEPER_TURN_USERNAME: 'eu', PEERKEEPER_TURN_CREDENTIAL: 'ep' };
      assert.equal(iceConfigFromFlags({ servers: [] }, {}), undefined);
      assert.deepEqual(iceConfigFromFlags({ servers: ['turn:t:1'], credentialsFile: file }, env), { iceServers: [{ urls: 'turn:t:1', username: 'fu', credential: 'fp' }] });
      assert.deepEqual(iceConfigFromFlags({ servers: ['turn:t:1'], policy: 'relay' }, env), {
        iceServers: [{ urls: 'turn:t:1', username: 'eu', credential: 'ep' }],
        iceTransportPolicy: 'relay',
      });
      assert.deepEqual(iceConfigFromFlags({ servers: [], policy: 'relay' }, {}), { iceTransportPolicy: 'relay' }, 'a policy alone: the servers may come from the signalling server');
      assert.deepEqual(iceConfigFromFlags({ servers: ['stun:s:1'] }, {}), { iceServers: [{ urls: 'stun:s:1' }] }, 'STUN needs no credentials');
      assert.throws(() => iceConfigFromFlags({ servers: ['turn:t:1'] }, { PEERKEEPER_TURN_USERNAME: 'eu' }), /both/);
      assert.throws(() => iceConfigFromFlags({ servers: ['turn:t:1'] }, {}), /username and credential/);
      assert.throws(() => iceConfigFromFlags({ servers: ['turn:t:1'], credentialsFile: join(dir, 'nope') }, env), /--ice-credentials .*nope/);
      assert.throws(() => iceConfigFromFlags({ servers: ['stun:s:1'], policy: 'relay' }, {}), /needs a TURN server/);
      assert.throws(() => iceConfigFromFlags({ servers: [], policy: 'host' }, {}), /all or relay/);
      assert.throws(() => iceConfigFromFlags({ servers: [], credentialsFile: file }, {}), /without --ice-server/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a child member gets the URLs as flags and the credentials in its environment, never as flags', () => {
    const { args, env } = iceChildArgs({ iceServers: [{ urls: 'stun:s:1' }, { urls: 'turn:t:2', username: 'u', credential: 'p' }], iceTransportPolicy: 'relay' });
    assert.deepEqual(args, ['--ice-server', 'stun:s:1', '--ice-server', 'turn:t:2', '--ice-transport-policy', 'relay']);
    assert.deepEqual(env, { PEERKEEPER_TURN_USERNAME: 'u', PEERKEEPER_TURN_CREDENTIAL: 'p' });
    assert.ok(!args.includes('p'));
  });
});

describe('an ICE configuration from a signalling server (hostile)', () => {
  test('a good one passes whole', () => {
    const raw = { iceServers: [{ urls: 'stun:s:1' }, { urls: ['turn:t:2?transport=udp'], username: 'u', credential: 'p' }], iceTransportPolicy: 'relay' };
    assert.deepEqual(parseIceHandout(raw), {
      config: { iceServers: [{ urls: 'stun:s:1' }, { urls: 'turn:t:2?transport=udp', username: 'u', credential: 'p' }], iceTransportPolicy: 'relay' },
      problems: [],
    });
  });

  test('bad entries are dropped with a reason; the rest is kept', () => {
    const raw = {
      iceServers: [
        { urls: 'http://internal:8080/' },
        { urls: 'turn:t:2' }, // no credentials
        { urls: 'turn:t:3', username: 'x'.repeat(1000), credential: 'p' },
        { urls: ['stun:a', 'stun:b'] },
        'stun:s',
        null,
        { urls: 'stun:ok:1', username: 'ignored-for-stun' },
      ],
      iceTransportPolicy: 'everything',
    };
    const { config, problems } = parseIceHandout(raw);
    assert.deepEqual(config, { iceServers: [{ urls: 'stun:ok:1' }] });
    assert.equal(problems.length, 7);
    assert.match(problems.join('\n'), /only stun:.*\n.*needs a username.*\n.*1–256 characters.*\n.*must be a string.*\n.*not an object.*\n.*not an object.*\n.*not all or relay/s);
  });

  test('counts are bounded; relay with no usable TURN server is ignored; non-objects are ignored', () => {
    const many = parseIceHandout({ iceServers: Array.from({ length: 1000 }, (_, i) => ({ urls: `stun:s${i}` })) });
    assert.equal(many.config.iceServers?.length, MAX_ICE_SERVERS);
    assert.match(many.problems[0]!, /only the first 8/);
    assert.deepEqual(parseIceHandout({ iceServers: [{ urls: 'stun:s' }], iceTransportPolicy: 'relay' }).config, { iceServers: [{ urls: 'stun:s' }] });
    for (const raw of [null, 'turn:x', [], 7]) assert.deepEqual(parseIceHandout(raw).config, {});
    assert.deepEqual(parseIceHandout({ iceServers: 'stun:s' }), { config: { iceServers: [] }, problems: ['iceServers is not a list: ignored'] });
  });

  test('a peers frame with a bad ice field still admits the member; the problems come along', () => {
    const m = parseServerMessage(JSON.stringify({ type: 'peers', room: 'r', members: ['2'], ice: { iceServers: [{ urls: 'file:///etc/passwd' }] } }));
    assert.equal(m?.type, 'peers');
    assert.ok(m?.type === 'peers');
    assert.deepEqual(m.members, ['2']);
    assert.deepEqual(m.ice, { iceServers: [] });
    assert.match(m.iceProblems?.[0] ?? '', /only stun:/);
    const plain = parseServerMessage(JSON.stringify({ type: 'peers', room: 'r', members: [] }));
    assert.ok(plain?.type === 'peers' && plain.ice === undefined && plain.iceProblems === undefined);
  });
});

describe('precedence', () => {
  const handed = { iceServers: [{ urls: 'turn:t:1', username: 'u', credential: 'p' }], iceTransportPolicy: 'relay' as const };
  test('nothing anywhere: the library default', () => {
    assert.equal(resolveIceConfig(undefined, undefined), undefined);
    assert.equal(describeIceConfig(undefined), 'the WebRTC library default');
  });
  test('the hand-out fills in what the member does not say', () => {
    assert.deepEqual(resolveIceConfig(undefined, handed), handed);
    assert.deepEqual(resolveIceConfig({ iceTransportPolicy: 'all' }, handed), { iceServers: handed.iceServers, iceTransportPolicy: 'all' });
  });
  test("the member's own servers and policy win, field by field", () => {
    assert.deepEqual(resolveIceConfig({ iceServers: [{ urls: 'stun:mine' }] }, handed), { iceServers: [{ urls: 'stun:mine' }], iceTransportPolicy: 'relay' });
    assert.deepEqual(resolveIceConfig({ iceServers: [] }, handed), { iceServers: [], iceTransportPolicy: 'relay' }, 'an empty list is a choice too');
  });
  test('a description never shows the credentials', () => {
    assert.doesNotMatch(describeIceConfig(handed), /\bp\b|\bu\b/);
    assert.equal(describeIceConfig(handed), 'turn:t:1, policy relay');
  });
});

describe('the selected candidate pair from getStats', () => {
  const reports = [
    { id: 'T', type: 'transport', selectedCandidatePairId: 'P2' },
    { id: 'P1', type: 'candidate-pair', localCandidateId: 'L1', remoteCandidateId: 'R1', state: 'failed' },
    { id: 'P2', type: 'candidate-pair', localCandidateId: 'L2', remoteCandidateId: 'R2', state: 'succeeded', nominated: true },
    { id: 'L1', type: 'local-candidate', candidateType: 'host', protocol: 'udp', address: '10.0.0.1', port: 1 },
    { id: 'L2', type: 'local-candidate', candidateType: 'relay', protocol: 'udp', address: '127.0.0.1', port: 50000 },
    { id: 'R2', type: 'remote-candidate', candidateType: 'relay', protocol: 'udp', ip: '127.0.0.1', port: '50001' },
  ];
  test('follows the transport to its selected pair', () => {
    assert.deepEqual(selectedCandidatePath(reports), {
      local: { type: 'relay', protocol: 'udp', address: '127.0.0.1', port: 50000 },
      remote: { type: 'relay', protocol: 'udp', address: '127.0.0.1', port: 50001 },
    });
  });
  test('without a transport report: the nominated, succeeded pair; none before selection', () => {
    assert.equal(selectedCandidatePath(reports.slice(1))?.local.type, 'relay');
    assert.equal(selectedCandidatePath(reports.filter((r) => r.id !== 'T' && r.id !== 'P2')), undefined);
    assert.equal(selectedCandidatePath([]), undefined);
  });
});

describe('any hand-out at all', () => {
  test('parseIceHandout never throws and keeps only what a member may use', async () => {
    const { default: fc } = await import('fast-check');
    const url = fc.oneof(fc.string(), fc.constantFrom('stun:s', 'turn:t:1', 'turns:[::1]:5349?transport=tcp', 'http://x'), fc.jsonValue());
    const server = fc.record({ urls: fc.oneof(url, fc.array(url, { maxLength: 2 })), username: fc.oneof(fc.string(), fc.jsonValue()), credential: fc.oneof(fc.string(), fc.jsonValue()) }, { requiredKeys: [] });
    const handout = fc.oneof(
      fc.jsonValue(),
      fc.record({ iceServers: fc.oneof(fc.array(fc.oneof(server, fc.jsonValue()), { maxLength: 20 }), fc.jsonValue()), iceTransportPolicy: fc.oneof(fc.constantFrom('all', 'relay'), fc.jsonValue()) }, { requiredKeys: [] }),
    );
    fc.assert(
      fc.property(handout, (raw) => {
        const { config } = parseIceHandout(raw);
        assert.ok((config.iceServers?.length ?? 0) <= MAX_ICE_SERVERS);
        for (const s of config.iceServers ?? []) {
          assert.equal(iceUrlProblem(s.urls), undefined);
          if (s.urls.startsWith('turn')) assert.ok(typeof s.username === 'string' && typeof s.credential === 'string');
        }
        if (config.iceTransportPolicy === 'relay') assert.ok(config.iceServers?.some((s) => s.urls.startsWith('turn')));
      }),
      { seed: 18, numRuns: 2000 },
    );
  });
});
