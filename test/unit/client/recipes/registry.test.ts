import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fromUtf8 } from '../../../../src/client/bytes.js';
import { ErrorCode, ZooKeeperError } from '../../../../src/client/errors.js';
import { ServiceRegistry } from '../../../../src/client/recipes/registry.js';
import { rejection, world } from '../harness.js';

describe('service registry', () => {
  test('register creates /<Service> persistent and /<Service>/<method> ephemeral holding ip:port', async () => {
    const w = world();
    const provider = await w.connectedClient('provider');
    const registry = new ServiceRegistry(provider);
    assert.equal(await w.scheduler.run(registry.register('UserService', 'Login', '127.0.0.1:8000')), '/UserService/Login');
    const service = w.ensemble.tree.get('/UserService')!;
    assert.equal(service.stat.ephemeralOwner, 0);
    const method = w.ensemble.tree.get('/UserService/Login')!;
    assert.equal(method.stat.ephemeralOwner, provider.sessionId);
    assert.equal(fromUtf8(method.data), '127.0.0.1:8000');
    // Same session again: the address is updated, not an error.
    await w.scheduler.run(registry.register('UserService', 'Login', '127.0.0.1:8001'));
    assert.equal(fromUtf8(w.ensemble.tree.get('/UserService/Login')!.data), '127.0.0.1:8001');
    // Another provider cannot take a live provider's method.
    const rival = new ServiceRegistry(await w.connectedClient('rival'));
    assert.ok(ZooKeeperError.is(await rejection(w, rival.register('UserService', 'Login', '10.0.0.1:1')), ErrorCode.NODEEXISTS));
    assert.ok(ZooKeeperError.is(await rejection(w, registry.register('User/Service', 'Login', 'x')), ErrorCode.BADARGUMENTS));
  });

  test("discover returns the address, and the consumer's watch fires when the provider crashes and its session ends", async () => {
    const w = world({ tickMs: 100 });
    const provider = await w.connectedClient('provider', { sessionTimeoutMs: 2000 });
    await w.scheduler.run(new ServiceRegistry(provider).register('UserService', 'Login', '127.0.0.1:8000'));
    const consumer = new ServiceRegistry(await w.connectedClient('consumer'));
    const changes: Array<string | null> = [];
    const address = await w.scheduler.run(consumer.discover('UserService', 'Login', { onChange: (a) => changes.push(a) }));
    assert.equal(address, '127.0.0.1:8000');
    assert.equal(await w.scheduler.run(consumer.discover('UserService', 'Missing')), null);

    const crashedAt = w.scheduler.now();
    w.ensemble.isolate('provider'); // kill -9: no more pings, no closeSession
    await w.scheduler.advance(1900);
    assert.deepEqual(changes, [], 'still there within the session timeout');
    await w.scheduler.advance(200);
    assert.deepEqual(changes, [null]);
    assert.ok(w.scheduler.now() - crashedAt <= 2100);
    const requests = w.ensemble.sent('request', 'consumer').length;
    assert.equal(await w.scheduler.run(consumer.discover('UserService', 'Login')), null);
    assert.equal(w.ensemble.sent('request', 'consumer').length, requests, 'answered from the watched cache');

    // A new provider comes: consumers see it too.
    await w.scheduler.run(new ServiceRegistry(await w.connectedClient('provider2')).register('UserService', 'Login', '127.0.0.1:9000'));
    await w.scheduler.advance(10);
    assert.deepEqual(changes, [null, '127.0.0.1:9000']);
    assert.equal(await w.scheduler.run(consumer.discover('UserService', 'Login')), '127.0.0.1:9000');
  });

  test('watchService reports the whole method map as providers come and go', async () => {
    const w = world();
    const consumer = new ServiceRegistry(await w.connectedClient('consumer'));
    const seen: string[] = [];
    const stop = consumer.watchService('OrderService', (methods) => seen.push([...methods].map(([m, a]) => `${m}=${a}`).sort().join(',')));
    await w.scheduler.advance(10);
    const a = await w.connectedClient('a');
    const b = await w.connectedClient('b');
    await w.scheduler.run(new ServiceRegistry(a).register('OrderService', 'Create', '10.0.0.1:1'));
    await w.scheduler.advance(10);
    await w.scheduler.run(new ServiceRegistry(b).register('OrderService', 'Cancel', '10.0.0.2:2'));
    await w.scheduler.advance(10);
    await w.scheduler.run(a.close());
    await w.scheduler.advance(10);
    assert.deepEqual(seen, ['', 'Create=10.0.0.1:1', 'Cancel=10.0.0.2:2,Create=10.0.0.1:1', 'Cancel=10.0.0.2:2']);
    stop();
    await w.scheduler.run(new ServiceRegistry(a.state === 'CLOSED' ? b : a).unregister('OrderService', 'Cancel'));
    await w.scheduler.advance(10);
    assert.equal(seen.length, 4, 'nothing after stop()');
  });
});
