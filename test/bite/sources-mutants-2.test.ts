import { afterEach, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config.js';
import { ALL_SOURCE_NAMES } from '../../src/declared/names.js';
import type { StaleStore } from '../../src/degradation/stale-cache.js';
import { UpstreamClient } from '../../src/http/upstream-client.js';
import { createSources } from '../../src/sources/bind.js';
import type { SourceRegistry } from '../../src/sources/bind.js';
import { cartWrites } from '../../src/sources/cart.js';
import { favoritesWrites } from '../../src/sources/favorites.js';
import { SOURCE_NAMES } from '../../src/sources/names.js';
import { assertUniqueOperationNames, SOURCES, urlVariableOf } from '../../src/sources/registry.js';
import { IDEMPOTENCY_KEY_HEADER, withIdempotencyKey } from '../../src/sources/write.js';

/**
 * The sources' composition (src/sources/bind.ts, registry.ts, write.ts): which policy each bound
 * operation takes, what it hands a shared stale store, the registry's own checks, and the exact
 * calls the write declarations make. Mutation testing found these unheld (docs/testing.md).
 */
// Every configured source, the declared ones (schema/*.graphql `@rest`) too, needs a base URL.
const baseUrls = Object.fromEntries(ALL_SOURCE_NAMES.map((name, index) => [name, new URL(`http://127.0.0.1:${9000 + index}`)])) as Parameters<typeof createSources>[1];
const registries: SourceRegistry[] = [];
afterEach(async () => {
  await Promise.all(registries.splice(0).map((registry) => registry.shutdown()));
});

/** A host store that records what it is handed. */
function recordingStore(): StaleStore & { writes: Array<[string, unknown, number, number]> } {
  const writes: Array<[string, unknown, number, number]> = [];
  return { writes, get: async () => undefined, set: (key, value, storedAt, ttlMs) => (writes.push([key, value, storedAt, ttlMs]), true), close: async () => undefined };
}

describe('the registry', () => {
  it('lists the six sources in display order, the same as the names', () => {
    expect(SOURCES.map((source) => source.name)).toEqual(['catalog', 'inventory', 'pricing', 'cart', 'favorites', 'reviews']);
    expect([...SOURCE_NAMES]).toEqual(['catalog', 'inventory', 'pricing', 'cart', 'favorites', 'reviews']);
  });

  it('refuses two sources declaring the same operation name, naming both', () => {
    const sources = [
      { name: 'one', operations: { price: {}, stock: {} } },
      { name: 'two', operations: { rating: {} } },
      { name: 'three', operations: { stock: {} } },
    ];
    expect(() => assertUniqueOperationNames(sources)).toThrow(
      new Error('operation name "stock" is declared by both one and three: operation names must be unique across sources'),
    );
    expect(() => assertUniqueOperationNames(sources.slice(0, 2))).not.toThrow();
  });

  it("names a source's URL variable as the source declares it, and NAME_URL for any other", () => {
    expect(SOURCES.map((source) => urlVariableOf(source.name))).toEqual(['CATALOG_URL', 'INVENTORY_URL', 'PRICING_URL', 'CART_URL', 'FAVORITES_URL', 'REVIEWS_URL']);
    expect(urlVariableOf('shipping')).toBe('SHIPPING_URL');
  });
});

describe('createSources', () => {
  it("binds each operation to its own source's pipeline, with that source's stale policy", () => {
    const config = resolveConfig({ sources: { pricing: { maxStaleMs: 1_234, staleMaxEntries: 1 } } });
    const registry = createSources(config, baseUrls, new UpstreamClient());
    registries.push(registry);
    const { price, productById, cart } = registry.operations;
    expect([price.source, productById.source, cart.source]).toEqual(['pricing', 'catalog', 'cart']);
    expect(price.pipeline).toBe(registry.pipelines.pricing);
    expect(cart.pipeline).toBe(registry.pipelines.cart);
    expect(Object.keys(registry.pipelines)).toEqual(expect.arrayContaining([...SOURCE_NAMES]));
    price.stale.set('p-1', { productId: 'p-1', amount: 1, currency: 'USD' }, 10_000);
    price.stale.set('p-2', { productId: 'p-2', amount: 2, currency: 'USD' }, 10_000);
    // staleMaxEntries 1: the first is gone; maxStaleMs 1,234: served at exactly that age, not after.
    expect(price.stale.size).toBe(1);
    expect(price.stale.get('p-2', 11_234)?.ageMs).toBe(1_234);
    expect(price.stale.get('p-2', 11_235)).toBeUndefined();
    expect(registry.sharedStore).toBeUndefined();
    expect(price.stale.shared).toBe(false);
  });

  it("hands a host store each operation's values under `operation:`, at the cluster's write interval", () => {
    const config = resolveConfig({ cluster: { staleWriteIntervalMs: 500 } });
    const store = recordingStore();
    const registry = createSources(config, baseUrls, new UpstreamClient(), [], store);
    registries.push(registry);
    const { price, inventory } = registry.operations;
    expect(price.stale.shared).toBe(true);
    price.stale.set('p-1', { productId: 'p-1', amount: 1, currency: 'USD' }, 10_000);
    price.stale.set('p-1', { productId: 'p-1', amount: 2, currency: 'USD' }, 10_499);
    price.stale.set('p-1', { productId: 'p-1', amount: 3, currency: 'USD' }, 10_500);
    inventory.stale.set('p-1', { productId: 'p-1', available: 4 }, 10_000);
    expect(store.writes.map(([key, value, storedAt, ttl]) => [key, value, storedAt, ttl])).toEqual([
      ['price:p-1', { productId: 'p-1', amount: 1, currency: 'USD' }, 10_000, config.sources.pricing.maxStaleMs],
      ['price:p-1', { productId: 'p-1', amount: 3, currency: 'USD' }, 10_500, config.sources.pricing.maxStaleMs],
      ['inventory:p-1', { productId: 'p-1', available: 4 }, 10_000, config.sources.inventory.maxStaleMs],
    ]);
  });
});

describe('write declarations', () => {
  it('withIdempotencyKey sends the key in the idempotency-key header and lets the write be retried', () => {
    const parse = (): null => null;
    const spec = { method: 'DELETE' as const, path: '/favorites/u-1/p-1', route: '/favorites/{userId}/{productId}', parse };
    expect(IDEMPOTENCY_KEY_HEADER).toBe('idempotency-key');
    expect(withIdempotencyKey(spec, 'k-1')).toEqual({ ...spec, idempotent: true, headers: { 'idempotency-key': 'k-1' } });
  });

  it('the cart and favorites writes name their method, path, route and body exactly', () => {
    const shapes = [
      cartWrites.addLine('u-1', 'p-1', 2),
      cartWrites.setLine('u-1', 'p-1', 3),
      cartWrites.removeLine('u-1', 'p-1'),
      favoritesWrites.add('u-1', 'p-1'),
      favoritesWrites.remove('u-1', 'p-1'),
    ].map(({ method, path, route, body }) => ({ method, path, route, body }));
    expect(shapes).toEqual([
      { method: 'POST', path: '/carts/u-1/lines', route: '/carts/{userId}/lines', body: { productId: 'p-1', quantity: 2 } },
      { method: 'PUT', path: '/carts/u-1/lines/p-1', route: '/carts/{userId}/lines/{productId}', body: { quantity: 3 } },
      { method: 'DELETE', path: '/carts/u-1/lines/p-1', route: '/carts/{userId}/lines/{productId}', body: undefined },
      { method: 'PUT', path: '/favorites/u-1/p-1', route: '/favorites/{userId}/{productId}', body: undefined },
      { method: 'DELETE', path: '/favorites/u-1/p-1', route: '/favorites/{userId}/{productId}', body: undefined },
    ]);
  });

  it("a write's answer must be the cart of the user written to", () => {
    const parse = cartWrites.addLine('u-1', 'p-1', 1).parse;
    expect(parse({ status: 200, body: { userId: 'u-1', items: [{ productId: 'p-1', quantity: 1 }] } })).toEqual({ userId: 'u-1', items: [{ productId: 'p-1', quantity: 1 }] });
    expect(() => parse({ status: 200, body: { userId: 'u-2', items: [] } })).toThrow(/u-2/);
    const favorites = favoritesWrites.remove('u-1', 'p-1').parse;
    expect(favorites({ status: 200, body: { userId: 'u-1', productIds: ['p-2'] } })).toEqual({ userId: 'u-1', productIds: ['p-2'] });
    expect(() => favorites({ status: 200, body: { userId: 'u-3', productIds: [] } })).toThrow(/u-3/);
  });
});
