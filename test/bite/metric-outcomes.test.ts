import { afterEach, describe, expect, it } from 'vitest';
import type { ConfigOverrides } from '../../src/config.js';
import { startHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';
import { metricValue, scrape } from './helpers.js';

/**
 * Each documented outcome label of ballast_upstream_requests_total (docs/operations.md), produced
 * by a real fault on the real pricing service and read back exactly from /metrics.
 */
const PRICE_QUERY = (id: string): string => `{ product(id: "${id}") { id price { amount } } }`;
/** Pricing alone decides: no retries, no stale values, no breaker, a long field timeout. */
const strictPricing = (pricing: Record<string, unknown>): ConfigOverrides => ({
  deadlineMs: 5000,
  fieldTimeouts: { 'Product.price': 4000 },
  sources: { pricing: { timeoutMs: 3000, attemptTimeoutMs: 3000, maxStaleMs: 0, retry: { maxAttempts: 1 }, breaker: { enabled: false }, ...pricing } },
});

let harness: Harness | undefined;
afterEach(async () => {
  harness?.reset();
  await harness?.close();
  harness = undefined;
});

async function start(overrides: ConfigOverrides): Promise<Harness> {
  harness = await startHarness(overrides);
  return harness;
}

/** Every pricing outcome with a sample, as { outcome: count }. */
async function pricingOutcomes(h: Harness): Promise<Record<string, number>> {
  const text = await scrape(h);
  const outcomes: Record<string, number> = {};
  for (const outcome of ['success', 'cancelled', 'timeout', 'error', 'bad_response', 'circuit_open', 'bulkhead_full', 'deadline_exceeded']) {
    const value = metricValue(text, 'ballast_upstream_requests_total', { source: 'pricing', outcome });
    if (value !== undefined) outcomes[outcome] = value;
  }
  return outcomes;
}

describe('upstream outcome labels, each produced for real', () => {
  it('timeout: pricing slower than its source timeout', async () => {
    const h = await start(strictPricing({ timeoutMs: 200, attemptTimeoutMs: 200 }));
    h.service('pricing').setFault({ latencyMs: 1000 });
    const { body } = await h.query(PRICE_QUERY('p-0001'));
    expect(body.extensions?.degraded?.[0]?.reason).toBe('UPSTREAM_TIMEOUT');
    expect(await pricingOutcomes(h)).toEqual({ timeout: 1 });
  });

  it('bad_response: pricing answers truncated JSON', async () => {
    const h = await start(strictPricing({}));
    h.service('pricing').setFault({ malformedJson: true });
    const { body } = await h.query(PRICE_QUERY('p-0001'));
    expect(body.extensions?.degraded?.[0]?.reason).toBe('UPSTREAM_BAD_RESPONSE');
    expect(await pricingOutcomes(h)).toEqual({ bad_response: 1 });
  });

  it('bulkhead_full: a second call while the only slot is busy and no queue is allowed', async () => {
    const h = await start(strictPricing({ bulkhead: { maxConcurrent: 1, maxQueue: 0 } }));
    h.service('pricing').setFault({ latencyMs: 400 });
    const first = h.query(PRICE_QUERY('p-0001'));
    await expect.poll(() => h.service('pricing').requestCount).toBe(1);
    const second = await h.query(PRICE_QUERY('p-0002'));
    expect(second.body.extensions?.degraded?.[0]?.reason).toBe('BULKHEAD_FULL');
    expect((await first).body.data).toEqual({ product: { id: 'p-0001', price: { amount: 13598 } } });
    expect(await pricingOutcomes(h)).toEqual({ success: 1, bulkhead_full: 1 });
  });

  it('bulkhead_queued: calls waiting for the only slot show on the gauge, and it returns to 0', async () => {
    const h = await start(strictPricing({ bulkhead: { maxConcurrent: 1, maxQueue: 5 } }));
    h.service('pricing').setFault({ latencyMs: 600 });
    const queries = ['p-0001', 'p-0002', 'p-0003'].map((id) => h.query(PRICE_QUERY(id)));
    await expect.poll(async () => metricValue(await scrape(h), 'ballast_bulkhead_queued', { source: 'pricing' })).toBe(2);
    const answers = await Promise.all(queries);
    expect(answers.map((answer) => answer.body.extensions?.degraded)).toEqual([undefined, undefined, undefined]);
    expect(metricValue(await scrape(h), 'ballast_bulkhead_queued', { source: 'pricing' })).toBe(0);
    expect(await pricingOutcomes(h)).toEqual({ success: 3 });
  });

  it('deadline_exceeded: the client shortens the request budget below pricing\'s latency', async () => {
    const h = await start(strictPricing({}));
    h.service('pricing').setFault({ latencyMs: 1500 });
    const { body } = await h.query(PRICE_QUERY('p-0001'), undefined, { 'x-ballast-deadline-ms': '300' });
    expect(body.extensions?.degraded?.[0]?.reason).toBe('DEADLINE_EXCEEDED');
    await expect.poll(() => pricingOutcomes(h)).toEqual({ deadline_exceeded: 1 });
  });

  it('cancelled: the client leaves an incremental (@defer) response while pricing is still answering', async () => {
    const h = await start(strictPricing({}));
    h.service('pricing').setFault({ latencyMs: 2000 });
    const controller = new AbortController();
    const response = await fetch(`${h.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'multipart/mixed' },
      body: JSON.stringify({ query: `{ product(id: "p-0001") { id ... @defer { price { amount } } } }` }),
      signal: controller.signal,
    });
    const reader = response.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(first).toContain('"id":"p-0001"');
    await expect.poll(() => h.service('pricing').requestCount).toBe(1);
    controller.abort();
    await reader.closed.catch(() => undefined);
    await expect.poll(() => pricingOutcomes(h), { timeout: 4000 }).toEqual({ cancelled: 1 });
    // The gateway keeps serving.
    h.reset();
    expect((await h.query(PRICE_QUERY('p-0001'))).body.data).toEqual({ product: { id: 'p-0001', price: { amount: 13598 } } });
  });
});

describe('operation-name label cap', () => {
  it('keeps the first 200 distinct operation names and counts the rest as "other"', async () => {
    const h = await start({});
    for (let n = 1; n <= 203; n++) {
      const { status } = await h.query(`query Op${n} { product(id: "p-0001") { id } }`);
      expect(status).toBe(200);
    }
    const text = await scrape(h);
    expect(metricValue(text, 'ballast_graphql_requests_total', { operation: 'Op200', result: 'ok' })).toBe(1);
    expect(metricValue(text, 'ballast_graphql_requests_total', { operation: 'Op201', result: 'ok' })).toBeUndefined();
    expect(metricValue(text, 'ballast_graphql_requests_total', { operation: 'other', result: 'ok' })).toBe(3);
    const labelled = text.split('\n').filter((line) => line.startsWith('ballast_graphql_requests_total{'));
    expect(labelled).toHaveLength(201);
  });
});
