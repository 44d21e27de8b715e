import { afterEach, describe, expect, it } from 'vitest';
import { sleep, startHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';
import { measureStolenTime } from '../helpers/stolen-time.js';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const PRODUCT = `{ product(id: "p-0001") { name price { amount } inventory { available status } } }`;

describe('stale fallback', () => {
  it('serves the last good value within maxStaleMs, then falls to DEFAULT or NULL', async () => {
    // Long enough that the failing query comes within it on a loaded runner too (with 500 ms it had
    // to come within half a second of the fresh one); how old the value is, the clock below bounds.
    const MAX_STALE_MS = 2000;
    const policy = { maxStaleMs: MAX_STALE_MS, retry: { maxAttempts: 1 } };
    harness = await startHarness({ sources: { pricing: policy, inventory: policy } });
    const freshSentAt = performance.now();
    const fresh = await harness.query(PRODUCT);
    const freshAnsweredAt = performance.now();
    const good = fresh.body.data!.product as { price: { amount: number }; inventory: { available: number } };

    harness.service('pricing').setFault({ errorRate: 1 });
    harness.service('inventory').setFault({ reset: true });
    const stale = await harness.query(PRODUCT);
    expect(stale.body.data).toEqual(fresh.body.data);
    expect(stale.body.errors).toBeUndefined();
    const degraded = stale.body.extensions!.degraded!;
    expect(degraded.map(({ source, fallback, reason }) => ({ source, fallback, reason }))).toEqual([
      { source: 'pricing', fallback: 'STALE', reason: 'UPSTREAM_UNAVAILABLE' },
      { source: 'inventory', fallback: 'STALE', reason: 'UPSTREAM_UNAVAILABLE' },
    ]);
    // No older than the fresh query itself: the value was stored while it ran.
    const sinceFreshMs = performance.now() - freshSentAt;
    expect(sinceFreshMs).toBeLessThan(MAX_STALE_MS);
    for (const entry of degraded) {
      expect(entry.staleAgeMs).toBeGreaterThanOrEqual(0);
      expect(entry.staleAgeMs).toBeLessThanOrEqual(Math.ceil(sinceFreshMs));
    }

    // Past maxStaleMs since the value was stored (at the latest when the fresh answer arrived).
    await sleep(MAX_STALE_MS + 100 - (performance.now() - freshAnsweredAt));
    const expired = await harness.query(PRODUCT);
    expect(expired.body.data).toEqual({ product: { name: (fresh.body.data!.product as { name: string }).name, price: null, inventory: { available: null, status: 'UNKNOWN' } } });
    expect(expired.body.extensions!.degraded!.map(({ source, fallback }) => ({ source, fallback }))).toEqual([
      { source: 'pricing', fallback: 'NULL' },
      { source: 'inventory', fallback: 'DEFAULT' },
    ]);
    expect(good.price.amount).toBeGreaterThan(0);
  });
});

describe('request deadline', () => {
  it('answers by the deadline with both slow sources degraded', async () => {
    // Attempts longer than the deadline, so the deadline is what ends both calls: with the shipped
    // 450 ms attempt timeout a call that started 50 ms into the request timed out its attempt first
    // with no time left to retry, and was (rightly) reported UPSTREAM_TIMEOUT instead.
    const patient = { timeoutMs: 3000, attemptTimeoutMs: 2000 };
    harness = await startHarness({ deadlineMs: 500, sources: { pricing: patient, inventory: patient } });
    harness.service('pricing').setFault({ latencyMs: 3000 });
    harness.service('inventory').setFault({ latencyMs: 3000 });
    const stolen = measureStolenTime();
    const started = performance.now();
    const { status, body } = await harness.query(PRODUCT);
    // Slack for a loaded CI runner, plus the time it kept this process off the CPU; a deadline not kept would take the upstreams' 3 s.
    expect(performance.now() - started).toBeLessThan(500 + 400 + stolen.ms());
    expect(status).toBe(200);
    expect((body.data!.product as { name: string }).name).toBeTruthy();
    expect(body.extensions!.degraded!.map(({ source, reason }) => ({ source, reason }))).toEqual(
      expect.arrayContaining([
        { source: 'pricing', reason: 'DEADLINE_EXCEEDED' },
        { source: 'inventory', reason: 'DEADLINE_EXCEEDED' },
      ]),
    );
  });

  it('lets a client lower the deadline with x-ballast-deadline-ms and tells upstreams what is left', async () => {
    harness = await startHarness();
    harness.service('inventory').setFault({ latencyMs: 3000 });
    const stolen = measureStolenTime();
    const started = performance.now();
    const { body } = await harness.query(PRODUCT, undefined, { 'x-ballast-deadline-ms': '200' });
    // Plus the time a loaded runner kept this process off the CPU (645 ms once beside other test runs).
    expect(performance.now() - started).toBeLessThan(200 + 400 + stolen.ms());
    expect(body.extensions!.degraded![0]).toMatchObject({ source: 'inventory', reason: 'DEADLINE_EXCEEDED' });
    const sent = Number(harness.service('catalog').requests[0]!.headers['x-ballast-deadline-ms']);
    expect(sent).toBeGreaterThan(0);
    expect(sent).toBeLessThanOrEqual(200);
  });
});

describe('bulkhead', () => {
  it('degrades calls beyond the limit with BULKHEAD_FULL and keeps the breaker closed', async () => {
    // The admitted call is held 1 s (its timeouts and the field's 800 ms raised above that), so the other
    // three reach the full bulkhead on a loaded runner too (with 200 ms, one reaching it later found it free).
    harness = await startHarness({ fieldTimeouts: { 'Product.inventory': 1800 }, sources: { inventory: { maxStaleMs: 0, timeoutMs: 1800, attemptTimeoutMs: 1800, bulkhead: { maxConcurrent: 1, maxQueue: 0 }, breaker: { volumeThreshold: 1 } } } });
    harness.service('inventory').setFault({ latencyMs: 1000 });
    const ids = ['p-0001', 'p-0002', 'p-0003', 'p-0004'];
    const responses = await Promise.all(ids.map((id) => harness!.query(`{ product(id: "${id}") { inventory { status } } }`)));
    const reasons = responses.map((response) => response.body.extensions?.degraded?.[0]?.reason ?? 'OK').sort();
    expect(reasons).toEqual(['BULKHEAD_FULL', 'BULKHEAD_FULL', 'BULKHEAD_FULL', 'OK']);
    expect(responses.every((response) => response.status === 200)).toBe(true);
    expect(harness.service('inventory').requestCount).toBe(1);
    expect(harness.gateway.state.sources.pipelines.inventory.breaker!.state).toBe('CLOSED');
  });
});
