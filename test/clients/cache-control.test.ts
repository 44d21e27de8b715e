import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';
import { createDemoData } from '../../src/demo/data.js';

/** Cache-Control on GraphQL responses (docs/clients.md, "Cacheable GETs"), over real HTTP. */
let harness: Harness;

beforeAll(async () => {
  harness = await startHarness({ mode: 'production', sources: { pricing: { maxStaleMs: 0, retry: { maxAttempts: 1 } }, inventory: { maxStaleMs: 0, retry: { maxAttempts: 1 } } } });
});
afterAll(() => harness.close());

interface Answer {
  status: number;
  cacheControl: string | null;
  vary: string | null;
  body: { data?: unknown; errors?: Array<{ extensions?: { code?: string } }>; extensions?: { degraded?: unknown[] } };
}

async function get(query: string, headers: Record<string, string> = {}): Promise<Answer> {
  const url = `${harness.url}/graphql?query=${encodeURIComponent(query)}`;
  return answer(await fetch(url, { headers: { accept: 'application/graphql-response+json', 'x-graphql-yoga-csrf': '1', ...headers } }));
}

async function post(query: string): Promise<Answer> {
  return answer(await fetch(`${harness.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' }, body: JSON.stringify({ query }) }));
}

async function answer(response: Response): Promise<Answer> {
  return { status: response.status, cacheControl: response.headers.get('cache-control'), vary: response.headers.get('vary'), body: (await response.json()) as Answer['body'] };
}

const CATALOG_PAGE = '{ products(first: 2) { nodes { id name } } }';
const PRICED_PAGE = '{ products(first: 2) { nodes { id name price { formatted } } } }';
const STOCKED_PAGE = '{ products(first: 2) { nodes { id price { amount } inventory { status } } } }';

describe('Cache-Control', () => {
  it('a healthy public GET page is public for its least-fresh field', async () => {
    const catalog = await get(CATALOG_PAGE);
    expect(catalog.status).toBe(200);
    expect(catalog.body).toEqual({ data: { products: { nodes: [{ id: 'p-0001', name: 'Cozy Bamboo Trail Pack' }, { id: 'p-0002', name: 'Cozy Leather Pen Holder' }] } } });
    expect(catalog.cacheControl).toBe('public, max-age=60');
    expect(catalog.vary).toContain('Accept, Accept-Language');
    expect((await get(PRICED_PAGE)).cacheControl).toBe('public, max-age=10');
    expect((await get(STOCKED_PAGE)).cacheControl).toBe('public, max-age=5');
    expect((await get('query ViaFragment { ...Page } fragment Page on Query { node(id: "p-0001") { id ... on Product { price { amount } } } }')).cacheControl).toBe('public, max-age=10');
  });

  it('a degraded GET page is no-store', async () => {
    harness.service('pricing').setFault({ errorRate: 1, errorStatus: 503 });
    try {
      const degraded = await get(PRICED_PAGE);
      expect(degraded.status).toBe(200);
      expect(degraded.body.extensions?.degraded).toEqual([{ source: 'pricing', reason: 'UPSTREAM_UNAVAILABLE', fallback: 'NULL', paths: [['products', 'nodes', 0, 'price'], ['products', 'nodes', 1, 'price']] }]);
      expect(degraded.cacheControl).toBe('no-store');
      // The same page without the failing field is healthy, and public again.
      expect((await get(CATALOG_PAGE)).cacheControl).toBe('public, max-age=60');
    } finally {
      harness.service('pricing').clearFault();
    }
  });

  it('a GET page degraded without any error (a DEFAULT fallback) is no-store too', async () => {
    harness.service('inventory').setFault({ errorRate: 1, errorStatus: 503 });
    try {
      const degraded = await get('{ products(first: 1) { nodes { id inventory { status } } } }');
      expect(degraded.body).toEqual({
        data: { products: { nodes: [{ id: 'p-0001', inventory: { status: 'UNKNOWN' } }] } },
        extensions: { degraded: [{ source: 'inventory', reason: 'UPSTREAM_UNAVAILABLE', fallback: 'DEFAULT', paths: [['products', 'nodes', 0, 'inventory']] }] },
      });
      expect(degraded.cacheControl).toBe('no-store');
    } finally {
      harness.service('inventory').clearFault();
    }
  });

  it('personal answers are private, no-store: cart, favorites, viewer, and any request with credentials', async () => {
    const cart = await get('{ cart(userId: "u-1") { userId totalQuantity } }');
    expect(cart.status).toBe(200);
    expect(cart.body.data).toMatchObject({ cart: { userId: 'u-1' } });
    expect(cart.cacheControl).toBe('private, no-store');
    expect((await get('{ favorites(userId: "u-1") { id } products(first: 1) { nodes { id } } }')).cacheControl).toBe('private, no-store');
    expect((await get('{ viewer { id } }')).cacheControl).toBe('private, no-store');
    expect((await get(CATALOG_PAGE, { authorization: 'Bearer abc' })).cacheControl).toBe('private, no-store');
    expect((await get(CATALOG_PAGE, { cookie: 'session=1' })).cacheControl).toBe('private, no-store');
  });

  it('POST, errors and non-queries are no-store', async () => {
    const posted = await post(CATALOG_PAGE);
    expect(posted.status).toBe(200);
    expect(posted.body.data).toEqual({ products: { nodes: [{ id: 'p-0001', name: 'Cozy Bamboo Trail Pack' }, { id: 'p-0002', name: 'Cozy Leather Pen Holder' }] } });
    expect(posted.cacheControl).toBe('no-store');
    const invalid = await get('{ products(first: 0) { nodes { id } } }');
    expect(invalid.body.errors?.map((error) => error.extensions?.code)).toEqual(['BAD_USER_INPUT']);
    expect(invalid.cacheControl).toBe('no-store');
    const mutation = await get('mutation { nothing }');
    expect(mutation.status).toBe(405);
    expect(mutation.cacheControl).toBe('no-store');
    const deferred = await fetch(`${harness.url}/graphql?query=${encodeURIComponent('{ products(first: 1) { nodes { id ... @defer { name } } } }')}`, { headers: { accept: 'multipart/mixed', 'x-graphql-yoga-csrf': '1' } });
    expect(await deferred.text()).toContain('Cozy Bamboo Trail Pack');
    // A later payload could still degrade: incremental answers are never cached.
    expect(deferred.headers.get('cache-control')).toBe('no-store');
    // Introspection is off in production: refused before execution, so nothing to cache either.
    expect((await get('{ __schema { queryType { name } } }')).cacheControl).toBe('no-store');
  });
});

describe('Cache-Control turned off', () => {
  it('sends no Cache-Control header at all', async () => {
    const off = await startHarness({ mode: 'production', cacheControl: { enabled: false } });
    try {
      const response = await fetch(`${off.url}/graphql?query=${encodeURIComponent(CATALOG_PAGE)}`, { headers: { 'x-graphql-yoga-csrf': '1' } });
      expect(response.status).toBe(200);
      expect(response.headers.get('cache-control')).toBeNull();
    } finally {
      await off.close();
    }
  });
});

/**
 * A header forwarded to a source can change what it answers (a price list, a tenant): a shared
 * cache must keep one answer per value of it, so a cacheable answer varies on it too.
 */
describe('Cache-Control with a forwarded header', () => {
  let forwarding: Harness;
  beforeAll(async () => {
    forwarding = await startHarness({ mode: 'production', sources: { pricing: { forwardHeaders: ['accept-language', 'x-price-list'] } } });
  });
  afterAll(() => forwarding.close());

  it('a public answer varies on every client header forwarded to a source', async () => {
    const response = await fetch(`${forwarding.url}/graphql?query=${encodeURIComponent('{ product(id: "p-0001") { price { amount } } }')}`, {
      headers: { accept: 'application/graphql-response+json', 'x-graphql-yoga-csrf': '1', 'x-price-list': 'vip' },
    });
    const body = (await response.json()) as { data: { product: { price: { amount: number } } } };
    expect(body.data.product.price.amount).toBe(createDemoData().prices.get('p-0001'));
    expect(forwarding.service('pricing').requests.at(-1)!.headers['x-price-list']).toBe('vip');
    expect(response.headers.get('cache-control')).toBe('public, max-age=10');
    expect(response.headers.get('vary')).toBe('Accept, Accept-Language, x-price-list');
  });
});
