import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';
import { upstreamCount } from './helpers.js';

/**
 * With a source's breaker open, every field of it falls back at once, and the refusal is counted
 * once per request (not once per field): `ballast_upstream_requests_total{outcome="circuit_open"}`
 * counts calls not made, and one request would have made one batched call (docs/observability.md).
 * Mutation testing found the "once" unheld (docs/testing.md).
 */
const PAGE = `{ products(first: 3) { nodes { id inventory { status } } } }`;
let harness: Harness;

beforeAll(async () => {
  harness = await startHarness({
    sources: { inventory: { maxStaleMs: 0, retry: { maxAttempts: 1 }, breaker: { volumeThreshold: 2, errorThresholdPercentage: 50, resetTimeoutMs: 60_000 } } },
  });
});
afterAll(() => harness.close());

describe('an open breaker', () => {
  it('answers every field of the page with its DEFAULT and counts one refusal per request', async () => {
    harness.service('inventory').setFault({ errorRate: 1, errorStatus: 500 });
    await expect.poll(async () => (await harness.query(PAGE)).body.extensions?.degraded?.[0]?.reason, { timeout: 10_000 }).toBe('CIRCUIT_OPEN');
    const before = (await upstreamCount(harness, 'inventory', 'circuit_open')) ?? 0;
    const sentBefore = harness.service('inventory').requestCount;

    const response = await harness.query(PAGE);

    expect(response.body.data).toEqual({ products: { nodes: ['p-0001', 'p-0002', 'p-0003'].map((id) => ({ id, inventory: { status: 'UNKNOWN' } })) } });
    expect(response.body.extensions?.degraded).toEqual([
      { source: 'inventory', reason: 'CIRCUIT_OPEN', fallback: 'DEFAULT', paths: [0, 1, 2].map((index) => ['products', 'nodes', index, 'inventory']) },
    ]);
    expect(await upstreamCount(harness, 'inventory', 'circuit_open')).toBe(before + 1);
    expect(harness.service('inventory').requestCount).toBe(sentBefore);
    // The gateway keeps serving what does not need inventory.
    expect((await harness.query(`{ products(first: 1) { nodes { id } } }`)).body).toEqual({ data: { products: { nodes: [{ id: 'p-0001' }] } } });
  });
});
