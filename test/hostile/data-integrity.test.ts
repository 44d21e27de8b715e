import fc from 'fast-check';
import { z } from 'zod';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createDemoData } from '../../src/demo/data.js';
import { UpstreamBadResponseError } from '../../src/errors.js';
import { itemsByKey } from '../../src/sources/batch-response.js';
import { GRAPHQL_INT_MAX, nonNegativeInt32 } from '../../src/sources/int32.js';
import { startHarness } from '../helpers/harness.js';
import type { GraphQLResponse, Harness } from '../helpers/harness.js';

/**
 * Upstreams that answer well-formed but wrong (another currency, numbers past GraphQL's Int,
 * negative amounts, an item twice, items nobody can match): the wrong item is degraded and
 * reported exactly like any bad item, never shown as right; every other value is exactly what
 * the upstream holds. docs/degradation.md, "Wrong answers".
 */
const data = createDemoData();
const usd = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' });
const priceOf = (id: string) => {
  const amount = data.prices.get(id)!;
  return { amount, currency: 'USD', formatted: usd.format(amount / 100) };
};
const stockOf = (id: string) => {
  const available = data.stock.get(id)!;
  return { available, status: available === 0 ? 'OUT_OF_STOCK' : available <= 5 ? 'LOW_STOCK' : 'IN_STOCK' };
};
const productOf = (id: string) => ({ id, name: data.productsById.get(id)!.name });

const PAGE = `{ products(first: 3) { nodes { id name price { amount currency formatted } inventory { available status } } } }`;
const PAGE_IDS = ['p-0001', 'p-0002', 'p-0003'];
const healthyNode = (id: string) => ({ ...productOf(id), price: priceOf(id), inventory: stockOf(id) });

/** u-1's cart as the demo holds it: p-0001 ×1, p-0008 ×2, p-0015 ×3. */
const CART = `{ cart(userId: "u-1") { totalQuantity subtotal { amount currency formatted } items { quantity product { id price { amount currency } } } } }`;
const cartLines = data.carts.get('u-1')!;

/** u-2's favourites as the demo holds them: p-0131, p-0144, p-0157. */
const FAVORITES = `{ favorites(userId: "u-2") { id name } }`;
const favoriteIds = data.favorites.get('u-2')!;

function errorsOf(response: GraphQLResponse): Array<{ path: unknown; code: unknown; source: unknown }> {
  return (response.body.errors ?? []).map((error) => ({ path: error.path, code: error.extensions?.code, source: error.extensions?.source }));
}

const badResponse = (source: string, fallback: 'NULL' | 'DEFAULT', paths: Array<Array<string | number>>) => ({ source, reason: 'UPSTREAM_BAD_RESPONSE', fallback, paths });

let harness: Harness;

beforeAll(async () => {
  // No stale values: each test sees exactly what the upstream answers now. Generous time limits:
  // on a busy machine a timeout must not pass for the bad answer under test.
  const policy = { maxStaleMs: 0, timeoutMs: 5000, attemptTimeoutMs: 5000, retry: { maxAttempts: 1 } };
  const fieldTimeouts = { 'Product.price': 5000, 'Product.inventory': 5000, 'Product.rating': 5000, 'Cart.subtotal': 5000 };
  harness = await startHarness({
    deadlineMs: 10_000,
    fieldTimeouts,
    sources: Object.fromEntries(['catalog', 'inventory', 'pricing', 'cart', 'favorites', 'reviews'].map((name) => [name, policy])),
  });
});
afterAll(() => harness.close());
beforeEach(() => harness.reset());

/** After every attack: the same gateway still answers a normal query completely. */
async function expectHealthyPage(): Promise<void> {
  harness.reset();
  const response = await harness.query(PAGE);
  expect(response.status).toBe(200);
  expect(response.body).toEqual({ data: { products: { nodes: PAGE_IDS.map(healthyNode) } } });
}

