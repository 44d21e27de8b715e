import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SourceName } from '../../src/config-schema.js';
import { startHarness } from '../helpers/harness.js';
import type { DegradedEntry, Harness } from '../helpers/harness.js';

/**
 * The fault matrix of test/degradation/faults.test.ts runs with stale values and the breaker off;
 * this one covers the two fallbacks it cannot see, per source: STALE (the last good answer,
 * exactly) and CIRCUIT_OPEN (refused without calling the source).
 */
const QUERY = `{
  products(first: 3) { nodes { id name price { amount } inventory { available status } rating { average count } } }
  cart(userId: "u-1") { totalQuantity items { quantity } }
  favorites(userId: "u-2") { id }
}`;

const nodePaths = (field: string): Array<Array<string | number>> => [0, 1, 2].map((index) => ['products', 'nodes', index, field]);

/** The fields each source feeds in QUERY (as in the fault matrix; a scaffolded source is not in QUERY). */
const PATHS: Partial<Record<SourceName, Array<Array<string | number>>>> = {
  catalog: [['products'], ['favorites', 0], ['favorites', 1], ['favorites', 2]],
  inventory: nodePaths('inventory'),
  pricing: nodePaths('price'),
  reviews: nodePaths('rating'),
  cart: [['cart']],
  favorites: [['favorites']],
};
const SOURCES = Object.keys(PATHS) as SourceName[];
const failing = { errorRate: 1, errorStatus: 500 };

describe('STALE per source: a failing source serves its last good values, exactly', () => {
  let harness: Harness;
  let healthy: unknown;
  beforeAll(async () => {
    const policy = { maxStaleMs: 60_000, retry: { maxAttempts: 1 }, breaker: { enabled: false } };
    harness = await startHarness({ sources: Object.fromEntries(SOURCES.map((name) => [name, policy])) });
    const warm = await harness.query(QUERY);
    expect(warm.body.errors).toBeUndefined();
    healthy = warm.body.data;
  });
  afterEach(() => harness.reset());
  afterAll(() => harness.close());

  it.each(SOURCES)('%s', async (source) => {
    harness.service(source).setFault(failing);
    const { body } = await harness.query(QUERY);
    expect(harness.service(source).requestCount).toBeGreaterThan(0);
    expect(body.data).toEqual(healthy);
    expect(body.errors).toBeUndefined();
    const degraded = body.extensions?.degraded as DegradedEntry[];
    expect(degraded.map(({ staleAgeMs: _age, ...entry }) => entry)).toEqual([{ source, reason: 'UPSTREAM_UNAVAILABLE', fallback: 'STALE', paths: PATHS[source]! }]);
    expect(degraded[0]!.staleAgeMs).toBeGreaterThanOrEqual(0);
    expect(degraded[0]!.staleAgeMs).toBeLessThan(60_000);
  });
});

describe('CIRCUIT_OPEN per source: once open, the source is not called and its fields fall back', () => {
  // A gateway per source: an open catalog breaker would hide every product-level source.
  let harness: Harness;
  let healthy: Record<string, unknown>;
  beforeEach(async () => {
    const policy = { maxStaleMs: 0, retry: { maxAttempts: 1 }, breaker: { volumeThreshold: 2, errorThresholdPercentage: 50, resetTimeoutMs: 60_000 } };
    harness = await startHarness({ sources: Object.fromEntries(SOURCES.map((name) => [name, policy])) });
    healthy = (await harness.query(QUERY)).body.data!;
  });
  afterEach(async () => {
    harness.reset();
    await harness.close();
  });

  it.each(SOURCES)('%s', async (source) => {
    const service = harness.service(source);
    service.setFault(failing);
    const reasons = async (): Promise<string[]> => ((await harness.query(QUERY)).body.extensions?.degraded ?? []).filter((entry) => entry.source === source).map((entry) => entry.reason);
    await expect.poll(reasons, { timeout: 5000, interval: 1 }).toEqual(['CIRCUIT_OPEN']);
    // Healed upstream, open breaker: still refused, and the source sees no request at all.
    service.clearFault();
    service.resetLog();
    const { body } = await harness.query(QUERY);
    expect(service.requestCount).toBe(0);
    const entries = (body.extensions?.degraded ?? []).filter((entry) => entry.source === source);
    expect(entries.map((entry) => [entry.reason, entry.paths])).toEqual([['CIRCUIT_OPEN', PATHS[source]!]]);
    // Fields of the other sources are untouched.
    const data = body.data as Record<string, unknown>;
    if (source === 'cart') expect({ ...data, cart: healthy.cart }).toEqual(healthy);
    if (source === 'favorites') expect({ ...data, favorites: healthy.favorites }).toEqual(healthy);
    // Each favourite fails at its own position, as with any other catalog failure (docs/degradation.md).
    if (source === 'catalog') expect(data.favorites).toEqual([null, null, null]);
  });
});
