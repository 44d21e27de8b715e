import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';

/**
 * The shapes a declaration covers and the checks the SDL type makes, against a real upstream on
 * loopback: a list per key with the key in a query parameter, arguments in the path, nested
 * objects, enums, lists, Int bounds, nullable and non-null fields, unknown fields dropped.
 */

const SDL = `
type Author { name: String! verified: Boolean! }
type Review { author: Author! stars: Int! text: String tags: [String!]! }
enum ZoneKind { DOMESTIC ABROAD }
type Zone { code: String! days: Int! kind: ZoneKind! }
extend type Product {
  reviewList: [Review!] @rest(source: "shipping", path: "/reviews", keyParam: "productId")
  zone(code: String!): Zone @rest(source: "shipping", path: "/zones/{code}/products/{id}")
}
`;

const GOOD_REVIEW = { author: { name: 'Ann', verified: true, since: 2019 }, stars: 5, tags: ['sturdy'], extra: 'dropped' };
const ANSWERS: Record<string, unknown> = {
  '/reviews?productId=p-0001': { items: [GOOD_REVIEW] },
  // One past GraphQL's Int: a bad answer for this key, not a bare "Int cannot represent" error.
  '/reviews?productId=p-0002': { items: [{ ...GOOD_REVIEW, stars: 2 ** 31 }] },
  // A non-null field missing.
  '/reviews?productId=p-0003': { items: [{ stars: 3, tags: [] }] },
  '/zones/EU/products/p-0001': { code: 'EU', days: 4, kind: 'ABROAD' },
  '/zones/EU/products/p-0002': { code: 'EU', days: 4, kind: 'MARS' },
  '/zones/EU/products/p-0003': { code: 'EU', days: 4, kind: 'DOMESTIC' },
};

let upstream: Server;
const seen: string[] = [];
let harness: Harness;
const previousDir = process.env.BALLAST_SCHEMA_DIR;

beforeAll(async () => {
  upstream = createServer((request, response) => {
    seen.push(request.url!);
    const answer = ANSWERS[request.url!];
    response.writeHead(answer === undefined ? 404 : 200, { 'content-type': 'application/json' });
    response.end(JSON.stringify(answer ?? { error: 'not found' }));
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const dir = mkdtempSync(join(tmpdir(), 'ballast-shapes-'));
  cpSync('schema', dir, { recursive: true });
  writeFileSync(join(dir, 'shipping.graphql'), SDL);
  process.env.BALLAST_SCHEMA_DIR = dir;
  const url = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  // Generous timeouts: these tests are about shapes, and a loaded machine must not turn them into timeouts.
  harness = await startHarness({ sources: { shipping: { url, maxStaleMs: 0, timeoutMs: 1800, attemptTimeoutMs: 1800, retry: { maxAttempts: 1 } } } });
  // Warm: the first call opens the connection pool.
  expect((await harness.query(`{ product(id: "p-0001") { zone(code: "EU") { kind } } }`)).body.data).toEqual({ product: { zone: { kind: 'ABROAD' } } });
});
afterAll(async () => {
  await harness.close();
  await new Promise((resolve) => upstream.close(resolve));
  if (previousDir === undefined) delete process.env.BALLAST_SCHEMA_DIR;
  else process.env.BALLAST_SCHEMA_DIR = previousDir;
});
beforeEach(() => {
  seen.length = 0;
});

describe('a declared list per key', () => {
  it('calls GET ?productId= once per product and checks every item against the SDL type', async () => {
    const { body } = await harness.query(`{ products(first: 3) { nodes { id reviewList { author { name verified } stars text tags } } } }`);
    expect(seen.sort()).toEqual(['/reviews?productId=p-0001', '/reviews?productId=p-0002', '/reviews?productId=p-0003']);
    expect((body.data!.products as { nodes: unknown[] }).nodes).toEqual([
      { id: 'p-0001', reviewList: [{ author: { name: 'Ann', verified: true }, stars: 5, text: null, tags: ['sturdy'] }] },
      { id: 'p-0002', reviewList: null },
      { id: 'p-0003', reviewList: null },
    ]);
    expect(body.extensions?.degraded).toEqual([
      { source: 'shipping', reason: 'UPSTREAM_BAD_RESPONSE', fallback: 'NULL', paths: [['products', 'nodes', 1, 'reviewList'], ['products', 'nodes', 2, 'reviewList']] },
    ]);
  });
});

describe('a declared object with an argument in its path', () => {
  it('fills {code} from the argument and {id} from the key; an unknown enum value is a bad answer', async () => {
    const { body } = await harness.query(`{ products(first: 3) { nodes { id zone(code: "EU") { code days kind } } } }`);
    expect(seen.sort()).toEqual(['/zones/EU/products/p-0001', '/zones/EU/products/p-0002', '/zones/EU/products/p-0003']);
    expect((body.data!.products as { nodes: unknown[] }).nodes).toEqual([
      { id: 'p-0001', zone: { code: 'EU', days: 4, kind: 'ABROAD' } },
      { id: 'p-0002', zone: null },
      { id: 'p-0003', zone: { code: 'EU', days: 4, kind: 'DOMESTIC' } },
    ]);
    expect(body.errors?.map((error) => [error.path, error.extensions?.code])).toEqual([[['products', 'nodes', 1, 'zone'], 'UPSTREAM_BAD_RESPONSE']]);
  });

  it('encodes an argument so it cannot change the path, and a 404 is null without an error', async () => {
    const { body } = await harness.query(`{ product(id: "p-0001") { zone(code: "../EU") { code } } }`);
    expect(seen).toEqual(['/zones/..%2FEU/products/p-0001']);
    expect(body).toEqual({ data: { product: { zone: null } } });
  });

  it('keeps serving ordinary queries after the bad answers', async () => {
    const { status, body } = await harness.query(`{ product(id: "p-0001") { id zone(code: "EU") { kind } } }`);
    expect(status).toBe(200);
    expect(body).toEqual({ data: { product: { id: 'p-0001', zone: { kind: 'ABROAD' } } } });
  });
});