describe('currencies', () => {
  it('a price in another currency than asked is a bad item of pricing, the others exact', async () => {
    harness.service('pricing').setFault({ wrongCurrencyIds: ['p-0002'] });
    const response = await harness.query(PAGE);
    expect(response.status).toBe(200);
    expect(response.body.data).toEqual({ products: { nodes: [healthyNode('p-0001'), { ...healthyNode('p-0002'), price: null }, healthyNode('p-0003')] } });
    expect(errorsOf(response)).toEqual([{ path: ['products', 'nodes', 1, 'price'], code: 'UPSTREAM_BAD_RESPONSE', source: 'pricing' }]);
    expect(response.body.extensions?.degraded).toEqual([badResponse('pricing', 'NULL', [['products', 'nodes', 1, 'price']])]);
    await expectHealthyPage();
  });

  it('a cart subtotal is never a sum across currencies: null with its error when one line is priced otherwise', async () => {
    harness.service('pricing').setFault({ wrongCurrencyIds: ['p-0008'] });
    const response = await harness.query(CART);
    expect(response.status).toBe(200);
    expect(response.body.data).toEqual({
      cart: {
        totalQuantity: 6,
        subtotal: null,
        items: cartLines.map((line) => ({
          quantity: line.quantity,
          product: { id: line.productId, price: line.productId === 'p-0008' ? null : { amount: data.prices.get(line.productId), currency: 'USD' } },
        })),
      },
    });
    expect(errorsOf(response)).toEqual(
      expect.arrayContaining([
        { path: ['cart', 'subtotal'], code: 'UPSTREAM_BAD_RESPONSE', source: 'pricing' },
        { path: ['cart', 'items', 1, 'product', 'price'], code: 'UPSTREAM_BAD_RESPONSE', source: 'pricing' },
      ]),
    );
    expect(response.body.errors).toHaveLength(2);
    expect(response.body.extensions?.degraded).toEqual([badResponse('pricing', 'NULL', [['cart', 'subtotal'], ['cart', 'items', 1, 'product', 'price']])]);
  });

  it('a healthy cart subtotal is the exact sum in the one currency', async () => {
    const response = await harness.query(`{ cart(userId: "u-1") { subtotal { amount currency formatted } } }`);
    const amount = cartLines.reduce((sum, line) => sum + data.prices.get(line.productId)! * line.quantity, 0);
    expect(response.body).toEqual({ data: { cart: { subtotal: { amount, currency: 'USD', formatted: usd.format(amount / 100) } } } });
  });
});

