import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';
import { loadDeclarations } from '../../src/declared/declarations.js';
import { declaredOperation } from '../../src/declared/operation.js';
import { readTypeDefs } from '../../src/declared/schema-files.js';
import { RESOLVED_FIELDS } from '../../src/schema.js';
import type { Fetch } from '../../src/sources/operation.js';

/**
 * The answer check of a declared field, per mode: a batch item is checked by its object schema
 * alone (no null wrapper), a one-per-key answer by the nullable one. Both must still check a
 * recursive type at every depth and name the path of a wrong nested value; a one-per-key answer
 * may be null ("not found"), with or without `match:`.
 */

const SDL = `
type Part { name: String! weight: Int! kind: String! parts: [Part!] }
extend type Product {
  partTree: Part @rest(source: "shipping", path: "/parts", batchKey: "productIds", keyField: "productId", match: "kind=assembly")
  partById: Part @rest(source: "shipping", path: "/parts/{id}", match: "kind=assembly")
}
`;

const leaf = (name: string, weight: number) => ({ name, weight, kind: 'leaf' });
const tree = (productId: string, nested: unknown) => ({ productId, name: `${productId} frame`, weight: 10, kind: 'assembly', parts: [{ name: 'wheel', weight: 2, kind: 'sub', parts: [nested] }] });
const GOOD_NESTED = leaf('spoke', 1);
/** Two levels down, a weight that is text: the whole item is a bad answer, its path named. */
const BAD_NESTED = { name: 'spoke', weight: 'heavy', kind: 'leaf' };

const ANSWERS: Record<string, unknown> = {
  '/parts?productIds=p-0001,p-0002,p-0003': { items: [tree('p-0001', GOOD_NESTED), tree('p-0002', BAD_NESTED), { ...tree('p-0003', GOOD_NESTED), kind: 'loose' }] },
  '/parts/p-0001': tree('p-0001', GOOD_NESTED),
  '/parts/p-0002': tree('p-0002', BAD_NESTED),
  // A 200 with `null`: "not found", as without `match:`: there is nothing that could differ.
  '/parts/p-0003': null,
};

/** What the client gets for a good tree: fields the type lacks (productId) are dropped. */
const partOf = (productId: string) => ({ name: `${productId} frame`, weight: 10, kind: 'assembly', parts: [{ name: 'wheel', weight: 2, kind: 'sub', parts: [{ name: 'spoke', weight: 1, kind: 'leaf', parts: null }] }] });
const SELECTION = '{ name weight kind parts { name weight kind parts { name weight kind parts { name } } } }';

let upstream: Server;
const seen: string[] = [];
let harness: Harness;
const previousDir = process.env.BALLAST_SCHEMA_DIR;

