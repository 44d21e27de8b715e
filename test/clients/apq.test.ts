import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApolloClient, HttpLink, InMemoryCache, gql } from '@apollo/client/core';
import type { DocumentNode } from '@apollo/client/core';
import { createPersistedQueryLink } from '@apollo/client/link/persisted-queries';
import { addTypenameToDocument } from '@apollo/client/utilities';
import { print } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';

/** Apollo Client's real persisted-query link against a real Ballast (docs/clients.md, "APQ"). */
const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

interface SentRequest {
  method: string;
  hasQuery: boolean;
  hash: string | undefined;
  status: number;
  cacheControl: string | null;
}

/** An Apollo Client with the APQ link, recording what each HTTP request carried and got. */
function apqClient(url: string, useGETForHashedQueries: boolean): { client: ApolloClient<unknown>; sent: SentRequest[] } {
  const sent: SentRequest[] = [];
  const recordingFetch: typeof fetch = async (input, init) => {
    const target = new URL(String(input));
    const body = typeof init?.body === 'string' ? (JSON.parse(init.body) as { query?: string; extensions?: { persistedQuery?: { sha256Hash?: string } } }) : undefined;
    const extensions = body?.extensions ?? JSON.parse(target.searchParams.get('extensions') ?? '{}');
    const response = await fetch(input, init);
    sent.push({
      method: init?.method ?? 'GET',
      hasQuery: Boolean(body?.query ?? target.searchParams.get('query')),
      hash: (extensions as { persistedQuery?: { sha256Hash?: string } }).persistedQuery?.sha256Hash,
      status: response.status,
      cacheControl: response.headers.get('cache-control'),
    });
    return response;
  };
  const http = new HttpLink({ uri: `${url}/graphql`, fetch: recordingFetch, headers: { 'apollo-require-preflight': 'true' } });
  const link = createPersistedQueryLink({ sha256, useGETForHashedQueries }).concat(http);
  return { client: new ApolloClient({ link, cache: new InMemoryCache() }), sent };
}

async function rawPost(url: string, body: unknown): Promise<{ status: number; body: { data?: unknown; errors?: Array<{ message: string; extensions?: { code?: string } }> } }> {
  const response = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as never };
}

/** The text Apollo Client sends (and hashes) for a document: its cache adds `__typename`. */
const sentText = (query: DocumentNode): string => print(addTypenameToDocument(query));
const hashOnly = (query: DocumentNode | string) => ({ extensions: { persistedQuery: { version: 1, sha256Hash: sha256(typeof query === 'string' ? query : sentText(query)) } } });

const PRODUCT = gql`
  query ApqProduct($id: ID!) {
    product(id: $id) {
      id
      name
    }
  }
`;
const CATEGORY = gql`
  query ApqCategory($id: ID!) {
    product(id: $id) {
      id
      category
    }
  }
`;

