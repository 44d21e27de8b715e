import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';
import { CART_FIELDS, linesOf, onlyError, upstreamCart, writesSeen } from './write-helpers.js';

// Demo data (seed 42): u-2's cart has 10 lines, none of them p-0002.
const ADD = `mutation { addToCart(userId: "u-2", productId: "p-0002", quantity: 1) { ${CART_FIELDS} } }`;
const lineOf = async (harness: Harness, productId: string): Promise<number | undefined> =>
  (await upstreamCart(harness.service('cart'), 'u-2')).find((line) => line.productId === productId)?.quantity;

describe('writes are retried with their idempotency key, and applied once', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness({
      sources: { cart: { timeoutMs: 1500, attemptTimeoutMs: 300, retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 5, budgetMinPerSecond: 100 }, breaker: { enabled: false } } },
    });
  });
  afterEach(async () => {
    harness.reset();
    await harness.query('mutation { removeFromCart(userId: "u-2", productId: "p-0002") { cart { totalQuantity } } }');
    harness.reset();
  });
  afterAll(() => harness.close());

  it('a first attempt that times out after the upstream applied it is retried with the same key and applied once', async () => {
    harness.service('cart').replay([{ applyWriteFirst: true, hang: true }, {}]);
    const started = performance.now();
    const response = await harness.query(ADD);
    expect(performance.now() - started).toBeGreaterThanOrEqual(300);
    expect(response.body.errors).toBeUndefined();
    const writes = writesSeen(harness.service('cart'));
    expect(writes).toHaveLength(2);
    expect(writes[1]!.key).toBe(writes[0]!.key);
    expect(await lineOf(harness, 'p-0002')).toBe(1);
    const cart = (response.body.data!.addToCart as { cart: Parameters<typeof linesOf>[0] }).cart;
    expect(linesOf(cart)).toEqual(await upstreamCart(harness.service('cart'), 'u-2'));
  });

  it('a connection reset after the upstream applied the write: retried, applied once', async () => {
    harness.service('cart').replay([{ applyWriteFirst: true, reset: true }, { applyWriteFirst: true, errorRate: 1 }, {}]);
    const response = await harness.query(ADD);
    expect(response.body.errors).toBeUndefined();
    const writes = writesSeen(harness.service('cart'));
    expect(writes).toHaveLength(3);
    expect(new Set(writes.map((write) => write.key)).size).toBe(1);
    expect(await lineOf(harness, 'p-0002')).toBe(1);
  });

  it('a write whose upstream answered 4xx is not retried; its field is null with a coded error', async () => {
    harness.service('cart').setFault({ errorRate: 1, errorStatus: 409 });
    const response = await harness.query(ADD);
    expect(response.body.data).toEqual({ addToCart: null });
    expect(onlyError(response)).toEqual({ code: 'UPSTREAM_BAD_RESPONSE', source: 'cart', path: ['addToCart'] });
    expect(response.body.errors![0]!.extensions!.upstreamStatus).toBe(409);
    expect(writesSeen(harness.service('cart'))).toHaveLength(1);
    expect(await lineOf(harness, 'p-0002')).toBeUndefined();
  });

  it('a write that fails every attempt answers UPSTREAM_UNAVAILABLE, never stale or default, and says so in extensions.degraded', async () => {
    harness.service('cart').setFault({ errorRate: 1, errorStatus: 503 });
    const response = await harness.query(ADD);
    expect(response.body.data).toEqual({ addToCart: null });
    expect(onlyError(response)).toEqual({ code: 'UPSTREAM_UNAVAILABLE', source: 'cart', path: ['addToCart'] });
    expect(response.body.extensions!.degraded).toEqual([{ source: 'cart', reason: 'UPSTREAM_UNAVAILABLE', fallback: 'NULL', paths: [['addToCart']] }]);
    const writes = writesSeen(harness.service('cart'));
    expect(writes).toHaveLength(3);
    expect(new Set(writes.map((write) => write.key)).size).toBe(1);
    expect(await lineOf(harness, 'p-0002')).toBeUndefined();
  });

  it('two writes in one request, the second refused: the first is applied and shown, the second null with its error', async () => {
    harness.service('cart').replay([{}, { errorRate: 1, errorStatus: 409 }]);
    const response = await harness.query(`mutation { first: addToCart(userId: "u-2", productId: "p-0002", quantity: 1) { cart { totalQuantity } } second: addToCart(userId: "u-2", productId: "p-0003", quantity: 1) { cart { totalQuantity } } }`);
    const lines = await upstreamCart(harness.service('cart'), 'u-2');
    const total = lines.reduce((sum, line) => sum + line.quantity, 0);
    expect(response.body.data).toEqual({ first: { cart: { totalQuantity: total } }, second: null });
    expect(onlyError(response)).toEqual({ code: 'UPSTREAM_BAD_RESPONSE', source: 'cart', path: ['second'] });
    expect(lines.find((line) => line.productId === 'p-0002')?.quantity).toBe(1);
    expect(lines.find((line) => line.productId === 'p-0003')).toBeUndefined();
  });

  it('the same client Idempotency-Key sent twice applies the write once; each field of a request gets its own key', async () => {
    const headers = { 'idempotency-key': 'client-key-1' };
    const first = await harness.query(`mutation { a: addToCart(userId: "u-2", productId: "p-0002", quantity: 1) { cart { totalQuantity } } b: addToCart(userId: "u-2", productId: "p-0002", quantity: 1) { cart { totalQuantity } } }`, undefined, headers);
    expect(first.body.errors).toBeUndefined();
    expect(await lineOf(harness, 'p-0002')).toBe(2);
    // The client retries the whole request (it never saw the answer): the upstream replays both answers.
    const again = await harness.query(`mutation { a: addToCart(userId: "u-2", productId: "p-0002", quantity: 1) { cart { totalQuantity } } b: addToCart(userId: "u-2", productId: "p-0002", quantity: 1) { cart { totalQuantity } } }`, undefined, headers);
    expect(again.body.data).toEqual(first.body.data);
    expect(await lineOf(harness, 'p-0002')).toBe(2);
    const keys = writesSeen(harness.service('cart')).map((write) => write.key);
    expect(keys).toHaveLength(4);
    expect(keys[0]).not.toBe(keys[1]);
    expect(keys.slice(2)).toEqual(keys.slice(0, 2));
    expect(keys[0]).not.toContain('client-key-1');
  });
});
