import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sleep, startHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';
import { measureStolenTime } from '../helpers/stolen-time.js';

const T = 300;
let harness: Harness;
beforeAll(async () => {
  harness = await startHarness({ sources: { inventory: { timeoutMs: T, attemptTimeoutMs: T, retry: { maxAttempts: 1 } } } });
});
afterAll(() => harness.close());

const timers = (): number => process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length;

describe('a hung source', () => {
  it(`answers within T + 100 ms and leaves no socket, timer or call of the request behind (T = ${T} ms)`, async () => {
    await harness.query(`{ products(first: 5) { nodes { id inventory { status } } } }`); // warm pools
    await sleep(50);
    const timersBefore = timers();
    harness.service('inventory').setFault({ hang: true });
    // Plus the time a loaded runner kept this process off the CPU (a pinned, shared core took 430 ms).
    const stolen = measureStolenTime();
    const started = performance.now();
    const { status, body } = await harness.query(`{ products(first: 5) { nodes { id inventory { status } } } }`);
    const elapsed = performance.now() - started;
    const stolenMs = stolen.ms();

    expect(status).toBe(200);
    // The warm-up answer is the last known good value.
    expect(body.extensions?.degraded?.[0]).toMatchObject({ source: 'inventory', reason: 'UPSTREAM_TIMEOUT', fallback: 'STALE' });
    expect(elapsed).toBeLessThan(T + 100 + stolenMs);

    const inventoryOrigin = new URL(harness.demo.urls.inventory!).origin;
    await expect.poll(() => harness.gateway.client.stats()[inventoryOrigin]).toMatchObject({ running: 0, pending: 0 });
    await expect.poll(() => harness.gateway.state.sources.pipelines.inventory.bulkhead.inUse).toBe(0);
    await expect.poll(timers).toBeLessThanOrEqual(timersBefore);
  });

  it('aborts a call the request gave up on (field timeout) when the response is sent', async () => {
    const fieldTimeout = await startHarness({ fieldTimeouts: { 'Product.inventory': 100 }, sources: { inventory: { timeoutMs: 1500, attemptTimeoutMs: 1500 } } });
    try {
      fieldTimeout.service('inventory').setFault({ hang: true });
      const stolen = measureStolenTime();
      const started = performance.now();
      const { body } = await fieldTimeout.query(`{ product(id: "p-0001") { name inventory { status } } }`);
      // Plus the time a loaded runner kept this process off the CPU (520 ms once on a pinned, shared core).
      expect(performance.now() - started).toBeLessThan(100 + 150 + stolen.ms());
      expect(body.data).toMatchObject({ product: { inventory: { status: 'UNKNOWN' } } });
      expect(body.extensions?.degraded?.[0]).toMatchObject({ source: 'inventory', reason: 'UPSTREAM_TIMEOUT', fallback: 'DEFAULT' });
      await expect.poll(() => fieldTimeout.gateway.state.sources.pipelines.inventory.bulkhead.inUse).toBe(0);
      const origin = new URL(fieldTimeout.demo.urls.inventory!).origin;
      await expect.poll(() => fieldTimeout.gateway.client.stats()[origin]).toMatchObject({ running: 0, pending: 0 });
    } finally {
      await fieldTimeout.close();
    }
  });
});

describe('calls abandoned by a field timeout', () => {
  it('count against the breaker, so a hung source stops costing every request its field timeout', async () => {
    const hung = await startHarness({
      fieldTimeouts: { 'Product.inventory': 100 },
      sources: { inventory: { maxStaleMs: 0, timeoutMs: 1500, attemptTimeoutMs: 1500, breaker: { volumeThreshold: 3, resetTimeoutMs: 60_000 } } },
    });
    try {
      hung.service('inventory').setFault({ hang: true });
      const reasons: unknown[] = [];
      for (let i = 0; i < 3; i++) reasons.push((await hung.query(`{ product(id: "p-0001") { inventory { status } } }`)).body.extensions?.degraded?.[0]?.reason);
      expect(reasons).toEqual(['UPSTREAM_TIMEOUT', 'UPSTREAM_TIMEOUT', 'UPSTREAM_TIMEOUT']);
      await expect.poll(() => hung.gateway.state.sources.pipelines.inventory.breaker!.state).toBe('OPEN');
      hung.service('inventory').resetLog();
      const stolen = measureStolenTime();
      const started = performance.now();
      const open = await hung.query(`{ product(id: "p-0001") { inventory { status } } }`);
      expect(open.body.extensions?.degraded?.[0]).toMatchObject({ reason: 'CIRCUIT_OPEN', fallback: 'DEFAULT' });
      // Without the field's 100 ms wait; plus the time a loaded runner kept this process off the CPU.
      expect(performance.now() - started).toBeLessThan(100 + stolen.ms());
      expect(hung.service('inventory').requestCount).toBe(0);
    } finally {
      await hung.close();
    }
  });
});
