import { afterEach, describe, expect, it } from 'vitest';
import { startHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';
import { metricValue, scrape } from './helpers.js';
import { startHangingUpstream } from './hanging-upstream.js';
import type { HangingUpstream } from './hanging-upstream.js';

/**
 * A single (non-streamed) answer ends its request's loads when it goes out: an upstream call still
 * in flight then (its field already given up by a field timeout) is aborted, not left to run to its
 * source timeout. A call a field abandoned counts once as `timeout`, for its breaker
 * (docs/degradation.md, docs/operations.md), not as `cancelled`. Without it, every degraded
 * answer would leave its slow calls, and their bulkhead slots, busy for the whole source timeout.
 */

/** Long enough that only the answer going out, never a timeout, can end the call within the test. */
const LONG_MS = 8_000;
/** The field gives up long before the source would. */
const FIELD_TIMEOUT_MS = 200;
/** How soon the upstream must see its connection closed once the answer is out. */
const CANCEL_WITHIN_MS = 2_000;
const QUERY = '{ product(id: "p-0001") { id name price { amount } } }';
const NAME_QUERY = '{ product(id: "p-0001") { id name } }';
const OUTCOMES = ['success', 'cancelled', 'timeout', 'error', 'bad_response', 'circuit_open', 'bulkhead_full', 'deadline_exceeded'];

let harness: Harness | undefined;
let upstream: HangingUpstream | undefined;
afterEach(async () => {
  harness?.reset();
  await harness?.close();
  await upstream?.close();
  harness = undefined;
  upstream = undefined;
});

async function pricingOutcomes(h: Harness): Promise<Record<string, number>> {
  const text = await scrape(h);
  const counted: Record<string, number> = {};
  for (const outcome of OUTCOMES) {
    const value = metricValue(text, 'ballast_upstream_requests_total', { source: 'pricing', outcome });
    if (value !== undefined) counted[outcome] = value;
  }
  return counted;
}

/** A gateway whose pricing hangs (one attempt, one bulkhead slot, no breaker) and whose price field gives up after FIELD_TIMEOUT_MS. */
async function startWithHungPricing(): Promise<{ h: Harness; hung: HangingUpstream }> {
  upstream = await startHangingUpstream();
  harness = await startHarness({
    deadlineMs: LONG_MS + 5_000,
    fieldTimeouts: { 'Product.price': FIELD_TIMEOUT_MS },
    sources: {
      pricing: {
        url: upstream.url, timeoutMs: LONG_MS, attemptTimeoutMs: LONG_MS, maxStaleMs: 0,
        retry: { maxAttempts: 1 }, breaker: { enabled: false }, bulkhead: { maxConcurrent: 1, maxQueue: 0 },
      },
    },
  });
  return { h: harness, hung: upstream };
}

describe('leftover upstream calls of a single answer', () => {
  it('a field timeout lets the answer go out while pricing hangs: the call is aborted then, counted once as the timeout its field saw', async () => {
    const { h, hung } = await startWithHungPricing();

    const { status, body } = await h.query(QUERY);
    hung.markClientGone();
    expect(status).toBe(200);
    expect(body.data).toEqual({ product: { id: 'p-0001', name: 'Cozy Bamboo Trail Pack', price: null } });
    expect(body.extensions?.degraded).toEqual([{ source: 'pricing', reason: 'UPSTREAM_TIMEOUT', fallback: 'NULL', paths: [['product', 'price']] }]);
    expect(hung.hung).toBe(1);

    await expect.poll(() => hung.closedAfterMs.length, { timeout: CANCEL_WITHIN_MS }).toBe(1);
    expect(hung.closedAfterMs[0]!).toBeLessThan(CANCEL_WITHIN_MS);
    await expect.poll(() => pricingOutcomes(h), { timeout: CANCEL_WITHIN_MS }).toEqual({ timeout: 1 });
    expect(metricValue(await scrape(h), 'ballast_bulkhead_in_use', { source: 'pricing' })).toBe(0);

    // The gateway keeps serving (a query without the price: 200 ms is too short a field timeout to
    // promise a price through the forwarding upstream on a loaded machine).
    expect((await h.query(NAME_QUERY)).body).toEqual({ data: { product: { id: 'p-0001', name: 'Cozy Bamboo Trail Pack' } } });
  });

  it('a streamed (@defer) answer: the hung call is aborted when its last payload goes out, counted once as timeout', async () => {
    const { h, hung } = await startWithHungPricing();

    const response = await fetch(`${h.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'multipart/mixed' },
      body: JSON.stringify({ query: '{ product(id: "p-0001") { id ... @defer { price { amount } } } }' }),
    });
    const text = await response.text();
    hung.markClientGone();
    expect(response.status).toBe(200);
    expect(text).toContain('"data":{"product":{"id":"p-0001"}}');
    expect(text).toContain('"data":{"price":null}');
    expect(text).toContain('"reason":"UPSTREAM_TIMEOUT"');
    expect(hung.hung).toBe(1);

    await expect.poll(() => hung.closedAfterMs.length, { timeout: CANCEL_WITHIN_MS }).toBe(1);
    expect(hung.closedAfterMs[0]!).toBeLessThan(CANCEL_WITHIN_MS);
    await expect.poll(() => pricingOutcomes(h), { timeout: CANCEL_WITHIN_MS }).toEqual({ timeout: 1 });

    expect(metricValue(await scrape(h), 'ballast_bulkhead_in_use', { source: 'pricing' })).toBe(0);
    expect((await h.query(NAME_QUERY)).body).toEqual({ data: { product: { id: 'p-0001', name: 'Cozy Bamboo Trail Pack' } } });
  });
});
