import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCode, ZooKeeperError } from '../../../src/client/errors.js';
import { completeLine } from '../../../src/cli/shell/complete.js';
import { parseConnectString } from '../../../src/cli/shell/connection.js';
import { formatData, formatError, formatStat, parseZxidText, zxidHex, zxidText } from '../../../src/cli/shell/format.js';

test('zxids print as ZooKeeper hex (epoch << 32 | counter) and as (epoch,counter)', () => {
  assert.equal(zxidHex({ epoch: 0, counter: 0 }), '0x0');
  assert.equal(zxidHex({ epoch: 1, counter: 5 }), '0x100000005');
  assert.equal(zxidHex({ epoch: 0x1234, counter: 0xffffffff }), '0x1234ffffffff');
  // Beyond 2^53: exact only through BigInt.
  assert.equal(zxidHex({ epoch: 0x7fffffff, counter: 1 }), '0x7fffffff00000001');
  assert.equal(zxidText({ epoch: 2, counter: 10 }), '0x20000000a (2,10)');
  assert.deepEqual(parseZxidText('(3,7)'), { epoch: 3, counter: 7 });
  assert.equal(parseZxidText('nonsense'), null);
});

test('stat prints field by field like zkCli', () => {
  const lines = formatStat({
    czxid: { epoch: 1, counter: 2 },
    mzxid: { epoch: 1, counter: 4 },
    pzxid: { epoch: 1, counter: 3 },
    ctime: 0,
    mtime: 1000,
    version: 1,
    cversion: 2,
    aversion: 0,
    ephemeralOwner: 0xabc,
    dataLength: 5,
    numChildren: 2,
  });
  assert.deepEqual(lines.map((l) => l.split(' = ')[0]), ['cZxid', 'ctime', 'mZxid', 'mtime', 'pZxid', 'cversion', 'dataVersion', 'aclVersion', 'ephemeralOwner', 'dataLength', 'numChildren']);
  assert.equal(lines[0], 'cZxid = 0x100000002 (1,2)');
  assert.equal(lines[2], 'mZxid = 0x100000004 (1,4)');
  assert.equal(lines[6], 'dataVersion = 1');
  assert.equal(lines[8], 'ephemeralOwner = 0xabc');
  assert.match(lines[1]!, /^ctime = 1970-01-01T00:00:00.000Z/);
});

test('data: UTF-8 text when valid, hex otherwise', () => {
  assert.equal(formatData(new TextEncoder().encode('héllo')), 'héllo');
  assert.equal(formatData(new Uint8Array([0xff, 0x00, 0x10])), '0xff0010');
  assert.equal(formatData(new Uint8Array(0)), '');
});

test("errors print ZooKeeper's names", () => {
  assert.equal(formatError(new ZooKeeperError(ErrorCode.NONODE, { path: '/x' })), 'Node does not exist: /x');
  assert.equal(formatError(new ZooKeeperError(ErrorCode.NODEEXISTS, { path: '/x' })), 'Node already exists: /x');
  assert.equal(formatError(new ZooKeeperError(ErrorCode.NOTEMPTY, { path: '/x' })), 'Node not empty: /x');
  assert.equal(formatError(new ZooKeeperError(ErrorCode.BADVERSION, { path: '/x' })), 'KeeperErrorCode = BadVersion for /x');
  // The member's reason survives, without repeating what the shell already says.
  assert.equal(
    formatError(new ZooKeeperError(ErrorCode.BADVERSION, { path: '/x', message: 'KeeperErrorCode = BadVersion for /x: expected version 0, node is at 1' })),
    'KeeperErrorCode = BadVersion for /x: expected version 0, node is at 1',
  );
  assert.equal(formatError(new ZooKeeperError(ErrorCode.CONNECTIONLOSS, { path: '/x' })), 'KeeperErrorCode = ConnectionLoss for /x');
  assert.equal(formatError(new Error('boom')), 'boom');
});

test('connect strings: host:port or ws:// URLs', () => {
  assert.deepEqual(parseConnectString('127.0.0.1:2181, localhost:2182,ws://h:1/x,wss://s:443'), ['ws://127.0.0.1:2181', 'ws://localhost:2182', 'ws://h:1/x', 'wss://s']);
  assert.throws(() => parseConnectString('127.0.0.1'), /no port/);
  assert.throws(() => parseConnectString('http://h:1'), /only ws/);
  assert.throws(() => parseConnectString(' , '), /at least one/);
});

test('completion: command names first, then znode paths from getChildren', async () => {
  const names = ['ls', 'get', 'getEphemerals', 'set', 'multi'];
  const tree: Record<string, string[]> = { '/': ['apps', 'app', 'zookeeper'], '/apps': ['web', 'db'] };
  const asked: string[] = [];
  const children = async (p: string) => {
    asked.push(p);
    const c = tree[p];
    if (c === undefined) throw new ZooKeeperError(ErrorCode.NONODE, { path: p });
    return c;
  };
  assert.deepEqual(await completeLine('ge', names, children), [['get', 'getEphemerals'], 'ge']);
  assert.deepEqual(await completeLine('getE', names, children), [['getEphemerals '], 'getE']);
  assert.deepEqual(await completeLine('ls /ap', names, children), [['/app', '/apps'], '/ap']);
  assert.deepEqual(await completeLine('ls /apps/', names, children), [['/apps/db', '/apps/web'], '/apps/']);
  assert.deepEqual(await completeLine('get -s /apps/w', names, children), [['/apps/web'], '/apps/w']);
  assert.deepEqual(await completeLine('ls /nope/x', names, children), [[], '/nope/x']);
  assert.deepEqual(await completeLine('ls x', names, children), [[], 'x']);
  assert.deepEqual(await completeLine('ls / ; se', names, children), [['set '], 'se']);
  assert.deepEqual(await completeLine('multi create /a | ch', names, children), [['check '], 'ch']);
  assert.deepEqual(asked, ['/', '/apps', '/apps', '/nope']);
});
