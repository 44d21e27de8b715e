import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config.js';
import { ALL_SOURCE_NAMES } from '../../src/declared/names.js';
import { readTypeDefs } from '../../src/declared/schema-files.js';
import type { StaleStore } from '../../src/degradation/stale-cache.js';
import { UpstreamBadResponseError } from '../../src/errors.js';
import { UpstreamClient } from '../../src/http/upstream-client.js';
import { RequestLoads } from '../../src/loads/request-loads.js';
import { Deadline } from '../../src/resilience/deadline.js';
import { ResiliencePipeline } from '../../src/resilience/pipeline.js';
import { createSources } from '../../src/sources/bind.js';
import type { SourceRegistry } from '../../src/sources/bind.js';
import { cart } from '../../src/sources/cart.js';
import { catalog, pageKey } from '../../src/sources/catalog.js';
import type { CatalogPage, CatalogProduct } from '../../src/sources/catalog.js';
import type { CartRecord } from '../../src/sources/cart.js';
import { onePerKey } from '../../src/sources/define.js';
import { pricing } from '../../src/sources/pricing.js';
import { BoundOperation } from '../../src/sources/operation.js';
import { startRedis } from '../helpers/redis.js';

/**
 * Survivors of the ninth session's focused runs of src/sources (docs/testing.md, "Mutation
 * testing"): the cart's total-quantity bound at its exact edge, a one-per-key operation's DEFAULT,
 * and what `createSources` hands the declared (`@rest`) sources: the host store, the fields with a
 * coded resolver, and `shutdown()` stopping every breaker. Real upstream on loopback where a call is made.
 */
type Handler = (request: IncomingMessage, response: ServerResponse) => void;
let handler: Handler;
const seen: string[] = [];
let server: Server;
let origin: URL;

