import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createDemoData } from '../../src/demo/data.js';
import { startHarness } from '../helpers/harness.js';
import type { GraphQLResponse, Harness } from '../helpers/harness.js';

/**
 * A catalog that answers against the contract (docs/architecture.md § Contract: the upstream REST
 * services) must never make products vanish silently nor make Ballast hand out a cursor it will
 * later refuse: such an answer is a bad response, reported, never a page with a hole in it.
 */
const products = createDemoData().products.map(({ id, name }) => ({ id, name }));
const PAGE = `query($first: Int, $after: String) { products(first: $first, after: $after) { edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }`;
/** The contract's bound on a catalog `nextCursor`: at most 1,024 bytes as a JSON string. */
const MAX_CURSOR_JSON_BYTES = 1024;

/** How the catalog below misbehaves: `extra` items past `limit`, and the text after `N.` in each cursor it issues. */
const mode = { extra: 0, pad: '' };
const pageRequests: URLSearchParams[] = [];

function catalogAnswer(url: URL): unknown {
  const ids = url.searchParams.get('ids');
  if (ids !== null) return { items: products.filter((product) => ids.split(',').includes(product.id)) };
  pageRequests.push(url.searchParams);
  const cursor = url.searchParams.get('cursor');
  const start = cursor === null ? 0 : Number(cursor.slice(0, cursor.indexOf('.')));
  const end = start + Number(url.searchParams.get('limit')) + mode.extra;
  return { items: products.slice(start, end), nextCursor: end < products.length ? `${end}.${mode.pad}` : null };
}

let catalog: Server;
let harness: Harness;
beforeAll(async () => {
  catalog = createServer((request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(catalogAnswer(new URL(request.url!, 'http://catalog'))));
  });
  await new Promise<void>((resolve) => catalog.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(catalog.address() as AddressInfo).port}`;
  // No stale pages and no breaker: every answer is judged on its own.
  harness = await startHarness({ sources: { catalog: { url, maxStaleMs: 0, retry: { maxAttempts: 1 }, breaker: { enabled: false } } } });
});
afterAll(async () => {
  await harness.close();
  await new Promise((resolve) => catalog.close(resolve));
});
beforeEach(() => {
  mode.extra = 0;
  mode.pad = '';
  pageRequests.length = 0;
});

interface Page {
  edges: Array<{ cursor: string; node: { id: string } }>;
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

function pageOf(response: GraphQLResponse): Page {
  expect(response.body.errors).toBeUndefined();
  expect(response.body.extensions?.degraded).toBeUndefined();
  return response.body.data!.products as Page;
}

const idsOf = (page: Page): string[] => page.edges.map((edge) => edge.node.id);

/** `products: null` with its coded error, reported as the catalog's bad response. */
function expectBadPage(response: GraphQLResponse): void {
  expect(response.body.data).toEqual({ products: null });
  expect(response.body.errors).toEqual([expect.objectContaining({ path: ['products'], extensions: { code: 'UPSTREAM_BAD_RESPONSE', source: 'catalog' } })]);
  expect(response.body.extensions?.degraded).toEqual([{ source: 'catalog', reason: 'UPSTREAM_BAD_RESPONSE', fallback: 'NULL', paths: [['products']] }]);
}

describe('a catalog page longer than the limit asked', () => {
  it('is a bad response, not a page whose next one starts past products never shown', async () => {
    mode.extra = 5;
    expectBadPage(await harness.query(PAGE, { first: 10 }));
    expect(pageRequests.map((params) => params.get('limit'))).toEqual(['10']);
  });

  it('a mid-page cursor whose hop is answered too long is a bad response too', async () => {
    const cursor = pageOf(await harness.query(PAGE, { first: 10 })).edges[3]!.cursor;
    mode.extra = 5;
    expectBadPage(await harness.query(PAGE, { first: 10, after: cursor }));
  });

  it('a page of exactly `limit` items still pages through every product once, in order', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    for (let guard = 0; guard < 20; guard++) {
      const current = pageOf(await harness.query(PAGE, { first: 100, after }));
      seen.push(...idsOf(current));
      if (!current.pageInfo.hasNextPage) break;
      after = current.pageInfo.endCursor;
    }
    expect(seen).toEqual(products.map((product) => product.id));
  });
});

describe('every cursor Ballast hands out is accepted back', () => {
  /** One catalog cursor: a page's end, then `pad` (any text) after it. */
  async function roundTrip(pad: string): Promise<void> {
    mode.pad = pad;
    pageRequests.length = 0;
    const upstreamCursor = `2.${pad}`;
    const first = await harness.query(PAGE, { first: 2 });
    if (Buffer.byteLength(JSON.stringify(upstreamCursor)) > MAX_CURSOR_JSON_BYTES || /\p{Surrogate}/u.test(upstreamCursor)) {
      // Too long to carry inside a cursor Ballast can take back, or not well-formed Unicode (the
      // next page's request could not encode it): refused when it arrives.
      expectBadPage(first);
      return;
    }
    const page = pageOf(first);
    expect(idsOf(page)).toEqual(['p-0001', 'p-0002']);
    const next = pageOf(await harness.query(PAGE, { first: 2, after: page.pageInfo.endCursor }));
    expect(idsOf(next)).toEqual(['p-0003', 'p-0004']);
    // The catalog got its own cursor back, exactly.
    expect(pageRequests.map((params) => params.get('cursor'))).toEqual([null, upstreamCursor]);
  }

  it('the hostile review: 760 characters (refused before) and 700', async () => {
    await roundTrip('x'.repeat(758));
    await roundTrip('x'.repeat(698));
  });

  it('at the bound: 1,024 bytes as JSON is carried, 1,025 is a bad response', async () => {
    await roundTrip('x'.repeat(MAX_CURSOR_JSON_BYTES - 4));
    await roundTrip('x'.repeat(MAX_CURSOR_JSON_BYTES - 3));
    // Escaped characters count as JSON writes them, 6 bytes for a control character: 4 + 170 × 6 = 1,024.
    await roundTrip('\u0001'.repeat(170));
    await roundTrip('\u0001'.repeat(171));
  });

  it('a lone surrogate in the catalog cursor is a bad response, not an internal error on the next page', async () => {
    await roundTrip('\ud800x');
    await roundTrip('x\udc00');
    // A well-formed pair is carried.
    await roundTrip('😀');
  });

  it('property: whatever the length and characters of the catalog cursor, the page either round-trips or is a bad response', async () => {
    const char = fc.constantFrom('x', 'é', '€', '"', '\\', '\u0001', '😀', '/', '&', ' ', '\ud800', '\udfff');
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 1_600 }), char, fc.string({ maxLength: 8 }), async (length, repeated, tail) => {
        await roundTrip(repeated.repeat(length) + tail);
      }),
      { numRuns: 60 },
    );
  });
});