describe('integers beyond GraphQL Int, negative amounts and stock', () => {
  it.each([
    ['2^31 as a price', { hugeNumberIds: ['p-0002'] }],
    ['a negative price', { negativeNumberIds: ['p-0002'] }],
  ])('%s is a bad item of pricing with code and source, not a bare Int error', async (_name, fault) => {
    harness.service('pricing').setFault(fault);
    const response = await harness.query(PAGE);
    expect(response.status).toBe(200);
    expect(response.body.data).toEqual({ products: { nodes: [healthyNode('p-0001'), { ...healthyNode('p-0002'), price: null }, healthyNode('p-0003')] } });
    expect(errorsOf(response)).toEqual([{ path: ['products', 'nodes', 1, 'price'], code: 'UPSTREAM_BAD_RESPONSE', source: 'pricing' }]);
    expect(response.body.extensions?.degraded).toEqual([badResponse('pricing', 'NULL', [['products', 'nodes', 1, 'price']])]);
  });

  it.each([
    ['2^31 units in stock', { hugeNumberIds: ['p-0003'] }],
    ['negative stock', { negativeNumberIds: ['p-0003'] }],
  ])('%s is a bad item of inventory: its DEFAULT (UNKNOWN), reported', async (_name, fault) => {
    harness.service('inventory').setFault(fault);
    const response = await harness.query(PAGE);
    expect(response.status).toBe(200);
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data).toEqual({
      products: { nodes: [healthyNode('p-0001'), healthyNode('p-0002'), { ...healthyNode('p-0003'), inventory: { available: null, status: 'UNKNOWN' } }] },
    });
    expect(response.body.extensions?.degraded).toEqual([badResponse('inventory', 'DEFAULT', [['products', 'nodes', 2, 'inventory']])]);
  });

  it.each([
    ['a quantity of 2^31', { hugeNumberIds: ['p-0008'] }],
    ['a negative quantity', { negativeNumberIds: ['p-0008'] }],
  ])('%s makes the cart a bad answer of the cart service', async (_name, fault) => {
    harness.service('cart').setFault(fault);
    const response = await harness.query(CART);
    expect(response.status).toBe(200);
    expect(response.body.data).toEqual({ cart: null });
    expect(errorsOf(response)).toEqual([{ path: ['cart'], code: 'UPSTREAM_BAD_RESPONSE', source: 'cart' }]);
    expect(response.body.extensions?.degraded).toEqual([badResponse('cart', 'NULL', [['cart']])]);
    await expectHealthyPage();
  });

  it('a subtotal past Int is null with SUBTOTAL_OUT_OF_RANGE, the lines exact', async () => {
    // 2^30 units are a valid quantity; times the price, the sum is not an Int.
    harness.service('cart').setFault({ hugeNumberIds: ['p-0008'], hugeNumber: 2 ** 30 });
    const response = await harness.query(`{ cart(userId: "u-1") { totalQuantity subtotal { amount } items { quantity } } }`);
    expect(response.status).toBe(200);
    expect(response.body.data).toEqual({ cart: { totalQuantity: 1 + 2 ** 30 + 3, subtotal: null, items: [{ quantity: 1 }, { quantity: 2 ** 30 }, { quantity: 3 }] } });
    expect(errorsOf(response)).toEqual([{ path: ['cart', 'subtotal'], code: 'SUBTOTAL_OUT_OF_RANGE', source: undefined }]);
    expect(response.body.extensions).toBeUndefined();
  });

  it('a cart whose quantities sum past Int is a bad cart', async () => {
    harness.service('cart').setFault({ hugeNumberIds: ['p-0008'], hugeNumber: GRAPHQL_INT_MAX });
    const response = await harness.query(`{ cart(userId: "u-1") { totalQuantity } }`);
    expect(response.body.data).toEqual({ cart: null });
    expect(errorsOf(response)).toEqual([{ path: ['cart'], code: 'UPSTREAM_BAD_RESPONSE', source: 'cart' }]);
  });

  it('a review count past Int is a bad item of reviews', async () => {
    harness.service('reviews').setFault({ hugeNumberIds: ['p-0001'] });
    const response = await harness.query(`{ products(first: 2) { nodes { id rating { count } } } }`);
    expect(response.body.data).toEqual({ products: { nodes: [{ id: 'p-0001', rating: null }, { id: 'p-0002', rating: { count: (2 * 53) % 400 } }] } });
    expect(errorsOf(response)).toEqual([{ path: ['products', 'nodes', 0, 'rating'], code: 'UPSTREAM_BAD_RESPONSE', source: 'reviews' }]);
    expect(response.body.extensions?.degraded).toEqual([badResponse('reviews', 'NULL', [['products', 'nodes', 0, 'rating']])]);
  });
});

