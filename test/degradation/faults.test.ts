import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SourceName } from '../../src/config-schema.js';
import { FAULT_MATRIX } from '../helpers/fault-matrix.js';
import { startHarness } from '../helpers/harness.js';
import type { DegradedEntry, GraphQLResponse, Harness } from '../helpers/harness.js';

/**
 * Every source × every fault of the demo services: healthy fields stay exactly as in a healthy
 * answer, exactly the dependent fields degrade, with the right reason and fallback kind.
 */
const QUERY = `{
  products(first: 3) { nodes { id name price { amount } inventory { available status } rating { average count } } }
  cart(userId: "u-1") { totalQuantity items { quantity } }
  favorites(userId: "u-2") { id }
}`;

const TIMEOUT_MS = 400;

const FAULTS = FAULT_MATRIX;

type Data = {
  products: null | { nodes: Array<{ id: string; price: unknown; inventory: unknown; rating: unknown }> };
  cart: unknown;
  favorites: unknown;
};

const nodePaths = (field: string) => [0, 1, 2].map((index) => ['products', 'nodes', index, field]);

/** What each failing source does to the healthy answer, and what it must report. */
const EXPECTED: Partial<Record<SourceName, { data(healthy: Data): Data; degraded(reason: string): DegradedEntry[] }>> = {
  catalog: {
    // A failed page is null with its error, never an empty page; each favourite fails at its own
    // position (u-2 has three), so that list keeps its shape (docs/degradation.md).
    data: (healthy) => ({ ...healthy, products: null, favorites: [null, null, null] }),
    degraded: (reason) => [{ source: 'catalog', reason, fallback: 'NULL', paths: [['products'], ['favorites', 0], ['favorites', 1], ['favorites', 2]] }],
  },
  inventory: {
    data: (healthy) => ({ ...healthy, products: { nodes: healthy.products!.nodes.map((node) => ({ ...node, inventory: { available: null, status: 'UNKNOWN' } })) } }),
    degraded: (reason) => [{ source: 'inventory', reason, fallback: 'DEFAULT', paths: nodePaths('inventory') }],
  },
  pricing: {
    data: (healthy) => ({ ...healthy, products: { nodes: healthy.products!.nodes.map((node) => ({ ...node, price: null })) } }),
    degraded: (reason) => [{ source: 'pricing', reason, fallback: 'NULL', paths: nodePaths('price') }],
  },
  reviews: {
    data: (healthy) => ({ ...healthy, products: { nodes: healthy.products!.nodes.map((node) => ({ ...node, rating: null })) } }),
    degraded: (reason) => [{ source: 'reviews', reason, fallback: 'NULL', paths: nodePaths('rating') }],
  },
  cart: {
    data: (healthy) => ({ ...healthy, cart: null }),
    degraded: (reason) => [{ source: 'cart', reason, fallback: 'NULL', paths: [['cart']] }],
  },
  favorites: {
    data: (healthy) => ({ ...healthy, favorites: null }),
    degraded: (reason) => [{ source: 'favorites', reason, fallback: 'NULL', paths: [['favorites']] }],
  },
};

let harness: Harness;
let healthy: Data;

beforeAll(async () => {
  const policy = {
    timeoutMs: TIMEOUT_MS,
    attemptTimeoutMs: 200,
    maxStaleMs: 0,
    retry: { maxAttempts: 2, baseDelayMs: 5, maxDelayMs: 10 },
    breaker: { volumeThreshold: 100_000 },
  };
  harness = await startHarness({ sources: Object.fromEntries(Object.keys(EXPECTED).map((name) => [name, policy])) });
  const { body } = await harness.query(QUERY);
  expect(body.errors).toBeUndefined();
  healthy = body.data as Data;
});
afterAll(() => harness.close());
beforeEach(() => harness.reset());

/** Entries and the paths inside each in a fixed order: fields resolve in an order the faults' timing decides. */
function sortEntries(entries: DegradedEntry[] | undefined): DegradedEntry[] {
  const byJson = (a: unknown, b: unknown): number => JSON.stringify(a).localeCompare(JSON.stringify(b));
  return [...(entries ?? [])]
    .map((entry) => ({ ...entry, paths: [...entry.paths].sort(byJson) }))
    .sort((a, b) => `${a.source}${a.fallback}`.localeCompare(`${b.source}${b.fallback}`));
}

function nullPaths(response: GraphQLResponse): Array<{ path: unknown; code: unknown; source: unknown }> {
  return (response.body.errors ?? []).map((error) => ({ path: error.path, code: error.extensions?.code, source: error.extensions?.source }));
}

describe.each(Object.keys(EXPECTED) as SourceName[])('%s failing', (source) => {
  it.each(FAULTS)('%s: healthy fields complete, dependent fields degraded', async (_name, fault, reason) => {
    harness.service(source).setFault(fault);
    const started = performance.now();
    const response = await harness.query(QUERY);
    const elapsed = performance.now() - started;

    expect(response.status).toBe(200);
    expect(response.body.data).toEqual(EXPECTED[source]!.data(healthy));
    const expectedDegraded = EXPECTED[source]!.degraded(reason);
    expect(sortEntries(response.body.extensions?.degraded)).toEqual(sortEntries(expectedDegraded));
    const expectedErrors = expectedDegraded
      .filter((entry) => entry.fallback === 'NULL')
      .flatMap((entry) => entry.paths.map((path) => ({ path, code: reason, source })));
    expect(nullPaths(response)).toEqual(expect.arrayContaining(expectedErrors));
    expect(nullPaths(response)).toHaveLength(expectedErrors.length);
    // Generous slack: the bound is the source timeout, not the 1.5 s the fault would take.
    expect(elapsed).toBeLessThan(TIMEOUT_MS + 600);
  });
});

describe('one bad item in a good batch', () => {
  it('degrades only that product', async () => {
    harness.service('pricing').setFault({ badItemIds: ['p-0002'] });
    const { body } = await harness.query(`{ products(first: 3) { nodes { id price { amount } } } }`);
    const nodes = (body.data as Data).products!.nodes;
    expect(nodes.map((node) => node.price === null)).toEqual([false, true, false]);
    expect(body.extensions?.degraded).toEqual([{ source: 'pricing', reason: 'UPSTREAM_BAD_RESPONSE', fallback: 'NULL', paths: [['products', 'nodes', 1, 'price']] }]);
  });
});

describe('internal details stay inside', () => {
  it('never shows upstream URLs or stack traces in errors', async () => {
    harness.service('pricing').setFault({ reset: true });
    const response = await harness.query(QUERY);
    const text = JSON.stringify(response.body);
    expect(text).not.toContain('127.0.0.1');
    expect(text).not.toMatch(/at .*\.ts:\d+/);
  });
});
