import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { execute, parse } from 'graphql';
import type { ExecutionResult, GraphQLFieldResolver, GraphQLSchema } from 'graphql';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config.js';
import type { BallastConfig } from '../../src/config-schema.js';
import { createContext } from '../../src/context.js';
import type { BallastContext } from '../../src/context.js';
import { ALL_SOURCE_NAMES } from '../../src/declared/names.js';
import { createDemoData } from '../../src/demo/data.js';
import { UpstreamClient } from '../../src/http/upstream-client.js';
import { createBallastSchema } from '../../src/schema.js';
import { createSources } from '../../src/sources/bind.js';
import type { SourceRegistry } from '../../src/sources/bind.js';
import { requestedUrls, startHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';

/**
 * `Query.products` (src/resolvers/query.ts) where mutation testing found its promises unheld
 * (docs/testing.md, "Mutation testing"): which of a page's fields it loads before the list
 * resolves (prefetch.ts's "loaded before the page resolves when the query asks for them"), that
 * the field's own `@timeout` bounds that wait, and that a page never shows more products than the
 * client asked for even when the catalog answers more. The resolver runs in the real schema under
 * graphql-js's `execute`, against the real demo upstreams on loopback; the products field's
 * resolver is wrapped only to read what the upstreams had been asked at the moment it resolved.
 * Expected values are the demo data's (createDemoData(), seed 42).
 */
const data = createDemoData();
const PATIENT = { timeoutMs: 8_000, attemptTimeoutMs: 8_000, maxStaleMs: 0, retry: { maxAttempts: 1 } };
/** The fields' own timeouts, short, so a wait bounded by them is told from one bounded by the 8 s sources. */
const FIELD_MS = 100;

let harness: Harness;
let catalogServer: Server | undefined;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(async () => {
  await harness.close();
  await new Promise((resolve) => (catalogServer ? catalogServer.close(resolve) : resolve(undefined)));
});
afterEach(() => harness.reset());

interface Gateway {
  config: BallastConfig;
  schema: GraphQLSchema;
  registry: SourceRegistry;
  /** Requests each upstream had received when `Query.products` resolved, and how long it took. */
  atResolve: Array<{ pricing: string[]; inventory: string[]; ms: number }>;
}

/** The real schema and sources; `catalogUrl` replaces the demo catalog. */
function gatewayOf(catalogUrl?: string): Gateway {
  const config = resolveConfig({
    deadlineMs: 10_000,
    fieldTimeouts: { 'Product.price': FIELD_MS, 'Product.inventory': FIELD_MS },
    sources: { catalog: PATIENT, pricing: PATIENT, inventory: PATIENT },
  });
  const urls = { ...harness.demo.urls, ...(catalogUrl ? { catalog: catalogUrl } : {}) };
  const baseUrls = Object.fromEntries(ALL_SOURCE_NAMES.map((name) => [name, new URL(urls[name as keyof typeof urls]!)])) as Parameters<typeof createSources>[1];
  const registry = createSources(config, baseUrls, new UpstreamClient());
  const schema = createBallastSchema();
  const gateway: Gateway = { config, schema, registry, atResolve: [] };
  const products = schema.getQueryType()!.getFields().products!;
  const resolve = products.resolve as GraphQLFieldResolver<unknown, BallastContext>;
  products.resolve = async (...args) => {
    const started = performance.now();
    const connection: unknown = await resolve(...args);
    gateway.atResolve.push({ pricing: requestedUrls(harness.service('pricing')), inventory: requestedUrls(harness.service('inventory')), ms: performance.now() - started });
    return connection;
  };
  return gateway;
}

async function run(gateway: Gateway, query: string): Promise<ExecutionResult> {
  const context = createContext({ config: gateway.config, operations: gateway.registry.operations }, new Request('http://127.0.0.1/graphql'));
  try {
    return (await execute({ schema: gateway.schema, document: parse(query), contextValue: context })) as ExecutionResult;
  } finally {
    context.finish();
  }
}

let demo: Gateway;
beforeAll(() => {
  demo = gatewayOf();
});
afterAll(() => demo.registry.shutdown());

const PAGE_IDS = ['p-0001', 'p-0002'];
const priceOf = (id: string) => ({ amount: data.prices.get(id) });

describe("Query.products loads its page's fields ahead, only those the query selects", () => {
  it("`nodes { price }`: the page's prices are asked, in one call, before the list resolves; stock is not", async () => {
    const result = await run(demo, `{ products(first: 2) { nodes { id price { amount } } } }`);
    expect(result).toEqual({ data: { products: { nodes: PAGE_IDS.map((id) => ({ id, price: priceOf(id) })) } } });
    expect(demo.atResolve.at(-1)).toMatchObject({ pricing: ['/prices?ids=p-0001,p-0002&currency=USD'], inventory: [] });
    expect(harness.service('pricing').requestCount).toBe(1);
  });

  it("`edges { node { inventory } }`: the page's stock is asked before the list resolves; prices are not", async () => {
    const result = await run(demo, `{ products(first: 2) { edges { node { id inventory { available } } } } }`);
    expect(result).toEqual({ data: { products: { edges: PAGE_IDS.map((id) => ({ node: { id, inventory: { available: data.stock.get(id) } } })) } } });
    expect(demo.atResolve.at(-1)).toMatchObject({ pricing: [], inventory: ['/inventory?ids=p-0001,p-0002'] });
    expect(harness.service('inventory').requestCount).toBe(1);
  });

  it('a page asking neither loads neither', async () => {
    const result = await run(demo, `{ products(first: 2) { nodes { id } edges { node { name } } } }`);
    expect(result).toEqual({ data: { products: { nodes: PAGE_IDS.map((id) => ({ id })), edges: PAGE_IDS.map((id) => ({ node: { name: data.products.find((product) => product.id === id)!.name } })) } } });
    expect(demo.atResolve.at(-1)).toMatchObject({ pricing: [], inventory: [] });
  });

  it("the wait ahead is bounded by each field's own timeout, not by its source's 8 s", async () => {
    harness.service('pricing').setFault({ latencyMs: 4_000 });
    harness.service('inventory').setFault({ latencyMs: 4_000 });
    const timedOut = (index: number) => ({ message: 'pricing is unavailable (UPSTREAM_TIMEOUT)', path: ['products', 'nodes', index, 'price'], extensions: { code: 'UPSTREAM_TIMEOUT', source: 'pricing' } });
    const answers = {
      'price { amount }': { data: { products: { nodes: PAGE_IDS.map((id) => ({ id, price: null })) } }, errors: [timedOut(0), timedOut(1)] },
      // Inventory falls back to its DEFAULT: no error, nothing available said.
      'inventory { available }': { data: { products: { nodes: PAGE_IDS.map((id) => ({ id, inventory: { available: null } })) } } },
    };
    for (const [fields, answer] of Object.entries(answers)) {
      const result = await run(demo, `{ products(first: 2) { nodes { id ${fields} } } }`);
      expect({ ...result, errors: result.errors?.map(({ message, path, extensions }) => ({ message, path, extensions })) }).toEqual({ errors: undefined, ...answer });
      // The field timers fire at 100 ms; without them the list would wait for the 4 s answers.
      expect(demo.atResolve.at(-1)!.ms).toBeGreaterThanOrEqual(FIELD_MS - 5);
      expect(demo.atResolve.at(-1)!.ms).toBeLessThan(2_000);
    }
  });
});

describe('Query.products never shows a page longer than it asked for', () => {
  it('a catalog answering three products to `limit=2` is a bad response: cutting the page would hand out a cursor past the third', async () => {
    const products = data.products.slice(0, 3).map(({ id, name }) => ({ id, name }));
    const seen: string[] = [];
    catalogServer = createServer((request, response) => {
      seen.push(request.url!);
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ items: products, nextCursor: 'after-3' }));
    });
    await new Promise<void>((resolve) => catalogServer!.listen(0, '127.0.0.1', resolve));
    const own = gatewayOf(`http://127.0.0.1:${(catalogServer.address() as AddressInfo).port}`);
    try {
      const result = await run(own, `{ products(first: 2) { nodes { id } pageInfo { hasNextPage } } }`);
      expect(result.data).toEqual({ products: null });
      expect(result.errors?.map(({ message, path, extensions }) => ({ message, path, extensions }))).toEqual([
        { message: 'catalog is unavailable (UPSTREAM_BAD_RESPONSE)', path: ['products'], extensions: { code: 'UPSTREAM_BAD_RESPONSE', source: 'catalog' } },
      ]);
      expect(seen).toEqual(['/products?limit=2']);
    } finally {
      own.registry.shutdown();
    }
  });
});
