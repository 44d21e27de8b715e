import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';
import { upstreamCart, upstreamFavorites, writesSeen } from './write-helpers.js';

/**
 * A write the service applied is reported as applied even when its answer's list is longer than
 * `security.maxListItems` (docs/degradation.md, "Writes"): the mutation field is not null, only
 * the list (`cart` / `favorites` of the payload) is null with LIST_TOO_LONG at its own path, and
 * the over-long list is never rendered (no catalog or pricing call). A client that took a null
 * mutation field for "not applied" and sent it again would apply it twice.
 */
const MAX = 3;
// Demo data (seed 42): u-1's cart has 3 lines, u-2's has 10; u-1's favorites are p-0100, p-0113.
let harness: Harness;
beforeAll(async () => {
  harness = await startHarness({ security: { maxListItems: MAX } });
});
beforeEach(() => harness.reset());
afterAll(() => harness.close());

type Line = { productId: string; quantity: number };

function tooLong(field: string, list: 'cart' | 'favorites', what: string, length: number) {
  return {
    message: `the ${what} has ${length} items, more than the ${MAX} Ballast reads from one answer`,
    path: [field, list],
    extensions: { code: 'LIST_TOO_LONG', source: list },
  };
}

/** The catalog and pricing were not asked for any of the list's items. */
function nothingRendered(): void {
  expect(harness.service('catalog').requestCount).toBe(0);
  expect(harness.service('pricing').requestCount).toBe(0);
}

const PAYLOAD_CART = 'cart { userId totalQuantity subtotal { amount } items { quantity product { id name } } }';

describe('a cart write whose answer is over security.maxListItems', () => {
  const cases: Array<{ field: string; userId: string; args: string; method: string; path: string; expected(before: Line[]): Line[] }> = [
    {
      field: 'addToCart', userId: 'u-1', args: 'productId: "p-0002", quantity: 2', method: 'POST', path: '/carts/u-1/lines',
      expected: (before) => [...before, { productId: 'p-0002', quantity: 2 }],
    },
    {
      field: 'updateCartLine', userId: 'u-2', args: 'productId: "p-0777", quantity: 4', method: 'PUT', path: '/carts/u-2/lines/p-0777',
      expected: (before) => [...before, { productId: 'p-0777', quantity: 4 }],
    },
    {
      field: 'removeFromCart', userId: 'u-2', args: 'productId: "p-0777"', method: 'DELETE', path: '/carts/u-2/lines/p-0777',
      expected: (before) => before.filter((line) => line.productId !== 'p-0777'),
    },
  ];

  for (const { field, userId, args, method, path, expected } of cases) {
    it(`${field}: applied once, the field not null, only its cart null with LIST_TOO_LONG`, async () => {
      const cart = harness.service('cart');
      const before = await upstreamCart(cart, userId);
      const after = expected(before);
      expect(after.length).toBeGreaterThan(MAX);
      cart.resetLog();

      const response = await harness.query(`mutation { ${field}(userId: "${userId}", ${args}) { __typename ${PAYLOAD_CART} } }`);
      expect(response.status).toBe(200);
      const typename = `${field[0]!.toUpperCase()}${field.slice(1)}Payload`;
      expect(response.body.data).toEqual({ [field]: { __typename: typename, cart: null } });
      expect(response.body.errors?.map(({ message, path: errorPath, extensions }) => ({ message, path: errorPath, extensions }))).toEqual([
        tooLong(field, 'cart', `cart of ${userId}`, after.length),
      ]);
      // A refusal, not a degradation: nothing failed upstream.
      expect(response.body.extensions?.degraded).toBeUndefined();
      expect(writesSeen(cart).map((write) => [write.method, write.url])).toEqual([[method, path]]);
      expect(await upstreamCart(cart, userId)).toEqual(after);
      nothingRendered();
    });
  }

  it('the bound still holds for a later read of the written cart (after the write above: the service now holds more lines than the bound)', async () => {
    const cart = harness.service('cart');
    const lines = (await upstreamCart(cart, 'u-1')).length;
    expect(lines).toBeGreaterThan(MAX);
    const read = await harness.query('{ cart(userId: "u-1") { totalQuantity items { product { id } } } }');
    expect(read.body.data).toEqual({ cart: null });
    expect(read.body.errors?.map((error) => error.extensions)).toEqual([{ code: 'LIST_TOO_LONG', source: 'cart' }]);
    nothingRendered();
  });
});

describe('a favorites write whose answer is over security.maxListItems', () => {
  it('addFavorite and removeFavorite: applied once each, the fields not null, only their favorites null with LIST_TOO_LONG', async () => {
    const favorites = harness.service('favorites');
    expect(await upstreamFavorites(favorites, 'u-1')).toEqual(['p-0100', 'p-0113']);
    favorites.resetLog();

    const added = await harness.query('mutation { addFavorite(userId: "u-1", productId: "p-0003") { favorites { id } } more: addFavorite(userId: "u-1", productId: "p-0004") { favorites { id } } }');
    expect(added.body.data).toEqual({ addFavorite: { favorites: [{ id: 'p-0100' }, { id: 'p-0113' }, { id: 'p-0003' }] }, more: { favorites: null } });
    expect(added.body.errors?.map(({ message, path, extensions }) => ({ message, path, extensions }))).toEqual([tooLong('more', 'favorites', 'favorites of u-1', 4)]);

    const removed = await harness.query('mutation { removeFavorite(userId: "u-1", productId: "p-9000") { favorites { id } } }');
    expect(removed.body.data).toEqual({ removeFavorite: { favorites: null } });
    expect(removed.body.errors?.map(({ message, path, extensions }) => ({ message, path, extensions }))).toEqual([tooLong('removeFavorite', 'favorites', 'favorites of u-1', 4)]);

    expect(writesSeen(favorites).map((write) => [write.method, write.url])).toEqual([
      ['PUT', '/favorites/u-1/p-0003'], ['PUT', '/favorites/u-1/p-0004'], ['DELETE', '/favorites/u-1/p-9000'],
    ]);
    expect(await upstreamFavorites(favorites, 'u-1')).toEqual(['p-0100', 'p-0113', 'p-0003', 'p-0004']);
    // Only the first payload's three products were asked for; the over-long list never was.
    expect(harness.service('catalog').requests.map((request) => request.url)).toEqual(['/products?ids=p-0100,p-0113,p-0003']);
  });
});
