import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDemoData, DEMO_PRODUCT_COUNT, productId } from '../../src/demo/data.js';
import { startHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';

/**
 * Healthy answers compared field by field with what the upstreams hold: the demo services serve
 * createDemoData() (seed 42), so the same call here is the oracle. A price or stock value attached
 * to a neighbouring product, or a threshold off by one, fails these tests.
 */
const data = createDemoData();
const usd = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' });

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(() => harness.close());

const PRODUCT_FIELDS = `id name description category price { amount currency formatted } inventory { available status } rating { average count }`;

interface ServedProduct {
  id: string;
  name: string;
  description: string | null;
  category: string | null;
  price: { amount: number; currency: string; formatted: string } | null;
  inventory: { available: number | null; status: string };
  rating: { average: number; count: number } | null;
}

/** The status the docs promise: 0 is OUT_OF_STOCK, 1 to 5 LOW_STOCK, 6 and more IN_STOCK. */
function expectedStatus(available: number): string {
  if (available === 0) return 'OUT_OF_STOCK';
  return available <= 5 ? 'LOW_STOCK' : 'IN_STOCK';
}

/** What the reviews upstream itself answers for these ids, asked directly. */
async function upstreamRatings(ids: string[]): Promise<Map<string, { average: number; count: number }>> {
  const response = await fetch(`${harness.demo.urls.reviews}/reviews/summary?ids=${ids.join(',')}`);
  const body = (await response.json()) as { items: Array<{ productId: string; average: number; count: number }> };
  return new Map(body.items.map((item) => [item.productId, { average: item.average, count: item.count }]));
}

async function expectedProduct(id: string, ratings?: Map<string, { average: number; count: number }>): Promise<ServedProduct> {
  const product = data.productsById.get(id)!;
  const amount = data.prices.get(id)!;
  const available = data.stock.get(id)!;
  const rating = (ratings ?? (await upstreamRatings([id]))).get(id)!;
  return {
    id,
    name: product.name,
    description: product.description,
    category: product.category,
    price: { amount, currency: 'USD', formatted: usd.format(amount / 100) },
    inventory: { available, status: expectedStatus(available) },
    rating,
  };
}

/** The first product id (in catalog order) whose stock is exactly `units`. */
function productWithStock(units: number): string {
  const found = data.products.find((product) => data.stock.get(product.id) === units);
  if (!found) throw new Error(`the demo data has no product with ${units} units`);
  return found.id;
}

describe('served values equal what the upstreams hold', () => {
  it('a products page matches catalog, pricing, inventory and reviews field by field', async () => {
    const { status, body } = await harness.query(`{ products(first: 50) { nodes { ${PRODUCT_FIELDS} } } }`);
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(body.extensions?.degraded).toBeUndefined();
    const ids = Array.from({ length: 50 }, (_, index) => productId(index + 1));
    const ratings = await upstreamRatings(ids);
    const expected = await Promise.all(ids.map((id) => expectedProduct(id, ratings)));
    expect((body.data!.products as { nodes: ServedProduct[] }).nodes).toEqual(expected);
  });

  it('a page deep in the catalog matches too (offsets are not shifted by one)', async () => {
    const { body } = await harness.query(`query($after: String) { products(first: 3, after: $after) { nodes { id name price { amount } inventory { available } } } }`, {
      after: await cursorAfter(1196),
    });
    const ids = [productId(1197), productId(1198), productId(1199)];
    expect((body.data!.products as { nodes: unknown[] }).nodes).toEqual(
      ids.map((id) => ({ id, name: data.productsById.get(id)!.name, price: { amount: data.prices.get(id) }, inventory: { available: data.stock.get(id) } })),
    );
  });

  it('product(id) answers that product and no other, for the first, a middle and the last id', async () => {
    for (const id of [productId(1), productId(617), productId(DEMO_PRODUCT_COUNT)]) {
      const { body } = await harness.query(`query($id: ID!) { product(id: $id) { ${PRODUCT_FIELDS} } }`, { id });
      expect(body.errors).toBeUndefined();
      expect(body.data!.product).toEqual(await expectedProduct(id));
    }
  });

  it('neighbouring products carry different prices in the data, so a shifted join cannot pass unnoticed', () => {
    const amounts = Array.from({ length: 50 }, (_, index) => data.prices.get(productId(index + 1)));
    const shifted = amounts.slice(1);
    expect(shifted.some((amount, index) => amount !== amounts[index])).toBe(true);
  });
});

describe('stock status thresholds, each boundary exactly', () => {
  it.each([
    [0, 'OUT_OF_STOCK'],
    [1, 'LOW_STOCK'],
    [5, 'LOW_STOCK'],
    [6, 'IN_STOCK'],
  ])('%i units available is %s', async (units, status) => {
    const id = productWithStock(units);
    const { body } = await harness.query(`query($id: ID!) { product(id: $id) { id inventory { available status } } }`, { id });
    expect(body.errors).toBeUndefined();
    expect(body.data!.product).toEqual({ id, inventory: { available: units, status } });
  });
});

describe('carts and favorites', () => {
  it.each(['u-1', 'u-2', 'u-3', 'u-5'])('cart of %s: each line, totalQuantity and subtotal are the exact sums', async (userId) => {
    const { body } = await harness.query(
      `query($u: ID!) { cart(userId: $u) { userId items { quantity product { id name price { amount } } } totalQuantity subtotal { amount currency formatted } } }`,
      { u: userId },
    );
    expect(body.errors).toBeUndefined();
    const lines = data.carts.get(userId)!;
    const subtotal = lines.reduce((sum, line) => sum + data.prices.get(line.productId)! * line.quantity, 0);
    expect(body.data!.cart).toEqual({
      userId,
      items: lines.map((line) => ({
        quantity: line.quantity,
        product: { id: line.productId, name: data.productsById.get(line.productId)!.name, price: { amount: data.prices.get(line.productId) } },
      })),
      totalQuantity: lines.reduce((sum, line) => sum + line.quantity, 0),
      subtotal: { amount: subtotal, currency: 'USD', formatted: usd.format(subtotal / 100) },
    });
  });

  it('u-2 cart (10 lines, quantities 1 to 3) sums to the figure computed by hand from the data', async () => {
    const { body } = await harness.query(`{ cart(userId: "u-2") { totalQuantity subtotal { amount } } }`);
    // Lines n = 0..9 hold product p-(51 + 7n) with quantity 1 + ((n + 1) % 3).
    let amount = 0;
    let quantity = 0;
    for (let n = 0; n < 10; n++) {
      const units = 1 + ((n + 1) % 3);
      amount += data.prices.get(productId(51 + 7 * n))! * units;
      quantity += units;
    }
    expect(quantity).toBe(20);
    expect(body.data!.cart).toEqual({ totalQuantity: quantity, subtotal: { amount } });
  });

  it.each(['u-1', 'u-2', 'u-3', 'u-4'])('favorites of %s are the upstream ids in order, with their own prices', async (userId) => {
    const { body } = await harness.query(`query($u: ID!) { favorites(userId: $u) { id name price { amount } } }`, { u: userId });
    expect(body.errors).toBeUndefined();
    expect(body.data!.favorites).toEqual(
      data.favorites.get(userId)!.map((id) => ({ id, name: data.productsById.get(id)!.name, price: { amount: data.prices.get(id) } })),
    );
  });
});

/** The endCursor that follows `count` products, obtained by paging (cursors are opaque). */
async function cursorAfter(count: number): Promise<string> {
  let after: string | null = null;
  let left = count;
  while (left > 0) {
    const first = Math.min(100, left);
    const { body } = await harness.query(`query($first: Int, $after: String) { products(first: $first, after: $after) { pageInfo { endCursor } } }`, { first, after });
    after = (body.data!.products as { pageInfo: { endCursor: string } }).pageInfo.endCursor;
    left -= first;
  }
  return after!;
}
