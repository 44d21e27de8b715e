import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createDemoData } from '../../src/demo/data.js';
import { GRAPHQL_INT_MAX } from '../../src/sources/int32.js';
import { startHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';
import { upstreamCart, writesSeen } from '../writes/write-helpers.js';

/**
 * Resolver promises mutation testing found unheld (docs/testing.md, "Mutation testing"): a cart
 * subtotal at the exact edge of Int and with a line's price missing, the empty cart, the exact
 * idempotency key a mutation field sends, the exact refusals of bad write input, what a failed
 * write tells the client, `nodes(ids:)` at its bound. Real demo upstreams on loopback; the
 * expected values are computed from the data they hold (createDemoData(), seed 42).
 */
const data = createDemoData();
const usd = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' });

/** Load shedding off, so a busy machine cannot answer 503 OVERLOADED in place of the values these tests compare. */
const STEADY = { adaptiveLimit: false, maxEventLoopDelayMs: 0, deadlineAdmission: { enabled: false } };
/** Time enough that a loaded machine's slow answer is not read as a timeout: these tests are about values, not time. */
const PATIENT = { timeoutMs: 8_000, attemptTimeoutMs: 8_000 };
const PATIENT_SOURCES = { catalog: PATIENT, inventory: PATIENT, favorites: PATIENT, reviews: PATIENT };

let harness: Harness;
beforeAll(async () => {
  // No stale prices or carts: a fault must show as the resolver's own answer, not a STALE value.
  harness = await startHarness({
    server: STEADY,
    deadlineMs: 10_000,
    sources: { ...PATIENT_SOURCES, pricing: { ...PATIENT, maxStaleMs: 0 }, cart: { ...PATIENT, maxStaleMs: 0, retry: { maxAttempts: 1 }, breaker: { enabled: false } } },
  });
});
afterAll(() => harness.close());
afterEach(() => harness.reset());

interface ServedError {
  message: string;
  path: unknown;
  extensions: Record<string, unknown> | undefined;
}
const errorsOf = (body: { errors?: Array<{ message: string; path?: unknown; extensions?: Record<string, unknown> }> }): ServedError[] =>
  (body.errors ?? []).map((error) => ({ message: error.message, path: error.path, extensions: error.extensions }));

describe('Cart.subtotal', () => {
  it('the empty cart (u-4, a 404 upstream) is 0 USD, no line, no pricing call', async () => {
    const { body } = await harness.query(`{ cart(userId: "u-4") { userId items { quantity } totalQuantity subtotal { amount currency formatted } } }`);
    expect(body).toEqual({ data: { cart: { userId: 'u-4', items: [], totalQuantity: 0, subtotal: { amount: 0, currency: 'USD', formatted: '$0.00' } } } });
    expect(harness.service('pricing').requestCount).toBe(0);
  });

  it('a line whose price is a bad item nulls the subtotal with that error; the other lines keep theirs', async () => {
    harness.service('pricing').setFault({ badItemIds: ['p-0008'] });
    const { body } = await harness.query(`{ cart(userId: "u-1") { totalQuantity subtotal { amount } items { product { id price { amount } } } } }`);
    expect(body.data).toEqual({
      cart: {
        totalQuantity: 6,
        subtotal: null,
        items: ['p-0001', 'p-0008', 'p-0015'].map((id) => ({ product: { id, price: id === 'p-0008' ? null : { amount: data.prices.get(id) } } })),
      },
    });
    const unavailable = { message: 'pricing is unavailable (UPSTREAM_BAD_RESPONSE)', extensions: { code: 'UPSTREAM_BAD_RESPONSE', source: 'pricing' } };
    expect(errorsOf(body)).toEqual([
      { ...unavailable, path: ['cart', 'subtotal'] },
      { ...unavailable, path: ['cart', 'items', 1, 'product', 'price'] },
    ]);
  });

  it('a subtotal of exactly the largest Int is served; one more is SUBTOTAL_OUT_OF_RANGE', async () => {
    // u-1: p-0001 ×1, p-0008 ×2, p-0015 ×3. p-0001's price is set so that the sum lands on the bound.
    const others = data.prices.get('p-0008')! * 2 + data.prices.get('p-0015')! * 3;
    const pricing = harness.service('pricing');
    pricing.setFault({ hugeNumberIds: ['p-0001'], hugeNumber: GRAPHQL_INT_MAX - others });
    const atBound = await harness.query(`{ cart(userId: "u-1") { subtotal { amount currency } } }`);
    expect(atBound.body).toEqual({ data: { cart: { subtotal: { amount: GRAPHQL_INT_MAX, currency: 'USD' } } } });
    pricing.setFault({ hugeNumberIds: ['p-0001'], hugeNumber: GRAPHQL_INT_MAX - others + 1 });
    const past = await harness.query(`{ cart(userId: "u-1") { subtotal { amount } } }`);
    expect(past.body.data).toEqual({ cart: { subtotal: null } });
    expect(errorsOf(past.body)).toEqual([
      { message: `the subtotal exceeds the largest amount an Int can carry (${GRAPHQL_INT_MAX})`, path: ['cart', 'subtotal'], extensions: { code: 'SUBTOTAL_OUT_OF_RANGE' } },
    ]);
  });

  it('the healthy u-3 subtotal is the exact sum with its formatted text', async () => {
    const lines = data.carts.get('u-3')!;
    const amount = lines.reduce((sum, line) => sum + data.prices.get(line.productId)! * line.quantity, 0);
    const { body } = await harness.query(`{ cart(userId: "u-3") { subtotal { amount currency formatted } } }`);
    expect(body).toEqual({ data: { cart: { subtotal: { amount, currency: 'USD', formatted: usd.format(amount / 100) } } } });
  });
});

describe('a price the pricing service does not know', () => {
  // The demo pricing service knows every product a cart may hold, so "not found" needs an upstream of its own.
  let own: Harness;
  let server: Server;
  const unknownToPricing = new Set(['p-0008']);
  beforeAll(async () => {
    server = createServer((request, response) => {
      const url = new URL(request.url!, 'http://127.0.0.1');
      const ids = (url.searchParams.get('ids') ?? '').split(',').filter((id) => !unknownToPricing.has(id));
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ items: ids.map((productId) => ({ productId, amount: data.prices.get(productId), currency: 'USD' })) }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    own = await startHarness({ server: STEADY, deadlineMs: 10_000, sources: { ...PATIENT_SOURCES, cart: PATIENT, pricing: { ...PATIENT, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, maxStaleMs: 0 } } });
  });
  afterAll(async () => {
    await own.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('nulls the subtotal with PRICE_NOT_FOUND naming that product; its own price is null without an error', async () => {
    const { body } = await own.query(`{ cart(userId: "u-1") { subtotal { amount } items { product { id price { amount } } } } }`);
    expect(body.data).toEqual({
      cart: { subtotal: null, items: ['p-0001', 'p-0008', 'p-0015'].map((id) => ({ product: { id, price: id === 'p-0008' ? null : { amount: data.prices.get(id) } } })) },
    });
    expect(errorsOf(body)).toEqual([{ message: 'no price is known for product p-0008', path: ['cart', 'subtotal'], extensions: { code: 'PRICE_NOT_FOUND' } }]);
    // A refusal, not degradation: the source answered (docs/degradation.md, a cart subtotal).
    expect(body.extensions?.degraded).toBeUndefined();
  });
});

describe('a stale price from a shared store in another currency', () => {
  // A store shared with a gateway that prices in EUR: the cart must not add its value to USD ones.
  let shared: Harness;
  const hostStaleStore = {
    get: async (key: string) => (key === 'price:p-0008' ? { value: { productId: 'p-0008', amount: 500, currency: 'EUR' }, storedAt: Date.now() - 1_000 } : undefined),
    set: () => true,
    close: async () => undefined,
  };
  beforeAll(async () => {
    shared = await startHarness({ server: STEADY, deadlineMs: 10_000, sources: { ...PATIENT_SOURCES, cart: PATIENT, pricing: { ...PATIENT, retry: { maxAttempts: 1 } } } }, { hostStaleStore });
  });
  afterAll(() => shared.close());

  it('nulls the subtotal with UPSTREAM_BAD_RESPONSE naming both currencies, recorded as a NULL fallback', async () => {
    shared.service('pricing').setFault({ badItemIds: ['p-0008'] });
    const { body } = await shared.query(`{ cart(userId: "u-1") { subtotal { amount } } }`);
    expect(body.data).toEqual({ cart: { subtotal: null } });
    expect(errorsOf(body)).toEqual([
      { message: 'the price of p-0008 is in EUR, not USD', path: ['cart', 'subtotal'], extensions: { code: 'UPSTREAM_BAD_RESPONSE', source: 'pricing' } },
    ]);
    expect(body.extensions?.degraded).toEqual([
      { source: 'pricing', reason: 'UPSTREAM_BAD_RESPONSE', fallback: 'STALE', paths: [['cart', 'subtotal']], staleAgeMs: expect.any(Number) },
      { source: 'pricing', reason: 'UPSTREAM_BAD_RESPONSE', fallback: 'NULL', paths: [['cart', 'subtotal']] },
    ]);
  });
});

describe('lists at security.maxListItems', () => {
  let bounded: Harness;
  beforeAll(async () => {
    bounded = await startHarness({ server: STEADY, deadlineMs: 10_000, security: { maxListItems: 3 }, sources: { ...PATIENT_SOURCES, cart: PATIENT, pricing: PATIENT } });
  });
  afterAll(() => bounded.close());

  it('a cart of exactly 3 lines is served; one of 10 is LIST_TOO_LONG naming its user', async () => {
    const three = await bounded.query(`{ cart(userId: "u-1") { totalQuantity } }`);
    expect(three.body).toEqual({ data: { cart: { totalQuantity: 6 } } });
    const ten = await bounded.query(`{ cart(userId: "u-2") { totalQuantity } }`);
    expect(ten.body.data).toEqual({ cart: null });
    expect(errorsOf(ten.body)).toEqual([
      { message: 'the cart of u-2 has 10 items, more than the 3 Ballast reads from one answer', path: ['cart'], extensions: { code: 'LIST_TOO_LONG', source: 'cart' } },
    ]);
  });
});

describe('mutation input and idempotency keys', () => {
  const keyFor = (offered: string, userId: string, field: string): string => createHash('sha256').update(`${offered}\n${userId}\n${field}`).digest('base64url');

  it("a client Idempotency-Key becomes, per field, sha256 of the key, the user and the field's alias", async () => {
    const { body } = await harness.query(
      `mutation { first: addFavorite(userId: "u-2", productId: "p-0002") { __typename } second: removeFavorite(userId: "u-2", productId: "p-0002") { __typename } }`,
      undefined,
      { 'idempotency-key': 'client-key-1' },
    );
    expect(body.errors).toBeUndefined();
    expect(writesSeen(harness.service('favorites'))).toEqual([
      { method: 'PUT', url: '/favorites/u-2/p-0002', key: keyFor('client-key-1', 'u-2', 'first') },
      { method: 'DELETE', url: '/favorites/u-2/p-0002', key: keyFor('client-key-1', 'u-2', 'second') },
    ]);
  });

  it('an Idempotency-Key of 255 visible characters, "~" and "!" included, is taken', async () => {
    const offered = '!'.repeat(127) + '~'.repeat(128);
    const { body } = await harness.query(`mutation { removeFavorite(userId: "u-2", productId: "p-0003") { __typename } }`, undefined, { 'idempotency-key': offered });
    expect(body.errors).toBeUndefined();
    expect(writesSeen(harness.service('favorites'))).toEqual([{ method: 'DELETE', url: '/favorites/u-2/p-0003', key: keyFor(offered, 'u-2', 'removeFavorite') }]);
  });

  it.each([
    ['empty', ''],
    ['with a space', 'two words'],
    ['of 256 characters', 'k'.repeat(256)],
  ])('an Idempotency-Key %s is refused with the exact message, nothing sent', async (_name, offered) => {
    const { body } = await harness.query(`mutation { removeFavorite(userId: "u-2", productId: "p-0003") { __typename } }`, undefined, { 'idempotency-key': offered });
    expect(errorsOf(body)).toEqual([
      { message: 'the Idempotency-Key header must be 1 to 255 visible ASCII characters', path: ['removeFavorite'], extensions: { code: 'BAD_USER_INPUT', argument: 'idempotency-key' } },
    ]);
    expect(writesSeen(harness.service('favorites'))).toEqual([]);
  });

  it.each([
    ['_p-1', '"_p-1" is not a product id (letters, digits, "_", ".", ":", "-"; at most 64)'],
    ['p 1', '"p 1" is not a product id (letters, digits, "_", ".", ":", "-"; at most 64)'],
    ['x'.repeat(100), `"${'x'.repeat(70)}" is not a product id (letters, digits, "_", ".", ":", "-"; at most 64)`],
  ])('product id %s is refused with its exact message', async (productId, message) => {
    const { body } = await harness.query(`mutation($p: ID!) { addFavorite(userId: "u-2", productId: $p) { __typename } }`, { p: productId });
    expect(errorsOf(body)).toEqual([{ message, path: ['addFavorite'], extensions: { code: 'BAD_USER_INPUT', argument: 'productId' } }]);
    expect(writesSeen(harness.service('favorites'))).toEqual([]);
  });

  it('a product id of 64 characters with "_", ".", ":" and "-" passes the check and reaches the upstream, which refuses it (422)', async () => {
    const productId = `P9_.:-${'a'.repeat(58)}`;
    const { body } = await harness.query(`mutation($p: ID!) { addToCart(userId: "u-5", productId: $p, quantity: 1) { __typename } }`, { p: productId });
    expect(errorsOf(body)).toEqual([
      {
        message: 'the write to cart failed (UPSTREAM_BAD_RESPONSE); it may be retried with the same Idempotency-Key',
        path: ['addToCart'],
        extensions: { code: 'UPSTREAM_BAD_RESPONSE', source: 'cart', upstreamStatus: 422 },
      },
    ]);
    expect(body.extensions?.degraded).toEqual([{ source: 'cart', reason: 'UPSTREAM_BAD_RESPONSE', fallback: 'NULL', paths: [['addToCart']] }]);
    expect(writesSeen(harness.service('cart')).map(({ method, url }) => `${method} ${url}`)).toEqual(['POST /carts/u-5/lines']);
  });

  it.each([0, 100])('quantity %s is refused with the exact message', async (quantity) => {
    const { body } = await harness.query(`mutation($q: Int!) { addToCart(userId: "u-5", productId: "p-0002", quantity: $q) { __typename } }`, { q: quantity });
    expect(errorsOf(body)).toEqual([
      { message: `quantity must be a whole number from 1 to 99, got ${quantity}`, path: ['addToCart'], extensions: { code: 'BAD_USER_INPUT', argument: 'quantity' } },
    ]);
    expect(writesSeen(harness.service('cart'))).toEqual([]);
  });

  it('quantity 99, the largest allowed, is written and read back from the write', async () => {
    const before = await upstreamCart(harness.service('cart'), 'u-3');
    harness.service('cart').resetLog();
    const { body } = await harness.query(`mutation { updateCartLine(userId: "u-3", productId: "${before[0]!.productId}", quantity: 99) { cart { items { quantity product { id } } } } }`);
    expect(body.errors).toBeUndefined();
    const after = before.map((line, index) => ({ productId: line.productId, quantity: index === 0 ? 99 : line.quantity }));
    expect(body.data).toEqual({ updateCartLine: { cart: { items: after.map((line) => ({ quantity: line.quantity, product: { id: line.productId } })) } } });
    // The payload's cart came from the write's answer: no GET after the PUT.
    expect(harness.service('cart').requests.map((request) => request.method)).toEqual(['PUT']);
    expect(await upstreamCart(harness.service('cart'), 'u-3')).toEqual(after);
  });

  it('a write the upstream fails with 503 is UPSTREAM_UNAVAILABLE without an upstreamStatus, recorded with fallback NULL', async () => {
    harness.service('cart').setFault({ errorRate: 1, errorStatus: 503 });
    const { body } = await harness.query(`mutation { removeFromCart(userId: "u-5", productId: "p-0201") { __typename } }`);
    expect(body.data).toEqual({ removeFromCart: null });
    expect(errorsOf(body)).toEqual([
      {
        message: 'the write to cart failed (UPSTREAM_UNAVAILABLE); it may be retried with the same Idempotency-Key',
        path: ['removeFromCart'],
        extensions: { code: 'UPSTREAM_UNAVAILABLE', source: 'cart' },
      },
    ]);
    expect(body.extensions?.degraded).toEqual([{ source: 'cart', reason: 'UPSTREAM_UNAVAILABLE', fallback: 'NULL', paths: [['removeFromCart']] }]);
  });
});

describe('Relay nodes', () => {
  it('nodes(ids:) takes exactly 100 ids, each its own product in order; node(id:) is a Product', async () => {
    const ids = Array.from({ length: 100 }, (_, index) => `p-${String(index + 1).padStart(4, '0')}`);
    const { body } = await harness.query('query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Product { name } } }', { ids });
    expect(body).toEqual({ data: { nodes: ids.map((id) => ({ id, name: data.productsById.get(id)!.name })) } });
    const one = await harness.query('{ node(id: "p-0617") { __typename id } }');
    expect(one.body).toEqual({ data: { node: { __typename: 'Product', id: 'p-0617' } } });
  });
});