describe('item isolation', () => {
  it('one bad catalog item among favourites nulls that entry alone, at its position', async () => {
    harness.service('catalog').setFault({ badItemIds: [favoriteIds[1]!] });
    const response = await harness.query(FAVORITES);
    expect(response.status).toBe(200);
    expect(response.body.data).toEqual({ favorites: [productOf(favoriteIds[0]!), null, productOf(favoriteIds[2]!)] });
    expect(errorsOf(response)).toEqual([{ path: ['favorites', 1], code: 'UPSTREAM_BAD_RESPONSE', source: 'catalog' }]);
    expect(response.body.extensions?.degraded).toEqual([badResponse('catalog', 'NULL', [['favorites', 1]])]);
  });

  it('a favourite the catalog does not know is left out, not reported', async () => {
    const response = await harness.query(FAVORITES);
    expect(response.body).toEqual({ data: { favorites: favoriteIds.map(productOf) } });
  });

  it('a product answered twice, differently, is a bad answer for that key, not "last one wins"', async () => {
    harness.service('catalog').setFault({ duplicateItemIds: [favoriteIds[2]!] });
    const response = await harness.query(FAVORITES);
    expect(response.body.data).toEqual({ favorites: [productOf(favoriteIds[0]!), productOf(favoriteIds[1]!), null] });
    expect(errorsOf(response)).toEqual([{ path: ['favorites', 2], code: 'UPSTREAM_BAD_RESPONSE', source: 'catalog' }]);
    expect(response.body.extensions?.degraded).toEqual([badResponse('catalog', 'NULL', [['favorites', 2]])]);
  });

  it('a price answered twice is a bad price for that product only', async () => {
    harness.service('pricing').setFault({ duplicateItemIds: ['p-0001'] });
    const response = await harness.query(PAGE);
    expect(response.body.data).toEqual({ products: { nodes: [{ ...healthyNode('p-0001'), price: null }, healthyNode('p-0002'), healthyNode('p-0003')] } });
    expect(errorsOf(response)).toEqual([{ path: ['products', 'nodes', 0, 'price'], code: 'UPSTREAM_BAD_RESPONSE', source: 'pricing' }]);
  });

  it('a bad catalog item on a cart line nulls that line product alone', async () => {
    harness.service('catalog').setFault({ badItemIds: ['p-0015'] });
    const response = await harness.query(`{ cart(userId: "u-1") { items { quantity product { id name } } } }`);
    expect(response.body.data).toEqual({
      cart: { items: cartLines.map((line) => ({ quantity: line.quantity, product: line.productId === 'p-0015' ? null : productOf(line.productId) })) },
    });
    expect(errorsOf(response)).toEqual([{ path: ['cart', 'items', 2, 'product'], code: 'UPSTREAM_BAD_RESPONSE', source: 'catalog' }]);
    expect(response.body.extensions?.degraded).toEqual([badResponse('catalog', 'NULL', [['cart', 'items', 2, 'product']])]);
  });

  it('a product listed twice in a catalog page is left out in both places and reported', async () => {
    harness.service('catalog').setFault({ duplicateItemIds: ['p-0001'] });
    const response = await harness.query(PAGE);
    expect(response.body.data).toEqual({ products: { nodes: [healthyNode('p-0002'), healthyNode('p-0003')] } });
    expect(response.body.extensions?.degraded).toEqual([badResponse('catalog', 'NULL', [['products']])]);
  });

  it('a bad item in a catalog page is left out of that page and reported; the rest of the page is exact', async () => {
    harness.service('catalog').setFault({ badItemIds: ['p-0002'] });
    const response = await harness.query(PAGE);
    expect(response.status).toBe(200);
    expect(response.body.data).toEqual({ products: { nodes: [healthyNode('p-0001'), healthyNode('p-0003')] } });
    expect(response.body.errors).toBeUndefined();
    expect(response.body.extensions?.degraded).toEqual([badResponse('catalog', 'NULL', [['products']])]);
    await expectHealthyPage();
  });
});

describe('an answer about someone else', () => {
  it.each([
    ['cart', CART, ['cart']],
    ['favorites', FAVORITES, ['favorites']],
  ] as const)('%s answered for another user is a bad answer, never shown as the one asked for', async (source, query, path) => {
    harness.service(source).setFault({ wrongUserId: 'u-3' });
    const response = await harness.query(query);
    expect(response.status).toBe(200);
    expect(response.body.data).toEqual({ [source]: null });
    expect(errorsOf(response)).toEqual([{ path: [...path], code: 'UPSTREAM_BAD_RESPONSE', source }]);
    expect(response.body.extensions?.degraded).toEqual([badResponse(source, 'NULL', [[...path]])]);
  });
});