beforeAll(async () => {
  server = createServer((request, response) => {
    seen.push(`${request.method} ${request.url}`);
    handler(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const json = (body: unknown): Handler => (_request, response) => {
  response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
};

const pipelines: ResiliencePipeline[] = [];
const registries: SourceRegistry[] = [];
afterEach(async () => {
  seen.length = 0;
  server.closeAllConnections();
  pipelines.splice(0).forEach((pipeline) => pipeline.shutdown());
  await Promise.all(registries.splice(0).map((registry) => registry.shutdown()));
});

/** A request's loads, as createContext builds them. */
const loads = (): RequestLoads => new RequestLoads({ deadline: new Deadline(10_000), headers: () => ({}) });

describe('the cart: Cart.totalQuantity must fit a GraphQL Int', () => {
  function cartOperation(): BoundOperation<CartRecord> {
    const policy = resolveConfig({}).sources.cart;
    const pipeline = new ResiliencePipeline('cart', origin, { ...policy, timeoutMs: 5000, attemptTimeoutMs: 5000, retry: { ...policy.retry, maxAttempts: 1 } }, new UpstreamClient());
    pipelines.push(pipeline);
    return new BoundOperation(cart.operations.cart, pipeline, { maxStaleMs: 0, staleMaxEntries: 10, maxBatchSize: 100, currency: 'USD' });
  }

  it('a cart of exactly 2,147,483,647 units is served; one more unit over two lines is a bad answer', async () => {
    const largest = { userId: 'u-1', items: [{ productId: 'p-1', quantity: 2_147_483_000 }, { productId: 'p-2', quantity: 647 }] };
    handler = json(largest);
    expect(await loads().loaderFor(cartOperation()).load('u-1')).toEqual(largest);
    handler = json({ userId: 'u-1', items: [{ productId: 'p-1', quantity: 2_147_483_000 }, { productId: 'p-2', quantity: 648 }] });
    const refused = await loads()
      .loaderFor(cartOperation())
      .load('u-1')
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(refused).toBeInstanceOf(UpstreamBadResponseError);
    expect((refused as Error).message).toBe('cart answered an unexpected shape (items: total quantity exceeds the Int range)');
    expect(seen).toEqual(['GET /carts/u-1', 'GET /carts/u-1']);
  });
});

describe('the catalog: pages and products by id', () => {
  function bound<V extends object>(operation: (typeof catalog.operations)[keyof typeof catalog.operations], options: { maxStaleMs?: number; maxBatchSize?: number } = {}): BoundOperation<V> {
    const policy = resolveConfig({}).sources.catalog;
    const pipeline = new ResiliencePipeline('catalog', origin, { ...policy, timeoutMs: 5000, attemptTimeoutMs: 5000, retry: { ...policy.retry, maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1 } }, new UpstreamClient());
    pipelines.push(pipeline);
    return new BoundOperation(operation as unknown as BoundOperation<V>['definition'], pipeline, { maxStaleMs: options.maxStaleMs ?? 0, staleMaxEntries: 10, maxBatchSize: options.maxBatchSize ?? 100, currency: 'USD' });
  }
  const product = (id: string): CatalogProduct => ({ id, name: `Product ${id}` });

  it('asks for a page by limit and encoded cursor, retries a 503 (a page read is idempotent), and keeps where bad and twice-listed products were left out', async () => {
    let calls = 0;
    handler = (request, response) => {
      if (++calls === 1) return void response.writeHead(503).end();
      const cursor = new URL(request.url!, origin).searchParams.get('cursor');
      json({ items: [product('p-1'), { id: '' }, product('p-2'), product('p-3'), product('p-2')], nextCursor: cursor === null ? 'c/2' : null })(request, response);
    };
    const pages = bound<CatalogPage>(catalog.operations.productPage);
    const expected = { items: [product('p-1'), product('p-3')], omittedAt: [1, 1, 2] };
    expect(await loads().loaderFor(pages).load(pageKey(5, null))).toEqual({ ...expected, nextCursor: 'c/2' });
    expect(await loads().loaderFor(pages).load(pageKey(5, 'c/2 x'))).toEqual({ ...expected, nextCursor: null });
    expect(seen).toEqual(['GET /products?limit=5', 'GET /products?limit=5', 'GET /products?limit=5&cursor=c%2F2%20x']);
  });

  it('a page without bad products has no omittedAt, and an absent nextCursor is null', async () => {
    handler = json({ items: [product('p-1')] });
    const page = await loads().loaderFor(bound<CatalogPage>(catalog.operations.productPage)).load(pageKey(1, null));
    expect(page).toStrictEqual({ items: [product('p-1')], nextCursor: null });
  });

  it('products by id: one GET /products?ids=… for the batch, retried after a 503 (idempotent), each item matched to its key', async () => {
    let calls = 0;
    handler = (request, response) => (++calls === 1 ? void response.writeHead(503).end() : json({ items: [product('p,2'), product('p-1')] })(request, response));
    const byId = loads().loaderFor(bound<CatalogProduct>(catalog.operations.productById));
    expect(await byId.loadMany(['p-1', 'p,2', 'p-9'])).toEqual([product('p-1'), product('p,2'), null]);
    expect(seen).toEqual(['GET /products?ids=p-1,p%2C2,p-9', 'GET /products?ids=p-1,p%2C2,p-9']);
  });
});

describe('BoundOperation: batches, and what a load leaves behind', () => {
  const product = (id: string): CatalogProduct => ({ id, name: `Product ${id}` });
  function productsById(options: { maxStaleMs: number; maxBatchSize: number }): BoundOperation<CatalogProduct> {
    const policy = resolveConfig({}).sources.catalog;
    const pipeline = new ResiliencePipeline('catalog', origin, { ...policy, timeoutMs: 5000, attemptTimeoutMs: 5000 }, new UpstreamClient());
    pipelines.push(pipeline);
    return new BoundOperation(catalog.operations.productById, pipeline, { ...options, staleMaxEntries: 10, currency: 'USD' });
  }

  it('a batch holds at most maxBatchSize keys', async () => {
    handler = (request, response) => json({ items: new URL(request.url!, origin).searchParams.get('ids')!.split(',').map(product) })(request, response);
    const values = await loads().loaderFor(productsById({ maxStaleMs: 0, maxBatchSize: 2 })).loadMany(['p-1', 'p-2', 'p-3']);
    expect(values).toEqual([product('p-1'), product('p-2'), product('p-3')]);
    expect(seen).toEqual(['GET /products?ids=p-1,p-2', 'GET /products?ids=p-3']);
  });

  it("an operation without a batch endpoint loads each key on its own: one user's failed cart does not fail another's asked in the same tick", async () => {
    handler = (request, response) => (request.url === '/carts/u-1' ? json({ userId: 'u-1', items: [] })(request, response) : void response.writeHead(400).end('no'));
    const policy = resolveConfig({}).sources.cart;
    const pipeline = new ResiliencePipeline('cart', origin, { ...policy, timeoutMs: 5000, attemptTimeoutMs: 5000 }, new UpstreamClient());
    pipelines.push(pipeline);
    const carts = new BoundOperation(cart.operations.cart, pipeline, { maxStaleMs: 0, staleMaxEntries: 10, maxBatchSize: 100, currency: 'USD' });
    const [own, other] = await loads().loaderFor(carts).loadMany(['u-1', 'u-2']);
    expect(own).toEqual({ userId: 'u-1', items: [] });
    expect((other as Error).message).toBe('cart answered HTTP 400');
    expect(seen.sort()).toEqual(['GET /carts/u-1', 'GET /carts/u-2']);
  });

  it('only values are kept as settled and stale: not a bad item (an Error), and "not found" (null) is settled but never stale', async () => {
    handler = json({ items: [product('p-1'), { id: 'p-2' }] });
    const operation = productsById({ maxStaleMs: 60_000, maxBatchSize: 100 });
    const request = loads();
    const values = await request.loaderFor(operation).loadMany(['p-1', 'p-2', 'p-3']);
    expect(values[0]).toEqual(product('p-1'));
    expect(values[1]).toBeInstanceOf(UpstreamBadResponseError);
    expect(values[2]).toBeNull();
    expect(['p-1', 'p-2', 'p-3'].map((key) => request.settled(operation, key))).toEqual([product('p-1'), undefined, null]);
    expect(['p-1', 'p-2', 'p-3'].map((key) => operation.stale.get(key)?.value)).toEqual([product('p-1'), undefined, undefined]);
    expect(operation.stale.size).toBe(1);
  });

  it('a loader made without a settled map (createLoader is public) loads all the same', async () => {
    handler = json({ items: [product('p-1')] });
    const loader = productsById({ maxStaleMs: 0, maxBatchSize: 100 }).createLoader({ deadline: new Deadline(10_000), onFinish: () => () => undefined, headers: () => ({}) });
    expect(await loader.load('p-1')).toEqual(product('p-1'));
  });
});

describe('a batch answer whose key is not a string', () => {
  it('is an item without a key: the key asked gets that error, not "not found"', async () => {
    handler = json({ items: [{ productId: 7, amount: 100, currency: 'USD' }] });
    const policy = resolveConfig({}).sources.pricing;
    const pipeline = new ResiliencePipeline('pricing', origin, { ...policy, timeoutMs: 5000, attemptTimeoutMs: 5000 }, new UpstreamClient());
    pipelines.push(pipeline);
    const prices = new BoundOperation(pricing.operations.price, pipeline, { maxStaleMs: 0, staleMaxEntries: 10, maxBatchSize: 100, currency: 'USD' });
    const [value] = await loads().loaderFor(prices).loadMany(['7']);
    expect(value).toBeInstanceOf(UpstreamBadResponseError);
    expect((value as Error).message).toBe('pricing answered 1 item(s) without a key: this key may be one of them');
    expect(seen).toEqual(['GET /prices?ids=7&currency=USD']);
  });
});

describe('onePerKey', () => {
  it('keeps the DEFAULT a source declares (no coded source declares one: cart and favorites fall back to NULL)', () => {
    const operation = onePerKey<{ id: string; rank: number }>({ path: (key) => `/ranks/${key}`, parse: (body) => body as { id: string; rank: number }, defaultValue: (key) => ({ id: key, rank: 0 }) });
    expect(operation.defaultValue?.('p-9')).toEqual({ id: 'p-9', rank: 0 });
    expect('defaultValue' in onePerKey({ path: (key) => `/ranks/${key}`, parse: (body) => body as object })).toBe(false);
  });
});

describe('createSources and the declared (@rest) sources', () => {
  // Every configured source, the declared ones (schema/*.graphql `@rest`) too, needs a base URL;
  // the declared shipping source is this test's upstream.
  const baseUrls = (): Parameters<typeof createSources>[1] =>
    Object.fromEntries(ALL_SOURCE_NAMES.map((name, index) => [name, name === 'shipping' ? origin : new URL(`http://127.0.0.1:${9000 + index}`)])) as Parameters<typeof createSources>[1];

  function recordingStore(): StaleStore & { keys: string[] } {
    const keys: string[] = [];
    return { keys, get: async () => undefined, set: (key) => (keys.push(key), true), close: async () => undefined };
  }

  it("hands a host store a declared field's values under its coordinate, as it does a coded operation's", async () => {
    const store = recordingStore();
    const registry = createSources(resolveConfig({}), baseUrls(), new UpstreamClient(), [], store);
    registries.push(registry);
    const shipping = registry.operations['Product.shipping' as keyof SourceRegistry['operations']] as unknown as BoundOperation<object>;
    expect(shipping.stale.shared).toBe(true);
    shipping.stale.set('p-1', { days: 2, costCents: 499, carrier: 'UPS' }, 10_000);
    expect(store.keys).toEqual(['Product.shipping:p-1']);
  });

  it('does not ask a declared answer for a field a coded resolver computes', async () => {
    // A declared type with a non-null field that Ballast resolves itself (as `Money.formatted`).
    const sdl = `
type Quote { amountCents: Int! label: String! }
extend type Product { quote: Quote @rest(source: "shipping", path: "/quotes/{id}") }
`;
    const typeDefs = [...readTypeDefs(), sdl];
    const config = resolveConfig({ sources: { shipping: { maxStaleMs: 0, timeoutMs: 5000, attemptTimeoutMs: 5000 } } });
    handler = json({ amountCents: 1250 });
    const resolved = createSources(config, baseUrls(), new UpstreamClient(), [], undefined, typeDefs, new Set(['Quote.label']));
    const unresolved = createSources(config, baseUrls(), new UpstreamClient(), [], undefined, typeDefs);
    registries.push(resolved, unresolved);
    const quoteOf = (registry: SourceRegistry): BoundOperation<object> => registry.operations['Product.quote' as keyof SourceRegistry['operations']] as unknown as BoundOperation<object>;
    expect(await loads().loaderFor(quoteOf(resolved)).load('p-1')).toEqual({ amountCents: 1250 });
    const refused = await loads()
      .loaderFor(quoteOf(unresolved))
      .load('p-1')
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(refused).toBeInstanceOf(UpstreamBadResponseError);
    expect((refused as Error).message).toBe('shipping answered an unexpected shape (label: Invalid input: expected string, received undefined)');
    expect(seen).toEqual(['GET /quotes/p-1', 'GET /quotes/p-1']);
  });

  it('with Redis configured: one shared store with its key prefix, value cap and write interval, handed the observers and closed by shutdown()', async () => {
    const redis = await startRedis();
    const admin = new Redis(redis.url, { lazyConnect: true });
    try {
      await admin.connect();
      const config = resolveConfig({ redis: { url: redis.url, keyPrefix: 'n9:', maxValueBytes: 200, writeIntervalMs: 700 } });
      const outcomes: string[] = [];
      const registry = createSources(config, baseUrls(), new UpstreamClient(), [{ redisOperation: (operation, outcome) => void outcomes.push(`${operation}:${outcome}`) }]);
      registries.push(registry);
      const { price } = registry.operations;
      expect(price.stale.shared).toBe(true);
      // No offline queue: wait until the store answers a GET (a miss) before counting writes.
      await expect.poll(async () => (await registry.sharedStore!.get('none'), outcomes.includes('get:miss')), { timeout: 5000 }).toBe(true);
      const at = Date.now();
      const priced = (amount: number) => ({ productId: 'p-1', amount, currency: 'USD' });
      price.stale.set('p-1', priced(1), at);
      price.stale.set('p-1', priced(2), at + 699);
      price.stale.set('p-1', priced(3), at + 700);
      // Past maxValueBytes (200 bytes of JSON): kept in memory only.
      price.stale.set('p-2', { productId: 'p-2', amount: 1, currency: 'x'.repeat(200) }, at);
      price.stale.set('p-3', priced(4), at);
      await expect.poll(() => admin.get('n9:price:p-3'), { timeout: 5000 }).not.toBeNull();
      expect(JSON.parse((await admin.get('n9:price:p-1'))!)).toEqual({ value: priced(3), storedAt: at + 700 });
      expect(await admin.get('n9:price:p-2')).toBeNull();
      // Three SETs (p-1 twice, a write interval apart; p-3), answered on the store's own connection.
      await expect.poll(() => outcomes.filter((outcome) => outcome === 'set:ok').length, { timeout: 5000 }).toBe(3);
      const connections = async (): Promise<number> => String(await admin.client('LIST')).trim().split('\n').length;
      expect(await connections()).toBe(2);
      await registries.splice(0)[0]!.shutdown();
      await expect.poll(connections, { timeout: 5000 }).toBe(1);
    } finally {
      admin.disconnect();
      await redis.kill();
    }
  });

  it("shutdown() stops every source's breaker, coded and declared: each then refuses calls", async () => {
    const registry = createSources(resolveConfig({}), baseUrls(), new UpstreamClient());
    const names = Object.keys(registry.pipelines);
    expect(names).toEqual(expect.arrayContaining(['catalog', 'pricing', 'cart', 'shipping']));
    expect(names.filter((name) => registry.pipelines[name as keyof typeof registry.pipelines].failsFast)).toEqual([]);
    await registry.shutdown();
    expect(names.filter((name) => registry.pipelines[name as keyof typeof registry.pipelines].failsFast)).toEqual(names);
  });
});
