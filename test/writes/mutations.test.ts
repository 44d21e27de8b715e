import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';
import { CART_FIELDS, linesOf, upstreamCart, upstreamFavorites, writesSeen } from './write-helpers.js';

// Demo data (seed 42): u-1's cart is p-0001 ×1, p-0008 ×2, p-0015 ×3; its favorites p-0100, p-0113.
const UUID = /^[\da-f]{8}-[\da-f]{4}-4[\da-f]{3}-[89ab][\da-f]{3}-[\da-f]{12}$/;

describe('every mutation end to end, against the state the demo services hold', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness({ sources: { cart: { maxStaleMs: 60_000 }, favorites: { maxStaleMs: 60_000 } } });
  });
  afterEach(() => harness.reset());
  afterAll(() => harness.close());

  it('cart writes: add, add to an existing line, set, remove; payload, upstream and a new read agree', async () => {
    const cart = harness.service('cart');
    const added = await harness.query(`mutation { a: addToCart(userId: "u-1", productId: "p-0002", quantity: 2) { ${CART_FIELDS} } b: addToCart(userId: "u-1", productId: "p-0008", quantity: 3) { ${CART_FIELDS} } }`);
    expect(added.body.errors).toBeUndefined();
    const afterAdd = [{ productId: 'p-0001', quantity: 1 }, { productId: 'p-0008', quantity: 5 }, { productId: 'p-0015', quantity: 3 }, { productId: 'p-0002', quantity: 2 }];
    const data = added.body.data as Record<'a' | 'b', { cart: { userId: string; totalQuantity: number; items: Array<{ quantity: number; product: { id: string } }> } }>;
    expect(data.a.cart.userId).toBe('u-1');
    expect(linesOf(data.a.cart)).toEqual([{ productId: 'p-0001', quantity: 1 }, { productId: 'p-0008', quantity: 2 }, { productId: 'p-0015', quantity: 3 }, { productId: 'p-0002', quantity: 2 }]);
    expect(linesOf(data.b.cart)).toEqual(afterAdd);
    expect(data.b.cart.totalQuantity).toBe(11);
    const writes = writesSeen(cart);
    expect(writes.map(({ method, url }) => [method, url])).toEqual([['POST', '/carts/u-1/lines'], ['POST', '/carts/u-1/lines']]);
    // A fresh key per mutation field when the client sent none.
    expect(writes[0]!.key).toMatch(UUID);
    expect(writes[1]!.key).toMatch(UUID);
    expect(writes[0]!.key).not.toBe(writes[1]!.key);
    // The payload's cart came from the writes' answers: no GET was needed.
    expect(cart.requests.filter((request) => request.method === 'GET')).toEqual([]);
    expect(await upstreamCart(cart, 'u-1')).toEqual(afterAdd);

    const updated = await harness.query(`mutation { updateCartLine(userId: "u-1", productId: "p-0001", quantity: 7) { ${CART_FIELDS} } }`);
    const afterUpdate = [{ productId: 'p-0001', quantity: 7 }, ...afterAdd.slice(1)];
    expect(linesOf((updated.body.data!.updateCartLine as { cart: Parameters<typeof linesOf>[0] }).cart)).toEqual(afterUpdate);
    expect(await upstreamCart(cart, 'u-1')).toEqual(afterUpdate);

    const removed = await harness.query(`mutation { removeFromCart(userId: "u-1", productId: "p-0015") { ${CART_FIELDS} } }`);
    const afterRemove = afterUpdate.filter((line) => line.productId !== 'p-0015');
    expect(linesOf((removed.body.data!.removeFromCart as { cart: Parameters<typeof linesOf>[0] }).cart)).toEqual(afterRemove);
    expect(await upstreamCart(cart, 'u-1')).toEqual(afterRemove);
    expect(writesSeen(cart).map(({ method, url }) => [method, url])).toEqual([
      ['POST', '/carts/u-1/lines'], ['POST', '/carts/u-1/lines'], ['PUT', '/carts/u-1/lines/p-0001'], ['DELETE', '/carts/u-1/lines/p-0015'],
    ]);

    const read = await harness.query(`{ ${CART_FIELDS.replace('cart', 'cart(userId: "u-1")')} }`);
    expect(read.body.errors).toBeUndefined();
    expect(linesOf(read.body.data!.cart as Parameters<typeof linesOf>[0])).toEqual(afterRemove);
    expect((read.body.data!.cart as { totalQuantity: number }).totalQuantity).toBe(14);
  });

  it('favorite writes: add, add again (no duplicate), remove; payload, upstream and a new read agree', async () => {
    const favorites = harness.service('favorites');
    const added = await harness.query(`mutation { addFavorite(userId: "u-1", productId: "p-0003") { favorites { id } } again: addFavorite(userId: "u-1", productId: "p-0003") { favorites { id } } }`);
    expect(added.body.errors).toBeUndefined();
    const ids = (payload: unknown): string[] => (payload as { favorites: Array<{ id: string }> }).favorites.map((product) => product.id);
    expect(ids(added.body.data!.addFavorite)).toEqual(['p-0100', 'p-0113', 'p-0003']);
    expect(ids(added.body.data!.again)).toEqual(['p-0100', 'p-0113', 'p-0003']);
    expect(await upstreamFavorites(favorites, 'u-1')).toEqual(['p-0100', 'p-0113', 'p-0003']);

    const removed = await harness.query(`mutation { removeFavorite(userId: "u-1", productId: "p-0100") { favorites { id name } } }`);
    expect(ids(removed.body.data!.removeFavorite)).toEqual(['p-0113', 'p-0003']);
    expect(await upstreamFavorites(favorites, 'u-1')).toEqual(['p-0113', 'p-0003']);
    expect(writesSeen(favorites).map(({ method, url }) => [method, url])).toEqual([['PUT', '/favorites/u-1/p-0003'], ['PUT', '/favorites/u-1/p-0003'], ['DELETE', '/favorites/u-1/p-0100']]);

    const read = await harness.query('{ favorites(userId: "u-1") { id } }');
    expect((read.body.data!.favorites as Array<{ id: string }>).map((product) => product.id)).toEqual(['p-0113', 'p-0003']);
  });

  it('a product the cart service does not know: the service refuses it (422), sent once, the field null with its status', async () => {
    const cart = harness.service('cart');
    const response = await harness.query('mutation { addToCart(userId: "u-5", productId: "p-9999", quantity: 1) { cart { totalQuantity } } }');
    expect(response.body.data).toEqual({ addToCart: null });
    expect(response.body.errors!.map((error) => error.extensions)).toEqual([{ code: 'UPSTREAM_BAD_RESPONSE', source: 'cart', upstreamStatus: 422 }]);
    expect(writesSeen(cart)).toHaveLength(1);
    expect(await upstreamCart(cart, 'u-5')).toEqual([{ productId: 'p-0201', quantity: 2 }, { productId: 'p-0208', quantity: 3 }, { productId: 'p-0215', quantity: 1 }, { productId: 'p-0222', quantity: 2 }, { productId: 'p-0229', quantity: 3 }]);
  });

  it('a degraded read after a write serves the written value as STALE, never the older one', async () => {
    const cart = harness.service('cart');
    await harness.query('{ cart(userId: "u-3") { totalQuantity } }');
    const written = await harness.query(`mutation { addToCart(userId: "u-3", productId: "p-0004", quantity: 4) { ${CART_FIELDS} } }`);
    expect(written.body.errors).toBeUndefined();
    const expected = await upstreamCart(cart, 'u-3');
    expect(expected).toContainEqual({ productId: 'p-0004', quantity: 4 });
    cart.setFault({ errorRate: 1 });
    const degraded = await harness.query(`{ ${CART_FIELDS.replace('cart', 'cart(userId: "u-3")')} }`);
    expect(linesOf(degraded.body.data!.cart as Parameters<typeof linesOf>[0])).toEqual(expected);
    expect(degraded.body.extensions!.degraded!.map(({ source, fallback }) => ({ source, fallback }))).toEqual([{ source: 'cart', fallback: 'STALE' }]);
  });
});
