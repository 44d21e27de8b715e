import { afterEach, describe, expect, it } from 'vitest';
import { startHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';
import { onlyError, upstreamCart, writesSeen } from './write-helpers.js';

// Demo data (seed 42): u-1's cart is p-0001 ×1, p-0008 ×2, p-0015 ×3.
const U1_CART = [{ productId: 'p-0001', quantity: 1 }, { productId: 'p-0008', quantity: 2 }, { productId: 'p-0015', quantity: 3 }];
const ADD = 'mutation { addToCart(userId: "u-1", productId: "p-0002", quantity: 1) { cart { totalQuantity } } }';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe('the breaker and the bulkhead apply to writes', () => {
  it('once failing writes opened the breaker, a write answers CIRCUIT_OPEN and nothing is sent', async () => {
    harness = await startHarness({ sources: { cart: { retry: { maxAttempts: 1 }, breaker: { volumeThreshold: 2, errorThresholdPercentage: 50, resetTimeoutMs: 60_000 } } } });
    const cart = harness.service('cart');
    cart.setFault({ errorRate: 1, errorStatus: 500 });
    const code = async (): Promise<unknown> => onlyError(await harness!.query(ADD)).code;
    await expect.poll(code, { timeout: 5000, interval: 1 }).toBe('CIRCUIT_OPEN');
    cart.clearFault();
    cart.resetLog();
    const refused = await harness.query(ADD);
    expect(refused.body.data).toEqual({ addToCart: null });
    expect(onlyError(refused)).toEqual({ code: 'CIRCUIT_OPEN', source: 'cart', path: ['addToCart'] });
    expect(cart.requestCount).toBe(0);
    expect(await upstreamCart(cart, 'u-1')).toEqual(U1_CART);
  });

  it('with the bulkhead full, a write answers BULKHEAD_FULL and is not sent; the write in flight ends by its timeout', async () => {
    harness = await startHarness({ sources: { cart: { timeoutMs: 800, attemptTimeoutMs: 800, retry: { maxAttempts: 1 }, breaker: { enabled: false }, bulkhead: { maxConcurrent: 1, maxQueue: 0 } } } });
    const cart = harness.service('cart');
    cart.setFault({ hang: true });
    const holding = harness.query('mutation { addToCart(userId: "u-1", productId: "p-0003", quantity: 1) { cart { totalQuantity } } }');
    await expect.poll(() => cart.requestCount, { timeout: 2000, interval: 5 }).toBe(1);
    const refused = await harness.query(ADD);
    expect(refused.body.data).toEqual({ addToCart: null });
    expect(onlyError(refused)).toEqual({ code: 'BULKHEAD_FULL', source: 'cart', path: ['addToCart'] });
    expect(cart.requestCount).toBe(1);
    const held = await holding;
    expect(onlyError(held)).toEqual({ code: 'UPSTREAM_TIMEOUT', source: 'cart', path: ['addToCart'] });
    expect(await upstreamCart(cart, 'u-1')).toEqual(U1_CART);
    // The bulkhead place is free again: the next write goes through.
    const next = await harness.query(ADD);
    expect(next.body.data).toEqual({ addToCart: { cart: { totalQuantity: 7 } } });
  });
});

describe("the request's deadline applies to writes", () => {
  it('a write to a hung cart service answers DEADLINE_EXCEEDED by the deadline the client set', async () => {
    harness = await startHarness();
    harness.service('cart').setFault({ hang: true });
    const started = performance.now();
    const response = await harness.query(ADD, undefined, { 'x-ballast-deadline-ms': '300' });
    expect(performance.now() - started).toBeLessThan(300 + 200);
    expect(response.body.data).toEqual({ addToCart: null });
    expect(onlyError(response)).toEqual({ code: 'DEADLINE_EXCEEDED', source: 'cart', path: ['addToCart'] });
    expect(await upstreamCart(harness.service('cart'), 'u-1')).toEqual(U1_CART);
  });
});

describe('who may write, and what input is refused before any call', () => {
  it('anonymous → UNAUTHENTICATED, another user → FORBIDDEN, the user themself → applied', async () => {
    harness = await startHarness({ identity: { mode: 'header' } });
    const cart = harness.service('cart');
    const anonymous = await harness.query(ADD);
    expect(anonymous.body.data).toEqual({ addToCart: null });
    expect(onlyError(anonymous)).toEqual({ code: 'UNAUTHENTICATED', source: undefined, path: ['addToCart'] });
    const other = await harness.query('mutation { addFavorite(userId: "u-1", productId: "p-0002") { favorites { id } } }', undefined, { 'x-user-id': 'u-2' });
    expect(onlyError(other)).toEqual({ code: 'FORBIDDEN', source: undefined, path: ['addFavorite'] });
    expect(writesSeen(cart)).toEqual([]);
    expect(writesSeen(harness.service('favorites'))).toEqual([]);
    const own = await harness.query(ADD, undefined, { 'x-user-id': 'u-1' });
    expect(own.body.data).toEqual({ addToCart: { cart: { totalQuantity: 7 } } });
  });

  it.each([
    ['quantity 0', 'addToCart(userId: "u-1", productId: "p-0002", quantity: 0)', 'quantity'],
    ['quantity over writes.maxQuantity', 'addToCart(userId: "u-1", productId: "p-0002", quantity: 100)', 'quantity'],
    ['negative quantity', 'updateCartLine(userId: "u-1", productId: "p-0001", quantity: -1)', 'quantity'],
    ['a dot-dot product id', 'removeFromCart(userId: "u-1", productId: "..")', 'productId'],
    ['a dot product id', 'addFavorite(userId: "u-1", productId: ".")', 'productId'],
    ['a product id with a slash', 'removeFavorite(userId: "u-1", productId: "p-1/../../x")', 'productId'],
    ['an empty product id', 'addToCart(userId: "u-1", productId: "", quantity: 1)', 'productId'],
    ['a product id of 65 characters', `addFavorite(userId: "u-1", productId: "${'p'.repeat(65)}")`, 'productId'],
  ])('%s → BAD_USER_INPUT, nothing sent upstream', async (_name, field, argument) => {
    harness ??= await startHarness();
    const response = await harness.query(`mutation { ${field} { __typename } }`);
    expect(response.status).toBe(200);
    expect(response.body.errors).toHaveLength(1);
    expect(response.body.errors![0]!.extensions).toEqual({ code: 'BAD_USER_INPUT', argument });
    expect(writesSeen(harness.service('cart'))).toEqual([]);
    expect(writesSeen(harness.service('favorites'))).toEqual([]);
    const normal = await harness.query('{ cart(userId: "u-1") { totalQuantity } }');
    expect(normal.body.data).toEqual({ cart: { totalQuantity: 6 } });
  });

  it('a dot-dot user id → BAD_USER_INPUT; an Idempotency-Key of 256 characters → BAD_USER_INPUT; nothing sent', async () => {
    harness = await startHarness();
    const dots = await harness.query('mutation { addToCart(userId: "..", productId: "p-0002") { __typename } }');
    expect(onlyError(dots)).toEqual({ code: 'BAD_USER_INPUT', source: undefined, path: ['addToCart'] });
    const longKey = await harness.query(ADD, undefined, { 'idempotency-key': 'k'.repeat(256) });
    expect(onlyError(longKey)).toEqual({ code: 'BAD_USER_INPUT', source: undefined, path: ['addToCart'] });
    expect(writesSeen(harness.service('cart'))).toEqual([]);
  });

  it('a mutation over GET is refused (405) and nothing is sent; the server keeps serving', async () => {
    harness = await startHarness();
    const url = new URL(`${harness.url}/graphql`);
    url.searchParams.set('query', ADD);
    const response = await fetch(url, { headers: { accept: 'application/graphql-response+json', 'x-graphql-yoga-csrf': '1' } });
    expect(response.status).toBe(405);
    await response.arrayBuffer();
    expect(harness.service('cart').requestCount).toBe(0);
    expect((await harness.query(ADD)).body.data).toEqual({ addToCart: { cart: { totalQuantity: 7 } } });
  });
});
