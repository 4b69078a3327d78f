import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemberRunner } from '../../../src/server/runner.js';
import { StorageCorruptError } from '../../../src/storage/corrupt.js';
import type { ZabStorage } from '../../../src/storage/storage.js';
import type { PeerTransport } from '../../../src/transport/transport.js';
import { makeZabConfig } from '../../../src/zab/config.js';
import { cloneDurableState, type DurableState } from '../../../src/zab/persistence.js';
import { Ensemble, op } from './harness.js';

function start(image: DurableState): Promise<MemberRunner> {
  const storage: ZabStorage = { location: '/data/1', load: async () => image, write: async () => {}, close: async () => {} };
  const transport: PeerTransport = { self: 1, start: () => {}, send: () => {}, close: () => {} };
  return MemberRunner.start({
    config: { zab: makeZabConfig(1, [1, 2, 3], 0, {}), tickMs: 10, snapshotEveryTxns: 1000, randomBytes: (n) => new Uint8Array(n) },
    storage,
    transport,
    every: () => () => {},
    now: () => 0,
  });
}

function storedImage(): DurableState {
  const e = Ensemble.started({ snapshotEveryTxns: 5 });
  const c = e.session(e.mustLeader());
  for (let i = 0; i < 8; i++) c.ok(op.create(`/n${i}`, `v${i}`));
  e.tick(3);
  const image = cloneDurableState(e.durable.get(e.mustLeader())!);
  assert.ok(image.log.length > 0 && image.snapshot !== null);
  return image;
}

// Found by test/unit/fuzz/storage.fuzz.test.ts (seed 20261204): a durable image that storage framed
// and checksummed but that is not the server's (here a snapshot tree that does not decode) threw a
// ZkError out of the ServerMember constructor instead of a refusal naming the storage.
test('a stored snapshot whose tree does not decode refuses the start with StorageCorruptError', async () => {
  const image = storedImage();
  image.snapshot = { zxid: image.snapshot!.zxid, data: { tree: new Uint8Array([1, 2, 3]), passwords: [] } };
  await assert.rejects(start(image), (e: unknown) => e instanceof StorageCorruptError && e.where === '/data/1' && /snapshot at .*tree/.test(e.problem));
});

test('a stored log entry that is not a server txn refuses the start with StorageCorruptError', async () => {
  const image = storedImage();
  const last = image.log.at(-1)!;
  image.log[image.log.length - 1] = { zxid: last.zxid, txn: { body: { type: 'create', path: 7 } } as never };
  await assert.rejects(start(image), (e: unknown) => e instanceof StorageCorruptError && /log entry .*txn/.test(e.problem));
});

test('a sound stored image starts', async () => {
  const runner = await start(storedImage());
  runner.stop();
});