describe('automatic persisted queries', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness({ mode: 'production', apq: { maxEntries: 3 } });
  });
  afterAll(() => harness.close());

  it('POST: hash only → PersistedQueryNotFound → retry with the query registers it; the next request is hash only', async () => {
    const { client, sent } = apqClient(harness.url, false);
    const first = await client.query({ query: PRODUCT, variables: { id: 'p-0001' }, fetchPolicy: 'network-only' });
    expect(first.data).toEqual({ product: { __typename: 'Product', id: 'p-0001', name: 'Cozy Bamboo Trail Pack' } });
    const hash = sha256(sentText(PRODUCT));
    expect(sent).toEqual([
      { method: 'POST', hasQuery: false, hash, status: 404, cacheControl: 'no-store' },
      { method: 'POST', hasQuery: true, hash, status: 200, cacheControl: 'no-store' },
    ]);
    const second = await client.query({ query: PRODUCT, variables: { id: 'p-0002' }, fetchPolicy: 'network-only' });
    expect(second.data).toEqual({ product: { __typename: 'Product', id: 'p-0002', name: 'Cozy Leather Pen Holder' } });
    expect(sent.slice(2)).toEqual([{ method: 'POST', hasQuery: false, hash, status: 200, cacheControl: 'no-store' }]);
  });

  it('GET (useGETForHashedQueries): the hash-only GET answers from the store, cacheable', async () => {
    const { client, sent } = apqClient(harness.url, true);
    const first = await client.query({ query: CATEGORY, variables: { id: 'p-0003' }, fetchPolicy: 'network-only' });
    expect(first.data).toEqual({ product: { __typename: 'Product', id: 'p-0003', category: 'home' } });
    const hash = sha256(sentText(CATEGORY));
    expect(sent.map(({ method, hasQuery, hash: sentHash, status }) => ({ method, hasQuery, hash: sentHash, status }))).toEqual([
      { method: 'GET', hasQuery: false, hash, status: 404 },
      { method: 'POST', hasQuery: true, hash, status: 200 },
    ]);
    const second = await client.query({ query: CATEGORY, variables: { id: 'p-0004' }, fetchPolicy: 'network-only' });
    expect(second.data).toEqual({ product: { __typename: 'Product', id: 'p-0004', category: 'garden' } });
    expect(sent.slice(2)).toEqual([{ method: 'GET', hasQuery: false, hash, status: 200, cacheControl: 'public, max-age=60' }]);
  });

  it('refuses a query whose hash does not match, and never registers an invalid document', async () => {
    const mismatch = await rawPost(harness.url, { query: '{ product(id: "p-0001") { name } }', ...hashOnly('{ something else }') });
    expect(mismatch.status).toBe(400);
    expect(mismatch.body.errors?.map((error) => [error.message, error.extensions?.code])).toEqual([['PersistedQueryMismatch', 'PERSISTED_QUERY_MISMATCH']]);
    const invalid = '{ product(id: "p-0001") { noSuchField } }';
    const rejected = await rawPost(harness.url, { query: invalid, ...hashOnly(invalid) });
    expect(rejected.body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    const later = await rawPost(harness.url, hashOnly(invalid));
    expect(later.status).toBe(404);
    expect(later.body.errors?.map((error) => [error.message, error.extensions?.code])).toEqual([['PersistedQueryNotFound', 'PERSISTED_QUERY_NOT_FOUND']]);
  });

  it('keeps at most apq.maxEntries documents (least recently used go first) and keeps serving', async () => {
    const documents = [1, 2, 3, 4].map((n) => `query Bounded${n} { product(id: "p-000${n}") { id } }`);
    for (const query of documents) expect((await rawPost(harness.url, { query, ...hashOnly(query) })).status).toBe(200);
    const evicted = await rawPost(harness.url, hashOnly(documents[0]!));
    expect(evicted.body.errors?.[0]?.message).toBe('PersistedQueryNotFound');
    const kept = await rawPost(harness.url, hashOnly(documents[3]!));
    expect(kept.body).toEqual({ data: { product: { id: 'p-0004' } } });
  });
});

describe('automatic persisted queries with a byte bound', () => {
  it('does not keep a document larger than apq.maxBytes', async () => {
    const harness = await startHarness({ mode: 'production', apq: { maxBytes: 40 } });
    try {
      const small = '{ product(id: "p-0001") { id } }';
      const large = '{ product(id: "p-0001") { id name category description } }';
      for (const query of [small, large]) expect((await rawPost(harness.url, { query, ...hashOnly(query) })).status).toBe(200);
      expect((await rawPost(harness.url, hashOnly(small))).body).toEqual({ data: { product: { id: 'p-0001' } } });
      expect((await rawPost(harness.url, hashOnly(large))).body.errors?.[0]?.message).toBe('PersistedQueryNotFound');
    } finally {
      await harness.close();
    }
  });
});

describe('automatic persisted queries under enforced trusted documents', () => {
  let harness: Harness;
  beforeAll(async () => {
    const manifest = join(mkdtempSync(join(tmpdir(), 'ballast-apq-')), 'persisted-documents.json');
    writeFileSync(manifest, JSON.stringify({ [sha256(sentText(PRODUCT))]: sentText(PRODUCT) }));
    harness = await startHarness({ mode: 'production', trustedDocuments: { manifest } });
  });
  afterAll(() => harness.close());

  it('runs a manifest document by its hash in one request', async () => {
    const { client, sent } = apqClient(harness.url, false);
    const result = await client.query({ query: PRODUCT, variables: { id: 'p-0005' }, fetchPolicy: 'network-only' });
    expect(result.data).toEqual({ product: { __typename: 'Product', id: 'p-0005', name: 'Sleek Oak Speaker' } });
    expect(sent.map((request) => [request.hasQuery, request.status])).toEqual([[false, 200]]);
  });

  it('never registers a document that is not in the manifest', async () => {
    const { client } = apqClient(harness.url, false);
    const result = await client.query({ query: CATEGORY, variables: { id: 'p-0001' }, fetchPolicy: 'network-only', errorPolicy: 'all' });
    expect(result.data).toBeUndefined();
    expect(result.errors?.map((error) => error.message)).toEqual(['PersistedQueryOnly']);
    const again = await rawPost(harness.url, { ...hashOnly(CATEGORY), variables: { id: 'p-0001' } });
    expect(again.body.errors?.map((error) => [error.message, error.extensions?.code])).toEqual([['PersistedQueryNotFound', 'PERSISTED_QUERY_NOT_IN_LIST']]);
    expect((await rawPost(harness.url, { ...hashOnly(PRODUCT), variables: { id: 'p-0001' } })).body).toEqual({ data: { product: { __typename: 'Product', id: 'p-0001', name: 'Cozy Bamboo Trail Pack' } } });
  });
});