beforeAll(async () => {
  upstream = createServer((request, response) => {
    seen.push(request.url!);
    const known = Object.hasOwn(ANSWERS, request.url!);
    response.writeHead(known ? 200 : 404, { 'content-type': 'application/json' });
    response.end(JSON.stringify(known ? ANSWERS[request.url!] : { error: 'not found' }));
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const dir = mkdtempSync(join(tmpdir(), 'ballast-checks-'));
  cpSync('schema', dir, { recursive: true });
  writeFileSync(join(dir, 'shipping.graphql'), SDL);
  process.env.BALLAST_SCHEMA_DIR = dir;
  const url = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  // Generous timeouts: these tests are about checks, and a loaded machine must not turn them into timeouts.
  harness = await startHarness({ sources: { shipping: { url, maxStaleMs: 0, timeoutMs: 1800, attemptTimeoutMs: 1800, retry: { maxAttempts: 1 } } } });
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

/** The operation of `coordinate` reading the upstream over real HTTP, without the pipeline: its own error messages, which clients never see. */
function readDirectly(coordinate: string): (keys: string[]) => Promise<Array<object | null | Error>> {
  const declaration = loadDeclarations(readTypeDefs(process.env.BALLAST_SCHEMA_DIR), RESOLVED_FIELDS).find((entry) => entry.coordinate === coordinate)!;
  const operation = declaredOperation(declaration, { currency: 'USD' });
  const base = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  const fetchOnce: Fetch = async (spec) => {
    const response = await fetch(`${base}${spec.path}`);
    return spec.parse({ status: response.status, body: response.status === 404 ? null : await response.json() });
  };
  return (keys) => operation.load(keys, { fetch: fetchOnce, source: 'shipping', currency: 'USD' });
}

const messages = (values: Array<object | null | Error>) => values.map((value) => (value instanceof Error ? `${value.name}: ${value.message}` : value && 'ok'));

describe('the messages of a bad recursive answer name the path', () => {
  it('batch: each bad item its own UpstreamBadResponseError with the nested path or the match that failed', async () => {
    expect(messages(await readDirectly('Product.partTree')(['p-0001', 'p-0002', 'p-0003']))).toEqual([
      'ok',
      'UpstreamBadResponseError: shipping item p-0002: parts.0.parts.0.weight Invalid input: expected number, received string',
      'UpstreamBadResponseError: shipping item p-0003: kind is "loose", not assembly as asked',
    ]);
  });

  it('one per key: the nested path in the answer, and a null answer is null', async () => {
    expect(messages(await readDirectly('Product.partById')(['p-0001', 'p-0002', 'p-0003']))).toEqual([
      'ok',
      'UpstreamBadResponseError: shipping answered an unexpected shape (parts.0.parts.0.weight: Invalid input: expected number, received string)',
      null,
    ]);
  });
});

type Body = { data?: { products: { nodes: Array<Record<string, unknown>> } }; errors?: Array<{ message: string; path: unknown[]; extensions?: { code?: string } }>; extensions?: { degraded?: unknown } };

describe('a recursive type in a batch', () => {
  it('checks every depth: a wrong nested weight fails that item alone, naming its path; match still applies', async () => {
    const { body } = (await harness.query(`{ products(first: 3) { nodes { id partTree ${SELECTION} } } }`)) as { body: Body };
    expect(seen).toEqual(['/parts?productIds=p-0001,p-0002,p-0003']);
    expect(body.data?.products.nodes).toEqual([
      { id: 'p-0001', partTree: partOf('p-0001') },
      { id: 'p-0002', partTree: null },
      { id: 'p-0003', partTree: null },
    ]);
    expect(body.errors?.map((error) => [error.path, error.extensions?.code])).toEqual([
      [['products', 'nodes', 1, 'partTree'], 'UPSTREAM_BAD_RESPONSE'],
      [['products', 'nodes', 2, 'partTree'], 'UPSTREAM_BAD_RESPONSE'],
    ]);
  });
});

describe('a recursive type one per key', () => {
  it('checks every depth, names the path of a wrong nested value, and takes a null answer as not found', async () => {
    const { body } = (await harness.query(`{ products(first: 3) { nodes { id partById ${SELECTION} } } }`)) as { body: Body };
    expect([...seen].sort()).toEqual(['/parts/p-0001', '/parts/p-0002', '/parts/p-0003']);
    expect(body.data?.products.nodes).toEqual([
      { id: 'p-0001', partById: partOf('p-0001') },
      { id: 'p-0002', partById: null },
      { id: 'p-0003', partById: null },
    ]);
    expect(body.errors?.map((error) => [error.path, error.extensions?.code])).toEqual([[['products', 'nodes', 1, 'partById'], 'UPSTREAM_BAD_RESPONSE']]);
  });

  it('keeps serving ordinary queries after the bad answers', async () => {
    const { body } = (await harness.query(`{ product(id: "p-0001") { id partById { name } } }`)) as { body: { data?: unknown; errors?: unknown } };
    expect(body).toEqual({ data: { product: { id: 'p-0001', partById: { name: 'p-0001 frame' } } } });
  });
});
