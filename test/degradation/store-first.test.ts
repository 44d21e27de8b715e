import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDemoData } from '../../src/demo/data.js';
import { startHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';

/**
 * Which degraded fields ask the shared store (the host's primary, or Redis) before serving their
 * own memory (src/degradation/fallback.ts): only values mutations write (a cart, favorites), since
 * another worker may have written a newer one there; a price nothing writes is served from memory,
 * without a round trip (docs/degradation.md, "Writes"; docs/deployment.md).
 */
const data = createDemoData();
const STEADY = { adaptiveLimit: false, maxEventLoopDelayMs: 0, deadlineAdmission: { enabled: false } };
const PATIENT = { timeoutMs: 8_000, attemptTimeoutMs: 8_000, retry: { maxAttempts: 1 }, breaker: { enabled: false } };
const NEWER_CART = { userId: 'u-1', items: [{ productId: 'p-0042', quantity: 7 }] };

let harness: Harness;
const asked: string[] = [];
// A store that holds, for every key, a value newer than anything this process read (it is dated at the look-up).
const hostStaleStore = {
  get: async (key: string) => {
    asked.push(key);
    if (key === 'cart:u-1') return { value: NEWER_CART, storedAt: Date.now() };
    if (key === 'price:p-0001') return { value: { productId: 'p-0001', amount: 1, currency: 'USD' }, storedAt: Date.now() };
    return undefined;
  },
  set: () => true,
  close: async () => undefined,
};

beforeAll(async () => {
  harness = await startHarness({ server: STEADY, deadlineMs: 10_000, sources: { pricing: PATIENT, cart: PATIENT, catalog: PATIENT } }, { hostStaleStore });
});
afterAll(() => harness.close());

describe('a degraded field with a shared store', () => {
  it('a price (nothing writes it) is served from memory, the store not asked', async () => {
    const healthy = await harness.query('{ product(id: "p-0001") { price { amount } } }');
    expect(healthy.body.data).toEqual({ product: { price: { amount: data.prices.get('p-0001') } } });
    harness.service('pricing').setFault({ errorRate: 1 });
    asked.length = 0;
    const degraded = await harness.query('{ product(id: "p-0001") { price { amount } } }');
    expect(degraded.body.data).toEqual({ product: { price: { amount: data.prices.get('p-0001') } } });
    expect(degraded.body.extensions?.degraded).toEqual([expect.objectContaining({ source: 'pricing', fallback: 'STALE', paths: [['product', 'price']] })]);
    expect(asked).toEqual([]);
    harness.service('pricing').clearFault();
  });

  it("a cart (mutations write it) asks the store even with a value in memory, and serves the store's newer one", async () => {
    const healthy = await harness.query('{ cart(userId: "u-1") { items { quantity product { id } } } }');
    const held = data.carts.get('u-1')!;
    expect(healthy.body.data).toEqual({ cart: { items: held.map((line) => ({ quantity: line.quantity, product: { id: line.productId } })) } });
    harness.service('cart').setFault({ errorRate: 1 });
    asked.length = 0;
    const degraded = await harness.query('{ cart(userId: "u-1") { items { quantity product { id } } } }');
    expect(degraded.body.data).toEqual({ cart: { items: [{ quantity: 7, product: { id: 'p-0042' } }] } });
    expect(degraded.body.extensions?.degraded).toEqual([expect.objectContaining({ source: 'cart', fallback: 'STALE', paths: [['cart']] })]);
    expect(asked).toContain('cart:u-1');
    harness.service('cart').clearFault();
  });
});
