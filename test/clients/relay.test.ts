import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDemoData } from '../../src/demo/data.js';
import { startHarness } from '../helpers/harness.js';
import type { GraphQLResponse, Harness } from '../helpers/harness.js';

/**
 * The real relay-compiler (its prebuilt binary from npm, offline) compiles test/fixtures/relay
 * against the published schema.graphql; the query text it generates then runs against a real
 * Ballast in front of the real demo services.
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const demo = createDemoData();
let harness: Harness;
let workDir: string;
let compilerOutput: string;

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'ballast-relay-'));
  cpSync(join(ROOT, 'test/fixtures/relay'), workDir, { recursive: true });
  cpSync(join(ROOT, 'schema.graphql'), join(workDir, 'schema.graphql'));
  mkdirSync(join(workDir, '__generated__'));
  const compiled = await promisify(execFile)(process.execPath, [join(ROOT, 'node_modules/relay-compiler/cli.js')], { cwd: workDir, timeout: 60_000 });
  compilerOutput = compiled.stdout + compiled.stderr;
  harness = await startHarness({ mode: 'production' });
}, 90_000);
afterAll(async () => {
  await harness?.close();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

/** The operation text of a generated artifact (`params.text`), exactly as Relay would send it. */
function generatedText(queryName: string): string {
  const artifact = readFileSync(join(workDir, '__generated__', `${queryName}.graphql.ts`), 'utf8');
  const literal = /"text": ("(?:[^"\\]|\\.)*")/.exec(artifact)?.[1];
  if (!literal) throw new Error(`no operation text in the ${queryName} artifact`);
  return JSON.parse(literal) as string;
}

interface ProductsPage {
  products: {
    edges: Array<{ cursor: string; node: { id: string; name: string; category: string; __typename: string } }>;
    pageInfo: { endCursor: string | null; hasNextPage: boolean; startCursor: string | null; hasPreviousPage: boolean };
  };
}

const expected = (index: number) => ({ id: demo.products[index]!.id, name: demo.products[index]!.name, category: demo.products[index]!.category, __typename: 'Product' });

describe('Relay', () => {
  it('compiles a @connection + @refetchable app against the schema', () => {
    expect(compilerOutput).toContain('Compilation completed');
    const pagination = generatedText('ProductListPaginationQuery');
    expect(pagination).toContain('products(first: $count, after: $cursor)');
    expect(generatedText('ProductCardRefetchQuery')).toContain('node(id: $id)');
  });

  it('paginates twice with the generated pagination query, Relay cursors and page info', async () => {
    const text = generatedText('ProductListPaginationQuery');
    const first = await harness.query(text, { count: 2 });
    const firstPage = pageOf(first);
    expect(firstPage.edges.map((edge) => edge.node)).toEqual([expected(0), expected(1)]);
    expect(firstPage.edges.map((edge) => edge.node.name)).toEqual(['Cozy Bamboo Trail Pack', 'Cozy Leather Pen Holder']);
    expect(firstPage.pageInfo).toEqual({ startCursor: firstPage.edges[0]!.cursor, endCursor: firstPage.edges[1]!.cursor, hasNextPage: true, hasPreviousPage: false });

    const second = pageOf(await harness.query(text, { count: 2, cursor: firstPage.pageInfo.endCursor }));
    expect(second.edges.map((edge) => edge.node)).toEqual([expected(2), expected(3)]);
    expect(second.edges.map((edge) => edge.node.name)).toEqual(['Classic Copper Wall Clock', 'Sturdy Copper Planter']);
    expect(second.pageInfo).toEqual({ startCursor: second.edges[0]!.cursor, endCursor: second.edges[1]!.cursor, hasNextPage: true, hasPreviousPage: true });

    const third = pageOf(await harness.query(text, { count: 3, cursor: second.pageInfo.endCursor }));
    expect(third.edges.map((edge) => edge.node.id)).toEqual(['p-0005', 'p-0006', 'p-0007']);
  });

  it('refetches a product through node(id:) with the id the product exposes', async () => {
    const result = await harness.query(generatedText('ProductCardRefetchQuery'), { id: 'p-0003' });
    expect(result.status).toBe(200);
    expect(result.body).toEqual({ data: { node: { __typename: 'Product', id: 'p-0003', name: 'Classic Copper Wall Clock', category: 'home' } } });
  });

  it('answers null for an unknown id, and nodes(ids:) keeps order and nulls', async () => {
    const unknown = await harness.query('query { node(id: "p-9999") { id } }');
    expect(unknown.body).toEqual({ data: { node: null } });
    const many = await harness.query('query { nodes(ids: ["p-0002", "nope", "p-0001"]) { id ... on Product { name } } }');
    expect(many.body).toEqual({ data: { nodes: [{ id: 'p-0002', name: 'Cozy Leather Pen Holder' }, null, { id: 'p-0001', name: 'Cozy Bamboo Trail Pack' }] } });
  });

  it('a failing catalog nulls each node with its own error, the list itself stays', async () => {
    harness.service('catalog').setFault({ errorRate: 1, errorStatus: 503 });
    try {
      const result = await harness.query('query { nodes(ids: ["p-0010", "p-0011"]) { id } }');
      expect(result.body.data).toEqual({ nodes: [null, null] });
      expect(result.body.errors?.map((error) => [error.path, error.extensions?.code])).toEqual([[['nodes', 0], 'UPSTREAM_UNAVAILABLE'], [['nodes', 1], 'UPSTREAM_UNAVAILABLE']]);
    } finally {
      harness.service('catalog').clearFault();
    }
  });

  it('refuses more than 100 ids with BAD_USER_INPUT and keeps serving', async () => {
    harness.reset();
    const ids = Array.from({ length: 101 }, (_, index) => `p-${String(index + 1).padStart(4, '0')}`);
    const refused = await harness.query('query Many($ids: [ID!]!) { nodes(ids: $ids) { id } }', { ids });
    expect(refused.body.errors?.map((error) => [error.message, error.extensions?.code])).toEqual([['ids must hold at most 100 ids, got 101', 'BAD_USER_INPUT']]);
    expect(harness.service('catalog').requests).toHaveLength(0);
    const normal = await harness.query('query { product(id: "p-0004") { name } }');
    expect(normal.body).toEqual({ data: { product: { name: 'Sturdy Copper Planter' } } });
  });
});

function pageOf(response: GraphQLResponse): ProductsPage['products'] {
  expect(response.status).toBe(200);
  expect(response.body.errors).toBeUndefined();
  return (response.body.data as unknown as ProductsPage).products;
}
