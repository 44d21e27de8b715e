import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createDemoData, DEMO_PRODUCT_COUNT, productId } from '../../src/demo/data.js';
import { startHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';

/**
 * One request must not fan out without bound: a real upstream serves carts and favorites far
 * longer than Ballast will resolve, and Ballast refuses them before asking catalog or pricing.
 */
const MAX_CALLS_PER_SOURCE = 5;
const demo = createDemoData();

function cartLines(count: number): Array<{ productId: string; quantity: number }> {
  return Array.from({ length: count }, (_, index) => ({ productId: productId(1 + (index % DEMO_PRODUCT_COUNT)), quantity: 1 + (index % 3) }));
}

/** `GET /carts/{id}` and `GET /favorites/{id}`: `lines-N` has N lines (or N favorite ids). */
function startListUpstream(): Promise<Server> {
  const server = createServer((request, response) => {
    const match = /^\/(carts|favorites)\/lines-(\d+)$/.exec(request.url ?? '');
    if (!match) return void response.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
    const [, kind, count] = match;
    const userId = `lines-${count}`;
    const lines = cartLines(Number(count));
    const body = kind === 'carts' ? { userId, items: lines } : { userId, productIds: lines.map((line) => line.productId) };
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

let upstream: Server;
let harness: Harness;
beforeAll(async () => {
  upstream = await startListUpstream();
  const url = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  // Generous timers and no retries: on a busy machine a slow answer must not turn into a second call.
  const patient = { timeoutMs: 5000, attemptTimeoutMs: 5000, retry: { maxAttempts: 1 } };
  harness = await startHarness({
    deadlineMs: 8000,
    sources: { cart: { url, ...patient }, favorites: { url, ...patient }, catalog: patient, pricing: patient, inventory: patient },
    security: { maxCallsPerSource: MAX_CALLS_PER_SOURCE },
  });
});
afterAll(async () => {
  await harness.close();
  upstream.closeAllConnections();
  await new Promise((resolve) => upstream.close(resolve));
});
beforeEach(() => harness.reset());

const CART = `query($user: ID!) { cart(userId: $user) { totalQuantity subtotal { amount } items { product { id } } } }`;
const NORMAL = `{ products(first: 3) { nodes { id price { amount } } } cart(userId: "lines-3") { items { product { id } } } }`;

function callsTo(...sources: Array<'catalog' | 'pricing'>): number {
  return sources.reduce((total, source) => total + harness.service(source).requestCount, 0);
}

describe('fan-out per request is bounded', () => {
  it('refuses a 5,000-line cart with LIST_TOO_LONG before any catalog or pricing call, while a normal request answers complete', async () => {
    const started = performance.now();
    const [hostile, normal] = await Promise.all([harness.query(CART, { user: 'lines-5000' }), harness.query(NORMAL)]);
    const elapsed = performance.now() - started;

    expect(hostile.status).toBe(200);
    expect(hostile.body.data).toEqual({ cart: null });
    expect(hostile.body.errors).toEqual([
      { message: 'the cart of lines-5000 has 5000 items, more than the 500 Ballast reads from one answer', locations: [{ line: 1, column: 21 }], path: ['cart'], extensions: { code: 'LIST_TOO_LONG', source: 'cart' } },
    ]);
    expect(elapsed).toBeLessThan(3000);

    expect(normal.body.errors).toBeUndefined();
    expect(normal.body.data).toEqual({
      products: { nodes: ['p-0001', 'p-0002', 'p-0003'].map((id) => ({ id, price: { amount: demo.prices.get(id) } })) },
      cart: { items: ['p-0001', 'p-0002', 'p-0003'].map((id) => ({ product: { id } })) },
    });
    // Only the normal request's calls: its page, and its cart's products unless the page primed them first.
    const catalogUrls = harness.service('catalog').requests.map((request) => request.url);
    expect(catalogUrls[0]).toBe('/products?limit=3');
    expect(catalogUrls.slice(1)).toEqual(catalogUrls.length === 1 ? [] : ['/products?ids=p-0001,p-0002,p-0003']);
    expect(harness.service('pricing').requests.map((request) => request.url)).toEqual(['/prices?ids=p-0001,p-0002,p-0003&currency=USD']);
  });

  it('refuses 20,000 favorite ids with LIST_TOO_LONG and asks the catalog nothing', async () => {
    const { body } = await harness.query(`{ favorites(userId: "lines-20000") { id } }`);
    expect(body.data).toEqual({ favorites: null });
    expect(body.errors?.map((error) => error.extensions)).toEqual([{ code: 'LIST_TOO_LONG', source: 'favorites' }]);
    expect(callsTo('catalog')).toBe(0);
  });

  it('resolves a cart at the bound (500 lines) in maxBatchSize batches: 5 catalog and 5 pricing calls', async () => {
    const { body } = await harness.query(CART, { user: 'lines-500' });
    expect(body.errors).toBeUndefined();
    const lines = cartLines(500);
    const cart = (body.data as { cart: { totalQuantity: number; subtotal: { amount: number }; items: Array<{ product: { id: string } }> } }).cart;
    expect(cart.totalQuantity).toBe(lines.reduce((total, line) => total + line.quantity, 0));
    expect(cart.subtotal.amount).toBe(lines.reduce((total, line) => total + demo.prices.get(line.productId)! * line.quantity, 0));
    expect(cart.items.map((item) => item.product.id)).toEqual(lines.map((line) => line.productId));
    expect(harness.service('catalog').requestCount).toBe(5);
    expect(harness.service('pricing').requestCount).toBe(5);
  });

  it('lets one request make at most maxCallsPerSource calls to a source: the rest fail with TOO_MANY_UPSTREAM_CALLS', async () => {
    const aliases = Array.from({ length: MAX_CALLS_PER_SOURCE + 2 }, (_, index) => `c${index}: cart(userId: "lines-${index + 1}") { totalQuantity }`);
    const before = harness.service('catalog').requestCount;
    const { body } = await harness.query(`{ ${aliases.join(' ')} }`);
    const data = body.data as Record<string, { totalQuantity: number } | null>;
    const answered = Object.values(data).filter((cart) => cart !== null);
    expect(answered).toHaveLength(MAX_CALLS_PER_SOURCE);
    expect(body.errors?.map((error) => error.extensions)).toEqual([
      { code: 'TOO_MANY_UPSTREAM_CALLS', source: 'cart' },
      { code: 'TOO_MANY_UPSTREAM_CALLS', source: 'cart' },
    ]);
    expect(body.errors?.[0]?.message).toBe(`this request needs more than ${MAX_CALLS_PER_SOURCE} calls to cart`);
    expect(harness.service('catalog').requestCount).toBe(before);
    // The next request has its own allowance.
    const next = await harness.query(CART, { user: 'lines-2' });
    expect(next.body.errors).toBeUndefined();
    expect((next.body.data as { cart: { totalQuantity: number } }).cart.totalQuantity).toBe(3);
  });
});
