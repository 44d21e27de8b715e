import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createDemoData } from '../../src/demo/data.js';
import { startHarness } from '../helpers/harness.js';
import type { DegradedEntry, Harness } from '../helpers/harness.js';

/**
 * Every field that shows a fallback is reported where the client sees it, in the form of
 * errors[].path (docs/architecture.md § Contract: degradation): a list entry at its own index, and
 * a product taken from a STALE page wherever it is shown again in the same request.
 */
const data = createDemoData();
const named = (id: string) => ({ id, name: data.productsById.get(id)!.name });
let harness: Harness;
beforeAll(async () => {
  harness = await startHarness({
    sources: { catalog: { maxStaleMs: 600_000, retry: { maxAttempts: 1 }, breaker: { volumeThreshold: 3, errorThresholdPercentage: 50, resetTimeoutMs: 60_000 } } },
  });
});
afterAll(() => harness.close());
beforeEach(() => harness.reset());

const NODES = `query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Product { name } } }`;
const byPath = (paths: DegradedEntry['paths']) => [...paths].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

describe('nodes(ids:) reports each degraded entry at its own index', () => {
  it('NULL: errors[] and degraded name the same entries', async () => {
    harness.service('catalog').setFault({ badItemIds: ['p-0202', 'p-0203'] });
    const { body } = await harness.query(NODES, { ids: ['p-0201', 'p-0202', 'p-0203'] });
    expect(body.data).toEqual({ nodes: [named('p-0201'), null, null] });
    expect(body.errors?.map((error) => ({ path: error.path, extensions: error.extensions }))).toEqual([1, 2].map((index) => ({ path: ['nodes', index], extensions: { code: 'UPSTREAM_BAD_RESPONSE', source: 'catalog' } })));
    expect(body.extensions?.degraded).toEqual([{ source: 'catalog', reason: 'UPSTREAM_BAD_RESPONSE', fallback: 'NULL', paths: [['nodes', 1], ['nodes', 2]] }]);
  });

  it('STALE: an entry with no error of its own is still named', async () => {
    const ids = ['p-0301', 'p-0302', 'p-0303'];
    expect((await harness.query(NODES, { ids })).body).toEqual({ data: { nodes: ids.map(named) } });
    harness.service('catalog').setFault({ badItemIds: ['p-0302', 'p-0303'] });
    const { body } = await harness.query(NODES, { ids });
    expect(body.data).toEqual({ nodes: ids.map(named) });
    expect(body.errors).toBeUndefined();
    expect(body.extensions?.degraded).toEqual([{ source: 'catalog', reason: 'UPSTREAM_BAD_RESPONSE', fallback: 'STALE', paths: [['nodes', 1], ['nodes', 2]], staleAgeMs: expect.any(Number) }]);
  });
});

describe("a STALE page's products shown again in the same request are reported there too", () => {
  // u-1's favorites are p-0100 and p-0113, its cart lines p-0001, p-0008 and p-0015: all but p-0113 on the first page of 100.
  const FAVORITES = ['p-0100', 'p-0113'];
  const CART = ['p-0001', 'p-0008', 'p-0015'];
  const PAGE_IDS = data.products.slice(0, 100).map((product) => product.id);
  const QUERY = `{
    products(first: 100) { nodes { id name } }
    favorites(userId: "u-1") { id name }
    cart(userId: "u-1") { items { product { id name } } }
  }`;

  it('favorites and cart lines taken from the page are STALE at their own paths', async () => {
    expect(data.favorites.get('u-1')).toEqual(FAVORITES);
    expect(data.carts.get('u-1')!.map((line) => line.productId)).toEqual(CART);
    // Known good values: the page, and each product by id.
    expect((await harness.query(`{ products(first: 100) { nodes { id } } }`)).body.errors).toBeUndefined();
    expect((await harness.query(`{ favorites(userId: "u-1") { id } cart(userId: "u-1") { items { product { id } } } }`)).body.errors).toBeUndefined();

    const breaker = harness.gateway.state.sources.pipelines.catalog.breaker!;
    harness.service('catalog').setFault({ errorRate: 1, errorStatus: 500 });
    for (let guard = 0; guard < 50 && breaker.state !== 'OPEN'; guard++) await harness.query(`{ product(id: "p-0999") { id } }`);
    expect(breaker.state).toBe('OPEN');
    harness.reset();

    const { body } = await harness.query(QUERY);
    expect(body.errors).toBeUndefined();
    expect(body.data).toEqual({
      products: { nodes: PAGE_IDS.map(named) },
      favorites: FAVORITES.map(named),
      cart: { items: CART.map((id) => ({ product: named(id) })) },
    });
    const degraded = body.extensions?.degraded ?? [];
    expect(degraded).toEqual([{ source: 'catalog', reason: 'CIRCUIT_OPEN', fallback: 'STALE', paths: expect.any(Array), staleAgeMs: expect.any(Number) }]);
    expect(byPath(degraded[0]!.paths)).toEqual(byPath([['products'], ['favorites', 0], ['favorites', 1], ...CART.map((_id, index) => ['cart', 'items', index, 'product'])]));
    expect(harness.service('catalog').requestCount).toBe(0);
  });
});