describe('silence: items nobody can match', () => {
  it.each([
    ['a null item', { nullItem: true }],
    ['an item without its key', { keylessItem: true }],
  ])('%s makes a key not otherwise answered a bad answer, not "not found"', async (_name, fault) => {
    harness.service('catalog').setFault(fault);
    const response = await harness.query(`{ known: product(id: "p-0001") { id name } unknown: product(id: "p-9999") { id } }`);
    expect(response.status).toBe(200);
    expect(response.body.data).toEqual({ known: productOf('p-0001'), unknown: null });
    expect(errorsOf(response)).toEqual([{ path: ['unknown'], code: 'UPSTREAM_BAD_RESPONSE', source: 'catalog' }]);
    expect(response.body.extensions?.degraded).toEqual([badResponse('catalog', 'NULL', [['unknown']])]);
  });

  it('without garbage, an unknown id is plain "not found": null, no error, no report', async () => {
    const response = await harness.query(`{ product(id: "p-9999") { id } }`);
    expect(response.body).toEqual({ data: { product: null } });
  });

  it('garbage beside fully answered keys changes nothing', async () => {
    harness.service('pricing').setFault({ nullItem: true, keylessItem: true });
    const response = await harness.query(PAGE);
    expect(response.body).toEqual({ data: { products: { nodes: PAGE_IDS.map(healthyNode) } } });
  });
});

describe('itemsByKey (property)', () => {
  const itemSchema = z.object({ id: z.string(), n: nonNegativeInt32 });
  type Kind = 'good' | 'bad' | 'duplicate' | 'absent';
  const kinds: Kind[] = ['good', 'bad', 'duplicate', 'absent'];
  const badValue = fc.constantFrom<unknown>(-1, GRAPHQL_INT_MAX + 1, 1.5, '7', null);
  const goodValue = fc.integer({ min: 0, max: GRAPHQL_INT_MAX });
  const garbage = fc.constantFrom<unknown>(null, 7, 'p-1', [], { n: 1 }, { id: 5, n: 1 });

  it('gives each key exactly its unique good item, an error if bad or duplicated, null only if absent with no garbage', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.string({ minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 8 }),
        fc.array(fc.constantFrom(...kinds), { minLength: 8, maxLength: 8 }),
        fc.array(fc.tuple(goodValue, goodValue, badValue), { minLength: 8, maxLength: 8 }),
        fc.array(garbage, { maxLength: 2 }),
        fc.array(fc.tuple(fc.string({ minLength: 5, maxLength: 6 }), goodValue), { maxLength: 2 }),
        fc.integer(),
        (keys, kindOf, values, junk, unrequested, seed) => {
          const items: unknown[] = [...junk, ...unrequested.map(([id, n]) => ({ id, n }))];
          keys.forEach((id, index) => {
            const [first, second, bad] = values[index]!;
            if (kindOf[index] === 'good') items.push({ id, n: first });
            if (kindOf[index] === 'bad') items.push({ id, n: bad });
            if (kindOf[index] === 'duplicate') items.push({ id, n: first }, { id, n: second });
          });
          const shuffled = shuffle(items, seed);
          const result = itemsByKey('pricing', { items: shuffled }, keys, itemSchema, 'id');

          expect(result).toHaveLength(keys.length);
          keys.forEach((id, index) => {
            const kind = kindOf[index]!;
            const value = result[index];
            if (kind === 'good') expect(value).toEqual({ id, n: values[index]![0] });
            else if (kind === 'absent' && junk.length === 0) expect(value).toBeNull();
            else {
              expect(value).toBeInstanceOf(UpstreamBadResponseError);
              expect(value).toMatchObject({ code: 'UPSTREAM_BAD_RESPONSE', source: 'pricing' });
            }
          });
        },
      ),
      { numRuns: 500 },
    );
  });

  it('a body without an items array fails the whole batch', () => {
    expect(() => itemsByKey('pricing', { item: [] }, ['a'], itemSchema, 'id')).toThrow(UpstreamBadResponseError);
  });
});

/** Deterministic Fisher–Yates from fast-check's seed: the order of items must not matter. */
function shuffle<T>(items: T[], seed: number): T[] {
  const copy = [...items];
  let state = seed >>> 0;
  for (let index = copy.length - 1; index > 0; index--) {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    const other = state % (index + 1);
    [copy[index], copy[other]] = [copy[other]!, copy[index]!];
  }
  return copy;
}
