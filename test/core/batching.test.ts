import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { requestedUrls, startHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(() => harness.close());
beforeEach(() => harness.reset());

const upstreamCounts = (): Record<string, number> =>
  Object.fromEntries(Object.entries(harness.demo.services).map(([name, service]) => [name, service.requestCount]));

describe('batching, counted at the demo services', () => {
  it('answers 20 products with price and inventory in exactly 3 upstream requests', async () => {
    const { status, body } = await harness.query(`{ products(first: 20) { nodes { id name price { amount } inventory { available status } } } }`);
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    const nodes = (body.data!.products as { nodes: Array<{ id: string; price: { amount: number }; inventory: { status: string } }> }).nodes;
    expect(nodes).toHaveLength(20);
    expect(nodes.every((node) => node.price.amount > 0 && node.inventory.status !== 'UNKNOWN')).toBe(true);
    expect(upstreamCounts()).toEqual({ catalog: 1, inventory: 1, pricing: 1, reviews: 0, cart: 0, favorites: 0, shipping: 0 });
    expect(requestedUrls(harness.service('pricing'))).toEqual([`/prices?ids=${nodes.map((node) => node.id).join(',')}&currency=USD`]);
  });

  // Query.products and Cart.items load their items' fields ahead (src/resolvers/prefetch.ts):
  // never for a field the query does not select, nor for one it might skip.
  it.each([
    ['only price selected', `{ products(first: 5) { nodes { id price { amount } } } }`, { pricing: 1, inventory: 0 }],
    ['inventory skipped', `{ products(first: 5) { nodes { id price { amount } inventory @skip(if: true) { status } } } }`, { pricing: 1, inventory: 0 }],
    ['inventory included by a variable-free @include(if: false)', `{ products(first: 5) { edges { node { id inventory @include(if: false) { status } } } } }`, { pricing: 0, inventory: 0 }],
    ['fields inside a fragment', `{ products(first: 5) { nodes { ...Stock } } } fragment Stock on Product { inventory { status } }`, { pricing: 0, inventory: 1 }],
  ])('loads ahead only what is selected: %s', async (_name, query, expected) => {
    const { body } = await harness.query(query);
    expect(body.errors).toBeUndefined();
    expect(upstreamCounts()).toMatchObject({ catalog: 1, ...expected });
  });

  it('makes 1 cart + 1 catalog + 1 pricing request for a cart of N lines', async () => {
    const { body } = await harness.query(`{ cart(userId: "u-2") { totalQuantity subtotal { amount } items { quantity product { name price { amount } } } } }`);
    expect(body.errors).toBeUndefined();
    const cart = body.data!.cart as { items: Array<{ quantity: number; product: { price: { amount: number } } }>; subtotal: { amount: number } };
    expect(cart.items).toHaveLength(10);
    const expected = cart.items.reduce((sum, line) => sum + line.quantity * line.product.price.amount, 0);
    expect(cart.subtotal.amount).toBe(expected);
    expect(upstreamCounts()).toEqual({ catalog: 1, inventory: 0, pricing: 1, reviews: 0, cart: 1, favorites: 0, shipping: 0 });
  });

  it('asks upstream once for a key requested twice in one query', async () => {
    const { body } = await harness.query(`{ a: product(id: "p-0007") { name price { amount } } b: product(id: "p-0007") { name price { amount } } }`);
    expect(body.data).toEqual({ a: body.data!.b, b: body.data!.a });
    expect(requestedUrls(harness.service('catalog'))).toEqual(['/products?ids=p-0007']);
    expect(requestedUrls(harness.service('pricing'))).toEqual(['/prices?ids=p-0007&currency=USD']);
  });

  it('resolves favorites through one catalog batch', async () => {
    const { body } = await harness.query(`{ favorites(userId: "u-3") { id name } }`);
    expect((body.data!.favorites as unknown[]).length).toBe(4);
    expect(upstreamCounts()).toMatchObject({ favorites: 1, catalog: 1 });
  });

  it('splits batches larger than maxBatchSize', async () => {
    const small = await startHarness({ sources: { pricing: { maxBatchSize: 8 } } });
    try {
      await small.query(`{ products(first: 20) { nodes { price { amount } } } }`);
      expect(small.service('pricing').requestCount).toBe(3);
    } finally {
      await small.close();
    }
  });

  it('opens at most a source\'s `connections` sockets to its origin', async () => {
    const narrow = await startHarness({ sources: { inventory: { connections: 1 } } });
    try {
      narrow.service('inventory').setFault({ latencyMs: 100 });
      await Promise.all(['p-0001', 'p-0002', 'p-0003', 'p-0004'].map((id) => narrow.query(`{ product(id: "${id}") { inventory { status } } }`)));
      const stats = narrow.gateway.client.stats();
      expect(stats[new URL(narrow.demo.urls.inventory!).origin]!.connected).toBe(1);
      expect(stats[new URL(narrow.demo.urls.catalog!).origin]!.connected).toBeGreaterThan(1);
    } finally {
      await narrow.close();
    }
  });
});
