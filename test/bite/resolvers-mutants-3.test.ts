import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config.js';
import { ALL_SOURCE_NAMES } from '../../src/declared/names.js';
import { createContext } from '../../src/context.js';
import type { BallastContext } from '../../src/context.js';
import { createDemoData } from '../../src/demo/data.js';
import { UpstreamClient } from '../../src/http/upstream-client.js';
import { childLoad } from '../../src/resolvers/prefetch.js';
import { createSources } from '../../src/sources/bind.js';
import type { SourceRegistry } from '../../src/sources/bind.js';
import type { PriceRecord } from '../../src/sources/pricing.js';
import { requestedUrls, startHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';

/**
 * Loading a list's fields ahead (src/resolvers/prefetch.ts), where mutation testing found its
 * promises unheld (docs/testing.md, "Mutation testing"): what `childLoad` starts against a real
 * pricing upstream, that it starts nothing while the breaker refuses, and that a fragment whose
 * fields carry a directive leaves the page to its fields instead of failing it. Expected values
 * are the demo data's (createDemoData(), seed 42). And what a mutation field answers
 * (src/resolvers/mutations-write.ts) when the caller writes another user's data, when a write
 * fails with a 500, and when the request's call allowance, not the upstream, refuses a write.
 */
const data = createDemoData();

/** Load shedding off and patient sources: these tests are about values, not time. */
const STEADY = { adaptiveLimit: false, maxEventLoopDelayMs: 0, deadlineAdmission: { enabled: false } };
const PATIENT = { timeoutMs: 8_000, attemptTimeoutMs: 8_000 };

let harness: Harness;
beforeAll(async () => {
  // The caller is named by X-User-Id, and a request may make two calls per source (mutation fields' writes included).
  harness = await startHarness({
    server: STEADY,
    deadlineMs: 10_000,
    identity: { mode: 'header' },
    security: { maxCallsPerSource: 2 },
    sources: { catalog: { ...PATIENT, maxStaleMs: 0, retry: { maxAttempts: 1 } }, inventory: PATIENT, favorites: PATIENT, pricing: { ...PATIENT, maxStaleMs: 0 }, cart: { ...PATIENT, maxStaleMs: 0, breaker: { enabled: false } } },
  });
});
afterAll(() => harness.close());
afterEach(() => harness.reset());

describe('childLoad against the real pricing service', () => {
  /** Pricing with no stale values, one attempt, and a breaker that opens after two failed calls. */
  const config = resolveConfig({
    sources: { pricing: { ...PATIENT, maxStaleMs: 0, retry: { maxAttempts: 1 }, breaker: { volumeThreshold: 2, errorThresholdPercentage: 50, resetTimeoutMs: 60_000 } } },
  });
  let registry: SourceRegistry;
  const contexts: BallastContext[] = [];
  beforeAll(() => {
    const baseUrls = Object.fromEntries(ALL_SOURCE_NAMES.map((name) => [name, new URL(harness.demo.urls[name as keyof typeof harness.demo.urls]!)])) as Parameters<typeof createSources>[1];
    registry = createSources(config, baseUrls, new UpstreamClient());
  });
  afterAll(() => registry.shutdown());
  afterEach(() => contexts.splice(0).forEach((context) => context.finish()));

  const newContext = (): BallastContext => {
    const context = createContext({ config, operations: registry.operations }, new Request('http://127.0.0.1/graphql'));
    contexts.push(context);
    return context;
  };
  const priceLoad = () => childLoad<{ id: string }, PriceRecord>({ paths: [['nodes']], type: 'Product', field: 'price', operation: registry.operations.price, key: (item) => item.id });
  const items = [{ id: 'p-0003' }, { id: 'p-0007' }];
  const priceOf = (id: string) => ({ productId: id, amount: data.prices.get(id), currency: 'USD' });

  it("starts one batched call for the items' keys, resolving to what pricing holds, and leaves it in the request's loader", async () => {
    const context = newContext();
    const started = priceLoad().start(context, items, undefined);
    expect(started).toBeInstanceOf(Promise);
    await expect(started).resolves.toEqual([priceOf('p-0003'), priceOf('p-0007')]);
    const pricing = harness.service('pricing');
    expect(requestedUrls(pricing)).toEqual(['/prices?ids=p-0003,p-0007&currency=USD']);
    // The field asking later is answered from the same loader: no second call.
    await expect(context.loads.loaderFor(registry.operations.price).load('p-0007')).resolves.toEqual(priceOf('p-0007'));
    expect(pricing.requestCount).toBe(1);
  });

  it('starts nothing, and sends nothing, while the breaker refuses every call', async () => {
    const pricing = harness.service('pricing');
    pricing.setFault({ errorRate: 1, errorStatus: 500 });
    // Failed calls open the breaker (two in its window, all failed).
    await expect
      .poll(async () => {
        await priceLoad().start(newContext(), items, undefined);
        return registry.pipelines.pricing.failsFast;
      })
      .toBe(true);
    const sent = pricing.requestCount;
    expect(priceLoad().start(newContext(), items, undefined)).toBeUndefined();
    expect(pricing.requestCount).toBe(sent);
  });
});

describe('a page whose fields sit in a fragment with a directive inside', () => {
  it('is not loaded ahead, and its fields still answer what the upstreams hold', async () => {
    const { body } = await harness.query(`{ products(first: 2) { nodes { id ... on Product { price @include(if: true) { amount } inventory { available } } } } }`);
    expect(body).toEqual({
      data: {
        products: {
          nodes: ['p-0001', 'p-0002'].map((id) => ({ id, price: { amount: data.prices.get(id) }, inventory: { available: data.stock.get(id) } })),
        },
      },
    });
  });
});


interface ServedError {
  message: string;
  path: unknown;
  extensions: Record<string, unknown> | undefined;
}
const errorsOf = (body: { errors?: Array<{ message: string; path?: unknown; extensions?: Record<string, unknown> }> }): ServedError[] =>
  (body.errors ?? []).map((error) => ({ message: error.message, path: error.path, extensions: error.extensions }));

describe('mutation fields', () => {
  it("another user's cart is FORBIDDEN with the message saying it may not be changed; nothing is sent", async () => {
    const { body } = await harness.query(`mutation { addToCart(userId: "u-2", productId: "p-0002", quantity: 1) { __typename } }`, undefined, { 'x-user-id': 'u-1' });
    expect(body.data).toEqual({ addToCart: null });
    expect(errorsOf(body)).toEqual([{ message: 'you may only change your own cart and favorites', path: ['addToCart'], extensions: { code: 'FORBIDDEN' } }]);
    expect(harness.service('cart').requestCount).toBe(0);
  });

  it('a write the upstream fails with 500 is UPSTREAM_UNAVAILABLE without an upstreamStatus (only a 4xx tells one)', async () => {
    harness.service('cart').setFault({ errorRate: 1, errorStatus: 500 });
    const { body } = await harness.query(`mutation { removeFromCart(userId: "u-5", productId: "p-0201") { __typename } }`, undefined, { 'x-user-id': 'u-5' });
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

  it("a write past the request's call allowance keeps the allowance's own error, is not reported degraded, and is not sent", async () => {
    const favorites = harness.service('favorites');
    const { body } = await harness.query(
      `mutation { a: addFavorite(userId: "u-6", productId: "p-0011") { __typename } b: addFavorite(userId: "u-6", productId: "p-0012") { __typename } c: addFavorite(userId: "u-6", productId: "p-0013") { __typename } }`,
      undefined,
      { 'x-user-id': 'u-6' },
    );
    expect(body.data).toEqual({ a: { __typename: 'AddFavoritePayload' }, b: { __typename: 'AddFavoritePayload' }, c: null });
    expect(errorsOf(body)).toEqual([{ message: 'this request needs more than 2 calls to favorites', path: ['c'], extensions: { code: 'TOO_MANY_UPSTREAM_CALLS', source: 'favorites' } }]);
    expect(body.extensions?.degraded).toBeUndefined();
    expect(favorites.requests.map((request) => `${request.method} ${request.url}`)).toEqual(['PUT /favorites/u-6/p-0011', 'PUT /favorites/u-6/p-0012']);
  });
});

interface Connection {
  edges: Array<{ cursor: string; node: { id: string } }>;
  nodes: Array<{ id: string }>;
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
}
const PAGE = `query Page($first: Int!, $after: String) { products(first: $first, after: $after) { edges { cursor node { id } } nodes { id } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`;
async function page(first: number, after?: string | null): Promise<Connection> {
  const { body } = await harness.query(PAGE, { first, after: after ?? null });
  expect(body.errors).toBeUndefined();
  return (body.data as { products: Connection }).products;
}
const ids = (connection: Connection): string[] => connection.nodes.map((node) => node.id);
const catalogIds = (from: number, count: number): string[] => data.products.slice(from - 1, from - 1 + count).map((product) => product.id);

describe('Query.products: where a page starts and what its cursors say', () => {
  it('a first page: no page before, start and end cursors are its first and last edges', async () => {
    const first = await page(3);
    expect(ids(first)).toEqual(catalogIds(1, 3));
    expect(first.edges.map((edge) => edge.node.id)).toEqual(catalogIds(1, 3));
    expect(first.pageInfo).toEqual({ hasNextPage: true, hasPreviousPage: false, startCursor: first.edges[0]!.cursor, endCursor: first.edges[2]!.cursor });
    // Resumed from the page's end (the catalog's own cursor) and from its middle (a skip): both have a page before.
    // The end cursor is the catalog's own: one catalog call. A mid-page one needs a hop first: two.
    const catalog = harness.service('catalog');
    catalog.resetLog();
    const afterEnd = await page(2, first.pageInfo.endCursor);
    expect([ids(afterEnd), afterEnd.pageInfo.hasPreviousPage, catalog.requestCount]).toEqual([catalogIds(4, 2), true, 1]);
    catalog.resetLog();
    const afterFirst = await page(2, first.edges[0]!.cursor);
    expect([ids(afterFirst), afterFirst.pageInfo.hasPreviousPage, catalog.requestCount]).toEqual([catalogIds(2, 2), true, 2]);
  });

  it("the catalog's last page has no next page; a cursor after its last item is an empty page with a page before", async () => {
    let cursor: string | null = null;
    let last: Connection | undefined;
    for (let n = 0; n < 12; n++) {
      last = await page(100, cursor);
      cursor = last.pageInfo.endCursor;
    }
    expect(ids(last!)).toEqual(catalogIds(1101, 100));
    expect(last!.pageInfo.hasNextPage).toBe(false);
    expect(last!.pageInfo.endCursor).toBe(last!.edges[99]!.cursor);
    expect(await page(5, last!.pageInfo.endCursor)).toEqual({ edges: [], nodes: [], pageInfo: { hasNextPage: false, hasPreviousPage: true, startCursor: null, endCursor: null } });
    // The cursor before the last item still reaches it.
    expect(ids(await page(5, last!.edges[98]!.cursor))).toEqual(catalogIds(1200, 1));
  });

  it('a bad product left out of a page still counts in the cursors after it', async () => {
    harness.service('catalog').setFault({ badItemIds: ['p-0002'] });
    const withHole = await page(4);
    expect(ids(withHole)).toEqual(['p-0001', 'p-0003', 'p-0004']);
    harness.service('catalog').clearFault();
    expect(ids(await page(1, withHole.edges[0]!.cursor))).toEqual(['p-0002']);
    expect(ids(await page(1, withHole.edges[1]!.cursor))).toEqual(['p-0004']);
  });

  it('a page whose every product is bad shows none and has no start or end cursor', async () => {
    harness.service('catalog').setFault({ badItemIds: ['p-0001', 'p-0002'] });
    const { body } = await harness.query(PAGE, { first: 2, after: null });
    const empty = (body.data as { products: Connection }).products;
    expect([empty.nodes, empty.edges, empty.pageInfo.startCursor, empty.pageInfo.endCursor, empty.pageInfo.hasNextPage]).toEqual([[], [], null, null, true]);
  });

  it("a catalog that fails a page, or the hop to a mid-page cursor, answers products null with the catalog's error", async () => {
    const first = await page(3);
    harness.service('catalog').setFault({ errorRate: 1, errorStatus: 503 });
    const unavailable = { message: 'catalog is unavailable (UPSTREAM_UNAVAILABLE)', path: ['products'], extensions: { code: 'UPSTREAM_UNAVAILABLE', source: 'catalog' } };
    for (const after of [null, first.edges[0]!.cursor]) {
      const { body } = await harness.query(PAGE, { first: 2, after });
      expect(body.data).toEqual({ products: null });
      expect(errorsOf(body)).toEqual([unavailable]);
    }
  });
});
